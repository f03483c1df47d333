#!/usr/bin/env bash
# Renders the training data (cached), trains the bundled model and exports it:
#   training/scripts/train.sh [extra train arguments, e.g. --steps 8000 --device cuda]
# Writes training/runs/main/{checkpoint.pt,curve.png,curve.csv},
# assets/models/chameleon-styles.{onnx,pt} and docs/img/model-training-curve.png.
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
PY="$TRAINING/.venv/bin/python"
RUN="$TRAINING/runs/main"
"$PY" -m chameleon_training.train --out "$RUN" "$@"
"$PY" -m chameleon_training.export "$RUN/checkpoint.pt" "$REPO/assets/models/chameleon-styles.onnx" \
    --version 2.0.0 --license "GPL-3.0-or-later" --phase generated --time
cp "$RUN/checkpoint.pt" "$REPO/assets/models/chameleon-styles.pt"
cp "$RUN/curve.png" "$REPO/docs/img/model-training-curve.png"
