#!/usr/bin/env bash
# Chameleon in real hosts: the VST3 in pedalboard and the CLAP in the in-repo clack host.
#
#   tests/run-host-tests.sh            # uses target/bundled/, bundling first if it is missing
#
# Runs each host twice: with the bundled model and ONNX Runtime (when `target/onnxruntime/`
# holds it), and with no ONNX Runtime anywhere (the plugin must play the built-in styles and say
# why). The CLAP checks also run against a debug build with `assert_process_allocs`, which aborts
# on any allocation inside `process()`. The editor check opens the CLAP's GUI inside the host's
# own X11 window under Xvfb (tests/clap-host/src/bin/gui/), prints `gui: N passed, N failed`
# and saves a screenshot to target/host-tests/editor-in-clap-host.png. The VST3 editor check does
# the same in the in-repo VST3 host (tests/vst3-host/src/bin/vst3-gui/: the view in the host's X11
# window, an IPlugFrame that is also the host's IRunLoop, content scale, resizing, open and close
# cycles, a preset loaded with a click reaching the host as one group edit and setDirty), prints `vst3-gui: N passed, N failed` and saves
# target/host-tests/editor-in-vst3-host.png. Exits non-zero if anything fails.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/host-tests"
mkdir -p "$OUT"
JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_BUILD_JOBS="$JOBS"

BUNDLED="$ROOT/target/bundled"
if [[ ! -f "$BUNDLED/Chameleon.clap" || ! -d "$BUNDLED/Chameleon.vst3" ]]; then
    echo "== bundling (release)"
    cargo xtask bundle chameleon --release
fi

echo "== building chameleon-render, the CLAP and VST3 test hosts and the allocation-checked debug plugin"
cargo build -j"$JOBS" --release -p chameleon --bin chameleon-render --bin chameleon-presets
cargo build -j"$JOBS" -p chameleon-clap-host
cargo build -j"$JOBS" -p chameleon-vst3-host
# A target folder of its own, so the feature does not flip nice-plug's build for everyone else.
CARGO_TARGET_DIR="$ROOT/target/alloc-check" \
    cargo build -j"$JOBS" -p chameleon --lib --features assert_process_allocs
RENDER="$ROOT/target/release/chameleon-render"
CLAP_HOST="$ROOT/target/debug/chameleon-clap-host"
GUI_HOST="$ROOT/target/debug/gui"
VST3_GUI_HOST="$ROOT/target/debug/vst3-gui"
DEBUG_CLAP="$OUT/Chameleon-debug.clap"
cp "$ROOT/target/alloc-check/debug/libchameleon.so" "$DEBUG_CLAP"

echo "== pedalboard venv"
VENV="$ROOT/tests/.venv"
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/tests/pedalboard/requirements.txt"

# An empty home: no installed runtime, models or plugins can leak in.
EMPTY_HOME="$OUT/empty-home"
rm -rf "$EMPTY_HOME"
mkdir -p "$EMPTY_HOME"

# A copy of the bundles with no ONNX Runtime inside.
BARE="$OUT/bare"
rm -rf "$BARE"
mkdir -p "$BARE"
cp "$BUNDLED/Chameleon.clap" "$BARE/"
cp -r "$BUNDLED/Chameleon.vst3" "$BARE/"
rm -f "$BARE"/libonnxruntime* "$BARE"/Chameleon.vst3/Contents/x86_64-linux/libonnxruntime*
# The renderer looks for ONNX Runtime around its own executable: give it a bare copy too.
mkdir -p "$BARE/bin"
cp "$RENDER" "$BARE/bin/"

# The factory presets as VST3 preset files, as `cargo xtask install` writes them.
rm -rf "$OUT/vst3-presets"
"$ROOT/target/release/chameleon-presets" vst3 "$OUT/vst3-presets" \
    --model "$ROOT/assets/models/chameleon-styles.onnx"

FAILED=0
run() {
    local name="$1"
    shift
    echo "== $name"
    if "$@" > "$OUT/$name.log" 2>&1; then
        grep -E "^(ok|FAIL)|passed|failed" "$OUT/$name.log" | tail -n 3
        echo "   passed ($OUT/$name.log)"
    else
        grep -E "^FAIL|failed|panicked|error" "$OUT/$name.log" | head -n 40 || true
        tail -n 20 "$OUT/$name.log"
        echo "   FAILED ($OUT/$name.log)"
        FAILED=1
    fi
}

expect_reason() {
    local name="$1" pattern="$2"
    if grep -q -- "$pattern" "$OUT/$name.log"; then
        echo "   the log says why: $(grep -m1 -o -- "$pattern.*" "$OUT/$name.log" | cut -c1-160)"
    else
        echo "   FAILED: $OUT/$name.log does not say '$pattern'"
        FAILED=1
    fi
}

WITH_MODEL=(env HOME="$EMPTY_HOME" XDG_DATA_HOME="$EMPTY_HOME/share"
    CHAMELEON_MODEL_DIR="$ROOT/assets/models" CHAMELEON_VST3_PRESETS="$OUT/vst3-presets")
if ls "$ROOT"/target/onnxruntime/libonnxruntime.so* > /dev/null 2>&1; then
    WITH_MODEL+=(CHAMELEON_ORT_DYLIB="$ROOT/target/onnxruntime")
else
    echo "note: no ONNX Runtime in target/onnxruntime (cargo xtask fetch-onnxruntime); the"
    echo "      'with model' runs play the built-in styles"
fi
# (Its own empty data folder: no runtime, and no installed factory presets, so the CLAP's preset
# discovery offers the copies compiled into the plugin.)
NO_RUNTIME=(env -u CHAMELEON_ORT_DYLIB HOME="$EMPTY_HOME" XDG_DATA_HOME="$EMPTY_HOME/bare-share"
    CHAMELEON_MODEL_DIR="$ROOT/assets/models" CHAMELEON_VST3_PRESETS="$OUT/vst3-presets")

# The factory presets installed as `cargo xtask install` does, and a user preset, for the CLAP
# host's preset-discovery check to find in the data folder.
mkdir -p "$EMPTY_HOME/share/chameleon/presets" "$EMPTY_HOME/share/chameleon/factory-presets"
cp "$ROOT"/assets/presets/*.chpreset "$EMPTY_HOME/share/chameleon/factory-presets/"
cat > "$EMPTY_HOME/share/chameleon/presets/host-test.chpreset" <<'PRESET'
{"chameleon_preset": 1, "name": "Host Test", "category": "Tests",
 "description": "A user preset for the CLAP host check.", "params": {"mix": 0.5}}
PRESET

run clap-with-model "${WITH_MODEL[@]}" "$CLAP_HOST" "$BUNDLED/Chameleon.clap"
expect_reason clap-with-model 'user presets found: \["Host Test"\]'
expect_reason clap-with-model '([1-9][0-9]* from installed files, 0 inside the plugin)'
run clap-no-runtime "${NO_RUNTIME[@]}" "$CLAP_HOST" "$BARE/Chameleon.clap"
expect_reason clap-no-runtime "built-in styles play"
expect_reason clap-no-runtime '(0 from installed files, [1-9][0-9]* inside the plugin)'
run clap-alloc-checked "${WITH_MODEL[@]}" "$CLAP_HOST" "$DEBUG_CLAP"

# The editor in the host's window, under a virtual X server whose screen holds the editor at
# scale 2, once in the CLAP host and once in the VST3 host. The timeout keeps a hung window
# system from holding up the run.
gui_check() {
    local name="$1" what="$2" screenshot="$3"
    shift 3
    echo "== $name ($what, under Xvfb)"
    if timeout -k 10 300 xvfb-run -a -s "-screen 0 2560x1600x24" "${WITH_MODEL[@]}" "$@" \
        --screenshot "$OUT/$screenshot" > "$OUT/$name.log" 2>&1; then
        echo "   passed ($OUT/$name.log, screenshot $OUT/$screenshot)"
    else
        grep -E "^FAIL|panicked" "$OUT/$name.log" | head -n 20 || true
        tail -n 5 "$OUT/$name.log" | grep -v "^$name: " || true
        echo "   FAILED ($OUT/$name.log)"
        FAILED=1
    fi
    # The closing line, once, for test-all's total (a run that died before printing it is a
    # failure).
    grep -m1 -E "^$name: [0-9]+ passed, [0-9]+ failed\$" "$OUT/$name.log" \
        || echo "$name: 0 passed, 1 failed"
}
gui_check gui "the CLAP's editor in the host's X11 window" editor-in-clap-host.png \
    "$GUI_HOST" "$BUNDLED/Chameleon.clap"
gui_check vst3-gui "the VST3's editor in the VST3 host's X11 window" editor-in-vst3-host.png \
    "$VST3_GUI_HOST" "$BUNDLED/Chameleon.vst3"

run pedalboard-with-model "${WITH_MODEL[@]}" "$VENV/bin/python" "$ROOT/tests/pedalboard/test_vst3.py" \
    "$BUNDLED/Chameleon.vst3" "$RENDER" "$OUT/pedalboard-with-model"
run pedalboard-no-runtime "${NO_RUNTIME[@]}" "$VENV/bin/python" "$ROOT/tests/pedalboard/test_vst3.py" \
    "$BARE/Chameleon.vst3" "$BARE/bin/chameleon-render" "$OUT/pedalboard-no-runtime"
expect_reason pedalboard-no-runtime "built-in styles play"

if [[ "$FAILED" != 0 ]]; then
    echo "host tests FAILED"
    exit 1
fi
echo "all host tests passed"
