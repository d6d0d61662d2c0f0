#!/usr/bin/env bash
# The whole test suite, from a fresh machine: once on SQLite, once on a throwaway PostgreSQL that this script
# starts (in a temporary directory, on a free port) and stops again.
set -euo pipefail
cd "$(dirname "$0")/.."

find_pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_bin=$(find_pg_bin)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "== installing PostgreSQL"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        pg_bin=$(find_pg_bin)
    else
        echo "PostgreSQL is not installed: install it (apt-get install postgresql) and run again" >&2
        exit 1
    fi
fi

# The browser tests drive Debian's Chromium through its chromedriver (without them they are skipped).
if [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "== installing Chromium and chromedriver"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "chromedriver is not installed: install it (apt-get install chromium chromium-driver) and run again" >&2
        exit 1
    fi
fi
export MARKETPLACE_TEST_CHROMEDRIVER=/usr/bin/chromedriver

# axe-core, which the browser tests check pages' accessibility with, pinned by tests/ui/package-lock.json.
if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "== installing npm"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
    else
        echo "npm is not installed: install it (apt-get install npm) and run again" >&2
        exit 1
    fi
fi
echo "== installing axe-core for the browser tests"
npm ci --prefix tests/ui --no-audit --no-fund --silent

# initdb refuses to run as root: as root, the server runs as the postgres user.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

workdir=$(mktemp -d)
[ "$(id -u)" -eq 0 ] && chown postgres "$workdir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop_postgres() {
    as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap stop_postgres EXIT

as_postgres "$pg_bin/initdb" -D "$workdir/data" -U postgres --auth=trust --no-locale -E UTF8 >/dev/null
# fsync off: the tests check behaviour, not durability through a power cut, and run much faster.
as_postgres "$pg_bin/pg_ctl" -D "$workdir/data" -l "$workdir/postgres.log" -w \
    -o "-p $port -k $workdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null

# The data platform provisioning tests grant on: the same server, a database per test.
export MARKETPLACE_TEST_WAREHOUSE_URL="postgres://postgres@127.0.0.1:$port/postgres"

echo "== tests on SQLite"
cargo test --workspace --locked
echo "== a client generated from the reference OpenAPI document, on SQLite"
tests/generated_client/run.sh
echo "== fuzzing the API, on SQLite"
tests/fuzz/run.sh

echo "== tests on PostgreSQL (port $port)"
export MARKETPLACE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
cargo test --workspace --locked
echo "== a client generated from the reference OpenAPI document, on PostgreSQL"
tests/generated_client/run.sh
echo "== fuzzing the API, on PostgreSQL"
tests/fuzz/run.sh
