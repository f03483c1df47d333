#!/usr/bin/env bash
# Leave-one-bank-out evaluation: trains one model per bank family without that family (skipping
# folds already trained in training/runs/fold-FAMILY/), then evaluates each on its held-out
# family and writes docs/model-folds.md, with model 1.1.0 (from this repository's history) on
# the same banks as the "before". Every fold trains with the shipped recipe
# (training/scripts/recipe.sh).
#
#   training/scripts/folds.sh [--steps N] [--families fluid,timgm6mb,...] [--pieces N]
#
# Fold lengths: 4000 steps, 6000 for the recorded fold (the lengths of docs/model-folds.md);
# --steps N trains every fold N steps. Measured on the 2-core machine: about 7 minutes of
# rendering for all banks (once, cached), about 4 minutes per 4000-step fold on one thread, and
# about 5 minutes of evaluation each.
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
PY="$TRAINING/.venv/bin/python"
# shellcheck source=recipe.sh
source "$TRAINING/scripts/recipe.sh"
STEPS=
FAMILIES=fluid,timgm6mb,csound,freepats,recorded
PIECES=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --steps) STEPS="$2"; shift 2 ;;
        --families) FAMILIES="$2"; shift 2 ;;
        --pieces) PIECES="$2"; shift 2 ;;
        *) echo "folds.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
if [ ! -x "$REPO/target/release/chameleon-render" ]; then
    (cd "$REPO" && cargo build -j2 --release -p chameleon --bin chameleon-render)
fi
for fam in ${FAMILIES//,/ }; do
    if [ ! -f "$TRAINING/runs/fold-$fam/checkpoint.pt" ]; then
        steps="${STEPS:-$([ "$fam" = recorded ] && echo 6000 || echo 4000)}"
        "$PY" -m chameleon_training.train --out "$TRAINING/runs/fold-$fam" --hold-out "$fam" --steps "$steps" \
            "${RECIPE[@]}"
    fi
done
cd "$REPO"
BEFORE=()
if "$TRAINING/scripts/model-1.1.0.sh" "$TRAINING/runs/base/chameleon-styles-1.1.0.onnx"; then
    BEFORE=(--baseline "$TRAINING/runs/base/chameleon-styles-1.1.0.onnx" --baseline-name "model 1.1.0")
fi
"$PY" -m eval.folds --runs "$TRAINING/runs" --families "$FAMILIES" --pieces "$PIECES" \
    --report docs/model-folds.md --json "$TRAINING/runs/folds.json" "${BEFORE[@]}"
