#!/usr/bin/env python3
"""Provisioning into PostgreSQL: a benchmark, not a test.

Measures, against the release binary and a PostgreSQL warehouse that it starts itself:

1. Time from approval to the first successful SELECT. A user submits a request on a data product whose form
   approves at once; `psql` then runs `SELECT 1 FROM <schema>.<table>` as the user's role every ~20 ms until it
   succeeds. Repeated --samples times (different users and products), on an empty warehouse (before the bulk load)
   and again at scale (with the --requests approved requests in place); median, p90 and max, counted from the
   request's 201 answer (approval is committed before it) and from the moment the request was sent.
2. A full reconcile cycle at scale: --users LOGIN roles, --tables tables (10 tables per data product) and
   --requests approved requests, submitted through the API from several threads while the server runs (and
   provisions them as they come). The server is then stopped, every privilege is revoked behind the marketplace's
   back in the warehouse, and two `marketplace provisioning reconcile` invocations are timed (wall time, process
   start to exit): the first grants everything again (the marketplace records these as drift repairs, since it had
   granted them before), the second finds nothing to change (steady state).

Also reported: the submission rate, how long the running server took to have provisioned everything after the last
submission, the server's peak resident memory (VmHWM) and that of each reconcile invocation.

How it runs: a temporary PostgreSQL (initdb/pg_ctl from /usr/lib/postgresql/*/bin, on a free port, trust auth,
default settings, so fsync on unless --fsync-off) is the warehouse; the marketplace's own database is SQLite in a
scratch directory (or --marketplace-on-postgres: a second database in that same server; or --database-url: a
PostgreSQL database of your own, empty). It generates the directory (one tenant, one domain, the users with an
account on the `warehouse` connection, a data source per table), imports it, creates tokens and runs
`marketplace serve --provisioning-interval 1h` so that only access changes and the explicit reconciles run cycles.
Everything it started is stopped at the end, on failure too (--keep keeps the scratch directories).

    cargo build --release && python3 scripts/bench_provisioning.py          # 1,000 roles x 1,000 tables, 10,000 requests
    python3 scripts/bench_provisioning.py --quick                           # 50 users, 50 tables, 200 requests
    python3 scripts/bench_provisioning.py --marketplace-on-postgres --samples 10

Needs python3 (standard library only) and PostgreSQL's binaries (initdb, pg_ctl, psql); run as root, the
PostgreSQL server runs as the `postgres` user (through runuser).
"""

import argparse
import concurrent.futures
import datetime
import glob
import json
import math
import os
import platform as host_platform
import queue
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENANT = "bench"
CONNECTION = "warehouse"
URL_ENV = "MARKETPLACE_CONNECTION_WAREHOUSE"
DOMAIN_ID = "6b1f7c1a-2d4e-4f3a-9b8c-0d1e2f3a4b5c"
DOMAIN_NAME = "Bench"
TABLES_PER_PRODUCT = 10
POLL_SECONDS = 0.02
# The request form of every product: the fields of the test suite's `sales_form`, approving at once.
PURPOSE, TEAM, REGIONS, DURATION = (f"0c4b9a52-000{n}-4c1e-9a51-6c2d7e8f9a01" for n in (1, 2, 3, 4))


class BenchError(Exception):
    pass


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values, fraction):
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


# ---------------------------------------------------------------------------------------------------------------
# The warehouse: a temporary PostgreSQL server.


class Postgres:
    def __init__(self, fsync):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
        if not bins or not os.access(os.path.join(bins[-1], "initdb"), os.X_OK):
            raise BenchError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install postgresql")
        self.bin = bins[-1]
        self.fsync = fsync
        self.root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="marketplace-bench-pg-")
        if self.root:
            shutil.chown(self.dir, "postgres")
        self.port = free_port()
        self.started = False

    def tool(self, name):
        return os.path.join(self.bin, name)

    def as_postgres(self, command, **kwargs):
        if self.root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, cwd=self.dir, check=True, **kwargs)

    def start(self):
        data = os.path.join(self.dir, "data")
        self.as_postgres([self.tool("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--no-locale", "-E", "UTF8"],
                         stdout=subprocess.DEVNULL)
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=300"
        if not self.fsync:
            options += " -c fsync=off"
        self.as_postgres([self.tool("pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "postgres.log"), "-w",
                          "-o", options, "start"], stdout=subprocess.DEVNULL)
        self.started = True

    def stop(self, keep):
        if self.started:
            try:
                self.as_postgres([self.tool("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "fast", "-w", "stop"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            except (subprocess.SubprocessError, OSError):
                try:
                    self.as_postgres([self.tool("pg_ctl"), "-D", os.path.join(self.dir, "data"), "-m", "immediate",
                                      "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
                except (subprocess.SubprocessError, OSError):
                    pass
            self.started = False
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database, user="postgres"):
        return f"postgres://{user}@127.0.0.1:{self.port}/{database}"

    def psql(self, database, sql=None, file=None, user="postgres", check=True):
        """Runs SQL as `user` (over TCP, trust); its stdout. Errors stop the script (ON_ERROR_STOP)."""
        command = [self.tool("psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                   "-p", str(self.port), "-U", user, "-d", database]
        command += ["-c", sql] if sql is not None else ["-1", "-f", file]
        done = subprocess.run(command, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise BenchError(f"psql as {user} on {database} failed ({done.returncode}): {done.stderr.strip()[:2000]}")
        return done

    def can_select(self, role, relation):
        """Whether `role` may read `relation`: one psql process, connecting and querying."""
        command = [self.tool("psql"), "-X", "-q", "-tA", "-h", "127.0.0.1", "-p", str(self.port), "-U", role,
                   "-d", CONNECTION, "-c", f"SELECT 1 FROM {relation} LIMIT 1"]
        done = subprocess.run(command, capture_output=True, text=True)
        return done.returncode == 0 and done.stdout.strip() == "1"

    def version(self):
        return subprocess.run([self.tool("postgres"), "--version"], capture_output=True, text=True).stdout.strip()


# ---------------------------------------------------------------------------------------------------------------
# What the benchmark creates: schemas, tables, roles, products and who requests what.


class Layout:
    def __init__(self, users, tables, requests):
        if tables % TABLES_PER_PRODUCT:
            raise BenchError(f"--tables must be a multiple of {TABLES_PER_PRODUCT} (tables are grouped into products)")
        self.users, self.tables, self.requests = users, tables, requests
        self.products = tables // TABLES_PER_PRODUCT
        if requests > users * self.products:
            raise BenchError(f"--requests {requests} is more than {users} users x {self.products} products")
        self.schemas = min(10, self.products)
        self.per_schema = math.ceil(tables / self.schemas)

    def schema(self, index):
        return f"s{index:02d}"

    def table(self, index):
        """(schema, table) of table `index`: consecutive tables share a schema."""
        return self.schema(index // self.per_schema), f"t{index:04d}"

    def username(self, index):
        return f"user{index:04d}"

    def role(self, index):
        return f"wh_user{index:04d}"

    def global_user_id(self, index):
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"marketplace-bench/{self.username(index)}"))

    def product_tables(self, product):
        return range(product * TABLES_PER_PRODUCT, (product + 1) * TABLES_PER_PRODUCT)

    def assignment(self):
        """Every (user, product) requested: each user distinct products, `requests` in all."""
        base, extra = divmod(self.requests, self.users)
        pairs = []
        for user in range(self.users):
            for j in range(base + (user < extra)):
                pairs.append((user, (user * base + j) % self.products))
        return pairs

    def spare_product(self, user):
        """A product `user` did not request in the assignment (None if they requested them all)."""
        base, extra = divmod(self.requests, self.users)
        count = base + (user < extra)
        if count >= self.products:
            return None
        return (user * base + count) % self.products

    def privileges(self, pairs):
        """(table SELECT grants, schema USAGE grants) that `pairs` give."""
        tables, schemas = set(), set()
        for user, product in pairs:
            for index in self.product_tables(product):
                schema, table = self.table(index)
                tables.add((user, schema, table))
                schemas.add((user, schema))
        return len(tables), len(schemas)

    def warehouse_sql(self):
        lines = [f"CREATE SCHEMA {self.schema(s)};" for s in range(self.schemas)]
        for index in range(self.tables):
            schema, table = self.table(index)
            lines.append(f"CREATE TABLE {schema}.{table} (id integer PRIMARY KEY, label text);")
            lines.append(f"INSERT INTO {schema}.{table} VALUES (1, 'row of {table}');")
        lines += [f"CREATE ROLE {self.role(user)} LOGIN;" for user in range(self.users)]
        return "\n".join(lines) + "\n"

    def revoke_sql(self):
        schemas = ", ".join(self.schema(s) for s in range(self.schemas))
        roles = ", ".join(self.role(user) for user in range(self.users))
        return (f"REVOKE ALL ON ALL TABLES IN SCHEMA {schemas} FROM {roles};\n"
                f"REVOKE ALL ON SCHEMA {schemas} FROM {roles};\n")

    def directory_yaml(self):
        out = [
            "# Generated by scripts/bench_provisioning.py",
            f"tenant: {{shortKey: {TENANT}, name: Provisioning Bench}}",
            f"domains:\n  - {{id: {DOMAIN_ID}, name: {DOMAIN_NAME}, description: Benchmark tables}}",
            f"connections:\n  - {{name: {CONNECTION}, platform: PostgreSQL, urlEnv: {URL_ENV}}}",
            "users:",
            "  - {id: 1, globalUserId: " + str(uuid.uuid5(uuid.NAMESPACE_URL, "marketplace-bench/admin"))
            + ", username: admin, name: Bench Admin, email: admin@bench.example, "
            "permissions: [APPLICATION_ADMIN, GOVERNANCE]}",
            "  - {id: 2, globalUserId: " + str(uuid.uuid5(uuid.NAMESPACE_URL, "marketplace-bench/publisher"))
            + ", username: publisher, name: Bench Publisher, email: publisher@bench.example, "
            f"domainPermissions: [{{domain: {DOMAIN_NAME}, permission: Manage Data Products}}]}}",
        ]
        for user in range(self.users):
            name = self.username(user)
            out.append(f"  - {{id: {user + 3}, globalUserId: {self.global_user_id(user)}, username: {name}, "
                       f"name: Bench User {user}, email: {name}@bench.example, "
                       f"accounts: {{{CONNECTION}: {self.role(user)}}}}}")
        out.append("dataSources:")
        for index in range(self.tables):
            schema, table = self.table(index)
            out.append(f"  - {{id: {index + 1}, name: Bench {schema}.{table}, domain: {DOMAIN_NAME}, platform: PostgreSQL, "
                       f"database: {CONNECTION}, schema: {schema}, table: {table}, connection: {CONNECTION}, "
                       "columns: [{name: id, type: integer}, {name: label, type: text}]}")
        return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# The marketplace: the binary's commands, the server, the API.


class Marketplace:
    def __init__(self, binary, scratch, database_url, warehouse_url):
        self.binary = binary
        self.scratch = scratch
        self.common = ["--data-dir", scratch] + (["--database-url", database_url] if database_url else [])
        self.env = dict(os.environ, **{URL_ENV: warehouse_url})
        self.env.pop("MARKETPLACE_DATABASE_URL", None)
        self.server = None
        self.base = None
        self.starts = 0
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def run(self, *args):
        done = subprocess.run([self.binary, *args, *self.common], env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BenchError(f"marketplace {' '.join(args)} failed ({done.returncode}):\n{done.stderr.strip()[-3000:]}")
        return done.stdout

    def token(self, username):
        return self.run("token", "create", "--tenant", TENANT, "--user", username).strip()

    def timed(self, *args):
        """Runs a command; (wall seconds, stdout, peak RSS in MB of that process)."""
        out_path = os.path.join(self.scratch, "command.out")
        err_path = os.path.join(self.scratch, "command.err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            started = time.monotonic()
            process = subprocess.Popen([self.binary, *args, *self.common], env=self.env, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        with open(out_path) as out, open(err_path) as err:
            stdout, stderr = out.read(), err.read()
        if process.returncode != 0:
            raise BenchError(f"marketplace {' '.join(args)} failed ({process.returncode}) after {elapsed:.1f} s:\n"
                             f"{stderr.strip()[-3000:]}\n{stdout.strip()[-3000:]}")
        return elapsed, stdout, usage.ru_maxrss / 1024

    def start(self):
        port = free_port()
        self.starts += 1
        self.log_path = os.path.join(self.scratch, f"server-{self.starts}.log")
        self.server = subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{port}", "--provisioning-interval", "1h", *self.common],
            env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.log_path, "w"))
        self.base = f"http://127.0.0.1:{port}/marketplace"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"the server exited ({self.server.returncode}):\n{self.server_log()}")
            try:
                with self.opener.open(f"{self.base}/health/live", timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise BenchError("the server did not answer within 60 s")

    def peak_rss_mb(self):
        with open(f"/proc/{self.server.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def stop(self):
        if self.server is None:
            return
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                log("the server did not stop within 30 s of SIGTERM: killing it")
                self.server.kill()
                self.server.wait()
        self.server = None

    def server_log(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except (OSError, AttributeError):
            return ""

    def api(self, method, path, token, body=None, expect=(200, 201)):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=300) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        if status not in expect:
            raise BenchError(f"{method} {path}: {status} {payload[:1000].decode(errors='replace')}")
        return json.loads(payload) if payload else None


def form_body(agreement):
    return {
        "name": "Bench access",
        "fields": [
            {"id": PURPOSE, "type": "SHORT_ANSWER", "label": "What will you use the data for?"},
            {"id": TEAM, "type": "DROPDOWN", "label": "Team", "required": True,
             "options": [{"value": "Marketing"}, {"value": "Finance"}]},
            {"id": REGIONS, "type": "CHECKBOXES", "label": "Regions", "required": False,
             "options": [{"value": "EU"}, {"value": "US"}]},
            {"id": DURATION, "type": "ACCESS_DURATION", "label": "How long do you need access to this data?", "required": True},
        ],
        "policy": {"rules": [], "defaultEvent": {"type": "approve", "params": {}}},
        "dataUseAgreementIds": [agreement],
    }


def request_body(global_user_id, agreement):
    return {"user": global_user_id, "form": {
        "answers": [
            {"fieldId": PURPOSE, "value": "Benchmark"},
            {"fieldId": TEAM, "value": "Marketing"},
            {"fieldId": DURATION, "value": {"duration": 30, "durationUnit": "DAYS"}},
        ],
        "acceptedDataUseAgreementIds": [agreement]}}


# ---------------------------------------------------------------------------------------------------------------
# The measurements.


class Bench:
    def __init__(self, args):
        self.args = args
        self.layout = Layout(args.users, args.tables, args.requests)
        self.results = {}
        self.notes = []

    def setup(self, pg, market):
        layout = self.layout
        log(f"warehouse: {layout.schemas} schemas, {layout.tables} tables, {layout.users} roles")
        pg.psql("postgres", f"CREATE DATABASE {CONNECTION}")
        script = os.path.join(pg.dir, "warehouse.sql")
        with open(script, "w") as f:
            f.write(layout.warehouse_sql())
        os.chmod(script, 0o644)
        pg.psql(CONNECTION, file=script)

        directory = os.path.join(market.scratch, "directory.yaml")
        with open(directory, "w") as f:
            f.write(layout.directory_yaml())
        started = time.monotonic()
        market.run("directory", "import", directory)
        log(f"directory imported ({time.monotonic() - started:.1f} s)")
        self.admin = market.token("admin")
        self.publisher = market.token("publisher")

    def catalog(self, market):
        """One agreement, one auto-approving form, and a product per 10 tables; product ids by index."""
        agreement = market.api("POST", "/api/data-use-agreement", self.publisher,
                               {"name": "Bench terms", "body": "Benchmark data only."})["id"]
        form = market.api("POST", "/api/request-form", self.publisher, form_body(agreement))["id"]
        self.agreement = agreement
        self.product_ids = []
        started = time.monotonic()
        for product in range(self.layout.products):
            body = {
                "name": f"Bench product {product:03d}",
                "description": f"Tables {product * TABLES_PER_PRODUCT} to {(product + 1) * TABLES_PER_PRODUCT - 1}.",
                "metadata": None,
                "domains": [DOMAIN_ID],
                "dataSources": [{"sourceId": str(index + 1)} for index in self.layout.product_tables(product)],
                "dataAccessRequestFormId": form,
            }
            self.product_ids.append(market.api("POST", "/api/data-product", self.publisher, body)["id"])
        log(f"{self.layout.products} products published ({time.monotonic() - started:.1f} s)")

    def submit(self, market, token, user, product):
        body = request_body(self.layout.global_user_id(user), self.agreement)
        created = market.api("POST", f"/api/data-product/{self.product_ids[product]}/request", token, body,
                             expect=(201,))
        shown = created[0] if isinstance(created, list) else created
        if shown.get("status") != "APPROVED":
            raise BenchError(f"request of user {user} on product {product} is {shown.get('status')}, not APPROVED")
        return shown["id"]

    def latency(self, pg, market, pairs, label):
        """Approval to the first successful SELECT for each (user, product), one after another."""
        from_answer, from_send, answer = [], [], []
        polls, poll_time = 0, 0.0
        for number, (user, product) in enumerate(pairs):
            token = market.token(self.layout.username(user))
            schema, table = self.layout.table(self.layout.product_tables(product)[0])
            relation = f"{schema}.{table}"
            if pg.can_select(self.layout.role(user), relation):
                raise BenchError(f"{self.layout.role(user)} can read {relation} before requesting it")
            time.sleep(0.5)  # lets the cycle of the previous sample end
            sent = time.monotonic()
            request_id = self.submit(market, token, user, product)
            answered = time.monotonic()
            deadline = answered + 120
            while True:
                tried = time.monotonic()
                ok = pg.can_select(self.layout.role(user), relation)
                done = time.monotonic()
                polls += 1
                poll_time += done - tried
                if ok:
                    break
                if done > deadline:
                    raise BenchError(f"{label}: {self.layout.role(user)} still cannot read {relation} 120 s after "
                                     f"its request was approved\nserver log:\n{market.server_log()}")
                time.sleep(max(0.0, POLL_SECONDS - (done - tried)))
            from_answer.append(done - answered)
            from_send.append(done - sent)
            answer.append(answered - sent)
            log(f"{label} {number + 1}/{len(pairs)}: {self.layout.username(user)} reads {relation} "
                f"{(done - answered) * 1000:.0f} ms after approval")
        shown = market.api("GET", f"/api/access-request/{request_id}/provisioning", self.admin)
        if shown["state"] != "APPLIED":
            self.notes.append(f"{label}: the last request's provisioning state is {shown['state']}, not APPLIED")
        return {"from_answer": from_answer, "from_send": from_send, "answer": answer,
                "poll_ms": poll_time / polls * 1000}

    def bulk(self, market, pairs):
        """Submits `pairs` from several threads, as the administrator on the users' behalf."""
        work = queue.Queue()
        for pair in pairs:
            work.put(pair)
        failures = []
        done = [0]
        lock = threading.Lock()

        def worker():
            while True:
                try:
                    user, product = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    self.submit(market, self.admin, user, product)
                except Exception as error:  # noqa: BLE001 - counted and reported
                    with lock:
                        failures.append(f"user {user} product {product}: {error}")
                with lock:
                    done[0] += 1
                    if done[0] % 1000 == 0:
                        log(f"submitted {done[0]}/{len(pairs)}")

        started = time.monotonic()
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        if failures:
            raise BenchError(f"{len(failures)} of {len(pairs)} submissions failed; first: {failures[:3]}")
        return elapsed

    def wait_provisioned(self, market, expected):
        """Waits until the server's last cycle holds every wanted privilege; seconds, or None at the timeout."""
        started = time.monotonic()
        deadline = started + self.args.settle_timeout
        last = None
        while time.monotonic() < deadline:
            status = market.api("GET", "/api/provisioning/status", self.admin)[0]
            last = status
            if status["applied"] == expected and status["pending"] == 0 and status["failed"] == 0:
                return time.monotonic() - started, status
            if market.server.poll() is not None:
                raise BenchError(f"the server exited ({market.server.returncode}):\n{market.server_log()}")
            time.sleep(0.25)
        self.notes.append(f"the server had not provisioned everything {self.args.settle_timeout:.0f} s after the last "
                          f"submission: last status {json.dumps(last)}")
        return None, last

    def grants_in_warehouse(self, pg):
        roles = "'wh\\_user%'"
        tables = pg.psql(CONNECTION, "SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
                                     "JOIN pg_roles r ON r.oid = a.grantee "
                                     f"WHERE a.privilege_type = 'SELECT' AND r.rolname LIKE {roles}").stdout.strip()
        schemas = pg.psql(CONNECTION, "SELECT count(*) FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a "
                                      "JOIN pg_roles r ON r.oid = a.grantee "
                                      f"WHERE a.privilege_type = 'USAGE' AND r.rolname LIKE {roles}").stdout.strip()
        return int(tables), int(schemas)

    def reconcile(self, market, label):
        elapsed, stdout, rss = market.timed("provisioning", "reconcile")
        match = re.search(r"^-- \S+: ran (\d+) statement\(s\)", stdout, re.M)
        if not match:
            raise BenchError(f"{label}: cannot find the statement count in the output:\n{stdout[:2000]}")
        statements = int(match.group(1))
        problems = [line for line in stdout.splitlines() if line.startswith(("-- error", "-- cannot apply"))]
        if problems:
            self.notes.append(f"{label}: " + "; ".join(problems[:5]))
        grants = sum(1 for line in stdout.splitlines() if line.startswith("GRANT "))
        revokes = sum(1 for line in stdout.splitlines() if line.startswith("REVOKE "))
        log(f"{label}: {elapsed:.2f} s, {statements} statements ({grants} GRANT, {revokes} REVOKE), "
            f"peak RSS {rss:.0f} MB")
        return {"seconds": elapsed, "statements": statements, "grants": grants, "revokes": revokes, "rss": rss}

    def pick_latency_pairs(self, pairs, count):
        """Up to `count` pairs of distinct users, with distinct products as far as there are."""
        chosen, users, products = [], set(), set()
        for distinct_products in (True, False):
            for user, product in pairs:
                if len(chosen) == count:
                    return chosen
                if user in users or (distinct_products and product in products):
                    continue
                chosen.append((user, product))
                users.add(user)
                products.add(product)
        return chosen

    def run(self, pg, market):
        layout, args = self.layout, self.args
        self.setup(pg, market)
        market.start()
        log(f"server at {market.base} (pid {market.server.pid})")
        self.catalog(market)

        pairs = layout.assignment()
        first = self.pick_latency_pairs(pairs, args.samples)
        self.results["latency_empty"] = self.latency(pg, market, first, "empty warehouse")

        chosen = set(first)
        rest = [pair for pair in pairs if pair not in chosen]
        log(f"submitting {len(rest)} requests from {args.threads} threads")
        elapsed = self.bulk(market, rest)
        self.results["bulk"] = (len(rest), elapsed)
        log(f"{len(rest)} submitted in {elapsed:.1f} s")

        table_grants, schema_grants = layout.privileges(pairs)
        expected = table_grants + schema_grants
        self.results["expected"] = (table_grants, schema_grants)
        settled, status = self.wait_provisioned(market, expected)
        self.results["settled"] = settled
        self.results["status_after_bulk"] = status
        log(f"server provisioned everything {settled if settled is None else round(settled, 1)} s after the last "
            f"submission; status {json.dumps(status)}")
        self.results["server_rss_bulk"] = market.peak_rss_mb()
        market.stop()

        held = self.grants_in_warehouse(pg)
        if held != (table_grants, schema_grants):
            self.notes.append(f"after the submissions the warehouse holds {held[0]} table and {held[1]} schema grants "
                              f"to the roles, expected {table_grants} and {schema_grants}")
        log(f"revoking every privilege of the {layout.users} roles in the warehouse")
        script = os.path.join(pg.dir, "revoke.sql")
        with open(script, "w") as f:
            f.write(layout.revoke_sql())
        os.chmod(script, 0o644)
        pg.psql(CONNECTION, file=script)
        if self.grants_in_warehouse(pg) != (0, 0):
            raise BenchError("privileges remain after the revocation")

        self.results["first"] = self.reconcile(market, "first reconcile")
        held = self.grants_in_warehouse(pg)
        if held != (table_grants, schema_grants):
            self.notes.append(f"after the first reconcile the warehouse holds {held[0]} table and {held[1]} schema "
                              f"grants, expected {table_grants} and {schema_grants}")
        self.results["steady"] = self.reconcile(market, "steady reconcile")
        status = market.run("provisioning", "status").strip()
        self.results["status_cli"] = status
        log(status)

        spare = []
        for user, _ in first:
            product = layout.spare_product(user)
            if product is not None:
                spare.append((user, product))
        if spare:
            market.start()
            log(f"server restarted at {market.base} (pid {market.server.pid})")
            self.results["latency_scale"] = self.latency(pg, market, spare, "at scale")
            self.results["server_rss_scale"] = market.peak_rss_mb()
            market.stop()
        else:
            self.notes.append("every user requested every product: no latency at scale measured")


# ---------------------------------------------------------------------------------------------------------------
# The report.


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal:"))
    return f"{os.cpu_count()} CPUs ({model}), {total / 1024 / 1024:.1f} GiB RAM, {host_platform.system()} " \
           f"{host_platform.release()}"


def commit():
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def ms(seconds):
    return f"{seconds * 1000:,.0f} ms"


def summary(values):
    return f"{ms(statistics.median(values))} / {ms(percentile(values, 0.9))} / {ms(max(values))}"


def report(bench, args, pg, database):
    r, layout = bench.results, bench.layout
    n = "{:,}".format
    lines = [
        "",
        "## Provisioning benchmark",
        "",
        f"- machine: {machine()}",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}; "
        f"marketplace {commit()}, release build",
        f"- warehouse: {pg.version()}, local, default settings{'' if args.fsync else ' but fsync=off'}",
        f"- marketplace database: {database}",
        f"- parameters: {n(layout.users)} users (LOGIN roles), {n(layout.tables)} tables in {layout.schemas} schemas "
        f"(one row each), {n(layout.products)} products of {TABLES_PER_PRODUCT} tables, {n(layout.requests)} approved "
        f"requests ({layout.requests // layout.users}{'+' if layout.requests % layout.users else ''} products per user), "
        f"{args.threads} submitting threads, `--provisioning-interval 1h`",
        "",
        "| measurement | result |",
        "|---|---|",
    ]
    for key, label in (("latency_empty", "empty warehouse"), ("latency_scale", f"{n(layout.requests)} approved requests in place")):
        if key in r:
            lat = r[key]
            count = len(lat["from_answer"])
            lines.append(f"| approval → first successful `SELECT`, {label} ({count} requests): median / p90 / max "
                         f"| {summary(lat['from_answer'])} |")
            lines.append(f"| … counted from sending the request (its `POST` took a median of "
                         f"{ms(statistics.median(lat['answer']))}) | {summary(lat['from_send'])} |")
    if "bulk" in r:
        count, elapsed = r["bulk"]
        lines.append(f"| {n(count)} submissions through the API (all approved at once) | {elapsed:,.1f} s "
                     f"({count / elapsed:,.0f} per s) |")
    if "expected" in r:
        tables, schemas = r["expected"]
        settled = r.get("settled")
        lines.append(f"| privileges those requests call for | {n(tables)} table `SELECT` + {n(schemas)} schema `USAGE` "
                     f"= {n(tables + schemas)} |")
        lines.append("| the running server had provisioned them all, after the last submission | "
                     + (f"{settled:,.1f} s" if settled is not None else f"not within {args.settle_timeout:.0f} s")
                     + " |")
    if r.get("server_rss_bulk"):
        lines.append(f"| server peak RSS (VmHWM) through the submissions | {r['server_rss_bulk']:,.0f} MB |")
    if "first" in r:
        first = r["first"]
        lines.append(f"| first reconcile, everything revoked in the warehouse (`provisioning reconcile`, server "
                     f"stopped; recorded as drift repairs) | {first['seconds']:,.1f} s, {n(first['statements'])} "
                     f"statements, peak RSS {first['rss']:,.0f} MB |")
    if "steady" in r:
        steady = r["steady"]
        lines.append(f"| steady-state reconcile, nothing to change | {steady['seconds']:,.2f} s, "
                     f"{n(steady['statements'])} statements, peak RSS {steady['rss']:,.0f} MB |")
    if r.get("server_rss_scale"):
        lines.append(f"| server peak RSS (VmHWM), restarted, through the latency-at-scale requests "
                     f"| {r['server_rss_scale']:,.0f} MB |")
    polls = [r[key]["poll_ms"] for key in ("latency_empty", "latency_scale") if key in r]
    lines.append("")
    if polls:
        lines.append(f"Latencies are as `psql` sees them: a new process and connection per attempt, an attempt every "
                     f"~{POLL_SECONDS * 1000:.0f} ms, each attempt taking {statistics.mean(polls):.0f} ms on average "
                     f"(the resolution of these figures).")
    for note in bench.notes:
        lines.append(f"- note: {note}")
    if "status_cli" in r:
        lines.append(f"`marketplace provisioning status` at the end: `{r['status_cli']}`")
    print("\n".join(lines), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="users, each with a LOGIN role (default 1000)")
    parser.add_argument("--tables", type=int, default=1000, help="tables, a data source each (default 1000)")
    parser.add_argument("--requests", type=int, default=10000, help="approved data access requests (default 10000)")
    parser.add_argument("--quick", action="store_true", help="50 users, 50 tables, 200 requests, 5 samples")
    parser.add_argument("--samples", type=int, default=20, help="approval-to-SELECT measurements per phase (20)")
    parser.add_argument("--threads", type=int, default=8, help="threads submitting requests (8)")
    parser.add_argument("--settle-timeout", type=float, default=900,
                        help="seconds to wait for the server to provision the submissions (900)")
    parser.add_argument("--database-url", help="the marketplace's database: a PostgreSQL URL of an empty database "
                                               "(default: SQLite in the scratch directory)")
    parser.add_argument("--marketplace-on-postgres", action="store_true",
                        help="put the marketplace's database in the temporary PostgreSQL server too")
    parser.add_argument("--fsync-off", dest="fsync", action="store_false",
                        help="run the temporary PostgreSQL with fsync=off")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/marketplace"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories (logs, databases)")
    args = parser.parse_args()
    if args.quick:
        args.users, args.tables, args.requests = 50, 50, 200
        if args.samples == 20:
            args.samples = 5
    if args.database_url and args.marketplace_on_postgres:
        parser.error("--database-url and --marketplace-on-postgres exclude each other")
    if not os.access(args.binary, os.X_OK):
        parser.error(f"{args.binary} is missing: cargo build --release first")

    bench = Bench(args)
    pg = Postgres(args.fsync)
    scratch = tempfile.mkdtemp(prefix="marketplace-bench-")
    market = None
    try:
        pg.start()
        log(f"PostgreSQL on port {pg.port} ({pg.dir})")
        database_url = args.database_url
        if args.marketplace_on_postgres:
            pg.psql("postgres", "CREATE DATABASE marketplace")
            database_url = pg.url("marketplace")
        database = ("PostgreSQL, the warehouse's server (database `marketplace`)" if args.marketplace_on_postgres
                    else "PostgreSQL at --database-url" if database_url else "SQLite (default settings)")
        market = Marketplace(args.binary, scratch, database_url, pg.url(CONNECTION))
        bench.run(pg, market)
        report(bench, args, pg, database)
        return 0
    except (BenchError, subprocess.CalledProcessError) as error:
        log(f"FAILED: {error}")
        if market is not None and market.server_log():
            log(f"last lines of the server's log ({market.log_path}):\n{market.server_log()}")
        if bench.results:
            report(bench, args, pg, "(partial)")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        if bench.results:
            report(bench, args, pg, "(partial)")
        return 130
    finally:
        if market is not None:
            market.stop()
        pg.stop(args.keep)
        if args.keep:
            log(f"kept {scratch} and {pg.dir}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
