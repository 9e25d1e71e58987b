#!/usr/bin/env bash
# Web page render time: the ANS review queue `GET /ans` (and its closed-state list and the
# registry browser) and an operator's dashboard `GET /espace`, through `edc serve` (release) with
# a signed-in browser session, on a database of 10,000 requests and 2,000 DRIMboxes.
#
# Seeding: `edc-db-bench pages` (bulk SQL, deterministic): 200 operators, the first of which runs
# 10% of the DRIMboxes and requests (its dashboard is the one timed); 2,000 DRIMboxes (integrated,
# provisional, declared, excluded, withdrawn), 2,500 FQDN pairs; 10,000 requests with valid
# payloads, 3% awaiting review. Then `edc create-user` makes an ANS reviewer and a user of that
# operator, each signs in through POST /connexion (curl, anti-forgery token from the page) and
# keeps its `edc_session` cookie.
#
# Timing: wrk, one connection, requests back to back for SECONDS per page after a 2 s warm-up;
# p50 / p99 of the whole response (server render, Leaf, transfer on loopback), and the page's
# size and rows as a sanity check. SQLite file (the embedded default) and PostgreSQL.
#
# Usage: scripts/bench-pages.sh [SECONDS] [REQUESTS] [DRIMBOXES]     (defaults: 10 s, 10000, 2000)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"
source "$ROOT/scripts/lib-postgres.sh"

SECONDS_PER_PAGE="${1:-10}"
REQUESTS="${2:-10000}"
DRIMBOXES="${3:-2000}"
PASSWORD="banc-d-essai-pages-2026"
DATABASES=(${BENCH_DATABASES:-sqlite postgresql})

need_package wrk wrk
need_package curl curl
if [[ " ${DATABASES[*]} " == *" postgresql "* ]]; then
    if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then need_package pg_ctlcluster postgresql; else echo "present: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1) server binaries" >&2; fi
    need_package psql postgresql-client
fi
build_release edc edc-db-bench

WORK="$(mktemp -d /tmp/edc-bench-pages.XXXXXX)"
EDC_PID=""
cleanup() {
    stop_pid "$EDC_PID"
    edc_pg_stop
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
write_wrk_lua "$WORK/report.lua"
RESULTS="$WORK/results.txt"
: >"$RESULTS"

# sign_in BASE EMAIL: prints the edc_session cookie of a fresh session (fails loudly otherwise).
sign_in() {
    local base="$1" email="$2" jar="$WORK/jar.$RANDOM" csrf status
    curl -s -c "$jar" -b "$jar" -o "$WORK/connexion.html" "$base/connexion"
    csrf="$(grep -o 'name="_csrf" value="[^"]*"' "$WORK/connexion.html" | head -n1 | sed 's/.*value="//; s/"$//')"
    status="$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' --data-urlencode "email=$email" \
        --data-urlencode "password=$PASSWORD" --data-urlencode "_csrf=$csrf" "$base/connexion")"
    [ "$status" = 303 ] || { echo "sign-in of $email answered $status" >&2; return 1; }
    awk '$6 == "edc_session" { print $7 }' "$jar"
}

# measure DB LABEL URL COOKIE ROW_MARKER: one result line.
measure() {
    local db="$1" label="$2" url="$3" cookie="$4" marker="$5" status bytes rows line
    status="$(curl -s -o "$WORK/page.html" -w '%{http_code}' -H "Cookie: edc_session=$cookie" "$url")"
    [ "$status" = 200 ] || { echo "$url answered $status" >&2; head -c 2000 "$WORK/page.html" >&2; exit 1; }
    bytes="$(wc -c <"$WORK/page.html")"
    rows="$(grep -o "$marker" "$WORK/page.html" | wc -l)"
    wrk -t1 -c1 -d2s -H "Cookie: edc_session=$cookie" "$url" >/dev/null  # warm-up
    line="$(wrk -t1 -c1 -d"${SECONDS_PER_PAGE}s" -s "$WORK/report.lua" -H "Cookie: edc_session=$cookie" "$url" | grep '^wrk_result')"
    [ "$(field status_errors "$line")" = 0 ] || { echo "HTTP errors on $url: $line" >&2; exit 1; }
    echo "page db=$db label=$label requests=$(field requests "$line") p50_ms=$(field p50_ms "$line") p99_ms=$(field p99_ms "$line") rows=$rows bytes=$bytes" | tee -a "$RESULTS"
}

for db in "${DATABASES[@]}"; do
    dir="$WORK/$db"
    mkdir -p "$dir"
    env_args=(EDC_LOG_LEVEL=warning)
    if [ "$db" = sqlite ]; then
        target=(--sqlite "$dir/edc.sqlite")
    else
        [ -n "${EDC_PG_URL:-}" ] || edc_pg_start "$(free_port)" >&2
        psql -q "$EDC_PG_URL" -c "CREATE DATABASE edc_pages" >/dev/null
        url="${EDC_PG_URL%/*}/edc_pages"
        target=(--postgres "$url")
        # edc refuses PostgreSQL without a document key (instances must share it).
        env_args+=(DATABASE_URL="$url" EDC_DOCUMENT_KEY="$(head -c 32 /dev/urandom | base64)")
    fi
    echo "=== $db: seeding ===" >&2
    seeded="$("$BIN/edc-db-bench" pages "${target[@]}" --requests "$REQUESTS" --drimboxes "$DRIMBOXES" | grep '^seeded')"
    echo "$seeded" >&2
    siren="$(field busy_operator_siren "$seeded")"
    echo "$PASSWORD" | env "${env_args[@]}" "$BIN/edc" create-user --data-dir "$dir" --email instructeur.pages@ans.example.fr --name "Instructeur (banc d’essai)" --role reviewer >/dev/null
    echo "$PASSWORD" | env "${env_args[@]}" "$BIN/edc" create-user --data-dir "$dir" --email operateur.pages@example.fr --name "Opérateur (banc d’essai)" --role operator --operator-siren "$siren" >/dev/null

    port="$(free_port)"
    start_edc "$dir" "$port" "$dir/edc.log" "${env_args[@]}"
    base="http://127.0.0.1:$port"
    # The first publication signs a 2,000-DRIMbox list: time the pages once it is served.
    wait_http "$base/liste-blanche.xml" 300 200
    reviewer="$(sign_in "$base" instructeur.pages@ans.example.fr)"
    operator="$(sign_in "$base" operateur.pages@example.fr)"
    echo "=== $db: timing (load average before: $(cut -d' ' -f1-3 /proc/loadavg)) ===" >&2
    measure "$db" ans "$base/ans" "$reviewer" '<tr id="demande-'
    measure "$db" ans-approved "$base/ans?etat=approved" "$reviewer" '<tr id="demande-'
    measure "$db" ans-drimbox "$base/ans/drimbox" "$reviewer" '<tr id="drimbox-'
    measure "$db" espace "$base/espace" "$operator" 'href="/espace/demandes/'
    stop_pid "$EDC_PID"; EDC_PID=""
done

echo
echo "Web pages through edc serve (release), one connection, wrk -t1 -c1 -d${SECONDS_PER_PAGE}s; $REQUESTS requests, $DRIMBOXES DRIMboxes; $(nproc) cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '%-11s %-46s %9s %9s %6s %9s\n' "database" "page" "p50 ms" "p99 ms" "rows" "bytes"
for db in "${DATABASES[@]}"; do
    for label in ans ans-approved ans-drimbox espace; do
        line="$(grep "^page db=$db label=$label " "$RESULTS")"
        page=$(case "$label" in
            ans) echo "GET /ans (review queue, page 1)";;
            ans-approved) echo "GET /ans?etat=approved (closed, newest first)";;
            ans-drimbox) echo "GET /ans/drimbox (registry, page 1)";;
            espace) echo "GET /espace (busy operator's dashboard)";;
        esac)
        printf '%-11s %-46s %9s %9s %6s %9s\n' "$db" "$page" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field rows "$line")" "$(field bytes "$line")"
    done
done
