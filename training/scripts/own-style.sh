#!/usr/bin/env bash
# Trains a style of your own on top of the bundled model and writes a model file the plugin
# and chameleon-render load. Examples:
#   training/scripts/own-style.sh --ident my_horn --name "My Horn" --program 60 --out my.onnx
#   training/scripts/own-style.sh --ident my_cello --name "My Cello" --wav-dir DIR --out my.onnx
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$TRAINING/scripts/setup-venv.sh"
export PYTHONPATH="$TRAINING${PYTHONPATH:+:$PYTHONPATH}"
exec "$TRAINING/.venv/bin/python" -m chameleon_training.own_style "$@"
