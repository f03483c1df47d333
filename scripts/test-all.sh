#!/usr/bin/env bash
# README command two: every test. Installs what it needs (system packages, ONNX Runtime, the
# Python virtual environments), then runs formatting and lint checks, the Rust tests, the
# training tests and the real-host plugin tests. Ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
# One cold build per run: incremental caches would only cost disk (several GB).
export CARGO_INCREMENTAL=0
free_gb=$(df -BG --output=avail . | tail -1 | tr -dc '0-9')
echo "test-all: ${free_gb} GB free here; a cold run needs about 14 GB (build, venvs, data)"
if [ "$free_gb" -lt 14 ]; then
  echo "test-all: warning: less free disk than a cold run needs; builds may fail with 'No space left on device'" >&2
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

timings=()
stage() {
  local name=$1 start=$SECONDS
  shift
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$logs/$name.log"
  timings+=("$name $((SECONDS - start))s")
}

stage system bash scripts/setup-system.sh
stage cross-targets bash scripts/setup-cross.sh
stage fmt cargo fmt --all -- --check
stage runtime cargo xtask fetch-onnxruntime
stage clippy cargo clippy --workspace --all-targets -j2 -- -D warnings
# The same lints for the Windows build (the CLAP test host's load and gui tools are Linux-only).
stage clippy-windows cargo clippy --target x86_64-pc-windows-gnu -p chameleon-dsp -p chameleon \
  -p xtask --all-targets -j2 -- -D warnings
stage clippy-windows-host cargo clippy --target x86_64-pc-windows-gnu -p chameleon-clap-host \
  --lib --bin chameleon-clap-host -j2 -- -D warnings
# macOS: type-checks everything that ships (linking needs a Mac; see docs/PLATFORMS.md).
stage macos cargo check --target x86_64-apple-darwin --target aarch64-apple-darwin \
  -p chameleon-dsp -p chameleon -p xtask -j2
stage rust cargo test --workspace -j2
# Fresh release bundles and renderer for the training and host tests.
stage bundle cargo xtask bundle chameleon --release
stage render cargo build --release -j2 -p chameleon --bin chameleon-render
stage training bash training/scripts/test.sh
stage hosts bash tests/run-host-tests.sh
stage faults bash tests/run-fault-tests.sh
stage windows bash tests/run-windows-tests.sh

# Sum the test counts that cargo and pytest reported.
passed=0
failed=0
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(
  grep -hoE 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$logs"/*.log |
    sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed/\1 \2/'
  # pytest's closing line, e.g. "==== 2 failed, 18 passed, 1 skipped in 30.1s ====".
  grep -hE '^=+ .*[0-9]+ (passed|failed).* in [0-9.]+s' "$logs"/*.log | while read -r line; do
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    echo "${p:-0} ${f:-0}"
  done
  # The host and fault suites' own closing lines: "N passed, N failed", or with the suite's
  # name in front ("gui: N passed, N failed").
  grep -hE '^([a-z][a-z0-9 -]*: )?[0-9]+ passed, [0-9]+ failed$' "$logs"/*.log |
    sed -E 's/.*\b([0-9]+) passed, ([0-9]+) failed$/\1 \2/'
)
echo "all test suites finished; stage times: ${timings[*]}"
echo "test-all: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
