#!/usr/bin/env bash
# Mail throughput (messages per second through msmtp to a local SMTP server with STARTTLS and
# AUTH) and the outbox's delivery lag under a burst of events. The server is python aiosmtpd on
# 127.0.0.1 (it accepts and drops the messages), the database a SQLite file.
#
# Usage: scripts/bench-mail.sh [MESSAGES=200] [EVENTS=1000] [CONCURRENCY=4]
set -euo pipefail
MESSAGES="${1:-200}"
EVENTS="${2:-1000}"
CONCURRENCY="${3:-4}"
source "$(dirname "${BASH_SOURCE[0]}")/bench/common.sh"
need_package msmtp msmtp
need_package openssl openssl
python3 -c "import aiosmtpd" 2>/dev/null || { echo "python aiosmtpd is needed: scripts/install-deps.sh test" >&2; exit 1; }
build_static edc-mail-bench  # static, like bench-agent-sync.sh: switching costs a full rebuild

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/smtp.key" -out "$WORK/smtp.pem" 2>/dev/null
python3 "$ROOT/scripts/bench/smtp_sink.py" "$WORK" >"$WORK/server.out" &
SERVER_PID=$!
until [ -s "$WORK/server.out" ]; do sleep 0.1; done
PORT="$(head -n 1 "$WORK/server.out")"

"$BIN/edc-mail-bench" --sqlite "$WORK/bench.sqlite" --smtp-port "$PORT" --ca "$WORK/smtp.pem" --user bench --password bench \
    --messages "$MESSAGES" --events "$EVENTS" --concurrency "$CONCURRENCY"
echo "received by the server: $(tail -n 1 "$WORK/server.out" 2>/dev/null || true)"
echo "($(nproc) cores, $(msmtp --version | head -n 1))"
