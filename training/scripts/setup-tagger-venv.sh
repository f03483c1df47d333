#!/usr/bin/env bash
# Creates (or reuses) training/.venv-tagger with the pins of training/requirements-tagger.txt
# (training/scripts/pinned-venv.sh): the venv of the outside judge (eval/tagger.py, musicnn on
# TensorFlow 2.15). It is kept apart from the training and transcription venvs, which it never
# touches. Downloads about 300 MB from PyPI (about 1.7 GB installed).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$TRAINING/scripts/pinned-venv.sh" setup-tagger-venv "$TRAINING/.venv-tagger" \
    "$TRAINING/requirements-tagger.txt" musicnn,tensorflow,librosa
