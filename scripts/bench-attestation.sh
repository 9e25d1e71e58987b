#!/usr/bin/env bash
# Attestation PDF render time (in-process, release build, static Swift runtime like the other
# Benchmarks products): p50/p99 over RENDERS renders of different facts.
# Usage: scripts/bench-attestation.sh [RENDERS=200] [PAIRS=4]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"
build_static edc-attestation-bench
"$BIN/edc-attestation-bench" "${1:-200}" "${2:-4}"
echo "($(nproc) cores; $(pkg-config --modversion cairo | sed 's/^/cairo /'), $(pkg-config --modversion pango | sed 's/^/pango /'))"
