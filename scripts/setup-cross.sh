#!/usr/bin/env bash
# The Rust targets for the Windows bundles (x86_64-pc-windows-gnu) and the macOS checks
# (x86_64-apple-darwin, aarch64-apple-darwin). Adds only the missing ones. The Windows linker
# (gcc-mingw-w64-x86-64) and Wine (wine64) come from scripts/system-packages.txt.
set -euo pipefail
wanted=(x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin)
installed=$(rustup target list --installed)
missing=()
for t in "${wanted[@]}"; do
  grep -qx "$t" <<<"$installed" || missing+=("$t")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-cross: Rust targets present: ${wanted[*]}"
  exit 0
fi
echo "setup-cross: adding Rust targets ${missing[*]}"
rustup target add "${missing[@]}"
