#!/usr/bin/env bash
# Create the virtualenv; on a fresh Debian the venv module comes with python3-venv.
set -euo pipefail
python=${1:-python3.11}
venv=${2:-.venv}
[ -x "$venv/bin/python" ] && exit 0
if ! command -v "$python" >/dev/null; then
  echo "$python not found: install Python 3.11 (Debian 12: apt-get install python3)" >&2
  exit 1
fi
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  echo "python venv module missing; installing python3-venv" >&2
  source "$(dirname "$0")/apt.sh"
  apt_install python3-venv
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
