#!/usr/bin/env bash
# The whole test suite: builds, then runs every test on SQLite, then the database-backed
# suites again on a real PostgreSQL server that this script starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test
source scripts/lib-postgres.sh
logs=$(mktemp -d)
trap 'edc_pg_stop; rm -rf "$logs"' EXIT

echo "== build"
swift build --build-tests

echo "== tests on SQLite (all targets)"
swift test --skip-build 2>&1 | tee "$logs/sqlite.log"

echo "== API contract (schemathesis against edc serve --demo)"
scripts/contract-test.sh .build/debug/edc 2>&1 | tee "$logs/contract.log"

echo "== tests on PostgreSQL (database-backed targets)"
edc_pg_start 54329
# The browser suites run their own `edc serve --demo` on SQLite whatever the tests use: once is enough.
EDC_TEST_DATABASE_URL="$EDC_PG_URL" swift test --skip-build --filter 'AppTests|PersistenceTests|AccountsTests|DocumentsTests' \
    --skip 'BrowserAccessibilityTests|WebJourneyTests' 2>&1 | tee "$logs/postgres.log"

echo "== edc-agent package (release build, .deb, its own checks)"
scripts/package-agent.sh >"$logs/package.log" 2>&1 || { tail -n 60 "$logs/package.log"; echo "the package script failed"; exit 1; }
grep -E '^ok: |^Depends' "$logs/package.log"; tail -n 1 "$logs/package.log"

# Both runs passed (set -e and pipefail stop at the first failure): one closing line for both.
count() { sed -n 's/.*Test run with \([0-9]*\) tests\{0,1\} .* passed.*/\1/p' "$1" | tail -n 1; }
sqlite=$(count "$logs/sqlite.log"); postgres=$(count "$logs/postgres.log")
echo "SQLite: ${sqlite:-0} tests passed; PostgreSQL: ${postgres:-0} tests passed; contract: $(grep -c 'passed' "$logs/contract.log") schemathesis runs passed"
echo "summary: $(( ${sqlite:-0} + ${postgres:-0} )) passed, 0 failed"
