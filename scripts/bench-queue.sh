#!/usr/bin/env bash
# Review queue scaling: page 1 of the ANS review queue with 100 and with 100,000 stored requests,
# on SQLite and on PostgreSQL, side by side:
#   - in-process: `RequestQueries(database:).reviewQueue(after: nil, limit:)` (release build),
#     median and p95 over RUNS calls after 20 warm-up calls, with the query plan of the SQL
#     Fluent actually sends (EXPLAIN QUERY PLAN / EXPLAIN (ANALYZE, BUFFERS));
#   - over HTTP: GET /api/v1/review/queue?limit=L on `edc serve` (release) with a reviewer token,
#     one connection, requests back to back for HTTP_SECONDS (wrk -t1 -c1), median and p95.
# Seeding: `edc-db-bench queue` runs EDCMigrations.all, then bulk SQL (1,000-row INSERTs in one
# transaction): 200 operators and N requests. With 100,000: 3% awaiting review (2/3 submitted,
# 1/3 in review; 90% of them among the 5,000 newest numbers, 10% stuck among older ones), the rest
# approved 78% / rejected 15% / draft 3% / correction requested 2% / withdrawn 2%. With 100: all
# 100 awaiting review, so that page 1 returns as many rows at both sizes.
#
# Usage: scripts/bench-queue.sh [RUNS] [HTTP_SECONDS]     (defaults: 300 runs, 5 s)
# Goal (issue): page 1 costs about the same with 100 and 100,000 rows (partial index
# requests_queue_idx ON requests(number) WHERE state IN ('submitted','inReview')).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"
source "$ROOT/scripts/lib-postgres.sh"

RUNS="${1:-300}"
HTTP_SECONDS="${2:-5}"
SIZES=(100 100000)
LIMITS=(50 100)

need_package wrk wrk
need_package curl curl
need_package sha256sum coreutils
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then need_package pg_ctlcluster postgresql; else echo "present: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1) server binaries" >&2; fi
need_package psql postgresql-client
build_release edc edc-db-bench

WORK="$(mktemp -d /tmp/edc-bench-queue.XXXXXX)"
EDC_PID=""
cleanup() {
    stop_pid "$EDC_PID"
    edc_pg_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

edc_pg_start "$(free_port)" >&2
bench_token
write_wrk_lua "$WORK/report.lua"
RESULTS="$WORK/results.txt"
: >"$RESULTS"

for db in sqlite postgresql; do
    for size in "${SIZES[@]}"; do
        dir="$WORK/$db-$size"
        mkdir -p "$dir"
        env_args=(EDC_LOG_LEVEL=warning)
        if [ "$db" = sqlite ]; then
            target=(--sqlite "$dir/edc.sqlite")
        else
            psql -q "$EDC_PG_URL" -c "CREATE DATABASE edc_queue_$size" >/dev/null
            url="${EDC_PG_URL%/*}/edc_queue_$size"
            target=(--postgres "$url")
            # edc serve refuses PostgreSQL without a document key (instances must share it).
            env_args+=(DATABASE_URL="$url" EDC_DOCUMENT_KEY="$(head -c 32 /dev/urandom | base64)")
        fi
        echo "=== $db, $size requests: in-process ===" >&2
        "$BIN/edc-db-bench" queue "${target[@]}" --requests "$size" --runs "$RUNS" --limits "$(IFS=,; echo "${LIMITS[*]}")" \
            --reviewer-token-hash "$TOKEN_HASH" | tee "$dir/inprocess.txt"
        grep '^result' "$dir/inprocess.txt" | sed 's/^result/inprocess/' >>"$RESULTS"

        echo "=== $db, $size requests: HTTP ===" >&2
        port="$(free_port)"
        start_edc "$dir" "$port" "$dir/edc.log" "${env_args[@]}"
        for limit in "${LIMITS[@]}"; do
            url="http://127.0.0.1:$port/api/v1/review/queue?limit=$limit"
            rows="$(curl -s -H "Authorization: Bearer $TOKEN" "$url" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')"
            wrk -t1 -c1 -d2s -H "Authorization: Bearer $TOKEN" "$url" >/dev/null  # warm-up
            line="$(wrk -t1 -c1 -d"${HTTP_SECONDS}s" -s "$WORK/report.lua" -H "Authorization: Bearer $TOKEN" "$url" | grep '^wrk_result')"
            [ "$(field status_errors "$line")" = 0 ] || { echo "HTTP errors: $line" >&2; exit 1; }
            echo "http db=$db requests=$size limit=$limit rows=$rows runs=$(field requests "$line") median_ms=$(field p50_ms "$line") p95_ms=$(field p95_ms "$line")" | tee -a "$RESULTS"
        done
        stop_pid "$EDC_PID"; EDC_PID=""
    done
done

echo
echo "Review queue, page 1: median / p95 in ms ($(nproc) cores; in-process: $RUNS calls; HTTP: wrk -t1 -c1 -d${HTTP_SECONDS}s; PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1), fsync off)"
echo
printf '%-11s %-6s %-6s | %-19s %-19s | %-19s %-19s\n' "database" "path" "limit" "100 requests" "" "100,000 requests" ""
printf '%-11s %-6s %-6s | %-9s %-9s %-19s | %-9s %-9s %-19s\n' "" "" "" "median" "p95" "(rows)" "median" "p95" "(rows)"
for db in sqlite postgresql; do
    for path in inprocess http; do
        for limit in "${LIMITS[@]}"; do
            small="$(grep "^$path db=$db requests=100 limit=$limit " "$RESULTS")"
            large="$(grep "^$path db=$db requests=100000 limit=$limit " "$RESULTS")"
            printf '%-11s %-6s %-6s | %-9s %-9s %-19s | %-9s %-9s %-19s\n' "$db" "${path/inprocess/Swift}" "$limit" \
                "$(field median_ms "$small")" "$(field p95_ms "$small")" "($(field rows "$small") rows)" \
                "$(field median_ms "$large")" "$(field p95_ms "$large")" "($(field rows "$large") rows)"
        done
    done
done
echo
echo "ratio 100,000 / 100 (median):"
for db in sqlite postgresql; do
    for path in inprocess http; do
        for limit in "${LIMITS[@]}"; do
            s="$(field median_ms "$(grep "^$path db=$db requests=100 limit=$limit " "$RESULTS")")"
            l="$(field median_ms "$(grep "^$path db=$db requests=100000 limit=$limit " "$RESULTS")")"
            printf '  %-11s %-6s limit %-4s %s\n' "$db" "${path/inprocess/Swift}" "$limit" "$(echo "scale=2; $l / $s" | bc -l)"
        done
    done
done
