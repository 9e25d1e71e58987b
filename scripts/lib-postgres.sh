# Start and stop a private PostgreSQL server on 127.0.0.1 for tests and benchmarks.
# Source this file, then: edc_pg_start [port]; ... ; edc_pg_stop
# Exports EDC_PG_URL (superuser URL to the maintenance database).

edc_pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
    echo "$dir"
}

edc_pg_start() {
    local port=${1:-54329} bin
    bin=$(edc_pg_bin) || return 1
    # Skip ports already taken on loopback (another test run, a developer's server).
    while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
    EDC_PG_DIR=$(mktemp -d /tmp/edc-pg.XXXXXX)
    chown postgres:postgres "$EDC_PG_DIR"
    # The server refuses to run as root: run it as the 'postgres' system user.
    runuser -u postgres -- "$bin/initdb" -D "$EDC_PG_DIR/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$EDC_PG_DIR/initdb.log" 2>&1 \
        || { cat "$EDC_PG_DIR/initdb.log" >&2; return 1; }
    runuser -u postgres -- "$bin/pg_ctl" -D "$EDC_PG_DIR/data" -l "$EDC_PG_DIR/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $EDC_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" start >/dev/null \
        || { cat "$EDC_PG_DIR/server.log" >&2; return 1; }
    export EDC_PG_DIR EDC_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL started on 127.0.0.1:$port ($EDC_PG_DIR)"
}

edc_pg_stop() {
    [ -n "${EDC_PG_DIR:-}" ] || return 0
    local bin
    bin=$(edc_pg_bin) || return 0
    runuser -u postgres -- "$bin/pg_ctl" -D "$EDC_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$EDC_PG_DIR"
    unset EDC_PG_DIR
}
