#!/usr/bin/env bash
# Sets up and starts the whole portal: database, demo company in the sandbox, demo login,
# the web server and a django-q2 worker cluster. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-1}"
export SANDBOX_ENABLED="${SANDBOX_ENABLED:-1}"
export PORTAL_URL="${PORTAL_URL:-http://127.0.0.1:${PORT}}"

$BIN/python manage.py migrate --noinput
$BIN/python manage.py createcachetable
$BIN/python manage.py load_demo --portal-url "$PORTAL_URL"

# Whatever ends this script (Ctrl-C, a signal, one of the two servers dying) stops both servers.
PIDS=()
stop() { trap - EXIT INT TERM; kill -TERM "${PIDS[@]}" 2>/dev/null; wait; }
trap stop EXIT INT TERM
$BIN/python manage.py qcluster &
PIDS+=($!)

cat <<MSG

  LedgerBridge is starting on ${PORTAL_URL}/
  Log in with the demo login shown above (Integration admin)
  Sandbox control API: ${PORTAL_URL}/sandbox/control/

MSG
$BIN/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --threads 8 --timeout 120 \
  --access-logfile - --error-logfile - &
PIDS+=($!)
wait -n
