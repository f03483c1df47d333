#!/usr/bin/env python3
"""Measures the engine's latency by impulse in both latency modes and prints the table of
docs/BENCHMARKS.md.

    scripts/latency-table.py [--render target/release/chameleon-render] [--rate 48000]

For each mode and host block it renders a unit impulse through the identity style with
`chameleon-render --keep-latency --json` and reports where the impulse comes out next to the
latency the engine reports (they must be equal). Needs only the Python standard library.
"""

import argparse
import json
import struct
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

BLOCKS = [32, 64, 128, 256, 512, 1024, 2048]


def write_impulse(path: Path, rate: int, frames: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        data = [0] * frames
        data[0] = 32767
        w.writeframes(struct.pack(f"<{frames}h", *data))


def read_float_wav(path: Path) -> list[float]:
    """Reads the renderer's 32-bit float WAV (mono)."""
    raw = path.read_bytes()
    pos = 12
    while pos < len(raw):
        tag, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        if tag == b"data":
            body = raw[pos + 8:pos + 8 + size]
            return list(struct.unpack(f"<{len(body) // 4}f", body))
        pos += 8 + size + (size & 1)
    raise ValueError(f"{path}: no data chunk")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--render", default="target/release/chameleon-render")
    ap.add_argument("--rate", type=int, default=48000)
    args = ap.parse_args()
    failures = 0
    print("| mode | host block | measured (samples) | reported (samples) | ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        write_impulse(src, args.rate, args.rate)
        for mode in ["studio", "live"]:
            for block in BLOCKS:
                cmd = [args.render, str(src), str(dst), "--style", "identity", "--keep-latency",
                       "--block", str(block), "--latency-mode", mode, "--json"]
                out = subprocess.run(cmd, capture_output=True, text=True, check=True)
                reported = json.loads(out.stdout.strip().splitlines()[-1])["latency_samples"]
                y = read_float_wav(dst)
                measured = max(range(len(y)), key=lambda i: abs(y[i]))
                failures += measured != reported
                ms = 1000.0 * measured / args.rate
                print(f"| {mode.capitalize()} | {block} | {measured} | {reported} | {ms:.1f} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
