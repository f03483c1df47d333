#!/usr/bin/env bash
# The bundled model on the evaluation-only banks (chameleon_training/banks.py), which no model
# trains on: instruments the shipped model has never heard. Fetches the bank on first use and
# writes docs/model-outside-bank.md; model 1.1.0 (taken from this repository's history, commit
# ae9011b) is evaluated beside it as the "before".
#
#   training/scripts/outside-bank.sh [--pieces N]
#
# Measured on the 2-core machine: about 2 minutes of rendering (once, cached) and 6 minutes of
# evaluation per model.
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
if [ ! -x "$REPO/target/release/chameleon-render" ]; then
    (cd "$REPO" && cargo build -j2 --release -p chameleon --bin chameleon-render)
fi
cd "$REPO"
MODELS=(--model "$REPO/assets/models/chameleon-styles.onnx")
BEFORE="$TRAINING/runs/outside-bank/chameleon-styles-1.1.0.onnx"
if "$TRAINING/scripts/model-1.1.0.sh" "$BEFORE"; then
    MODELS+=(--model "$BEFORE")
else
    echo "outside-bank: no git history here, so model 1.1.0 is not evaluated beside the bundled model"
fi
"$TRAINING/.venv/bin/python" -m eval.outside_bank "${MODELS[@]}" --json "$TRAINING/runs/outside-bank.json" "$@"
