#!/usr/bin/env bash
# `make run`: migrate, load the demo data, start the GP practice simulator, fill
# the portal through the real pull path, print the accounts, start the portal.
# Embedded defaults unless DATABASE_URL / REDIS_URL are set: SQLite under var/
# and tasks in-process (then only the web process is needed).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export DEBUG=${DEBUG:-1}
export WEB_PORT=${WEB_PORT:-8000}
SIMULATOR_PORT=${SIMULATOR_PORT:-8800}
DEMO_PRACTICES=${DEMO_PRACTICES:-10}
DEMO_PATIENTS_PER_PRACTICE=${DEMO_PATIENTS_PER_PRACTICE:-100}
var_dir=${SPOEDINZAGE_VAR_DIR:-var}
mkdir -p "$var_dir"

python manage.py migrate --noinput

# The GP practices: a simulator of their FHIR servers, in its own process.
python -m simulator --port "$SIMULATOR_PORT" --practices "$DEMO_PRACTICES" \
  --patients-per-practice "$DEMO_PATIENTS_PER_PRACTICE" --seed 42 >"$var_dir/simulator.log" 2>&1 &
simulator_pid=$!
trap 'kill "$simulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  grep -q "^simulator:" "$var_dir/simulator.log" 2>/dev/null && break
  kill -0 "$simulator_pid" 2>/dev/null || { cat "$var_dir/simulator.log" >&2; exit 1; }
  sleep 0.5
done

python manage.py demo_practices --simulator "http://127.0.0.1:$SIMULATOR_PORT"
echo "Pulling summaries from the simulated GP practices (incremental after the first run):"
python manage.py pull_summaries
python manage.py demo_consent
python manage.py demo_seed

processes=(web)
if [ -n "${REDIS_URL:-}" ]; then
  processes+=(worker beat)
fi
echo
echo "Starting ${processes[*]}; the portal is at http://127.0.0.1:${WEB_PORT}/ (Ctrl-C stops everything)"
honcho --procfile Procfile start "${processes[@]}"
