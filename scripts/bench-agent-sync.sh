#!/usr/bin/env bash
# edc-agent sync of a 10,000-entry white list, as a DRIMbox runs it, and nginx reloading a
# 10,000-line map. Whole-process figures: wall time (bash $EPOCHREALTIME) and peak RSS (GNU time).
#   - sync, first install: download (file://), strict verification, atomic install of the list,
#     peers.json and state.json, and both nginx maps (--nginx-map, --nginx-hosts);
#   - sync, list unchanged: download and verification again, nothing installed;
#   - nginx -t with the 10,000-line map (what --nginx-test-command costs), and with an empty one;
#   - nginx reload: from `nginx -s reload` until a request sees the new map (polled with curl).
#
# Usage: scripts/bench-agent-sync.sh [ENTRIES] [RUNS]     (defaults: 10000 entries, 7 runs)
set -euo pipefail

ENTRIES="${1:-10000}"
RUNS="${2:-7}"
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"
need_package /usr/bin/time time
need_package /usr/sbin/nginx nginx
need_package curl curl
need_package bc bc
build_static whitelist-fixture edc-agent

WORK="$(mktemp -d)"
NGINX_PID=""
cleanup() {
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN/whitelist-fixture" "$WORK" "$ENTRIES" 1 >/dev/null
LIST="$WORK/list.xml"
SIGNER="$WORK/test-signer.pem"

: >"$WORK/samples"
"$BIN/edc-agent" sync --once --url "file://$LIST" --signer-cert "$SIGNER" --state-dir "$WORK/warm" >/dev/null  # page cache
for run in $(seq "$RUNS"); do
    rm -rf "$WORK/state"
    sample sync-install "$BIN/edc-agent" sync --once --url "file://$LIST" --signer-cert "$SIGNER" --state-dir "$WORK/state" \
        --nginx-map "$WORK/state/peers.map" --nginx-hosts "$WORK/state/hosts.map"
    sample sync-current "$BIN/edc-agent" sync --once --url "file://$LIST" --signer-cert "$SIGNER" --state-dir "$WORK/state" \
        --nginx-map "$WORK/state/peers.map" --nginx-hosts "$WORK/state/hosts.map"
done
MAP_LINES="$(grep -vc '^#' "$WORK/state/peers.map")"

# nginx: the DN map is looked up on a request header here, so that a plain HTTP request can
# present any listed DN (the lookup is the same hash as for $ssl_client_s_dn).
mkdir -p "$WORK/nginx"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat >"$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events {}
http {
    access_log off;
    map_hash_bucket_size 1024;
    map_hash_max_size 32768;
    map \$http_x_peer_dn \$edc_peer { default ""; include $WORK/nginx/peers.map; }
    map \$host \$edc_host { default ""; include $WORK/state/hosts.map; }
    server {
        listen 127.0.0.1:$PORT;
        location / { if (\$edc_peer = "") { return 403; } return 200 "\$edc_peer"; }
    }
}
CONF
NGINX=(/usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf")
grep -v '^#' "$WORK/state/peers.map" >"$WORK/full.map"
head -n -1 "$WORK/full.map" >"$WORK/less.map"          # the same without the last DN
: >"$WORK/empty.map"
# The last DN as nginx would see it: the map key, its nginx escapes undone (\" and \\).
LAST_KEY="$(tail -n 1 "$WORK/full.map" | sed -E 's/^"((\\.|[^"\\])*)".*/\1/; s/\\(.)/\1/g')"

cp "$WORK/empty.map" "$WORK/nginx/peers.map"
for run in $(seq "$RUNS"); do sample nginx-t-empty "${NGINX[@]}" -t; done
cp "$WORK/full.map" "$WORK/nginx/peers.map"
for run in $(seq "$RUNS"); do sample nginx-t-full "${NGINX[@]}" -t; done

cp "$WORK/less.map" "$WORK/nginx/peers.map"
"${NGINX[@]}"
NGINX_PID="$(cat "$WORK/nginx/nginx.pid")"
status() { curl -s -o /dev/null -w '%{http_code}' -H "X-Peer-DN: $LAST_KEY" "http://127.0.0.1:$PORT/"; }
until [ "$(status)" = 403 ]; do :; done
: >"$WORK/reloads"
for run in $(seq "$RUNS"); do
    for map in full less; do
        want=$([ "$map" = full ] && echo 200 || echo 403)
        cp "$WORK/$map.map" "$WORK/nginx/peers.map.tmp" && mv "$WORK/nginx/peers.map.tmp" "$WORK/nginx/peers.map"
        start="$EPOCHREALTIME"
        "${NGINX[@]}" -s reload
        polls=0
        until [ "$(status)" = "$want" ]; do polls=$((polls + 1)); done
        end="$EPOCHREALTIME"
        echo "$(echo "$end - $start" | bc -l) $polls" >>"$WORK/reloads"
    done
done
kill -QUIT "$NGINX_PID"; NGINX_PID=""
RELOAD_MEDIAN="$(sort -n "$WORK/reloads" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
RELOAD_MAX="$(sort -n "$WORK/reloads" | tail -n 1 | cut -d' ' -f1)"

echo
echo "edc-agent sync benchmark: $ENTRIES entries, list $(stat -c %s "$LIST") bytes, map $MAP_LINES lines ($(stat -c %s "$WORK/state/peers.map") bytes), median of $RUNS runs, $(nproc) cores"
echo "$(/usr/sbin/nginx -v 2>&1)"
printf '%-58s %10s %14s\n' "" "wall (s)" "peak RSS (MiB)"
for label in sync-install sync-current nginx-t-empty nginx-t-full; do
    read -r wall kib <<<"$(summary "$label")"
    case "$label" in
        sync-install) name="edc-agent sync, first install (list + both maps)";;
        sync-current) name="edc-agent sync, list unchanged";;
        nginx-t-empty) name="nginx -t, empty map";;
        nginx-t-full) name="nginx -t, $MAP_LINES-line DN map";;
    esac
    printf '%-58s %10.3f %14.1f\n' "$name" "$wall" "$(echo "$kib / 1024" | bc -l)"
done
printf '%-58s %10.3f   (max %.3f, %d reloads)\n' "nginx -s reload until the new map answers" "$RELOAD_MEDIAN" "$RELOAD_MAX" "$((RUNS * 2))"
