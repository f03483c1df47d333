#!/usr/bin/env bash
# README command one: builds and installs Chameleon (CLAP + VST3 into ~/.clap and ~/.vst3,
# ONNX Runtime and the bundled models into ~/.local/share/chameleon), then renders the demo clip
# through the bundled default model.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-system.sh
cargo xtask install
cargo build --release -j2 -p chameleon --bin chameleon-render

mkdir -p out
echo "Rendering assets/demo/demo.wav through the default style..."
target/release/chameleon-render assets/demo/demo.wav out/demo-styled.wav --json | tee out/demo-styled.json
echo "Wrote out/demo-styled.wav (the input is assets/demo/demo.wav)."
