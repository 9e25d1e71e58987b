# Shared helpers for scripts/bench-queue.sh, bench-serving.sh and bench-publication.sh.
# Source it after `set -euo pipefail`; it defines ROOT, BENCH and helper functions.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH="$ROOT/Benchmarks"

# need_package COMMAND DEBIAN_PACKAGE: installs the package when the command is missing, says so.
need_package() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "installing Debian package $2 (for $1) ..." >&2
        local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get install -y -q "$2" >/dev/null 2>&1 || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "$2" >/dev/null; }
        echo "installed: $(dpkg-query -W -f='${Package} ${Version}' "$2")" >&2
    else
        echo "present: $1 ($(dpkg-query -S "$(command -v "$1")" 2>/dev/null | cut -d: -f1 | head -n1 || echo '?'))" >&2
    fi
}

# build_release PRODUCT...: release builds through the Benchmarks package (its own .build); sets BIN.
build_release() {
    local product
    for product in "$@"; do
        echo "building $product (release, Benchmarks package) ..." >&2
        swift build -c release --package-path "$BENCH" --product "$product" >&2
    done
    BIN="$(swift build -c release --package-path "$BENCH" --show-bin-path)"
}

# bench_workdir PREFIX: a temp directory WORK (with WORK/data) removed on exit, with EDC_PID stopped.
bench_workdir() {
    WORK="$(mktemp -d "/tmp/$1.XXXXXX")"
    mkdir -p "$WORK/data"
    EDC_PID=""
    trap 'stop_pid "$EDC_PID"; rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
}

# bench_token: a random reviewer token TOKEN and its SHA-256 TOKEN_HASH (only the hash is seeded, as EDC stores it).
bench_token() {
    TOKEN="edc_bench_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    TOKEN_HASH="$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)"
}

# free_port: an unused TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_http URL [SECONDS] [EXPECTED_STATUS]: polls until URL answers EXPECTED_STATUS (default 200); bounded.
wait_http() {
    local url="$1" seconds="${2:-60}" expected="${3:-200}" i
    for i in $(seq $((seconds * 10))); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$url" 2>/dev/null || true)" = "$expected" ] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $url to answer $expected" >&2
    return 1
}

# start_edc DATA_DIR PORT LOG [ENV=VALUE...]: starts `edc serve` (EDC_BIN, default $BIN/edc) in the
# background; sets EDC_PID.
start_edc() {
    local data="$1" port="$2" log="$3"; shift 3
    env "$@" "${EDC_BIN:-$BIN/edc}" serve --data-dir "$data" --hostname 127.0.0.1 --port "$port" >"$log" 2>&1 &
    EDC_PID=$!
    if ! wait_http "http://127.0.0.1:$port/q/health/live" 120; then cat "$log" >&2; return 1; fi
}

# stop_pid PID: SIGTERM, then SIGKILL after 10 s; waits for it.
stop_pid() {
    local pid="$1" i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# WRK_LUA: a wrk script printing one machine-readable line (requests/s, latency percentiles, errors).
write_wrk_lua() {
    cat >"$1" <<'LUA'
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("wrk_result requests=%d rps=%.1f mbps=%.1f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f errors=%d status_errors=%d timeouts=%d read_errors=%d\n",
    summary.requests, summary.requests / seconds, summary.bytes / seconds / 1048576,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors, summary.errors.status, summary.errors.timeout, summary.errors.read))
end
LUA
}

# field NAME LINE: the value of NAME=value in LINE.
field() { sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" <<<" $2"; }

# sample LABEL COMMAND...: runs COMMAND once (output discarded) and appends
# "LABEL WALL_SECONDS PEAK_RSS_KIB" to $WORK/samples. Wall time is bash $EPOCHREALTIME around the
# process (GNU time's own figure is rounded to 10 ms); peak RSS is GNU time's "Maximum resident set size".
sample() {
    local label="$1"; shift
    local start end
    start="$EPOCHREALTIME"
    /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
        echo "FAILED: $label" >&2; cat "$WORK/stderr.txt" >&2; exit 1; }
    end="$EPOCHREALTIME"
    echo "$label $(echo "$end - $start" | bc -l) $(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")" >>"$WORK/samples"
}

# summary LABEL: median wall seconds and largest peak RSS over the samples of LABEL.
summary() {
    awk -v label="$1" '$1 == label { print $2, $3 }' "$WORK/samples" | sort -n |
        awk '{ wall[NR] = $1; if ($2 > rss) rss = $2 } END { print wall[int((NR + 1) / 2)], rss }'
}

# build_static PRODUCT...: release builds as the agent ships (Swift runtime static), through the
# Benchmarks package; sets BIN.
build_static() {
    local product
    for product in "$@"; do
        echo "building $product (release, static Swift runtime, Benchmarks package) ..." >&2
        swift build -c release --static-swift-stdlib --package-path "$BENCH" --product "$product" >&2
    done
    BIN="$(swift build -c release --static-swift-stdlib --package-path "$BENCH" --show-bin-path)"
}
