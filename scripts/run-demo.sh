#!/usr/bin/env bash
# `make run`: migrate, load the demo data, print the accounts, start the portal.
# Embedded defaults unless DATABASE_URL / REDIS_URL are set: SQLite under var/
# and tasks in-process (then only the web process is needed).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export DEBUG=${DEBUG:-1}
export WEB_PORT=${WEB_PORT:-8000}

python manage.py migrate --noinput
python manage.py demo_seed
processes=(web)
if [ -n "${REDIS_URL:-}" ]; then
  processes+=(worker beat)
fi
echo "Starting ${processes[*]}; the portal is at http://127.0.0.1:${WEB_PORT}/ (Ctrl-C stops everything)"
exec honcho --procfile Procfile start "${processes[@]}"
