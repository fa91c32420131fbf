#!/usr/bin/env bash
# Make sure the PostgreSQL in DATABASE_URL and the Redis in REDIS_URL answer.
# A local server that is down is started, and installed first when absent.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt.sh
probe() { .venv/bin/python scripts/probe.py "$@"; }
: "${DATABASE_URL:?DATABASE_URL must be set}" "${REDIS_URL:?REDIS_URL must be set}"

wait_for() {  # wait_for <what> <probe args...>
  local what=$1; shift
  for _ in $(seq 1 30); do
    probe "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "$what did not come up:" >&2
  probe "$@" >&2 || true
  return 1
}

# --- PostgreSQL ---------------------------------------------------------------
status=0; probe postgres "$DATABASE_URL" >/dev/null 2>&1 || status=$?
if [ "$status" -ne 0 ] && probe is-local "$DATABASE_URL"; then
  if [ "$status" -eq 1 ]; then  # nothing answers
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    done
    wait_for PostgreSQL postgres "$DATABASE_URL" || true
    status=0; probe postgres "$DATABASE_URL" >/dev/null 2>&1 || status=$?
  fi
  if [ "$status" -eq 2 ] && [ "$(id -u)" -eq 0 ]; then
    # A fresh Debian cluster wants a password over TCP and the postgres role
    # has none: give it the one in DATABASE_URL.
    password=$(probe password "$DATABASE_URL")
    user=$(probe user "$DATABASE_URL")
    runuser -u postgres -- psql -q -c "ALTER ROLE \"$user\" WITH LOGIN SUPERUSER PASSWORD '$password'" \
      || runuser -u postgres -- psql -q -c "CREATE ROLE \"$user\" WITH LOGIN SUPERUSER PASSWORD '$password'"
  fi
fi
probe postgres "$DATABASE_URL"

# --- Redis ----------------------------------------------------------------------
if ! probe redis "$REDIS_URL" >/dev/null 2>&1 && probe is-local "$REDIS_URL"; then
  command -v redis-server >/dev/null || apt_install redis-server
  # No persistence needed for tests; the demo and production configure their own.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$(probe port "$REDIS_URL")" \
    --save '' --appendonly no >/dev/null
  wait_for Redis redis "$REDIS_URL" || true
fi
probe redis "$REDIS_URL"
