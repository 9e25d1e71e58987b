#!/usr/bin/env bash
# GET /api/v1/me latency (p50/p99, sequential, one connection) idle, then while 48 clients send
# wrong passwords continuously (wrk, random unknown e-mails so that every attempt runs bcrypt).
# Usage: scripts/bench-signin-storm.sh [EDC_BINARY] [LABEL]
#   EDC_BINARY defaults to .build/debug/edc; give another build (an older commit) to compare.
# The address throttle is raised (EDC_SIGNIN_ADDRESS_FAILURES) so that bcrypt really runs for
# every attempt it can: this measures the worst case, not the throttle (BENCH_THROTTLE=default
# measures with the shipped throttle). wrk runs on the same 2 cores as the server: its own CPU use
# is part of what /me competes with. Traffic stays on 127.0.0.1.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
need_package wrk wrk
need_package curl curl
binary="${1:-$ROOT/.build/debug/edc}"
label="${2:-$(basename "$(dirname "$(dirname "$binary")")")}"
BIN="$(dirname "$binary")"
work=$(mktemp -d)
trap 'stop_pid "${EDC_PID:-}"; rm -rf "$work"' EXIT
port=$(free_port)
# BENCH_THROTTLE=default keeps the per-address throttle as shipped (the storm is then answered 429).
throttle=(EDC_SIGNIN_ADDRESS_FAILURES=10000)
[ "${BENCH_THROTTLE:-off}" = default ] && throttle=()
start_edc "$work/data" "$port" "$work/edc.log" "${throttle[@]}" EDC_LOG_LEVEL=error EDC_PASSWORD_COST=12
# --demo is not used: the seed prints to stdout; create the user directly.
"$BIN/edc" create-operator --data-dir "$work/data" --name "Bench" --siren 732829320 --phone 0123456789 --email s@bench.example.fr >/dev/null 2>&1 || true
echo "bench-passphrase-2026" | "$BIN/edc" create-user --data-dir "$work/data" --email reviewer@bench.example.fr --name Reviewer --role reviewer >/dev/null
token=$("$BIN/edc" create-token --data-dir "$work/data" --email reviewer@bench.example.fr --days 1 2>/dev/null)
cat >"$work/storm.lua" <<'LUA'
request = function()
  local body = string.format('{"email": "guess%d@storm.example.fr", "password": "wrong password %d"}', math.random(1, 1e9), math.random(1, 1e9))
  return wrk.format("POST", "/api/v1/auth/tokens", {["Content-Type"] = "application/json"}, body)
end
LUA
idle=$(python3 "$ROOT/scripts/bench/me_latency.py" "$port" "$token" 300)
# The storm runs until the probe is done (bounded by wrk's own 600 s), then is interrupted.
wrk -t2 -c48 -d600s -s "$work/storm.lua" "http://127.0.0.1:$port/" >"$work/wrk.txt" 2>&1 &
storm_pid=$!
started=$(date +%s.%N)
sleep 5   # let the storm build up (a benchmark, not a test: the warm-up is part of the method)
under=$(python3 "$ROOT/scripts/bench/me_latency.py" "$port" "$token" "${BENCH_PROBES:-300}")
kill -INT "$storm_pid" 2>/dev/null || true
wait "$storm_pid" || true
elapsed=$(python3 -c "import time; print(round(time.time() - $started, 1))")
signins=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.txt")
codes=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$work/wrk.txt")
echo "== $label: GET /api/v1/me (ms)"
echo "idle:               $idle"
echo "48 wrong sign-ins:  $under"
echo "sign-in attempts during the probe (${elapsed} s): ${signins:-?} (non-2xx: ${codes:-0})"
