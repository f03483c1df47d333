#!/usr/bin/env bash
# Creates (or reuses) training/.venv-eval with the pins of training/requirements-eval.txt: the
# venv of the note transcription (eval/transcription.py, Spotify's basic-pitch on onnxruntime,
# its model weights inside the PyPI package). It is kept apart from the pinned training venv
# (training/.venv), which it never touches. Reuse is keyed on the requirements file's hash.
# Needs Python 3.11+ with venv; downloads about 160 MB from PyPI (about 620 MB installed).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$TRAINING/.venv-eval"
REQ="$TRAINING/requirements-eval.txt"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    echo "setup-eval-venv: $PYTHON is older than Python 3.11" >&2
    exit 1
fi
echo "setup-eval-venv: installing the transcription dependencies into $VENV" >&2
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=24"
# Every package is pinned, so no resolution (--no-deps): that keeps out tensorflow, which
# basic-pitch lists on Linux but its ONNX model does not use.
"$VENV/bin/python" -m pip install --quiet --no-input --no-deps -r "$REQ"
"$VENV/bin/python" -c 'import basic_pitch, onnxruntime, mir_eval' 2>/dev/null
echo "$want" > "$STAMP"
