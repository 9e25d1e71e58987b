#!/usr/bin/env bash
# Signs a 10,000-entry white list, then measures, side by side in one run:
#   - signing time (WhitelistSigner, release build, in-process),
#   - `edc-agent verify` whole-process wall time and peak RSS,
#   - `xmlsec1 --verify` on the same file, same trust (chain, then pinned signer).
# Wall time and RSS come from GNU time (`/usr/bin/time -v`, Debian package `time`).
#
# Usage: scripts/bench-whitelist.sh [ENTRIES] [RUNS]     (defaults: 10000 entries, 7 runs)
# Targets: edc-agent no slower than xmlsec1 and within 1.5x its memory; signing under 1 s.
set -euo pipefail

ENTRIES="${1:-10000}"
RUNS="${2:-7}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/Benchmarks"

need_package() { # command, Debian package
    if ! command -v "$1" >/dev/null 2>&1 || { [ "$1" = /usr/bin/time ] && ! /usr/bin/time -v true >/dev/null 2>&1; }; then
        echo "installing $2 ..." >&2
        if [ "$(id -u)" = 0 ]; then apt-get install -y -q "$2" >/dev/null; else sudo apt-get install -y -q "$2" >/dev/null; fi
    fi
}
need_package /usr/bin/time time
need_package xmlsec1 xmlsec1

echo "building release binaries (Benchmarks package) ..." >&2
swift build -c release --package-path "$BENCH" --product whitelist-fixture >&2
swift build -c release --package-path "$BENCH" --product edc-agent >&2
BIN="$(swift build -c release --package-path "$BENCH" --show-bin-path)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

SIGNING="$("$BIN/whitelist-fixture" "$WORK" "$ENTRIES" 5)"
LIST="$WORK/list.xml"
ROOT_CA="$WORK/test-root-ca.pem"
INTERMEDIATE="$WORK/test-organisations-ca.pem"
SIGNER="$WORK/test-signer.pem"

# measure LABEL COMMAND...: runs the command RUNS times; prints median wall seconds and max RSS (KiB).
measure() {
    local label="$1"; shift
    local walls=() rss=0
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
            echo "FAILED: $label" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
        local wall kib
        wall="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$WORK/time.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')"
        kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")"
        walls+=("$wall")
        [ "$kib" -gt "$rss" ] && rss="$kib"
    done
    local median
    median="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
    printf '%s %s %s\n' "$label" "$median" "$rss"
}

AGENT_CHAIN="$(measure agent-chain "$BIN/edc-agent" verify "$LIST" --trust-anchor "$ROOT_CA" --intermediate "$INTERMEDIATE")"
XMLSEC_CHAIN="$(measure xmlsec1-chain xmlsec1 --verify --trusted-pem "$ROOT_CA" --untrusted-pem "$INTERMEDIATE" --id-attr:Id SignedProperties "$LIST")"
AGENT_PINNED="$(measure agent-pinned "$BIN/edc-agent" verify "$LIST" --signer-cert "$SIGNER")"
XMLSEC_PINNED="$(measure xmlsec1-pinned xmlsec1 --verify --pubkey-cert-pem "$SIGNER" --id-attr:Id SignedProperties "$LIST")"

echo
echo "White list benchmark: $ENTRIES entries, $(stat -c %s "$LIST") bytes, median of $RUNS runs, $(nproc) cores"
echo "signing (in-process, release): $SIGNING"
echo
printf '%-34s %12s %14s\n' "verifier" "wall (s)" "peak RSS (MiB)"
for line in "$AGENT_CHAIN" "$XMLSEC_CHAIN" "$AGENT_PINNED" "$XMLSEC_PINNED"; do
    read -r label wall kib <<<"$line"
    case "$label" in
        agent-chain) name="edc-agent verify (trust anchor)";;
        xmlsec1-chain) name="xmlsec1 --verify (trusted-pem)";;
        agent-pinned) name="edc-agent verify (signer cert)";;
        xmlsec1-pinned) name="xmlsec1 --verify (pubkey-cert)";;
    esac
    printf '%-34s %12s %14.1f\n' "$name" "$wall" "$(echo "$kib / 1024" | bc -l)"
done
echo
read -r _ agent_wall agent_rss <<<"$AGENT_CHAIN"
read -r _ xmlsec_wall xmlsec_rss <<<"$XMLSEC_CHAIN"
echo "ratios (anchored): time edc-agent/xmlsec1 = $(echo "scale=2; $agent_wall / $xmlsec_wall" | bc -l), memory edc-agent/xmlsec1 = $(echo "scale=2; $agent_rss / $xmlsec_rss" | bc -l)  (targets: <= 1, <= 1.5)"
