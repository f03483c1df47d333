#!/usr/bin/env bash
# Notes kept: renders the held-out evaluation (sources, true targets, the bundled model's outputs
# through target/release/chameleon-render) as WAV files with the pinned training venv, then
# transcribes them with basic-pitch in training/.venv-eval and prints note F1 per style and
# per source (docs/model-report.md, "Notes kept"). Extra arguments go to
# `python -m eval.held_out_renders` (e.g. --pieces 1, --styles strings,flute, --engine python).
# Writes training/runs/renders/, training/runs/notes-kept.json and notes-kept.md.
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
"$TRAINING/scripts/setup-eval-venv.sh"
if [ ! -x "$REPO/target/release/chameleon-render" ] && [[ " $* " != *" --engine python "* ]]; then
    (cd "$REPO" && cargo build -j2 --release -p chameleon --bin chameleon-render)
fi
cd "$REPO"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
RENDERS="$TRAINING/runs/renders"
"$TRAINING/.venv/bin/python" -m eval.held_out_renders --out "$RENDERS" --model assets/models/chameleon-styles.onnx \
    --bank timgm6mb --pieces 3 "$@"
exec "$TRAINING/.venv-eval/bin/python" -m eval.transcription --renders "$RENDERS" \
    --json "$TRAINING/runs/notes-kept.json" --markdown "$TRAINING/runs/notes-kept.md"
