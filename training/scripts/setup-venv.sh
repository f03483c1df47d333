#!/usr/bin/env bash
# Creates (or reuses) training/.venv with the pinned versions of training/requirements.txt.
# Reuse is keyed on the requirements file's hash, so a changed pin rebuilds the venv.
# Needs Python 3.11+ with venv (Debian: python3 python3-venv); the first install downloads
# about 3 GB (torch from PyPI brings its CUDA wheels).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$TRAINING/.venv"
REQ="$TRAINING/requirements.txt"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "setup-venv: $PYTHON is older than Python 3.11" >&2
    exit 1
fi
echo "setup-venv: installing pinned training dependencies into $VENV (several minutes)" >&2
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
# The file pins every package, so no dependency resolution (--no-deps): that keeps out triton,
# which torch lists but nothing here uses. No wheel cache: it would keep a second copy of the
# ~3 GB download on disk.
"$VENV/bin/python" -m pip install --quiet --no-input --no-cache-dir --no-deps -r "$REQ"
echo "$want" > "$STAMP"
