#!/usr/bin/env bash
# What a published tagger hears (eval/tagger.py): renders the held-out chorales through the
# bundled model, match-EQ and the true targets on a bank no model has heard (Merlin, by
# default), with model 1.1.0 (from this repository's history) beside it as the "before", then
# lets musicnn's MagnaTagATune tagger, in its own venv (training/.venv-tagger), say which
# instrument it hears in each piece. Writes docs/model-tagger.md and training/runs/tagger.json.
#
#   training/scripts/tagger.sh [--bank NAME] [--pieces N]
#
# Measured on the 2-core machine: about 3 minutes of rendering and 8 minutes of tagging per model
# (both kept in training/runs/tagger/ and redone only for a newer model file).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
BANK=merlin
PIECES=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bank) BANK="$2"; shift 2 ;;
        --pieces) PIECES="$2"; shift 2 ;;
        *) echo "tagger.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
"$TRAINING/scripts/setup-venv.sh"
"$TRAINING/scripts/setup-tagger-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
if [ ! -x "$REPO/target/release/chameleon-render" ]; then
    (cd "$REPO" && cargo build -j2 --release -p chameleon --bin chameleon-render)
fi
cd "$REPO"
OUT="$TRAINING/runs/tagger"
LABELS=(--label "bundled model")
DIRS=("$OUT/bundled-$BANK")
MODELS=("$REPO/assets/models/chameleon-styles.onnx")
BEFORE="$TRAINING/runs/outside-bank/chameleon-styles-1.1.0.onnx"
if "$TRAINING/scripts/model-1.1.0.sh" "$BEFORE"; then
    LABELS+=(--label "model 1.1.0")
    DIRS+=("$OUT/1.1.0-$BANK")
    MODELS+=("$BEFORE")
else
    echo "tagger: no git history here, so model 1.1.0 is not judged beside the bundled model"
fi
for i in "${!MODELS[@]}"; do
    # Renders once per model file (again when the file is newer than the renders).
    if [ ! -f "${DIRS[$i]}/manifest.json" ] || [ "${MODELS[$i]}" -nt "${DIRS[$i]}/manifest.json" ]; then
        "$TRAINING/.venv/bin/python" -m eval.held_out_renders --out "${DIRS[$i]}" --model "${MODELS[$i]}" \
            --bank "$BANK" --pieces "$PIECES" --match-eq
    fi
done
"$TRAINING/.venv-tagger/bin/python" -m eval.tagger "${DIRS[@]}" "${LABELS[@]}" \
    --report docs/model-tagger.md --json "$TRAINING/runs/tagger.json"
