#!/usr/bin/env bash
# Private PostgreSQL+PostGIS and Redis under var/ for `make run` and `make test`.
#
#   scripts/services.sh up   dev|test   start what is missing; prints `export` lines
#   scripts/services.sh down dev|test   stop what `up` started
#   scripts/services.sh packages        install missing Debian packages (root) or say which
#   scripts/services.sh node            the same for Node.js and npm (browser libraries)
#   scripts/services.sh browser         the same for Chromium and a Chinese font (console e2e tests)
#
# A service is only started when its URL (DATABASE_URL / REDIS_URL) is unset: a
# deployment that points at its own servers never gets a private one.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PG_BIN=/usr/lib/postgresql/15/bin
POSTGIS_CONTROL=/usr/share/postgresql/15/extension/postgis.control

log() { echo "[services] $*" >&2; }

profile_settings() {
    # Separate clusters and ports so a test run never touches the dev data.
    case "$1" in
        dev)  PG_DIR="$ROOT/var/pg";      PG_PORT=55432; DB_NAME=gongdan;      REDIS_DIR="$ROOT/var/redis";      REDIS_PORT=56379 ;;
        test) PG_DIR="$ROOT/var/pg-test"; PG_PORT=55433; DB_NAME=gongdan_test; REDIS_DIR="$ROOT/var/redis-test"; REDIS_PORT=56380 ;;
        *) echo "profile must be dev or test" >&2; exit 64 ;;
    esac
}

as_postgres() {
    # initdb refuses to run as root, so a root caller runs the server as `postgres`.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

apt_install() {
    # Install Debian packages when root; otherwise say what to install and stop.
    [ $# -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        log "installing $*"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
    else
        echo "Missing system packages. Install them with:" >&2
        echo "  sudo apt-get install -y --no-install-recommends $*" >&2
        exit 1
    fi
}

packages() {
    local need=()
    { [ -x "$PG_BIN/initdb" ] && [ -f "$POSTGIS_CONTROL" ]; } || need+=(postgresql-15 postgresql-15-postgis-3)
    command -v redis-server >/dev/null || need+=(redis-server)
    [ ${#need[@]} -eq 0 ] || log "(or set DATABASE_URL and REDIS_URL to servers you already run)"
    apt_install "${need[@]}"
}

node_packages() {
    command -v npm >/dev/null || apt_install nodejs npm
}

# Debian's Chromium, driven by Playwright (never `playwright install`), and a CJK font
# so screenshots of the Chinese consoles show characters, not boxes.
CHROMIUM=/usr/lib/chromium/chromium
browser_packages() {
    local need=()
    [ -x "$CHROMIUM" ] || need+=(chromium)
    fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || need+=(fonts-wqy-microhei)
    apt_install "${need[@]}"
}

pg_up() {
    local data="$PG_DIR/data"
    mkdir -p "$PG_DIR/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$PG_DIR"
    if [ ! -f "$data/PG_VERSION" ]; then
        log "initialising PostgreSQL cluster in ${data#$ROOT/}"
        as_postgres "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        local extra=""
        # Durability buys nothing in a throw-away test cluster and costs seconds.
        [ "$1" = test ] && extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        as_postgres "$PG_BIN/pg_ctl" -D "$data" -l "$PG_DIR/server.log" -w \
            -o "-p $PG_PORT -k $PG_DIR/sock -c listen_addresses=127.0.0.1 $extra" start >/dev/null
        log "PostgreSQL listening on 127.0.0.1:$PG_PORT"
    fi
    local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt)
    if [ "$("${psql[@]}" -d postgres -c "select 1 from pg_database where datname='$DB_NAME'")" != 1 ]; then
        "${psql[@]}" -d postgres -c "create database $DB_NAME" >/dev/null
    fi
    "${psql[@]}" -d "$DB_NAME" -c "create extension if not exists postgis" >/dev/null
    echo "export DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/$DB_NAME"
}

pg_down() {
    local data="$PG_DIR/data"
    [ -f "$data/PG_VERSION" ] || return 0
    if as_postgres "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_postgres "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
    fi
}

redis_up() {
    mkdir -p "$REDIS_DIR"
    if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_DIR" \
            --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save "" --appendonly no
        for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
        log "Redis listening on 127.0.0.1:$REDIS_PORT"
    fi
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

redis_down() {
    if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
        log "Redis stopped"
    fi
}

cmd="${1:-}"; shift || true
case "$cmd" in
    packages) packages ;;
    node) node_packages ;;
    browser) browser_packages ;;
    up)
        profile_settings "${1:-dev}"
        if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then packages; fi
        [ -n "${DATABASE_URL:-}" ] || pg_up "$1"
        [ -n "${REDIS_URL:-}" ] || redis_up
        ;;
    down)
        profile_settings "${1:-dev}"
        pg_down; redis_down ;;
    *) echo "usage: $0 up|down dev|test | packages | node | browser" >&2; exit 64 ;;
esac
