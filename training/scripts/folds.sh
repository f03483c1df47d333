#!/usr/bin/env bash
# Leave-one-bank-out evaluation: trains one model per bank family without that family (skipping
# folds already trained in training/runs/fold-FAMILY/), then evaluates each on its held-out
# family and writes docs/model-folds.md. Every fold trains with the shipped recipe
# (training/scripts/recipe.sh).
#
#   training/scripts/folds.sh [--steps N] [--families fluid,timgm6mb,...] [--pieces N]
#
# Measured on the 2-core machine: about 7 minutes of rendering for all banks (once, cached),
# about 10 minutes per fold at 8000 steps on one thread, and a few minutes of evaluation each.
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
PY="$TRAINING/.venv/bin/python"
# shellcheck source=recipe.sh
source "$TRAINING/scripts/recipe.sh"
STEPS=8000
FAMILIES=recorded,timgm6mb,csound,freepats,fluid
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
        "$PY" -m chameleon_training.train --out "$TRAINING/runs/fold-$fam" --hold-out "$fam" --steps "$STEPS" \
            "${RECIPE[@]}"
    fi
done
cd "$REPO"
"$PY" -m eval.folds --runs "$TRAINING/runs" --families "$FAMILIES" --pieces "$PIECES" \
    --report docs/model-folds.md --json "$TRAINING/runs/folds.json"
