#!/usr/bin/env bash
# Serving the signed white list: `edc serve` (release) vs a private nginx serving the same bytes
# as a static file, side by side in one run, with wrk (-t2 -c64 -d10s by default):
#   - full body: GET /liste-blanche.xml -> 200,
#   - conditional: GET with If-None-Match: <current ETag> -> 304.
# The registry (N integrated DRIMboxes, one FQDN pair each) is seeded with bulk SQL by
# `edc-db-bench registry`; EDC's background publisher signs it at start.
#
# Usage: scripts/bench-serving.sh [ENTRIES] [DURATION]      (defaults: 10000 entries, 10s)
# Target (issue): EDC at least half of nginx's requests/s in both cases. Everything on 127.0.0.1.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"

ENTRIES="${1:-10000}"
DURATION="${2:-10s}"
THREADS=2
CONNECTIONS=64

need_package wrk wrk
need_package nginx nginx
need_package curl curl
build_release edc edc-db-bench

WORK="$(mktemp -d /tmp/edc-bench-serving.XXXXXX)"
EDC_PID=""
NGINX_PID=""
cleanup() {
    stop_pid "$EDC_PID"
    stop_pid "$NGINX_PID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/data" "$WORK/www" "$WORK/nginx/logs"
"$BIN/edc-db-bench" registry --sqlite "$WORK/data/edc.sqlite" --drimboxes "$ENTRIES" >&2

EDC_PORT="$(free_port)"
LISTENER_PORT="$(free_port)"
while [ "$LISTENER_PORT" = "$EDC_PORT" ]; do LISTENER_PORT="$(free_port)"; done
# The main port (Vapor) and the dedicated white list listener (EDC_WHITELIST_LISTEN), one process.
start_edc "$WORK/data" "$EDC_PORT" "$WORK/edc.log" EDC_LOG_LEVEL=notice EDC_WHITELIST_LISTEN="127.0.0.1:$LISTENER_PORT"
EDC_URL="http://127.0.0.1:$EDC_PORT/liste-blanche.xml"
LISTENER_URL="http://127.0.0.1:$LISTENER_PORT/liste-blanche.xml"
wait_http "$EDC_URL" 120
wait_http "$LISTENER_URL" 30
curl -s -D "$WORK/edc.headers" -o "$WORK/www/liste-blanche.xml" "$EDC_URL"
EDC_ETAG="$(awk 'tolower($1) == "etag:" {print $2}' "$WORK/edc.headers" | tr -d '\r')"
SIZE="$(stat -c %s "$WORK/www/liste-blanche.xml")"
COUNT="$(grep -c '<Identifiant>' "$WORK/www/liste-blanche.xml")"

# A private nginx: own prefix, config, pid and logs; workers as in a default install (auto = 1 per core).
NGINX_PORT="$(free_port)"
chmod 755 "$WORK" "$WORK/www"; chmod 644 "$WORK/www/liste-blanche.xml"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    etag on;
    client_body_temp_path $WORK/nginx/tmp-body;
    proxy_temp_path $WORK/nginx/tmp-proxy;
    fastcgi_temp_path $WORK/nginx/tmp-fastcgi;
    uwsgi_temp_path $WORK/nginx/tmp-uwsgi;
    scgi_temp_path $WORK/nginx/tmp-scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WORK/www;
        location = /liste-blanche.xml { add_header Cache-Control "public, max-age=60"; }
    }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
NGINX_URL="http://127.0.0.1:$NGINX_PORT/liste-blanche.xml"
wait_http "$NGINX_URL" 30
NGINX_ETAG="$(curl -s -o /dev/null -D - "$NGINX_URL" | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')"

# Same bytes, and both answer 304 to their current ETag.
cmp <(curl -s "$EDC_URL") <(curl -s "$NGINX_URL") || { echo "EDC and nginx serve different bytes" >&2; exit 1; }
cmp <(curl -s "$LISTENER_URL") <(curl -s "$NGINX_URL") || { echo "the EDC listener and nginx serve different bytes" >&2; exit 1; }
for pair in "$EDC_URL|$EDC_ETAG" "$LISTENER_URL|$EDC_ETAG" "$NGINX_URL|$NGINX_ETAG"; do
    status="$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${pair#*|}" "${pair%|*}")"
    [ "$status" = 304 ] || { echo "${pair%|*} answered $status to If-None-Match ${pair#*|}" >&2; exit 1; }
done

write_wrk_lua "$WORK/report.lua"
run_wrk() { # URL [HEADER]
    local url="$1"; shift
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/report.lua")
    [ $# -gt 0 ] && args+=(-H "$1")
    wrk "${args[@]}" "$url" | grep '^wrk_result'
}
echo "warming up (2 s each) ..." >&2
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$EDC_URL" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$LISTENER_URL" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$NGINX_URL" >/dev/null
echo "measuring: wrk -t$THREADS -c$CONNECTIONS -d$DURATION, six runs ..." >&2
EDC_FULL="$(run_wrk "$EDC_URL")"
LISTENER_FULL="$(run_wrk "$LISTENER_URL")"
NGINX_FULL="$(run_wrk "$NGINX_URL")"
EDC_304="$(run_wrk "$EDC_URL" "If-None-Match: $EDC_ETAG")"
LISTENER_304="$(run_wrk "$LISTENER_URL" "If-None-Match: $EDC_ETAG")"
NGINX_304="$(run_wrk "$NGINX_URL" "If-None-Match: $NGINX_ETAG")"

echo
echo "White list serving: $COUNT entries, $SIZE bytes, wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $(nproc) cores, all on 127.0.0.1"
echo "edc: $(git -C "$ROOT" rev-parse --short HEAD) release; $(nginx -v 2>&1 | sed 's/nginx version: //'), worker_processes auto, sendfile on; $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
echo
printf '%-24s %12s %10s %10s %10s %8s\n' "case" "requests/s" "MiB/s" "p50 (ms)" "p99 (ms)" "errors"
for row in "EDC full body (200)|$EDC_FULL" "EDC listener full (200)|$LISTENER_FULL" "nginx full body (200)|$NGINX_FULL" \
           "EDC If-None-Match (304)|$EDC_304" "EDC listener (304)|$LISTENER_304" "nginx If-None-Match (304)|$NGINX_304"; do
    line="${row#*|}"
    printf '%-24s %12s %10s %10s %10s %8s\n' "${row%%|*}" "$(field rps "$line")" "$(field mbps "$line")" "$(field p50_ms "$line")" "$(field p99_ms "$line")" "$(field errors "$line")"
done
echo
full_ratio="$(echo "scale=2; $(field rps "$EDC_FULL") / $(field rps "$NGINX_FULL")" | bc -l)"
cond_ratio="$(echo "scale=2; $(field rps "$EDC_304") / $(field rps "$NGINX_304")" | bc -l)"
verdict() { [ "$(echo "$1 >= 0.5" | bc -l)" = 1 ] && echo "meets" || echo "MISSES"; }
echo "EDC / nginx requests/s: full body $full_ratio ($(verdict "$full_ratio") the >= 0.5 target), 304 $cond_ratio ($(verdict "$cond_ratio") the >= 0.5 target)"
lfull_ratio="$(echo "scale=2; $(field rps "$LISTENER_FULL") / $(field rps "$NGINX_FULL")" | bc -l)"
lcond_ratio="$(echo "scale=2; $(field rps "$LISTENER_304") / $(field rps "$NGINX_304")" | bc -l)"
echo "EDC listener / nginx requests/s: full body $lfull_ratio ($(verdict "$lfull_ratio") the >= 0.5 target), 304 $lcond_ratio ($(verdict "$lcond_ratio") the >= 0.5 target)"
