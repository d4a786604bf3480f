#!/usr/bin/env bash
# Install what MG Studio needs on a Debian machine (run as root). Idempotent.
#   bash scripts/install.sh          # the app
#   bash scripts/install.sh --test   # the app + test dependencies + Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_packages=()
command -v ffmpeg >/dev/null || apt_packages+=(ffmpeg)
command -v g++ >/dev/null || apt_packages+=(g++)  # OpenPifPaf's decoder is compiled
command -v python3 >/dev/null || apt_packages+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_packages+=(python3-venv)
python3 -c 'import os, sysconfig; assert os.path.exists(sysconfig.get_paths()["include"] + "/Python.h")' \
  2>/dev/null || apt_packages+=(python3-dev)
if [ "$want_test" = 1 ]; then
  command -v chromium >/dev/null || apt_packages+=(chromium)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${apt_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
requirements=requirements.txt
[ "$want_test" = 1 ] && requirements=requirements-test.txt
# Skip pip when the requirement files have not changed since the last install.
stamp=.venv/.installed-$(cat requirements*.txt | sha256sum | cut -c1-16)-$want_test
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
  # MediaPipe (the default pose backend) without its declared dependencies, which would replace
  # OpenCV and pull jax; requirements.txt pins what it needs at run time.
  .venv/bin/pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
  touch "$stamp"
fi
# OpenPifPaf (pose extraction) needs a patched build against our torch; cached after the first.
bash scripts/install_openpifpaf.sh .venv
