#!/usr/bin/env bash
# Create .venv (Python >= 3.12) and install the project; `setup.sh dev` adds the test and lint tools.
# Builds llama-cpp-python from source the first time (~5 min on 2 cores); pip caches the wheel after.
set -euo pipefail
cd "$(dirname "$0")/.."

py="${PYTHON:-}"
if [ -z "$py" ]; then
  for candidate in python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      py="$candidate"; break
    fi
  done
fi
if [ -z "$py" ]; then
  echo "error: Python 3.12 or newer is required; install it (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12" >&2
  exit 1
fi

[ -x .venv/bin/python ] || "$py" -m venv .venv
if [ "$(uname -m)" = "x86_64" ]; then
  export CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
fi
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
.venv/bin/python -m pip install --quiet --upgrade pip
extras=""
[ "${1:-}" = "dev" ] && extras="[dev]"
.venv/bin/python -m pip install --quiet -e ".${extras}"
