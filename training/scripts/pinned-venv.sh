#!/usr/bin/env bash
# Creates (or reuses) a virtual environment with the exact pins of a requirements file:
#   pinned-venv.sh NAME VENV REQUIREMENTS [IMPORTS]
# NAME prefixes the messages; IMPORTS (comma-separated modules) must import afterwards. Reuse is
# keyed on the requirements file's hash, so a changed pin rebuilds the venv. Every package is
# pinned, so pip resolves nothing (--no-deps): that keeps out what a package lists but never
# uses (triton for torch, tensorflow for basic-pitch's ONNX model). Disk: no wheel cache (it would
# keep a second copy of the download), and one pin per pip run, so at most one downloaded wheel
# sits beside the install (pip downloads every wheel of a run before installing any: 3 GB more
# at the peak for torch's CUDA wheels). Needs Python 3.11+ with venv ($PYTHON, default python3).
set -euo pipefail
NAME="$1" VENV="$2" REQ="$3" IMPORTS="${4:-}"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "$NAME: $PYTHON is older than Python 3.11" >&2
    exit 1
fi
echo "$NAME: installing the pins of $REQ into $VENV (several minutes)" >&2
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
grep -vE '^[[:space:]]*(#|$)' "$REQ" | while read -r pin; do
    "$VENV/bin/python" -m pip install --quiet --no-input --no-cache-dir --no-deps "$pin"
done
if [ -n "$IMPORTS" ]; then
    "$VENV/bin/python" -c "import $IMPORTS"
fi
echo "$want" > "$STAMP"
