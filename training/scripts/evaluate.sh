#!/usr/bin/env bash
# Regenerates docs/model-report.md (tables, spectrogram plots) for the bundled model, running
# the model through the Rust engine (target/release/chameleon-render, built here if missing).
# Extra arguments go to `python -m eval.evaluate` (e.g. --engine python, --model FILE).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(dirname "$TRAINING")"
"$TRAINING/scripts/setup-venv.sh"
if [ ! -x "$REPO/target/release/chameleon-render" ] && [[ " $* " != *" --engine python "* ]]; then
    (cd "$REPO" && cargo build -j2 --release -p chameleon --bin chameleon-render)
fi
cd "$REPO"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
exec "$TRAINING/.venv/bin/python" -m eval.evaluate --model assets/models/chameleon-styles.onnx \
    --bank timgm6mb --hold-out none --pieces 3 \
    --report docs/model-report.md --json training/runs/eval.json \
    --checkpoint assets/models/chameleon-styles.pt --model-card assets/models/README.md \
    --audio-dir assets/demo/examples "$@"
