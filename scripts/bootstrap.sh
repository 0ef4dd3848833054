#!/usr/bin/env bash
# Create .venv with the locked dependencies. Needs only python3 (3.11+); installs the rest.
#   scripts/bootstrap.sh [extra]     extra: gateway (run the platform) or dev (tests, default)
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-dev}"
UV_VERSION=0.13.9
PYTHON="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Codeflix needs Python 3.11 or newer as '$PYTHON' (set PYTHON=/path/to/python3.11)." >&2
  exit 1
fi

# uv lives in its own small venv so that it never depends on what is installed system-wide.
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  if ! "$PYTHON" -m venv --clear .tools >/dev/null 2>&1; then
    echo "python3 cannot create virtual environments; installing python3-venv" >&2
    as_root apt-get update -q && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
    "$PYTHON" -m venv --clear .tools
  fi
  .tools/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=.venv
if [ "$extra" = dev ]; then
  .tools/bin/uv sync --locked --quiet --python "$PYTHON" --extra dev
  # The web app's unit and browser tests need its locked node modules.
  scripts/web.sh deps
else
  # --inexact keeps the test tools if a developer installed them before.
  .tools/bin/uv sync --locked --quiet --inexact --python "$PYTHON" --extra "$extra"
fi
