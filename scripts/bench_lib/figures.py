"""What is measured on one database: the reads and writes at each size, their references, memory, and
/health/live while the heaviest search runs."""

import json
import os
import sqlite3
import subprocess
import urllib.parse

from bench_provisioning_lib.common import BenchError, log

from .load import Reference, hs256_token
from .seed import request_body

# (key, what is measured, the target ratio to bare axum on SQLite, on PostgreSQL).
READS = [
    ("auth_user", "GET /api/auth/user", 0.25, 0.10),
    ("one_request", "GET /api/access-request/{id}", 0.25, 0.10),
    ("one_product", "GET /api/data-product/{id}", 0.25, 0.10),
    ("pending_page", "GET /api/access-request?status=PENDING&limit=50 (steward)", 0.10, 0.04),
    ("steward_page", "GET /api/access-request?limit=50 (steward, sees every request)", 0.10, 0.04),
    ("own_page", "GET /api/access-request?limit=50 (a consumer's own)", 0.10, 0.04),
    ("products_page", "GET /api/data-product?limit=10", 0.10, 0.04),
]
# (key, what is measured, the target ratio to the one-row insert).
WRITES = [
    ("create", "POST /api/data-product/{id}/request", 0.5),
    ("approve", "PUT /api/approval-record/{id} (approve)", 0.5),
]
SECRET = "load-benchmark-secret"


class Run:
    def __init__(self, database, market, seed, load, reference_binary, pg):
        self.database, self.market, self.seed, self.load, self.pg = database, market, seed, load, pg
        self.reference_binary = reference_binary
        self.figures = {}  # (level, key) -> Figure
        self.references = {}  # key -> {"bare": Figure, "hs256": Figure} or {"insert": Figure}
        self.memory = {}  # level -> (idle MB, peak MB)
        self.health = None
        self.references_started = []

    def prefix(self):
        return urllib.parse.urlparse(self.market.base).path

    def reads(self):
        """Each read's requests: [(method, path, token, body)]."""
        p, seed = self.prefix(), self.seed
        consumers, steward = seed.requester_tokens, seed.tokens["steward"]
        return {
            "auth_user": [("GET", f"{p}/api/auth/user", token, None) for token in consumers],
            "one_request": [("GET", f"{p}/api/access-request/{id}", steward, None) for id in seed.request_ids],
            "one_product": [("GET", f"{p}/api/data-product/{id}", token, None)
                            for token in consumers for id in seed.product_ids],
            "pending_page": [("GET", f"{p}/api/access-request?status=PENDING&limit=50", steward, None)],
            "steward_page": [("GET", f"{p}/api/access-request?limit=50", steward, None)],
            "own_page": [("GET", f"{p}/api/access-request?limit=50", token, None) for token in consumers],
            "products_page": [("GET", f"{p}/api/data-product?limit=10", token, None) for token in consumers],
        }

    def plan_writes(self, rng, levels):
        """Splits the free (user, product) pairs between the sizes: each request made once."""
        pairs = self.seed.free_pairs()
        rng.shuffle(pairs)
        share = len(pairs) // levels
        self.write_pairs = [pairs[i * share:(i + 1) * share] for i in range(levels)]
        self.level_index = 0

    def measure_level(self, first, last):
        level = self.seed.request_count()
        idle = self.market.rss_mb()[1]
        log(f"{self.database}: {level:,} requests, server idle at {idle:.0f} MB")
        reads = self.reads()
        for key, label, *_ in READS:
            self.figures[(level, key)] = figure = self.load.run(self.market.base, reads[key])
            log(f"  {label}: {figure.rate:,.0f}/s")
        if first:
            self.read_references(reads)
        self.writes(level, first)
        if last:
            self.health_under_load(reads["steward_page"])
        self.memory[level] = (idle, self.market.rss_mb()[0])
        self.level_index += 1

    def read_references(self, reads):
        body_dir = os.path.join(self.market.scratch, "bodies")
        os.makedirs(body_dir, exist_ok=True)
        for key, requests in reads.items():
            method, path, token, _ = requests[0]
            answer = self.market.api(method, path[len(self.prefix()):], token, expect=(200,))
            with open(os.path.join(body_dir, f"{key}.json"), "w") as f:
                json.dump(answer, f, separators=(",", ":"))
        bare = self.reference("bare", "--body-dir", body_dir)
        hs256 = self.reference("hs256", "--body-dir", body_dir, "--secret", SECRET)
        jwt = hs256_token(SECRET)
        for key, label, *_ in READS:
            self.references[key] = {
                "bare": self.load.run(bare.base, [("GET", f"/{key}", None, None)]),
                "hs256": self.load.run(hs256.base, [("GET", f"/{key}", jwt, None)]),
            }
            log(f"  reference for {label}: {self.references[key]['bare'].rate:,.0f}/s bare, "
                f"{self.references[key]['hs256'].rate:,.0f}/s with HS256")

    def writes(self, level, first):
        p, seed = self.prefix(), self.seed
        pairs = self.write_pairs[self.level_index]
        # Only what this phase creates is approved: the seeded pending requests stay pending, so the steward's
        # pending page is a full page at every size, not what the last phase left.
        seeded = set(self.pending_records())
        creations = [("POST", f"{p}/api/data-product/{seed.product_ids[product]}/request",
                      seed.requester_tokens[user % seed.requesters], request_body(user)) for user, product in pairs]
        self.figures[(level, "create")] = figure = self.load.run(self.market.base, creations, once=True)
        log(f"  create: {figure.rate:,.0f}/s{' (every pair used: a lower bound)' if figure.exhausted else ''}")
        approvals = [("PUT", f"{p}/api/approval-record/{record}", seed.tokens["steward"],
                      {"status": "APPROVED", "reason": "Benchmark approval"})
                     for record in self.pending_records() if record not in seeded]
        self.figures[(level, "approve")] = figure = self.load.run(self.market.base, approvals, once=True)
        log(f"  approve: {figure.rate:,.0f}/s{' (every record used: a lower bound)' if figure.exhausted else ''}")
        if first:
            if self.market.database_url:
                insert = self.reference("insert-postgres", "--url", self.pg.url("reference"))
            else:
                insert = self.reference("insert-sqlite", "--path", os.path.join(self.market.scratch, "reference.db"))
            figure = self.load.run(insert.base, [("POST", "/insert", None, request_body(0))])
            for key, *_ in WRITES:
                self.references[key] = {"insert": figure}
            log(f"  reference one-row insert: {figure.rate:,.0f}/s")

    def pending_records(self):
        sql = "SELECT id FROM approval_records WHERE status = 'PENDING' ORDER BY created_at DESC"
        if self.market.database_url:
            done = subprocess.run([self.pg.tool("psql"), "-X", "-tA", "-d", self.market.database_url, "-c", sql],
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise BenchError(f"reading pending records: {done.stderr[-1000:]}")
            return done.stdout.split()
        with sqlite3.connect(os.path.join(self.market.scratch, "marketplace.db")) as db:
            return [row[0] for row in db.execute(sql)]

    def health_under_load(self, heavy):
        p = self.prefix()
        search = self.load.start(self.market.base, heavy)
        health = self.load.start(self.market.base, [("GET", f"{p}/health/live", None, None)], connections=1)
        self.heavy = self.load.finish(search)
        self.health = self.load.finish(health)
        log(f"  /health/live during the steward's search: p99 {self.health.latency.get(99, 0) * 1000:.1f} ms, "
            f"max {self.health.max * 1000:.1f} ms")

    def reference(self, *arguments):
        server = Reference(self.reference_binary, *arguments)
        self.references_started.append(server)
        return server

    def stop(self):
        for server in self.references_started:
            server.stop()
