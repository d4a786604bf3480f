#!/usr/bin/env bash
# Install MG Studio, set up the demo project and run it: gunicorn (scripts/serve.sh) + one local
# worker on the embedded default (SQLite, filesystem broker). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
py=.venv/bin/python
data="${MGSTUDIO_DATA_DIR:-var}"
mkdir -p "$data"
# A secret key of this demo's own, made once and kept in its data folder (never the published
# development key: the demo listens on every interface).
if [ -z "${DJANGO_SECRET_KEY:-}" ]; then
  key_file="$data/secret-key"
  if [ ! -s "$key_file" ]; then
    (umask 077 && $py -c 'import secrets; print(secrets.token_urlsafe(50))' >"$key_file")
  fi
  DJANGO_SECRET_KEY="$(cat "$key_file")"
  export DJANGO_SECRET_KEY
fi
# Plain HTTP on the local network, with the API's schema and docs pages (docs/security.md).
export MGSTUDIO_HTTPS="${MGSTUDIO_HTTPS:-0}" MGSTUDIO_API_DOCS="${MGSTUDIO_API_DOCS:-1}"
$py manage.py migrate --noinput
$py manage.py setup_demo
port="${PORT:-8000}"
$py -m celery -A mgstudio worker -B -Q media,gpu,export -c 1 -l INFO \
  --schedule "$data/celerybeat-schedule" &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
echo "MG Studio on http://127.0.0.1:$port/ (worker pid $worker)"
bash scripts/serve.sh "$port"
