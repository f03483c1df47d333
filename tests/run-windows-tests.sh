#!/usr/bin/env bash
# Chameleon for Windows, cross-built here and checked under Wine (wine64, no GPU).
#
#   tests/run-windows-tests.sh     # env CHAMELEON_WINDOWS_PROFILE=release|dev|... (default
#                                  # windows-test: release without LTO, see Cargo.toml)
#
# 1. `cargo xtask bundle-windows` builds target/bundled/windows/ (CLAP, VST3, chameleon-render.exe,
#    chameleon-standalone.exe, ONNX Runtime's DirectML build, the models, install.cmd), and the
#    CLAP test host (tests/clap-host) is cross-built for Windows.
# 2. Static checks: every DLL the plugin and the executables import is a Windows system DLL, and
#    the CLAP and VST3 export their entry points.
# 3. Under Wine, in a prefix of its own (target/wine-prefix):
#    - the CLAP test host against a bare Chameleon.clap with no ONNX Runtime anywhere: every
#      check passes and the built-in styles play, saying why;
#    - install.cmd installs everything where the README says;
#    - the CLAP test host against the installed CLAP, which finds ONNX Runtime and the bundled
#      model in %LOCALAPPDATA%\Chameleon: descriptor, parameters, 44.1/48/96 kHz, random blocks,
#      latency by impulse, state round trip, level safety (see tests/clap-host/src/main.rs);
#    - chameleon-render.exe --json renders the demo clip with the bundled model, through the
#      DirectML build (it falls back to the CPU under Wine) and through the CPU build 1.31.1,
#      and with a factory preset; each output equals the Linux chameleon-render output within
#      1e-4.
#    - chameleon-standalone.exe answers --help.
# Ends with "windows: N passed, N failed" and exits non-zero if anything failed.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/windows-tests"
rm -rf "$OUT"
mkdir -p "$OUT"
JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_BUILD_JOBS="$JOBS"
PROFILE="${CHAMELEON_WINDOWS_PROFILE:-windows-test}"
TARGET=x86_64-pc-windows-gnu
# Wine, with a home folder of its own: the prefix links the Windows profile's Documents and
# similar folders into $HOME, and nothing here may write into the real one.
WINE=(env HOME="$ROOT/target/wine-home" /usr/lib/wine/wine64)
mkdir -p "$ROOT/target/wine-home"
TOLERANCE=1e-4

bash scripts/setup-cross.sh
echo "== bundling for Windows (profile $PROFILE)"
cargo xtask bundle-windows --profile "$PROFILE"
echo "== cross-building the CLAP test host"
cargo build -j"$JOBS" --target "$TARGET" -p chameleon-clap-host --bin chameleon-clap-host
WIN="$ROOT/target/bundled/windows"
HOST_EXE="$ROOT/target/$TARGET/debug/chameleon-clap-host.exe"
LINUX_RENDER="$ROOT/target/release/chameleon-render"
if [[ ! -x "$LINUX_RENDER" ]]; then
    cargo build -j"$JOBS" --release -p chameleon --bin chameleon-render
fi

PASSED=0
FAILED=0
pass() {
    echo "   ok: $*"
    PASSED=$((PASSED + 1))
}
fail() {
    echo "   FAIL: $*"
    FAILED=$((FAILED + 1))
}

# A Windows path for a file here (Wine maps / to drive Z:).
winpath() {
    printf 'Z:%s' "${1//\//\\}"
}

echo "== imports and exports (x86_64-w64-mingw32-objdump -p)"
SYSTEM_DLLS='^(kernel32|user32|gdi32|opengl32|advapi32|shell32|ole32|oleaut32|comdlg32|comctl32|ws2_32|bcrypt|bcryptprimitives|ntdll|userenv|imm32|winmm|dwmapi|uxtheme|shcore|msvcrt|ucrtbase|propsys|setupapi|combase|rpcrt4|version|dbghelp|avrt|ksuser|mmdevapi|synchronization|api-ms-win-[a-z0-9-]+)\.dll$'
for file in Chameleon.clap Chameleon.vst3/Contents/x86_64-win/Chameleon.vst3 chameleon-render.exe chameleon-standalone.exe; do
    dlls=$(x86_64-w64-mingw32-objdump -p "$WIN/$file" | sed -n 's/^\s*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
    others=$(grep -Ev "$SYSTEM_DLLS" <<<"$dlls" || true)
    if [[ -z "$others" ]]; then
        pass "$file imports only Windows system DLLs: $(tr '\n' ' ' <<<"$dlls")"
    else
        fail "$file imports non-system DLLs: $others"
    fi
done
for pair in "Chameleon.clap clap_entry" "Chameleon.vst3/Contents/x86_64-win/Chameleon.vst3 GetPluginFactory"; do
    read -r file symbol <<<"$pair"
    exports=$(x86_64-w64-mingw32-objdump -p "$WIN/$file" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p')
    if grep -qw "$symbol" <<<"$exports"; then
        pass "$file exports $symbol"
    else
        fail "$file does not export $symbol"
    fi
done

export WINEPREFIX="$ROOT/target/wine-prefix"
export WINEDEBUG=-all
# No Mono or Gecko installers: nothing here needs .NET or a browser engine.
export WINEDLLOVERRIDES="mscoree,mshtml="
unset CHAMELEON_ORT_DYLIB CHAMELEON_MODEL_DIR CHAMELEON_FAULTS
echo "== Wine prefix $WINEPREFIX"
# A prefix made in another checkout (a target folder moved or copied here) links its profile's
# Documents into that checkout's wine-home, where nothing of this run lands: start a new one.
DOCUMENTS_LINK=$(readlink "$WINEPREFIX"/drive_c/users/*/Documents 2>/dev/null | head -n 1 || true)
if [[ -n "$DOCUMENTS_LINK" && "$DOCUMENTS_LINK" != "$ROOT/target/wine-home"* ]]; then
    echo "   the prefix links Documents to $DOCUMENTS_LINK, outside this checkout: making a new one"
    rm -rf "$WINEPREFIX"
fi
"${WINE[@]}" wineboot -i > "$OUT/wineboot.log" 2>&1 || true
WIN_USER_DIR=$(ls -d "$WINEPREFIX"/drive_c/users/*/AppData/Local 2>/dev/null | grep -v '/Public/' | head -n 1)
if [[ -z "$WIN_USER_DIR" ]]; then
    fail "Wine created no user profile in $WINEPREFIX (see $OUT/wineboot.log)"
    echo "windows: $PASSED passed, $FAILED failed"
    exit 1
fi
# Wine 8.0 has no bcryptprimitives.dll, which Windows 10 and 11 have and every Rust program
# imports: build the stand-in (tests/windows/bcryptprimitives.c) into this prefix only.
x86_64-w64-mingw32-gcc -O2 -shared -Wl,--kill-at -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    "$ROOT/tests/windows/bcryptprimitives.c" -ladvapi32
WIN_PROFILE=$(dirname "$(dirname "$WIN_USER_DIR")")
# Start from nothing installed: the no-runtime run must find no ONNX Runtime and no model.
rm -rf "$WIN_USER_DIR/Chameleon" "$WIN_USER_DIR/Programs/Chameleon" "$WIN_USER_DIR/Programs/Common" \
    "$WIN_PROFILE/Documents/VST3 Presets" \
    "$WINEPREFIX/drive_c/Program Files/Common Files/CLAP" \
    "$WINEPREFIX/drive_c/Program Files/Common Files/VST3"

# Runs a Windows program under Wine with a time limit; output to $OUT/NAME.log.
run_wine() {
    local name="$1"
    shift
    timeout -k 10 900 "${WINE[@]}" "$@" > "$OUT/$name.log" 2>&1
}

echo "== CLAP test host under Wine, no ONNX Runtime"
mkdir -p "$OUT/bare"
cp "$WIN/Chameleon.clap" "$OUT/bare/"
if CHAMELEON_MODEL_DIR="$(winpath "$ROOT/assets/models")" \
    run_wine clap-no-runtime "$HOST_EXE" "$(winpath "$OUT/bare/Chameleon.clap")"; then
    pass "every CLAP host check passed without ONNX Runtime ($OUT/clap-no-runtime.log)"
else
    fail "CLAP host checks without ONNX Runtime ($OUT/clap-no-runtime.log)"
    grep -E "^FAIL|failed|panicked" "$OUT/clap-no-runtime.log" | head -n 20 || true
fi
if grep -q "built-in styles play" "$OUT/clap-no-runtime.log" && grep -q '"Warm"' "$OUT/clap-no-runtime.log"; then
    pass "without ONNX Runtime the built-in styles play and the plugin says why: $(grep -m1 -o 'ONNX Runtime[^.]*' "$OUT/clap-no-runtime.log" | cut -c1-120)"
else
    fail "the no-runtime log does not say that the built-in styles play"
fi

echo "== install.cmd under Wine"
if run_wine install "cmd" /c "$(winpath "$WIN/install.cmd")"; then
    pass "install.cmd ran: $(tr -d '\r' < "$OUT/install.log" | head -n 1)"
else
    fail "install.cmd failed ($OUT/install.log)"
fi
INSTALLED_CLAP="$WINEPREFIX/drive_c/Program Files/Common Files/CLAP/Chameleon.clap"
INSTALLED_VST3="$WINEPREFIX/drive_c/Program Files/Common Files/VST3/Chameleon.vst3/Contents/x86_64-win"
for f in "$INSTALLED_CLAP" "$INSTALLED_VST3/Chameleon.vst3" "$INSTALLED_VST3/onnxruntime.dll" \
    "$INSTALLED_VST3/DirectML.dll" "$WIN_USER_DIR/Chameleon/onnxruntime/onnxruntime.dll" \
    "$WIN_USER_DIR/Chameleon/onnxruntime/DirectML.dll" \
    "$WIN_USER_DIR/Chameleon/models/chameleon-styles.onnx" \
    "$WIN_USER_DIR/Chameleon/factory-presets/orchestra-pad.chpreset" \
    "$WIN_PROFILE/Documents/VST3 Presets/Chameleon Audio/Chameleon/Morphs/Strings to Choir.vstpreset" \
    "$WIN_USER_DIR/Programs/Chameleon/chameleon-render.exe"; do
    if [[ -f "$f" ]]; then
        pass "installed ${f#"$WINEPREFIX/drive_c/"}"
    else
        fail "install.cmd did not install ${f#"$WINEPREFIX/drive_c/"}"
    fi
done

if run_wine install-user "cmd" /c "$(winpath "$WIN/install.cmd")" /user &&
    [[ -f "$WIN_USER_DIR/Programs/Common/CLAP/Chameleon.clap" &&
        -f "$WIN_USER_DIR/Programs/Common/VST3/Chameleon.vst3/Contents/x86_64-win/Chameleon.vst3" ]]; then
    pass "install.cmd /user put the plugins in %LOCALAPPDATA%\\Programs\\Common\\CLAP and \\VST3"
else
    fail "install.cmd /user ($OUT/install-user.log)"
fi

echo "== CLAP test host under Wine, installed plugin with ONNX Runtime and the bundled model"
if run_wine clap-with-model "$HOST_EXE" 'C:\Program Files\Common Files\CLAP\Chameleon.clap'; then
    pass "every CLAP host check passed with the bundled model ($OUT/clap-with-model.log)"
else
    fail "CLAP host checks with the bundled model ($OUT/clap-with-model.log)"
    grep -E "^FAIL|failed|panicked" "$OUT/clap-with-model.log" | head -n 20 || true
fi
# (The log does mention the built-in styles: one state check restores a project whose model
# file is gone.)
if grep -q '"String Ensemble"' "$OUT/clap-with-model.log" &&
    ! grep -q "The model could not be loaded" "$OUT/clap-with-model.log"; then
    pass "the installed CLAP runs the bundled model (its style names are shown)"
else
    fail "the installed CLAP did not run the bundled model"
fi

echo "== chameleon-render.exe under Wine against the Linux chameleon-render"
INSTALLED_RENDER="$WIN_USER_DIR/Programs/Chameleon/chameleon-render.exe"
DEMO="$ROOT/assets/demo/demo.wav"
render_pair() {
    local name="$1" runtime="$2"
    shift 2
    "$LINUX_RENDER" "$DEMO" "$OUT/$name-linux.wav" "$@" > "$OUT/$name-linux.log" 2>&1 ||
        { fail "Linux chameleon-render $* ($OUT/$name-linux.log)"; return; }
    local env_args=()
    if [[ -n "$runtime" ]]; then
        env_args=(CHAMELEON_ORT_DYLIB="$(winpath "$runtime")")
    fi
    if env "${env_args[@]}" timeout -k 10 900 "${WINE[@]}" "$INSTALLED_RENDER" "$(winpath "$DEMO")" \
        "$(winpath "$OUT/$name-windows.wav")" --json "$@" > "$OUT/$name-windows.json" 2> "$OUT/$name-windows.log"; then
        local provider
        provider=$(grep -o '"provider": *"[^"]*"' "$OUT/$name-windows.json" | head -n 1 || true)
        local model
        model=$(grep -o '"model": *"[^"]*"' "$OUT/$name-windows.json" | head -n 1 || true)
        if grep -q '"model": *"Chameleon' "$OUT/$name-windows.json"; then
            pass "chameleon-render.exe --json $* rendered the demo clip with the bundled model ($model, $provider)"
        else
            fail "chameleon-render.exe $* did not use the bundled model ($model; $OUT/$name-windows.json)"
        fi
    else
        fail "chameleon-render.exe $* ($OUT/$name-windows.log)"
        tail -n 5 "$OUT/$name-windows.log"
        return
    fi
    local verdict
    if verdict=$(python3 "$ROOT/tests/windows/compare_wav.py" "$OUT/$name-linux.wav" "$OUT/$name-windows.wav" "$TOLERANCE"); then
        pass "$name: Windows equals Linux: $verdict"
    else
        fail "$name: Windows differs from Linux: $verdict"
    fi
}
render_pair directml-strings "" --style strings
render_pair cpu-morph "$ROOT/target/onnxruntime/windows/cpu" --style choir --style-b trumpet --morph 0.5
render_pair directml-preset "" --preset orchestra-pad

echo "== chameleon-standalone.exe under Wine"
if run_wine standalone-help "$WIN/chameleon-standalone.exe" --help && grep -qi "usage" "$OUT/standalone-help.log"; then
    pass "chameleon-standalone.exe --help: $(tr -d '\r' < "$OUT/standalone-help.log" | grep -im1 usage)"
else
    fail "chameleon-standalone.exe --help ($OUT/standalone-help.log)"
fi

echo "windows: $PASSED passed, $FAILED failed"
[[ "$FAILED" == 0 ]]
