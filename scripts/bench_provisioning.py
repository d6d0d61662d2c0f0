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
   provisions them as they come). The server is then stopped and `marketplace provisioning reconcile` invocations
   are timed (wall time, process start to exit, and the number of statements each ran):
   - a repair cycle: every privilege revoked in the warehouse behind the marketplace's back, so that the cycle
     grants everything again (recorded as drift repaired, since it had granted them before);
   - a steady-state cycle: nothing to change;
   - a first cycle from scratch: privileges revoked again and every provisioning record deleted from the
     marketplace's own database, as if provisioning were switched on for a tenant with that many approved
     requests (every request's provisioning then moves, and each gets its webhook event).

Also reported: the submission rate; how long the running server took to have provisioned everything after the
last submission; an authenticated `GET /api/auth/user` every 50 ms meanwhile (how the API answers while cycles
run); the server's resident memory (VmHWM, VmRSS) and each reconcile invocation's peak.

How it runs: a temporary PostgreSQL (initdb/pg_ctl from /usr/lib/postgresql/*/bin, on a free port, trust auth,
default settings, so fsync on unless --fsync-off) is the warehouse; the marketplace's own database is SQLite in a
scratch directory (or --marketplace-on-postgres: a second database in that same server; or --database-url: a
PostgreSQL database of your own, empty and expendable: the benchmark writes to it and deletes its provisioning
records). It generates the directory (one tenant, one domain, the users with an
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
import os
import shutil
import subprocess
import sys
import tempfile

# The modules live in scripts/bench_provisioning_lib/, next to this file: make them importable whatever the working
# directory.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_provisioning_lib.common import CONNECTION, ROOT, BenchError, log  # noqa: E402
from bench_provisioning_lib.marketplace import Marketplace  # noqa: E402
from bench_provisioning_lib.measurements import Bench  # noqa: E402
from bench_provisioning_lib.report import commit, report, stale_binary  # noqa: E402
from bench_provisioning_lib.warehouse import Postgres  # noqa: E402


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

    checked_out = commit()
    try:
        bench = Bench(args)
    except BenchError as error:
        parser.error(str(error))
    newer = stale_binary(args.binary)
    if newer:
        bench.notes.append(f"{os.path.relpath(args.binary, ROOT)} is older than {newer}: these figures may not be "
                           "those of the sources checked out (cargo build --release)")
        log(f"warning: {bench.notes[-1]}")
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
        report(bench, args, pg, database, checked_out)
        return 0
    except (BenchError, subprocess.CalledProcessError) as error:
        log(f"FAILED: {error}")
        if market is not None and market.server_log():
            log(f"last lines of the server's log ({market.log_path}):\n{market.server_log()}")
        if bench.results:
            report(bench, args, pg, "(partial)", checked_out)
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        if bench.results:
            report(bench, args, pg, "(partial)", checked_out)
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
