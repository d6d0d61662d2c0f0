#!/usr/bin/env bash
# Generates a Python client from Immuta's reference OpenAPI document and runs its tests against the marketplace
# binary (target/debug/marketplace, built by `cargo test`). Python packages come pinned, with hashes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
reference="$root/tests/reference/immuta-request-app-openapi.yml"
work="$root/target/reference-client"
mkdir -p "$work"

if [ ! -x "$work/venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$work/requirements.txt"; then
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet --require-hashes -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$work/requirements.txt"
fi
"$work/venv/bin/openapi-python-client" generate --path "$reference" --meta none \
    --output-path "$work/client/immuta_client" --overwrite >/dev/null 2>&1
# The binary the test suite builds, with the same features: `cargo build --bin marketplace` alone leaves out
# those the tests' dependencies turn on, so it compiled much of the tree a second time (3 minutes).
cargo test --workspace --locked --no-run --quiet
PYTHONPATH="$work/client" "$work/venv/bin/python" -m pytest -q -p no:cacheprovider "$here"
