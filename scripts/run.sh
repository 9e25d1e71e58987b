#!/usr/bin/env bash
# Runs EDC with its embedded default: SQLite under ./data, a generated TEST PKI for the white
# list signature, and demo data (logins printed at start). Extra arguments go to `edc serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
swift build --product edc
exec .build/debug/edc serve --data-dir ./data --demo "$@"
