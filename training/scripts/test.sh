#!/usr/bin/env bash
# Runs the training pipeline's tests: analysis vs the format (and the Rust STFT fixture),
# fluidsynth rendering, a tiny training run with export, and the exported model in the Rust
# engine (needs target/release/chameleon-render; the repository's top-level test script
# builds it first). Sets up or reuses training/.venv. Exits non-zero on any failure.
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$TRAINING/scripts/setup-venv.sh"
cd "$TRAINING"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
exec "$TRAINING/.venv/bin/python" -m pytest -p no:cacheprovider tests "$@"
