#!/usr/bin/env bash
# Writes model 1.1.0, the "before" of the evaluation reports, to PATH from this repository's
# history (commit ae9011b), unless PATH holds it already:
#   training/scripts/model-1.1.0.sh PATH
# Exits 1, leaving nothing at PATH, where there is no git history to take it from.
set -euo pipefail
OUT="$1"
[ -f "$OUT" ] && exit 0
mkdir -p "$(dirname "$OUT")"
if git -C "$(dirname "${BASH_SOURCE[0]}")" show ae9011b:assets/models/chameleon-styles.onnx > "$OUT.partial" 2>/dev/null; then
    mv "$OUT.partial" "$OUT"
else
    rm -f "$OUT.partial"
    exit 1
fi
