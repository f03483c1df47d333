"""Real-world input through the plugin's engine: drums, voices, a full mix, real recorded
instruments, noise. None of it is in the training data.

    PYTHONPATH=training training/.venv/bin/python -m eval.real_world \
        --model assets/models/chameleon-styles.onnx --report docs/real-world.md

Every input goes through ``chameleon-render`` at mix 1 with every style of the model, twice:
as the plugin plays it (level match on, the engine's guard on) and with ``--raw-model`` (the
model's own output, no guard), so the table shows both what a listener hears and what the model
itself does. Per row: integrated loudness change (LU, BS.1770), clip RMS change (dB), the worst
400 ms window over the input's (dB) and the output's sample peak.

Inputs (Debian packages ``sonic-pi-samples``, ``hydrogen-drumkits``, ``espeak-ng``; npm
recordings through :mod:`chameleon_training.sampler`):

- drums: the Amen break and a breakbeat (sonic-pi), and an acoustic kit pattern played from
  the Colombo Acoustic Drumkit's recordings (hydrogen);
- voice: synthetic speech (espeak-ng) and a sung choir pad (sonic-pi ``ambi_choir``);
- a full mix: the breakbeat, a bass, a guitar chord loop and the recorded piano together;
- music: a held-out chorale on the recorded Salamander piano, and a recorded cello melody;
- white and pink noise at 0.1 RMS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from chameleon_training import analysis, music, sampler
from chameleon_training.engine import OnnxStyleModel

from . import rust_engine
from .loudness import integrated_lufs

REPO = Path(__file__).resolve().parents[2]
SR = analysis.SAMPLE_RATE
SONIC_PI = Path("/usr/share/sonic-pi/samples")
HYDROGEN = Path("/usr/share/hydrogen/data/drumkits/ColomboAcousticDrumkit")
SECONDS = 8.0


def _read(path: Path) -> np.ndarray:
    return sampler.read_mono(path)


def _loop(x: np.ndarray, seconds: float = SECONDS) -> np.ndarray:
    n = int(seconds * SR)
    reps = int(np.ceil(n / max(1, len(x))))
    return np.tile(x, reps)[:n]


def _at_rms(x: np.ndarray, rms: float) -> np.ndarray:
    return (x * (rms / (np.sqrt(np.mean(x ** 2)) + 1e-12))).astype(np.float32)


def _kit_pattern() -> np.ndarray:
    kick = _read(HYDROGEN / "bassdrum-4mics-br-stereo-normal3.flac")
    snare = _read(HYDROGEN / "snare-opaque-normal-mic-normal_shot2.flac")
    hat = _read(HYDROGEN / "hihat-closed-4.flac")
    out = np.zeros(int(SECONDS * SR) + SR, dtype=np.float32)
    eighth = int(0.25 * SR)  # 120 bpm
    for i in range(int(SECONDS * SR) // eighth):
        at = i * eighth
        hits = [hat * 0.5]
        if i % 4 == 0:
            hits.append(kick)
        if i % 4 == 2:
            hits.append(snare)
        for h in hits:
            end = min(len(out), at + len(h))
            out[at:end] += h[: end - at]
    return out[: int(SECONDS * SR)]


def _speech() -> np.ndarray | None:
    exe = shutil.which("espeak-ng")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        text = ("A producer's first test of a new plugin is often a drum loop, a synth sweep, "
                "or their own voice, spoken close to the microphone.")
        subprocess.run([exe, "-s", "150", "-w", str(wav), text], check=True, capture_output=True)
        return _read(wav)


def _chorale(program: int) -> np.ndarray:
    _, held = music.split_chorales()
    notes = music.realise(music.piece_notes(held[0]), 80.0, 0, np.random.default_rng(5),
                          max_seconds=SECONDS)
    return sampler.render_notes(notes, program)[: int(SECONDS * SR)]


def inputs() -> dict[str, np.ndarray]:
    """Every input available here, mono at 48 kHz, at musical levels."""
    rng = np.random.default_rng(0)
    out: dict[str, np.ndarray] = {}
    if SONIC_PI.exists():
        out["drums: Amen break (sonic-pi)"] = _at_rms(_loop(_read(SONIC_PI / "loop_amen_full.flac")), 0.12)
        out["drums: breakbeat (sonic-pi)"] = _at_rms(_loop(_read(SONIC_PI / "loop_breakbeat.flac")), 0.12)
        out["voice: sung choir pad (sonic-pi)"] = _at_rms(_loop(_read(SONIC_PI / "ambi_choir.flac")), 0.08)
    if HYDROGEN.exists():
        out["drums: acoustic kit (hydrogen Colombo)"] = _at_rms(_kit_pattern(), 0.12)
    speech = _speech()
    if speech is not None:
        out["voice: speech (espeak-ng)"] = _at_rms(_loop(np.concatenate([speech, np.zeros(SR // 2, np.float32)])), 0.08)
    if sampler.can_fetch():
        piano = _chorale(0)
        out["music: chorale, recorded piano (Salamander)"] = _at_rms(piano, 0.08)
        out["music: chorale, recorded cello (tonejs)"] = _at_rms(_chorale(42), 0.08)
        if SONIC_PI.exists():
            mix = (_at_rms(_loop(_read(SONIC_PI / "loop_breakbeat.flac")), 0.08)
                   + _at_rms(_loop(_read(SONIC_PI / "bass_voxy_c.flac")), 0.05)
                   + _at_rms(_loop(_read(SONIC_PI / "guit_em9.flac")), 0.04)
                   + _at_rms(piano, 0.05))
            out["full mix: drums, bass, guitar, piano"] = _at_rms(mix, 0.12)
    out["white noise 0.1 RMS"] = _at_rms(rng.standard_normal(int(SECONDS * SR)).astype(np.float32), 0.1)
    pink = np.fft.irfft(np.fft.rfft(rng.standard_normal(int(SECONDS * SR))) /
                        np.sqrt(np.maximum(np.arange(int(SECONDS * SR) // 2 + 1), 1.0)), int(SECONDS * SR))
    out["pink noise 0.1 RMS"] = _at_rms(pink.astype(np.float32), 0.1)
    return out


def measure(x: np.ndarray, y: np.ndarray) -> dict:
    """Loudness, RMS, worst-window and peak of output ``y`` against input ``x``."""
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    win = int(0.4 * SR)
    worst = -np.inf
    for s in range(0, n - win + 1, win // 2):
        xi = np.sqrt(np.mean(x[s:s + win] ** 2))
        if xi < 1e-4:
            continue
        worst = max(worst, 20 * np.log10(np.sqrt(np.mean(y[s:s + win] ** 2)) / xi + 1e-12))
    return dict(lu=float(integrated_lufs(y, SR) - integrated_lufs(x, SR)),
                rms_db=float(20 * np.log10((np.sqrt(np.mean(y ** 2)) + 1e-12) / (np.sqrt(np.mean(x ** 2)) + 1e-12))),
                worst_db=float(worst), peak_in=float(np.max(np.abs(x))), peak_out=float(np.max(np.abs(y))),
                finite=bool(np.all(np.isfinite(y))))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=REPO / "assets/models/chameleon-styles.onnx")
    ap.add_argument("--report", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--audio-dir", type=Path, default=None, help="write the first style's outputs (FLAC) here")
    args = ap.parse_args(argv)
    styles = OnnxStyleModel(args.model).styles
    rows = []
    for name, x in inputs().items():
        for style in styles:
            row = dict(input=name, style=style)
            for kind, extra in (("plugin", ("--level-match", "on")), ("raw", ("--raw-model",))):
                y, _ = rust_engine.render(x, args.model, style, extra_args=extra)
                y = y if y.ndim == 1 else y.mean(axis=1)
                row[kind] = measure(x, y)
            rows.append(row)
            print(f"{name:45s} {style:13s} plugin {row['plugin']['lu']:+6.1f} LU  raw {row['raw']['lu']:+6.1f} LU "
                  f"(worst {row['raw']['worst_db']:+5.1f} dB, peak {row['raw']['peak_out']:.2f})")
    result = dict(model=str(args.model), rows=rows)
    if args.report:
        write_report(args.report, result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return result


def write_report(path: Path, result: dict) -> None:
    rows = result["rows"]
    L = ["# Real-world input\n",
         "Generated by `python -m eval.real_world` (see its docstring for the inputs). Every input "
         "runs through `chameleon-render` at mix 1 with every style: **plugin** is what a listener "
         "hears (level match and the engine's guard on, the defaults), **raw** is the model's own "
         "output (`--raw-model`, no guard). Loudness is BS.1770 integrated loudness, output minus "
         "input. Per input: the mean over styles, and the extremes.\n",
         "| input | plugin LU (mean, min..max) | raw LU (mean, min..max) | raw worst 400 ms (dB, max) | "
         "raw peak in -> out (max) | style with the largest raw change |",
         "| --- | --- | --- | ---: | --- | --- |"]
    for name in dict.fromkeys(r["input"] for r in rows):
        rs = [r for r in rows if r["input"] == name]
        p = [r["plugin"]["lu"] for r in rs]
        q = [r["raw"]["lu"] for r in rs]
        worst = max(r["raw"]["worst_db"] for r in rs)
        peak = max(r["raw"]["peak_out"] for r in rs)
        far = max(rs, key=lambda r: abs(r["raw"]["lu"]))
        L.append(f"| {name} | {np.mean(p):+.1f} ({min(p):+.1f}..{max(p):+.1f}) | "
                 f"{np.mean(q):+.1f} ({min(q):+.1f}..{max(q):+.1f}) | {worst:+.1f} | "
                 f"{rs[0]['raw']['peak_in']:.2f} -> {peak:.2f} | {far['style']} ({far['raw']['lu']:+.1f} LU) |")
    styles = list(dict.fromkeys(r["style"] for r in rows))
    L.append("\n## Raw model loudness change per style (LU)\n")
    L.append("| input | " + " | ".join(styles) + " |")
    L.append("| --- |" + " ---: |" * len(styles))
    for name in dict.fromkeys(r["input"] for r in rows):
        cells = [f"{next(r for r in rows if r['input'] == name and r['style'] == s)['raw']['lu']:+.1f}" for s in styles]
        L.append(f"| {name} | " + " | ".join(cells) + " |")
    path.write_text("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
