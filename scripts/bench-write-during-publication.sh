#!/usr/bin/env bash
# Latency of an API write (an ANS approval) while a 10,000-entry white list is being signed.
# `edc serve` (release) over a registry of N integrated DRIMboxes and 4×ROUNDS declarations awaiting a
# decision (seeded with bulk SQL by `edc-db-bench registry`); scripts/bench/write_during_publication.py
# approves declarations with the publisher idle, and DELAY_MS after an exclusion woke it (the list
# being signed), with and without an Idempotency-Key.
#
# Usage: scripts/bench-write-during-publication.sh [EDC_BINARY] [LABEL] [ENTRIES] [ROUNDS] [DELAY_MS]
#   EDC_BINARY: the `edc` to measure (default: this tree's release build), e.g. one built from an
#   older commit for a before/after comparison. Defaults: 10000 entries, 10 rounds, 40 ms.
# Everything on 127.0.0.1; exits 0 after printing the figures.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"

EDC_BINARY="${1:-}"
LABEL="${2:-edc $(git -C "$ROOT" rev-parse --short HEAD)}"
ENTRIES="${3:-10000}"
ROUNDS="${4:-10}"
DELAY_MS="${5:-40}"

need_package curl curl
need_package sha256sum coreutils
if [ -n "$EDC_BINARY" ]; then build_release edc-db-bench; EDC_BIN="$EDC_BINARY"; else build_release edc edc-db-bench; fi

bench_workdir edc-bench-write
bench_token
"$BIN/edc-db-bench" registry --sqlite "$WORK/data/edc.sqlite" --drimboxes "$ENTRIES" \
    --reviewer-token-hash "$TOKEN_HASH" --pending-declarations $((4 * ROUNDS)) >&2

PORT="$(free_port)"
start_edc "$WORK/data" "$PORT" "$WORK/edc.log" EDC_LOG_LEVEL=notice
wait_http "http://127.0.0.1:$PORT/liste-blanche.xml" 120
SIZE="$(curl -s "http://127.0.0.1:$PORT/liste-blanche.xml" | wc -c)"

echo "measuring $ROUNDS rounds ($LABEL) ..." >&2
OUT="$(python3 "$ROOT/scripts/bench/write_during_publication.py" "http://127.0.0.1:$PORT" "$TOKEN" "$ROUNDS" "$DELAY_MS")"

echo
echo "Approval latency while the white list is signed: $LABEL, release, SQLite, $ENTRIES entries (~$SIZE bytes), $(nproc) cores"
echo "(publishing = sent $DELAY_MS ms after an exclusion's answer, the new list not yet served; milliseconds)"
echo
printf '%-16s %4s %10s %10s %10s\n' case n median p90 max
while read -r line; do
    printf '%-16s %4s %10s %10s %10s\n' "$(field case "$line")" "$(field n "$line")" "$(field median_ms "$line")" "$(field p90_ms "$line")" "$(field max_ms "$line")"
done < <(grep '^result' <<<"$OUT")
grep '^overlap_misses' <<<"$OUT"
echo "approvals sent during a publication whose answer came after the new list was served: $(grep -c 'case=publishing.*list_after=200' <<<"$OUT") of $(grep -c '^sample .*case=publishing' <<<"$OUT")"
echo "(an approval answered only after the new list is served waited for the whole publication: signing held the writers' lock)"
