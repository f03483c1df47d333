#!/usr/bin/env bash
# Creates (or reuses) training/.venv with the pinned versions of training/requirements.txt
# (training/scripts/pinned-venv.sh). Needs Python 3.11+ with venv (Debian: python3
# python3-venv); the first install downloads about 3 GB (torch from PyPI brings its CUDA wheels).
set -euo pipefail
TRAINING="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "$TRAINING/scripts/pinned-venv.sh" setup-venv "$TRAINING/.venv" "$TRAINING/requirements.txt"
