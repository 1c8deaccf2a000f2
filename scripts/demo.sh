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

$BIN/python manage.py qcluster &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  LedgerBridge is starting on ${PORTAL_URL}/
  Log in as  demo / demo-password  (Integration admin)
  Sandbox control API: ${PORTAL_URL}/sandbox/control/

MSG
$BIN/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --threads 8 --timeout 120 \
  --access-logfile - --error-logfile -
