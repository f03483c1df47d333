#!/usr/bin/env bash
# Chameleon's fault-injection and bad-input suite, through the real plugin binaries.
#
#   bash tests/run-fault-tests.sh              # everything (about 3 minutes on 2 cores)
#   bash tests/run-fault-tests.sh stall swap   # only scenarios whose name matches
#
# Needs target/bundled/Chameleon.vst3 and Chameleon.clap (cargo xtask bundle chameleon --release).
# Uses ONNX Runtime from target/onnxruntime/ (cargo xtask fetch-onnxruntime) when it is there;
# without it the neural-model scenarios run against the built-in styles and the vanishing-runtime
# scenario is skipped (said so in the output).
#
# Part 1, the VST3 in pedalboard (tests/faults/run_faults.py): every scenario in its own process
# with its own CHAMELEON_FAULTS, under a timeout, with HOME and XDG_DATA_HOME pointed at an empty
# folder so nothing installed on the machine leaks in. pedalboard renders in non-real-time mode.
# Part 2, the CLAP in real time (tests/clap-host/src/bin/load.rs --verify): worker stalls, a slow
# model, errors and NaN while a host thread keeps a 64-sample real-time pace; the output must be
# finite, click-free and latency-stable, and no process call may wait for the stalled worker.
#
# Prints `N passed, N failed` and exits non-zero if anything failed.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
JOBS="${CARGO_BUILD_JOBS:-2}"
VST3="$ROOT/target/bundled/Chameleon.vst3"
CLAP="$ROOT/target/bundled/Chameleon.clap"
MODEL="$ROOT/assets/models/chameleon-styles.onnx"
WORK="$ROOT/target/fault-tests"

missing=0
for f in "$VST3/Contents/x86_64-linux/Chameleon.so" "$CLAP"; do
    if [[ ! -f "$f" ]]; then
        echo "error: $f is missing; build the bundles first: cargo xtask bundle chameleon --release" >&2
        missing=1
    fi
done
if [[ ! -f "$MODEL" ]]; then
    echo "error: the bundled model $MODEL is missing" >&2
    missing=1
fi
[[ "$missing" == 0 ]] || exit 2

rm -rf "$WORK"
mkdir -p "$WORK/home/share"

echo "== Python environment"
VENV="$ROOT/tests/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
    VENV="$ROOT/tests/faults/.venv"
    [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || exit 2
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/tests/faults/requirements.txt" || exit 2

echo "== building the CLAP load host"
cargo build -j"$JOBS" --release -p chameleon-clap-host --bin load || exit 2
LOAD="$ROOT/target/release/load"

export FAULT_VST3="$VST3" FAULT_WORK="$WORK" FAULT_MODEL="$MODEL"
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/share" CHAMELEON_MODEL_DIR="$ROOT/assets/models"
unset CHAMELEON_FAULTS CHAMELEON_ORT_DYLIB
ORT_LIB="$(ls "$ROOT"/target/onnxruntime/libonnxruntime.so.* 2>/dev/null | head -n 1)"
SKIP=()
if [[ -n "$ORT_LIB" ]]; then
    export CHAMELEON_ORT_DYLIB="$ORT_LIB" FAULT_ORT_LIB="$ORT_LIB"
else
    echo "note: no ONNX Runtime in target/onnxruntime (cargo xtask fetch-onnxruntime): the"
    echo "      scenarios run with the built-in styles and the vanishing-runtime one is skipped"
    export FAULT_SKIP="runtime_vanishes"
fi

PASSED=0
FAILED=0
FAILED_NAMES=()

echo "== part 1: the VST3 in pedalboard"
"$VENV/bin/python" "$ROOT/tests/faults/run_faults.py" "$@" | tee "$WORK/pedalboard.log"
summary="$(tail -n 1 "$WORK/pedalboard.log")"
if [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    PASSED=$((PASSED + BASH_REMATCH[1]))
    FAILED=$((FAILED + BASH_REMATCH[2]))
    while read -r line; do FAILED_NAMES+=("${line#FAILED }"); done < <(grep '^FAILED ' "$WORK/pedalboard.log")
else
    echo "the pedalboard suite did not finish (last line: $summary)"
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("pedalboard suite did not finish")
fi

echo "== part 2: the CLAP in real time (one instance, 64-sample blocks at 48 kHz)"
realtime() {
    local name="$1" plan="$2"
    shift 2
    echo "-- $name [CHAMELEON_FAULTS=$plan]"
    if timeout 120 env CHAMELEON_FAULTS="$plan" "$LOAD" --plugin "$CLAP" --verify --instances 1 \
        --seconds 3 --no-silent "$@" > "$WORK/rt-$name.log" 2>&1; then
        grep -E '^(ok|FAIL)|first engine miss' "$WORK/rt-$name.log" | sed 's/^/   /'
        echo "   PASSED"
        PASSED=$((PASSED + 1))
    else
        grep -vE '^ INFO|^\s*[0-9]+:|^\s+at ' "$WORK/rt-$name.log" | tail -n 25 | sed 's/^/   /'
        echo "   FAILED ($WORK/rt-$name.log)"
        FAILED=$((FAILED + 1))
        FAILED_NAMES+=("real time: $name")
    fi
}
FILTER=""
if [[ $# -gt 0 ]]; then
    FILTER="$(IFS='|'; echo "$*")"
fi
run_rt() {
    local name="$1"
    if [[ -n "$FILTER" ]] && ! [[ "$name" =~ $FILTER ]]; then
        return
    fi
    realtime "$@"
}
run_rt "worker stall 10 ms" "stall:10ms/40+5"
run_rt "worker stall 50 ms" "stall:50ms/60+5"
run_rt "worker stall 500 ms" "stall:500ms/200+50" --max-block-ms 100
run_rt "model slower than real time" "slow:8ms" --max-block-ms 100
run_rt "model error" "error/50+7"
run_rt "model NaN" "nan/25+3"

echo
for name in "${FAILED_NAMES[@]}"; do
    echo "FAILED $name"
done
echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" == 0 ]]
