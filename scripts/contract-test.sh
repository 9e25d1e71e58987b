#!/usr/bin/env bash
# The API contract, fuzzed: schemathesis (PyPI, pinned in install-deps.sh) generates requests from
# /api/v1/openapi.json against a real `edc serve --demo` on 127.0.0.1, as an operator and as an
# ANS reviewer, with every check but one:
#   positive_data_acceptance is excluded: it expects every schema-valid request to be accepted,
#   and EDC refuses with 422, by design, what JSON Schema cannot say — a SIREN's Luhn check
#   digit, a document or DRIMbox that must exist and belong to the caller, the request state
#   machine, an Idempotency-Key reused for another request. Everything else (status codes and
#   headers as documented, response schemas, 405 with Allow, authentication, negative data
#   refused, no 5xx) is checked.
# Usage: scripts/contract-test.sh [EDC_BINARY]  (run by scripts/test.sh; exits non-zero on any failure)
# schemathesis is started through python3 (its `st` script may not be on PATH right after pip
# installs it, under pyenv for instance).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
binary="$(cd "$(dirname "${1:-.build/debug/edc}")" && pwd)/$(basename "${1:-.build/debug/edc}")"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export EDC_METRICS_TOKEN="contract-run-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
EDC_SIGNIN_FAILURE_DELAY_MS=0 EDC_LOG_LEVEL=error "$binary" serve --data-dir "$work/data" --demo --port "$port" >"$work/edc.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/q/health/live" && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/edc.log"; exit 1; }
    sleep 0.1
done
token() {
    curl -s -X POST "http://127.0.0.1:$port/api/v1/auth/tokens" -H 'Content-Type: application/json' \
        -d "{\"email\": \"$1\", \"password\": \"demo-edc-2026!\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
for account in alice@alpha-imagerie.demo.edc instructeur@ans.demo.edc; do
    echo "== contract: schemathesis as $account"
    # Run from the temporary directory: schemathesis keeps its cache (replayed failures) there,
    # so every run starts from the same state, and nothing is written into the repository.
    (cd "$work" && EDC_CONTRACT_TOKEN=$(token "$account") PYTHONDONTWRITEBYTECODE=1 SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$root/scripts/schemathesis" \
        python3 -c 'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "st"; sys.exit(schemathesis())' \
        --config-file "$root/scripts/schemathesis/schemathesis.toml" run "http://127.0.0.1:$port/api/v1/openapi.json" \
        --url "http://127.0.0.1:$port" --checks all --exclude-checks positive_data_acceptance \
        --max-examples 20 --workers 2 --seed 20261203 --no-color >"$work/st.log" 2>&1) || { cat "$work/st.log"; exit 1; }
    sed -n '/^Test cases:/,/^$/p' "$work/st.log" | sed -n 2p
done
