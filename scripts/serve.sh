#!/usr/bin/env bash
# Serve MG Studio through gunicorn (a real WSGI server: a listen backlog of 2048 and threads, so a
# burst of saves queues instead of being reset), static files through WhiteNoise. The demo runs
# this; tests/worker/test_web_server.py fires 200 simultaneous saves at it. Usage:
#   bash scripts/serve.sh [PORT]      # WEB_WORKERS (2), WEB_THREADS (8), BIND_HOST (0.0.0.0)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-${PORT:-8000}}"
exec .venv/bin/gunicorn mgstudio.wsgi:application \
  --bind "${BIND_HOST:-0.0.0.0}:$port" \
  --workers "${WEB_WORKERS:-2}" --threads "${WEB_THREADS:-8}" --worker-class gthread \
  --backlog 2048 --timeout 120 --graceful-timeout 10 \
  --access-logfile - --error-logfile -
