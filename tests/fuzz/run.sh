#!/usr/bin/env bash
# Fuzzes the API with schemathesis (pinned with hashes in requirements.txt) against the marketplace binary:
# our own OpenAPI document and Immuta's, as an administrator and as a consumer, on SQLite — or on PostgreSQL when
# MARKETPLACE_TEST_DATABASE_URL names a server. See fuzz.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/target/fuzz"
mkdir -p "$work"

if [ ! -x "$work/venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$work/requirements.txt"; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet --require-hashes -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$work/requirements.txt"
fi
cargo build --locked --bin marketplace
"$work/venv/bin/python" "$here/fuzz.py" "$root/target/debug/marketplace"
