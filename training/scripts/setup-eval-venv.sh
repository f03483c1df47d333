#!/usr/bin/env bash
# Creates (or reuses) training/.venv-eval with the pins of training/requirements-eval.txt
# (training/scripts/pinned-venv.sh): the venv of the note transcription (eval/transcription.py,
# Spotify's basic-pitch on onnxruntime, its model weights inside the PyPI package). It is kept
# apart from the pinned training venv (training/.venv), which it never touches. Downloads about
# 160 MB from PyPI (about 620 MB installed).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$TRAINING/scripts/pinned-venv.sh" setup-eval-venv "$TRAINING/.venv-eval" \
    "$TRAINING/requirements-eval.txt" basic_pitch,onnxruntime,mir_eval
