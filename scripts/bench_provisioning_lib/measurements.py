"""The measurements: the API prober and the benchmark run (setup, latencies, bulk submissions, reconciles)."""

import json
import os
import queue
import re
import threading
import time

from .common import CONNECTION, DOMAIN_ID, POLL_SECONDS, TABLES_PER_PRODUCT, BenchError, log
from .layout import Layout
from .marketplace import form_body, request_body


class Prober(threading.Thread):
    """Meanwhile, an authenticated `GET /api/auth/user` every 50 ms: how the API answers while cycles run."""

    def __init__(self, market, token):
        super().__init__(daemon=True)
        self.market, self.token = market, token
        self.latencies, self.failures = [], 0
        self.running = True

    def run(self):
        while self.running:
            started = time.monotonic()
            try:
                sent = time.time()
                self.market.api("GET", "/api/auth/user", self.token, expect=(200,))
                self.latencies.append(time.monotonic() - started)
                if self.latencies[-1] > 1:
                    log(f"GET /api/auth/user sent at {time.strftime('%H:%M:%S', time.localtime(sent))}"
                        f".{int(sent * 1000) % 1000:03d} took {self.latencies[-1]:.1f} s")
            except (BenchError, OSError):
                self.failures += 1
            time.sleep(max(0.0, 0.05 - (time.monotonic() - started)))

    def stop(self):
        self.running = False
        self.join()
        return {"latencies": self.latencies, "failures": self.failures}


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
        from_answer, from_send, answer, recorded = [], [], [], []
        polls, poll_time = 0, 0.0
        for number, (user, product) in enumerate(pairs):
            token = market.token(self.layout.username(user))
            schema, table = self.layout.table(self.layout.product_tables(product)[0])
            relation = f"{schema}.{table}"
            if pg.can_select(self.layout.role(user), relation):
                raise BenchError(f"{self.layout.role(user)} can read {relation} before requesting it")
            time.sleep(0.2)
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
            # The cycle records what it did after the platform has it: wait for the API to say so (this also lets
            # the cycle end before the next sample).
            while True:
                shown = market.api("GET", f"/api/access-request/{request_id}/provisioning", token)
                if shown["state"] == "APPLIED":
                    recorded.append(time.monotonic() - answered)
                    break
                if shown["state"] == "FAILED" or time.monotonic() > deadline:
                    raise BenchError(f"{label}: request {request_id} is {shown['state']} in the API although "
                                     f"{relation} can be read: {json.dumps(shown)[:1000]}")
                time.sleep(POLL_SECONDS)
            log(f"{label} {number + 1}/{len(pairs)}: {self.layout.username(user)} reads {relation} "
                f"{(done - answered) * 1000:.0f} ms after approval; APPLIED in the API after "
                f"{recorded[-1] * 1000:.0f} ms; server RSS {market.rss_mb()[1]:.0f} MB")
        return {"from_answer": from_answer, "from_send": from_send, "answer": answer, "recorded": recorded,
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
        """Waits until the server's last cycle holds every wanted privilege; seconds, or None if it does not get
        there. When no cycle has ended for a long while (twice the longest wait between cycles seen, and at least
        60 s) without getting there, asks for one (`POST /api/provisioning/reconcile`) and says so."""
        started = time.monotonic()
        deadline = started + self.args.settle_timeout
        last, last_cycle, changed, longest = None, None, started, 0.0
        while time.monotonic() < deadline:
            status = market.api("GET", "/api/provisioning/status", self.admin)[0]
            last = status
            if status["applied"] == expected and status["pending"] == 0 and status["failed"] == 0:
                return time.monotonic() - started, status
            if market.server.poll() is not None:
                raise BenchError(f"the server exited ({market.server.returncode}):\n{market.server_log()}")
            now = time.monotonic()
            if status["lastCycleAt"] != last_cycle:
                log(f"a cycle ended at {status['lastCycleAt']}: applied {status['applied']}, pending "
                    f"{status['pending']}, failed {status['failed']}")
                longest = max(longest, now - changed)
                last_cycle, changed = status["lastCycleAt"], now
            elif now - changed > max(60.0, 2 * longest):
                self.notes.append(
                    f"BUG? the server stopped provisioning {now - started:.0f} s after the last submission without "
                    f"having granted everything: status {json.dumps(status)}, expected {expected} applied; asked for "
                    "a cycle with POST /api/provisioning/reconcile")
                asked = time.monotonic()
                cycles = market.api("POST", "/api/provisioning/reconcile", self.admin)
                self.notes.append(f"POST /api/provisioning/reconcile took {time.monotonic() - asked:.1f} s and ran "
                                  f"{sum(len(c.get('statements', [])) for c in cycles)} statements")
                self.results["settle_asked"] = True
                last_cycle, changed = None, time.monotonic()
                continue
            time.sleep(0.25)
        self.notes.append(f"the server had not provisioned everything {self.args.settle_timeout:.0f} s after the last "
                          f"submission: last status {json.dumps(last)}")
        return None, last

    def grants_in_warehouse(self, pg):
        """(table SELECT, schema USAGE) privileges the users' roles hold. No join with pg_roles: with one, PostgreSQL
        15 may run aclexplode on each schema's 10,000-entry ACL once per role, which takes minutes."""
        ours = "a.grantee::regrole::text LIKE 'wh\\_user%'"
        tables = pg.psql(CONNECTION, "SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
                                     f"WHERE a.privilege_type = 'SELECT' AND {ours}").stdout.strip()
        schemas = pg.psql(CONNECTION, "SELECT count(*) FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a "
                                      f"WHERE a.privilege_type = 'USAGE' AND {ours}").stdout.strip()
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

    def revoke_all(self, pg):
        log(f"revoking every privilege of the {self.layout.users} roles in the warehouse")
        script = os.path.join(pg.dir, "revoke.sql")
        with open(script, "w") as f:
            f.write(self.layout.revoke_sql())
        pg.psql(CONNECTION, file=script)
        if self.grants_in_warehouse(pg) != (0, 0):
            raise BenchError("privileges remain after the revocation")

    def check_held(self, pg, after, table_grants, schema_grants):
        held = self.grants_in_warehouse(pg)
        if held != (table_grants, schema_grants):
            self.notes.append(f"after {after} the warehouse holds {held[0]} table and {held[1]} schema grants, "
                              f"expected {table_grants} and {schema_grants}")

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
        prober = Prober(market, self.admin)
        prober.start()
        elapsed = self.bulk(market, rest)
        self.results["bulk"] = (len(rest), elapsed)
        log(f"{len(rest)} submitted in {elapsed:.1f} s")

        table_grants, schema_grants = layout.privileges(pairs)
        expected = table_grants + schema_grants
        self.results["expected"] = (table_grants, schema_grants)
        settled, status = self.wait_provisioned(market, expected)
        self.results["settled"] = settled
        self.results["probe_bulk"] = prober.stop()
        self.results["status_after_bulk"] = status
        log(f"server provisioned everything {settled if settled is None else round(settled, 1)} s after the last "
            f"submission; status {json.dumps(status)}")
        self.results["server_rss_bulk"] = market.rss_mb()
        stopping = time.monotonic()
        market.stop()
        log(f"server stopped ({time.monotonic() - stopping:.1f} s)")

        held = self.grants_in_warehouse(pg)
        if held != (table_grants, schema_grants):
            self.notes.append(f"after the submissions the warehouse holds {held[0]} table and {held[1]} schema grants "
                              f"to the roles, expected {table_grants} and {schema_grants}")
        self.revoke_all(pg)
        self.results["first"] = self.reconcile(market, "repair reconcile")
        self.check_held(pg, "the repair reconcile", table_grants, schema_grants)
        self.results["steady"] = self.reconcile(market, "steady reconcile")
        status = market.run("provisioning", "status").strip()
        self.results["status_cli"] = status
        log(status)

        log("forgetting every provisioning record in the marketplace's database, and revoking in the warehouse")
        self.revoke_all(pg)
        market.forget_provisioning(pg)
        self.results["scratch"] = self.reconcile(market, "first reconcile from scratch")
        self.check_held(pg, "the first reconcile from scratch", table_grants, schema_grants)
        self.results["status_final"] = market.run("provisioning", "status").strip()
        log(self.results["status_final"])

        spare = []
        for user, _ in first:
            product = layout.spare_product(user)
            if product is not None:
                spare.append((user, product))
        if spare:
            market.start()
            log(f"server restarted at {market.base} (pid {market.server.pid})")
            prober = Prober(market, self.admin)
            prober.start()
            self.results["latency_scale"] = self.latency(pg, market, spare, "at scale")
            self.results["probe_scale"] = prober.stop()
            self.results["server_rss_scale"] = market.rss_mb()
            market.stop()
        else:
            self.notes.append("every user requested every product: no latency at scale measured")
