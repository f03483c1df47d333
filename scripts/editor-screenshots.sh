#!/usr/bin/env bash
# Takes the editor screenshots in docs/img/ from the standalone app, under Xvfb, with the demo
# clip playing through it (JACK's dummy driver, no sound card needed).
#
# Needs the Debian packages xvfb, xauth, imagemagick, xdotool, jackd2, jack-tools and sox
# (see scripts/system-packages.txt).
#
#   scripts/editor-screenshots.sh [OUT_DIR]      (default: docs/img)
set -euo pipefail
cd "$(dirname "$0")/.."

W=980
H=720
if [ -z "${CHAMELEON_SCREENSHOT_INNER:-}" ]; then
    cargo build -j2 --release -p chameleon --features standalone --bin chameleon-standalone
    export CHAMELEON_SCREENSHOT_INNER=1
    exec xvfb-run -a -s "-screen 0 ${W}x${H}x24" "$0" "$@"
fi

out=${1:-docs/img}
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# A minute of the demo clip, looped.
sox assets/demo/demo.wav -r 48000 "$tmp/demo.wav" repeat 5

export JACK_NO_AUDIO_RESERVATION=1
jackd --no-realtime -d dummy -r 48000 -p 512 >"$tmp/jackd.log" 2>&1 &
pids+=($!)
sleep 2

mv_away() { xdotool mousemove "$W" "$H"; }

# Drags from (x, y) by (dx, dy) in steps, as a performer would.
drag() {
    local x=$1 y=$2 dx=$3 dy=$4 i
    xdotool mousemove "$x" "$y" mousedown 1
    for i in 1 2 3 4 5 6 7 8; do
        xdotool mousemove "$((x + dx * i / 8))" "$((y + dy * i / 8))"
        sleep 0.05
    done
    xdotool mouseup 1
}

# Starts the standalone on JACK with the demo clip playing into it; sets $app to its PID.
start() {
    target/release/chameleon-standalone -b jack >"$tmp/standalone.log" 2>&1 &
    app=$!
    sleep 4
    jack-play "$tmp/demo.wav" >"$tmp/play.log" 2>&1 &
    player=$!
    sleep 1
    local ins outs
    ins=$(jack_lsp | grep -i -E '^chameleon.*:(in|input)' || true)
    outs=$(jack_lsp | grep -E "^jack-play-$player" || true)
    paste <(echo "$outs") <(echo "$ins") | while read -r from to; do
        if [ -n "$from" ] && [ -n "$to" ]; then jack_connect "$from" "$to"; fi
    done
    sleep 3
}

stop() {
    kill -TERM "$player" "$app" 2>/dev/null || true
    wait "$player" "$app" 2>/dev/null || true
}

# With ONNX Runtime and the bundled model from this tree: the neural engine runs.
export CHAMELEON_MODEL_DIR="$PWD/assets/models"
ort=$(ls target/onnxruntime/libonnxruntime.so.* 2>/dev/null | head -n 1 || true)
if [ -n "$ort" ]; then export CHAMELEON_ORT_DYLIB="$PWD/$ort"; fi
start
# 1. A/B morph: turn the morph knob up to about 40 %.
drag 166 250 0 -90
mv_away
sleep 3
import -window root "$out/editor-morph.png"
# 2. XY pad: put the puck towards the top-left corner (this also turns the pad on).
drag 440 250 -50 -110
mv_away
sleep 3
import -window root "$out/editor-xy-pad.png"
stop

# 3. Without ONNX Runtime: the built-in styles play and the editor says why and what to do.
export CHAMELEON_ORT_DYLIB=/nonexistent/libonnxruntime.so
start
mv_away
sleep 2
import -window root "$out/editor-no-runtime.png"
stop

echo "Screenshots in $out:"
ls -1 "$out"/editor-*.png
