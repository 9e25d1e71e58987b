#!/usr/bin/env bash
# The whole test suite: builds, then runs every test on SQLite, then the database-backed
# suites again on a real PostgreSQL server that this script starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh test
source scripts/lib-postgres.sh
trap edc_pg_stop EXIT

echo "== build"
swift build --build-tests

echo "== tests on SQLite (all targets)"
swift test --skip-build

echo "== tests on PostgreSQL (database-backed targets)"
edc_pg_start 54329
EDC_TEST_DATABASE_URL="$EDC_PG_URL" swift test --skip-build --filter 'AppTests|PersistenceTests'
