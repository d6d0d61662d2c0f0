#!/usr/bin/env python3
"""Property-based fuzzing of the API with schemathesis, against the marketplace binary over a fresh database.

Runs our own served OpenAPI document and Immuta's reference document (its known quirks mended first, see
immuta_quirks.py), each as an administrator and as a consumer, with a fixed seed and a bounded number of
examples. Fails on any answer of 500 or above and on any answer its document does not allow (status, content
type, body). The database is SQLite, or a new PostgreSQL database on the server that MARKETPLACE_TEST_DATABASE_URL
names (dropped afterwards).

    fuzz.py BINARY     (run by run.sh, which installs schemathesis and builds the binary)

MARKETPLACE_FUZZ_EXAMPLES (default 10) and MARKETPLACE_FUZZ_SEED (default 1) change the run.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REFERENCE = os.path.join(ROOT, "tests/reference/immuta-request-app-openapi.yml")
# The demo tenant's Sales domain (examples/directory.yaml).
SALES = "4d004a3a-4568-4c1d-822e-30958ef898dc"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Operations of Immuta's document whose request bodies schemathesis 4.32 cannot generate: their review flows
# (json-rules-engine conditions) and asset unions are too involved for its schema canonicaliser, which reports
# "Schemathesis does not support this part of it". The same operations are fuzzed through our own document and
# driven by the generated-client test (tests/generated_client).
UNGENERATABLE_IN_REFERENCE = [
    "createDataProduct",
    "updateDataProduct",
    "createRequestForm",
    "updateRequestForm",
    "updateAsset",
    "patchAsset",
    "requestAsset",
]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Database:
    """A fresh database: a SQLite file in `scratch`, or a PostgreSQL database created for this run."""

    def __init__(self, scratch):
        self.server = os.environ.get("MARKETPLACE_TEST_DATABASE_URL")
        if self.server:
            self.name = f"marketplace_fuzz_{uuid.uuid4().hex}"
            subprocess.run(["psql", "-q", self.server, "-c", f"CREATE DATABASE {self.name}"], check=True)
            self.url = f"{self.server.rsplit('/', 1)[0]}/{self.name}"
        else:
            self.url = f"sqlite://{scratch}/marketplace.db"

    def drop(self):
        if self.server:
            subprocess.run(["psql", "-q", self.server, "-c", f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)"],
                           check=False)


class Server:
    """The marketplace binary serving the demo tenant."""

    def __init__(self, binary, database, scratch):
        self.binary, self.scratch = binary, scratch
        port = free_port()
        self.base = f"http://127.0.0.1:{port}/marketplace"
        # Served as a deployment would be: the links it hands out are absolute, as Immuta's document wants.
        self.env = dict(os.environ, MARKETPLACE_DATABASE_URL=database.url, MARKETPLACE_DATA_DIR=scratch,
                        MARKETPLACE_PUBLIC_URL=f"http://127.0.0.1:{port}")
        self.run("directory", "import", os.path.join(ROOT, "examples/directory.yaml"))
        self.tokens = {user: self.run("token", "create", "--tenant", "demo", "--user", user, "--description",
                                      "fuzzing").strip() for user in ("admin", "casey")}
        self.log = open(os.path.join(scratch, "server.log"), "w")
        self.process = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}"], env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                if requests.get(f"{self.base}/health/live", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise SystemExit("the server did not start; see its log: " + os.path.join(scratch, "server.log"))

    def run(self, *args):
        return subprocess.run([self.binary, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def call(self, method, path, user="admin", **kwargs):
        response = requests.request(method, f"{self.base}{path}", timeout=10,
                                    headers={"Authorization": f"Bearer {self.tokens[user]}"}, **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def seed(server):
    """A little of everything, so that operations taking an id find one: an agreement, a form carrying it, a
    product in the Sales domain, and a pending request for it. Returns the ids, by name."""
    agreement = server.call("POST", "/api/data-use-agreement", json={"name": "Fuzz terms", "body": "Be careful."})
    form = server.call("POST", "/api/request-form", json={
        "name": "Fuzz form",
        "fields": [{"id": str(uuid.uuid4()), "type": "SHORT_ANSWER", "label": "Why?", "required": True}],
        "policy": {"rules": [], "defaultEvent": {"type": "review", "params": {"stages": [
            {"any": [{"type": "PERMISSION", "permission": "GOVERNANCE"}]}]}}},
        "dataUseAgreementIds": [agreement["id"]],
    })
    product = server.call("POST", "/api/data-product", json={
        "name": "Fuzz product", "domains": [SALES], "dataSources": [{"sourceId": "1"}],
        "metadata": {"subjectMatterExpert": {"id": server.call("GET", "/api/auth/user")["globalUserId"]}},
        "dataAccessRequestFormId": form["id"],
    })
    casey = server.call("GET", "/api/auth/user", user="casey")
    question = form["fields"][0]["id"]
    request = server.call("POST", f"/api/data-product/{product['id']}/request", user="casey", json={
        "user": casey["globalUserId"],
        "form": {"answers": [{"fieldId": question, "value": "Fuzzing"}],
                 "acceptedDataUseAgreementIds": [agreement["id"]]},
    })
    return {"AGREEMENT": agreement["id"], "FORM": form["id"], "PRODUCT": product["id"], "REQUEST": request["id"],
            "DOMAIN": SALES}


def config(ids, path):
    """Real ids for the path parameters that name one, per kind of resource; everything else is generated."""
    routes = [
        ("^/api/data-use-agreement/", "AGREEMENT"),
        ("^/api/request-form/{id}", "FORM"),
        ("^/api/(data-product|asset)/{id}", "PRODUCT"),
        ("^/api/access-request/{id}", "REQUEST"),
        ("^/api/metadata/domain/{id}", "DOMAIN"),
    ]
    with open(path, "w") as file:
        for regex, name in routes:
            file.write(f"[[operations]]\ninclude-path-regex = '{regex}'\n"
                       f'parameters = {{ "path.id" = "{ids[name]}" }}\n\n')


def fuzz(label, schema, server, user, config_file, extra=()):
    """One schemathesis run, in the scratch directory (it keeps a cache where it runs)."""
    examples = os.environ.get("MARKETPLACE_FUZZ_EXAMPLES", "10")
    seed_value = os.environ.get("MARKETPLACE_FUZZ_SEED", "1")
    command = [os.path.join(os.path.dirname(sys.executable), "schemathesis"), "--no-color",
               "--config-file", config_file, "run", schema, "--url", server.base,
               "--header", f"Authorization: Bearer {server.tokens[user]}", "--checks", CHECKS,
               "--phases", "examples,fuzzing,stateful", "--max-examples", examples, "--seed", seed_value,
               "--workers", "2", "--warnings", "off", *extra]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, cwd=server.scratch)
    summary = [line for line in result.stdout.splitlines() if "generated" in line or "passed" in line][-1:]
    verdict = "passed" if result.returncode == 0 else "FAILED"
    print(f"== fuzz {label} as {user}: {verdict} in {time.monotonic() - started:.0f} s; "
          f"{summary[0].strip() if summary else ''}", flush=True)
    if result.returncode != 0:
        print(result.stdout[-20000:])
        print(result.stderr[-5000:])
    return result.returncode == 0


def main():
    binary = sys.argv[1]
    scratch = tempfile.mkdtemp(prefix="marketplace-fuzz-")
    database = Database(scratch)
    server = None
    try:
        server = Server(binary, database, scratch)
        config_file = os.path.join(scratch, "schemathesis.toml")
        config(seed(server), config_file)
        mended = os.path.join(scratch, "immuta.json")
        subprocess.run([sys.executable, os.path.join(HERE, "immuta_quirks.py"), REFERENCE, mended], check=True)
        exclude = [argument for op in UNGENERATABLE_IN_REFERENCE for argument in ("--exclude-operation-id", op)]
        results = []
        for user in ("admin", "casey"):
            results.append(fuzz("our document", f"{server.base}/api/openapi.json", server, user, config_file))
            results.append(fuzz("Immuta's document", mended, server, user, config_file, exclude))
        return 0 if all(results) else 1
    finally:
        if server:
            server.stop()
        database.drop()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
