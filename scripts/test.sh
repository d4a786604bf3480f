#!/usr/bin/env bash
# Install the test dependencies and run the whole suite on both configurations:
#   1. the embedded default: SQLite + filesystem broker
#   2. this machine's PostgreSQL + Redis (started here if they are down)
# Exits non-zero if any test fails in either run. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test || exit 1
py=.venv/bin/python

.venv/bin/ruff check . || exit 1
.venv/bin/ruff format --check . || exit 1
# The layer and purity rules of docs/design.md §14 (.importlinter).
.venv/bin/lint-imports || exit 1
# Every endpoint typed, no warning (docs/design.md §14); tests/db/test_api_contract.py checks
# that no success response is a free-form object.
$py manage.py spectacular --fail-on-warn --file "$(mktemp --suffix=.yml)" || exit 1

start_services() {
  if ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  for _ in $(seq 30); do
    pg_isready -q -h 127.0.0.1 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "PostgreSQL or Redis did not come up" >&2
  return 1
}

status=0
echo "=== run 1/2: embedded default (SQLite + filesystem broker) ==="
env -u DATABASE_URL -u CELERY_BROKER_URL MGSTUDIO_DATA_DIR="$(mktemp -d)" \
  $py -m pytest "$@" || status=1

echo "=== run 2/2: PostgreSQL + Redis ==="
# tests/unit is pure code with no database or broker: running it twice would prove nothing.
if start_services; then
  redis-cli -h 127.0.0.1 -n 15 flushdb >/dev/null
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/mgstudio \
  CELERY_BROKER_URL=redis://127.0.0.1:6379/15 \
  MGSTUDIO_DATA_DIR="$(mktemp -d)" \
    $py -m pytest --ignore=tests/unit "$@" || status=1
else
  status=1
fi
exit $status
