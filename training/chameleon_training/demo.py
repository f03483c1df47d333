"""Renders the short demo clip shipped in assets/demo/demo.wav.

J. S. Bach, chorale "Christ unser Herr zum Jordan kam" (BWV 7.7, from the music21 corpus,
public domain), played by the General MIDI acoustic grand piano of the FluidR3 soundfont,
48 kHz stereo 16-bit, about 10 s.

    training/.venv/bin/python -m chameleon_training.demo assets/demo/demo.wav
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from . import midi, music, render

PIECE = "bach/bwv7.7"
SECONDS = 10.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output", type=Path)
    ap.add_argument("--soundfont", default="fluidr3")
    ap.add_argument("--program", type=int, default=0)
    args = ap.parse_args()
    from music21 import corpus

    path = str(corpus.getWork(PIECE))
    raw = music.piece_notes(path)
    notes = music.realise(raw, bpm=84.0, transpose=0, rng=np.random.default_rng(0), velocity=80,
                          jitter=6, max_seconds=SECONDS - 1.0)
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "demo.mid"
        wav = Path(tmp) / "demo.wav"
        midi.write_midi(mid, notes, args.program)
        render.render_midi_file(mid, args.soundfont, wav)
        audio, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    n = int(SECONDS * sr)
    audio = audio[:n]
    fade = int(0.3 * sr)
    audio[-fade:] *= np.linspace(1.0, 0.0, fade)[:, None]
    peak = float(np.max(np.abs(audio)))
    audio *= 0.5 / max(peak, 1e-6)  # -6 dBFS peak
    args.output.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(args.output), audio, sr, subtype="PCM_16")
    print(f"wrote {args.output}: {len(audio) / sr:.1f} s, {sr} Hz, {audio.shape[1]} ch")


if __name__ == "__main__":
    main()
