#!/usr/bin/env bash
# `make test`: private services for the test profile (unless URLs are given),
# the import-layering contract, then pytest. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

started_services=0
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    started_services=1
fi
cleanup() { [ "$started_services" = 1 ] && scripts/services.sh down test || true; }
trap cleanup EXIT

eval "$(scripts/services.sh up test)"
scripts/services.sh browser
export DATABASE_URL REDIS_URL
export GONGDAN_CONFIG=testing

echo "== import layering (import-linter)"
$BIN/lint-imports --no-cache
echo "== pytest"
$BIN/python -m pytest "$@"
