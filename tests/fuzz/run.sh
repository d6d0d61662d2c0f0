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
# The binary the test suite builds, with the same features: `cargo build --bin marketplace` alone leaves out
# those the tests' dependencies turn on, so it compiled much of the tree a second time (3 minutes).
cargo test --workspace --locked --no-run --quiet
"$work/venv/bin/python" "$here/fuzz.py" "$root/target/debug/marketplace"
