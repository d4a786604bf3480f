#!/usr/bin/env bash
# OpenPifPaf 0.13.11 has only an sdist on PyPI, pins torch 1.13.1 for its build and compiles its
# decoder with -std=c++17, which torch 2.14's headers reject. Build it once against the venv's
# torch with -std=c++20, keep the wheel in a cache, and install it with --no-deps.
# Usage: bash scripts/install_openpifpaf.sh [VENV]   (default .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
version=0.13.11
if "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('openpifpaf') != '$version')" 2>/dev/null; then
  exit 0
fi
torch=$("$venv/bin/python" -c 'import torch; print(torch.__version__.split("+")[0])')
cache="${XDG_CACHE_HOME:-$HOME/.cache}/mgstudio/openpifpaf-$version-torch$torch"
mkdir -p "$cache"
if ! ls "$cache"/openpifpaf-*.whl >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "building OpenPifPaf $version against torch $torch (a few minutes, once)"
  "$venv/bin/pip" download -q --no-deps --no-binary :all: --no-build-isolation \
    -d "$work" "openpifpaf==$version"
  tar xzf "$work/openpifpaf-$version.tar.gz" -C "$work"
  sed -i 's/-std=c++17/-std=c++20/' "$work/openpifpaf-$version/setup.py"
  "$venv/bin/pip" wheel -q --no-build-isolation --no-deps -w "$cache" "$work/openpifpaf-$version"
fi
# Its runtime needs, by name: its metadata pins torch 1.13.1, so it cannot resolve its own.
"$venv/bin/pip" install -q --no-deps "$cache"/openpifpaf-*.whl
"$venv/bin/pip" install -q pysparkling==0.6.2 python-json-logger==4.2.0 importlib-metadata==10.2.0
