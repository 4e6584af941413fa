#!/usr/bin/env bash
# `make run`: migrate, load the demo data into an empty database, then serve the
# app with gunicorn, one RQ worker and the RQ cron process that enqueues periodic
# jobs.  `scripts/serve.sh stop` stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
RUN=var/run
mkdir -p "$RUN"

stop_pidfile() {
    local f="$1"
    [ -f "$f" ] || return 0
    local pid; pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
}

if [ "${1:-}" = stop ]; then
    stop_pidfile "$RUN/gunicorn.pid"
    stop_pidfile "$RUN/worker.pid"
    stop_pidfile "$RUN/cron.pid"
    exit 0
fi

PORT="${PORT:-5000}"
$BIN/flask db-upgrade
$BIN/flask demo load --if-empty

$BIN/rq worker --with-scheduler --worker-class app.background.AppWorker --url "$REDIS_URL" --path . gongdan \
    >"$RUN/worker.log" 2>&1 &
echo $! >"$RUN/worker.pid"
# Periodic jobs (the SLA sweeper every 30 s): the cron process enqueues, the worker runs.
$BIN/rq cron --url "$REDIS_URL" --path . app/cron.py >"$RUN/cron.log" 2>&1 &
echo $! >"$RUN/cron.pid"
trap 'stop_pidfile "$RUN/worker.pid"; stop_pidfile "$RUN/cron.pid"' EXIT

cat <<MSG

  Gongdan is serving on  http://127.0.0.1:$PORT
  API docs               http://127.0.0.1:$PORT/api/docs   (OpenAPI: /api/openapi.json)
  Mobile API spec        http://127.0.0.1:$PORT/mobile/openapi.json
  Demo accounts (password: gongdan-demo)
$($BIN/flask demo accounts | sed 's/^/    /')
  Customer links (no sign-in: rate a visit, follow the engineer)
$($BIN/flask demo links | sed 's/^/    /')

  Background worker log: $RUN/worker.log.  Stop with Ctrl-C or \`make stop\`.

MSG
# Threads let a worker answer another request while one waits on PostgreSQL (the
# phone's day spends a third of its time there); the consoles' polling adds many
# small requests.
$BIN/gunicorn --bind "127.0.0.1:$PORT" --workers "${WEB_CONCURRENCY:-2}" --threads "${WEB_THREADS:-4}" \
    --pid "$RUN/gunicorn.pid" --access-logfile - wsgi:app
