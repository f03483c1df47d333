"""Runs audio through the real Rust engine with the ``chameleon-render`` binary.

    cargo build -j2 --release -p chameleon --bin chameleon-render
    chameleon-render INPUT.wav OUTPUT.wav --model MODEL.onnx --style NAME --json
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[2]
RELEASE_BINARY = REPO / "target" / "release" / "chameleon-render"
DEBUG_BINARY = REPO / "target" / "debug" / "chameleon-render"


class RendererMissing(RuntimeError):
    """chameleon-render has not been built."""


def binary_path() -> Path:
    """The renderer: ``$CHAMELEON_RENDER``, else target/release/chameleon-render, else
    target/debug/chameleon-render."""
    env = os.environ.get("CHAMELEON_RENDER")
    if env:
        path = Path(env)
    else:
        path = RELEASE_BINARY if RELEASE_BINARY.exists() else DEBUG_BINARY
    if not path.exists():
        raise RendererMissing(
            f"{path} does not exist; build it with "
            "`cargo build -j2 --release -p chameleon --bin chameleon-render` "
            "(and fetch ONNX Runtime with `cargo xtask fetch-onnxruntime`)")
    return path


def render(audio: np.ndarray, model: Path, style: str, sample_rate: int = 48000,
           extra_args: tuple[str, ...] = ()) -> tuple[np.ndarray, dict]:
    """Renders mono or ``[samples, channels]`` float audio; returns (output, JSON report).
    The output is as long as the binary writes it (alignment is the caller's business).
    Level match is off, so what comes out is the model's own level (the engine's output guard
    still holds, as it always does)."""
    exe = binary_path()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.wav"
        dst = Path(tmp) / "out.wav"
        sf.write(str(src), np.asarray(audio, dtype=np.float32), sample_rate, subtype="FLOAT")
        cmd = [str(exe), str(src), str(dst), "--model", str(model), "--style", style, "--json",
               "--level-match", "off", *extra_args]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"chameleon-render failed ({proc.returncode}): {proc.stderr.strip()}")
        out, sr = sf.read(str(dst), dtype="float32")
    report = {}
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            report = json.loads(line)
            break
        except json.JSONDecodeError:
            continue
    if sr != sample_rate:
        raise RuntimeError(f"chameleon-render wrote {sr} Hz, expected {sample_rate}")
    return out, report


def best_lag(y: np.ndarray, ref: np.ndarray, max_lag: int = 4096) -> int:
    """The delay (samples, 0..max_lag) of ``y`` relative to ``ref`` that maximises their
    cross-correlation (FFT-based)."""
    n = min(len(y), len(ref))
    if n <= max_lag:
        return 0
    size = 1 << int(np.ceil(np.log2(2 * n)))
    c = np.fft.irfft(np.fft.rfft(y[:n], size) * np.conj(np.fft.rfft(ref[:n], size)), size)
    return int(np.argmax(c[: max_lag + 1]))
