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
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"
need_package /usr/bin/time time
need_package xmlsec1 xmlsec1
need_package bc bc

# edc-agent is measured as it ships to DRIMbox vendors: release, Swift runtime linked statically
# (a single binary that needs only libxml2 and libc on the DRIMbox).
build_static whitelist-fixture edc-agent

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

SIGNING="$("$BIN/whitelist-fixture" "$WORK" "$ENTRIES" 5)"
LIST="$WORK/list.xml"
ROOT_CA="$WORK/test-root-ca.pem"
INTERMEDIATE="$WORK/test-organisations-ca.pem"
SIGNER="$WORK/test-signer.pem"



AGENT_CHAIN_CMD=("$BIN/edc-agent" verify "$LIST" --trust-anchor "$ROOT_CA" --intermediate "$INTERMEDIATE")
XMLSEC_CHAIN_CMD=(xmlsec1 --verify --trusted-pem "$ROOT_CA" --untrusted-pem "$INTERMEDIATE" --id-attr:Id SignedProperties "$LIST")
AGENT_PINNED_CMD=("$BIN/edc-agent" verify "$LIST" --signer-cert "$SIGNER")
XMLSEC_PINNED_CMD=(xmlsec1 --verify --pubkey-cert-pem "$SIGNER" --id-attr:Id SignedProperties "$LIST")

# Warm the page cache, then interleave the four commands so that machine noise hits them alike.
"${AGENT_CHAIN_CMD[@]}" >/dev/null 2>&1; "${XMLSEC_CHAIN_CMD[@]}" >/dev/null 2>&1
: >"$WORK/samples"
for _ in $(seq "$RUNS"); do
    sample agent-chain "${AGENT_CHAIN_CMD[@]}"
    sample xmlsec1-chain "${XMLSEC_CHAIN_CMD[@]}"
    sample agent-pinned "${AGENT_PINNED_CMD[@]}"
    sample xmlsec1-pinned "${XMLSEC_PINNED_CMD[@]}"
done
AGENT_CHAIN="agent-chain $(summary agent-chain)"
XMLSEC_CHAIN="xmlsec1-chain $(summary xmlsec1-chain)"
AGENT_PINNED="agent-pinned $(summary agent-pinned)"
XMLSEC_PINNED="xmlsec1-pinned $(summary xmlsec1-pinned)"

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
    printf '%-34s %12.3f %14.1f\n' "$name" "$wall" "$(echo "$kib / 1024" | bc -l)"
done
echo
read -r _ agent_wall agent_rss <<<"$AGENT_CHAIN"
read -r _ xmlsec_wall xmlsec_rss <<<"$XMLSEC_CHAIN"
echo "ratios (anchored): time edc-agent/xmlsec1 = $(echo "scale=2; $agent_wall / $xmlsec_wall" | bc -l), memory edc-agent/xmlsec1 = $(echo "scale=2; $agent_rss / $xmlsec_rss" | bc -l)  (targets: <= 1, <= 1.5)"
read -r _ agent_wall agent_rss <<<"$AGENT_PINNED"
read -r _ xmlsec_wall xmlsec_rss <<<"$XMLSEC_PINNED"
echo "ratios (pinned):   time edc-agent/xmlsec1 = $(echo "scale=2; $agent_wall / $xmlsec_wall" | bc -l), memory edc-agent/xmlsec1 = $(echo "scale=2; $agent_rss / $xmlsec_rss" | bc -l)"
