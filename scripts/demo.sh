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
# Connections may reach the sandbox on this machine (other private addresses stay refused).
export ALLOWED_PRIVATE_HOSTS="${ALLOWED_PRIVATE_HOSTS:-127.0.0.1,localhost}"
# The webhook endpoint refuses pushes signed with an empty or example secret: the demo makes one up.
export WEBHOOK_SECRET="${WEBHOOK_SECRET:-$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(32))')}"

$BIN/python manage.py migrate --noinput
$BIN/python manage.py createcachetable
$BIN/python manage.py load_demo --portal-url "$PORTAL_URL"

# Whatever ends this script (Ctrl-C, a TERM to the script or to its whole process group, one of the two servers
# dying) stops both servers. The worker cluster runs in its own session: a TERM sent to every process of the
# cluster at once kills django-q2's sentinel and workers mid-wait (they keep the default TERM action) while the
# cluster's main process blocks for ever setting the stop event they held the lock of. Only the main process is
# told to stop; it stops its sentinel, which drains the workers. Anything still alive after STOP_SECONDS is killed.
STOP_SECONDS="${STOP_SECONDS:-20}"
PIDS=()
QCLUSTER=""
alive() { local p; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
stop() {
  trap - EXIT INT TERM
  kill -TERM "${PIDS[@]}" 2>/dev/null || true
  local waited=0
  while alive && [ "$waited" -lt $((STOP_SECONDS * 5)) ]; do sleep 0.2; waited=$((waited + 1)); done
  if alive; then
    echo "Servers still running after ${STOP_SECONDS}s: killing them." >&2
    if [ -n "$QCLUSTER" ]; then kill -KILL -- "-$QCLUSTER" 2>/dev/null || true; fi
    kill -KILL "${PIDS[@]}" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM
setsid $BIN/python manage.py qcluster &
QCLUSTER=$!
PIDS+=("$QCLUSTER")

cat <<MSG

  LedgerBridge is starting on ${PORTAL_URL}/
  Log in with the demo login shown above (Integration admin; it also opens /admin/ to give people roles)
  Sandbox control API: ${PORTAL_URL}/sandbox/control/
  AX drafts to post (as AX's accountant): ${PORTAL_URL}/sandbox/ax-drafts/

MSG
$BIN/gunicorn config.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 --threads 8 --timeout 120 \
  --access-logfile - --error-logfile - &
PIDS+=($!)
wait -n || true
