#!/usr/bin/env python3
"""The load benchmark: the marketplace beside reference servers, on SQLite and on PostgreSQL, in one run.

For each database it seeds the same data (--users, --products; requests made and decided through the API, then
copied in SQL up to each of --requests, e.g. 10000,1000000), and at each size — restarted, once its start-up
database statistics refresh has finished — measures with wrk (1 thread, --connections, --duration seconds each):

  reads   GET /api/auth/user, one request, one product, a page of 50 pending requests and of all requests as the
          steward who reviews every request, a page of a consumer's own requests, a page of products;
  writes  POST /api/data-product/{id}/request (each a new user/product pair) and PUT /api/approval-record/{id}
          (approving what the POSTs created).

Beside them, in the same run, the reference servers of crates/bench: bare axum answering the very JSON the
marketplace answered (and again behind an HS256 check), and a one-row insert per POST into SQLite
(WAL, synchronous=FULL) and into PostgreSQL. Every figure is printed with its reference and its ratio; at the
largest size also /health/live latency while the heaviest search runs, and the server's memory (idle, and peak).

    cargo build --release -p marketplace-server -p marketplace-bench && scripts/bench.py
    scripts/bench.py --requests 10000 --duration 3 --databases sqlite     # a quick look

Needs wrk (apt-get install wrk), python3 and PostgreSQL's binaries; run as root, PostgreSQL runs as `postgres`.
"""

import argparse
import os
import random
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_lib.figures import Run  # noqa: E402
from bench_lib.load import Load, need_wrk, reference_binary  # noqa: E402
from bench_lib.report import report  # noqa: E402
from bench_lib.seed import Seed  # noqa: E402
from bench_provisioning_lib.common import ROOT, BenchError, log  # noqa: E402
from bench_provisioning_lib.marketplace import Marketplace  # noqa: E402
from bench_provisioning_lib.report import stale_binary  # noqa: E402
from bench_provisioning_lib.warehouse import Postgres  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=2000, help="users in the directory (2000)")
    parser.add_argument("--products", type=int, default=15, help="data products (15)")
    parser.add_argument("--requests", default="10000,1000000",
                        help="request counts to measure at, ascending, comma-separated (10000,1000000)")
    parser.add_argument("--made", type=int, default=2000,
                        help="requests made and decided through the API before copying (2000)")
    parser.add_argument("--requesters", type=int, default=16, help="users whose tokens make the requests (16)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--databases", default="sqlite,postgres", help="sqlite,postgres (both)")
    parser.add_argument("--seed", type=int, default=1, help="shuffles which pairs the writes use (1)")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/marketplace"))
    parser.add_argument("--keep", action="store_true", help="keep the scratch directories")
    args = parser.parse_args()
    levels = sorted(int(n) for n in args.requests.split(","))
    if levels[0] < args.made:
        parser.error("--made must not exceed the smallest --requests")
    need_wrk()
    reference = reference_binary(ROOT)
    changed = stale_binary(args.binary)
    if changed:
        log(f"warning: {changed} is newer than {args.binary}: rebuild with cargo build --release")

    pg = Postgres(fsync=True)
    scratch = tempfile.mkdtemp(prefix="marketplace-load-bench-")
    results = []
    try:
        pg.start()
        for database in args.databases.split(","):
            results.append(measure(database, args, levels, pg, scratch, reference))
        report(results, args, levels, pg)
    except BenchError as error:
        log(f"failed: {error}")
        sys.exit(1)
    finally:
        pg.stop(args.keep)
        if args.keep:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def measure(database, args, levels, pg, scratch, reference):
    home = os.path.join(scratch, database)
    os.makedirs(home)
    if database == "postgres":
        pg.psql("postgres", "CREATE DATABASE marketplace")
        pg.psql("postgres", "CREATE DATABASE reference")
        url = pg.url("marketplace")
    elif database == "sqlite":
        url = None
    else:
        raise BenchError(f"unknown database {database}")
    market = Marketplace(args.binary, home, url, "")
    seed = Seed(args.users, args.products, args.requesters)
    run = Run(database, market, seed, Load(home, args.duration, args.connections), reference, pg)
    try:
        seed.prepare(market)
        market.start()
        seed.catalog(market)
        seed.templates(market, args.made)
        run.plan_writes(random.Random(args.seed), len(levels))
        for index, level in enumerate(levels):
            market.stop()
            seed.grow(market, pg, level)
            market.start()
            market.wait_for_job("database statistics")
            run.measure_level(first=index == 0, last=index == len(levels) - 1)
        return run
    finally:
        run.stop()
        market.stop()


if __name__ == "__main__":
    main()
