#!/usr/bin/env bash
# Renders the training data (cached), trains the bundled model and exports it:
#   training/scripts/train.sh [extra train arguments, e.g. --steps 8000 --device cuda]
# with the shipped recipe (training/scripts/recipe.sh) before the extra arguments.
# Writes training/runs/main/{checkpoint.pt,curve.png,curve.csv},
# assets/models/chameleon-styles.{onnx,pt} and docs/img/model-training-curve.png (format version
# 5: the export writes the style table's attack times and ensemble depths), then measures the
# Live correction through the Rust engine and writes it into the model file (needs
# target/release/chameleon-render and ONNX Runtime: `cargo build --release -p chameleon --bin
# chameleon-render` and `cargo xtask fetch-onnxruntime`).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
PY="$TRAINING/.venv/bin/python"
# shellcheck source=recipe.sh
source "$TRAINING/scripts/recipe.sh"
RUN="$TRAINING/runs/main"
"$PY" -m chameleon_training.train --out "$RUN" "${RECIPE[@]}" "$@"
"$PY" -m chameleon_training.export "$RUN/checkpoint.pt" "$REPO/assets/models/chameleon-styles.onnx" \
    --version 2.5.0 --license "GPL-3.0-or-later" --phase generated --time
MODEL="$REPO/assets/models/chameleon-styles.onnx"
(cd "$REPO" && "$PY" -m eval.fit_live_correction --model "$MODEL" --out "$MODEL")
cp "$RUN/checkpoint.pt" "$REPO/assets/models/chameleon-styles.pt"
cp "$RUN/curve.png" "$REPO/docs/img/model-training-curve.png"
