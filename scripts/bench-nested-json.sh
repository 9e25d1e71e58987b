#!/usr/bin/env bash
# Time to answer the security audit's nested payload: {"kind":"declaration","payload":[…]} with 40
# arrays nested 400 deep (32 KB), sent once by an operator. Before the fix the server decoded it in
# exponential time; now it is refused (422 body.too_deep) after one linear pass.
# Usage: scripts/bench-nested-json.sh [EDC_BINARY] [LABEL]
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
need_package curl curl
binary="${1:-$ROOT/.build/debug/edc}"
label="${2:-current}"
BIN="$(dirname "$binary")"
work=$(mktemp -d)
trap 'stop_pid "${EDC_PID:-}"; rm -rf "$work"' EXIT
port=$(free_port)
start_edc "$work/data" "$port" "$work/edc.log" EDC_LOG_LEVEL=error EDC_PASSWORD_COST=4
operator=$("$BIN/edc" create-operator --data-dir "$work/data" --name Bench --siren 732829320 --phone 0123456789 --email s@bench.example.fr)
echo "bench-passphrase-2026" | "$BIN/edc" create-user --data-dir "$work/data" --email op@bench.example.fr --name Op --role operator --operator-siren 732829320 >/dev/null
token=$("$BIN/edc" create-token --data-dir "$work/data" --email op@bench.example.fr --days 1 2>/dev/null)
python3 - "$work/body.json" <<'PY'
import sys
nested = "[" * 400 + "]" * 400
open(sys.argv[1], "w").write('{"kind": "declaration", "payload": [' + ",".join([nested] * 40) + "]}")
PY
before=$(ps -o cputime= -p "$EDC_PID" | tr -d ' ')
result=$(curl -s -o "$work/answer.json" --max-time 600 -w '%{http_code} %{time_total}' -X POST "http://127.0.0.1:$port/api/v1/requests" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @"$work/body.json" || echo "timeout -")
after=$(ps -o cputime= -p "$EDC_PID" | tr -d ' ')
echo "== $label: nested payload ($(wc -c <"$work/body.json") bytes)"
echo "status and wall time (s): $result; server CPU time before/after: $before / $after"
echo "answer: $(head -c 200 "$work/answer.json")"
