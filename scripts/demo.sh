#!/usr/bin/env bash
# Install MG Studio, set up the demo project and run it: web server + one local worker on the
# embedded default (SQLite, filesystem broker). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
py=.venv/bin/python
$py manage.py migrate --noinput
$py manage.py setup_demo
port="${PORT:-8000}"
$py -m celery -A mgstudio worker -B -Q media,gpu,export -c 1 -l INFO \
  --schedule "${MGSTUDIO_DATA_DIR:-var}/celerybeat-schedule" &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "MG Studio on http://127.0.0.1:$port/ (worker pid $worker)"
$py manage.py runserver "0.0.0.0:$port" --noreload
