"""Real recorded instruments played from note lists: the ``recorded`` bank.

The recordings come from the npm registry, fetched once with ``npm pack`` into
``training/cache/npm`` at pinned versions:

- ``@audio-samples/piano-velocity{4,8,12,16}``: the Salamander Grand Piano V3 (MIT), every
  third semitone from A0 to C8 at four of its sixteen velocity layers;
- ``tonejs-instrument-<name>-mp3``: the tonejs-instruments recordings (from public-domain
  sources; the samples are CC BY 3.0, the package code MIT), single notes of orchestral, guitar
  and keyboard instruments, about every semitone to every third.

A note plays the recording nearest in pitch, resampled to the note's pitch (at most a semitone
and a half away), scaled by velocity, and released with an exponential fade at its note-off.
Sustained instruments (bowed, blown, organs) that must hold longer than their recording loop
its middle with crossfades. Every render of the same note list starts on the same sample, so
renders with different instruments form aligned pairs, as fluidsynth's do.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .analysis import SAMPLE_RATE
from .midi import Note


@dataclass(frozen=True)
class Instrument:
    """One recorded instrument: the npm packages holding it and how it behaves."""

    #: What the report calls it.
    name: str
    #: ``(package, version)`` pairs; several for the piano's velocity layers.
    packages: tuple[tuple[str, str], ...]
    #: Whether a held note sustains (and may loop) rather than decays.
    sustained: bool
    #: Release time constant after note-off, seconds.
    release: float


def _tonejs(name: str, version: str, sustained: bool, release: float) -> Instrument:
    return Instrument(f"{name} (tonejs-instruments)",
                      ((f"tonejs-instrument-{name}-mp3", version),), sustained, release)


#: GM program (0-based) -> recorded instrument.
INSTRUMENTS: dict[int, Instrument] = {
    0: Instrument("Salamander Grand Piano V3",
                  tuple((f"@audio-samples/piano-velocity{v}", "1.0.5") for v in (4, 8, 12, 16)),
                  sustained=False, release=0.12),
    13: _tonejs("xylophone", "1.1.2", False, 0.1),
    16: _tonejs("organ", "1.1.1", True, 0.05),
    20: _tonejs("harmonium", "1.1.1", True, 0.06),
    24: _tonejs("guitar-nylon", "1.1.1", False, 0.15),
    25: _tonejs("guitar-acoustic", "1.1.2", False, 0.15),
    27: _tonejs("guitar-electric", "1.1.1", False, 0.12),
    33: _tonejs("bass-electric", "1.1.2", False, 0.1),
    40: _tonejs("violin", "1.1.1", True, 0.12),
    42: _tonejs("cello", "1.1.1", True, 0.12),
    43: _tonejs("contrabass", "1.1.2", True, 0.12),
    46: _tonejs("harp", "1.1.1", False, 0.25),
    56: _tonejs("trumpet", "1.1.2", True, 0.06),
    57: _tonejs("trombone", "1.1.2", True, 0.07),
    58: _tonejs("tuba", "1.1.2", True, 0.08),
    60: _tonejs("french-horn", "1.1.2", True, 0.08),
    65: _tonejs("saxophone", "1.1.2", True, 0.06),
    70: _tonejs("bassoon", "1.1.2", True, 0.06),
    71: _tonejs("clarinet", "1.1.2", True, 0.06),
    73: _tonejs("flute", "1.1.2", True, 0.06),
}

#: Velocity each Salamander layer package stands for (of 16 layers, 127 at the top).
PIANO_LAYER_VELOCITY = {4: 32, 8: 64, 12: 96, 16: 127}

_NOTE_NAME = re.compile(r"^([A-G])(s|#|b)?(-?\d)(v\d+)?$")
_PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def npm_cache() -> Path:
    """Folder the npm packages are unpacked into."""
    from .render import CACHE_DIR

    return CACHE_DIR / "npm"


def can_fetch() -> bool:
    """Whether the recordings are here or npm can fetch them."""
    return shutil.which("npm") is not None or all(
        (npm_cache() / _folder(p, v)).exists() for i in INSTRUMENTS.values() for p, v in i.packages)


def _folder(package: str, version: str) -> str:
    return package.replace("@", "").replace("/", "-") + "-" + version


def fetch(package: str, version: str) -> Path:
    """The unpacked folder of ``package@version``, fetched with ``npm pack`` on first use."""
    dest = npm_cache() / _folder(package, version)
    if dest.exists():
        return dest
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed to fetch {package}@{version} (apt-get install npm)")
    tmp = npm_cache() / "download"
    tmp.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([npm, "pack", "--silent", f"{package}@{version}"], cwd=tmp, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tmp / out) as tar:
        tar.extractall(staging, filter="data")
    (tmp / out).unlink()
    staging.rename(dest)
    return dest


def note_name_pitch(stem: str) -> tuple[int, int | None] | None:
    """MIDI pitch (and velocity layer, if named) of a file stem such as ``As3``, ``C#4`` or
    ``A0v10``; ``None`` for other names (tonejs's ``F2 v2`` alternates among them)."""
    m = _NOTE_NAME.match(stem)
    if m is None:
        return None
    letter, accidental, octave, layer = m.groups()
    pc = _PITCH_CLASS[letter] + {"s": 1, "#": 1, "b": -1}.get(accidental or "", 0)
    return 12 * (int(octave) + 1) + pc, int(layer[1:]) if layer else None


def _trim_onset(x: np.ndarray) -> np.ndarray:
    """Drops the silence (and MP3 decoder delay) before the recording's onset, keeping 2 ms."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0:
        return x
    first = int(np.argmax(np.abs(x) > 0.02 * peak))
    return x[max(0, first - SAMPLE_RATE // 500):]


def read_mono(path: Path) -> np.ndarray:
    """An audio file (any format libsndfile reads: WAV, FLAC, OGG, MP3) as mono float32 at
    48 kHz (channels averaged, resampled with a polyphase filter)."""
    import soundfile as sf
    from math import gcd

    from scipy.signal import resample_poly

    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = audio.mean(axis=1)
    if sr != SAMPLE_RATE:
        k = gcd(SAMPLE_RATE, sr)
        x = resample_poly(x, SAMPLE_RATE // k, sr // k).astype(np.float32)
    return x


def _load(path: Path) -> np.ndarray:
    return _trim_onset(read_mono(path))


@lru_cache(maxsize=None)
def samples(program: int) -> dict[tuple[int, int], np.ndarray]:
    """``{(pitch, velocity): mono float32 at 48 kHz}`` of one recorded instrument."""
    inst = INSTRUMENTS[program]
    out: dict[tuple[int, int], np.ndarray] = {}
    for package, version in inst.packages:
        folder = fetch(package, version)
        layer = re.search(r"velocity(\d+)$", package)
        velocity = PIANO_LAYER_VELOCITY[int(layer.group(1))] if layer else 96
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in (".mp3", ".ogg", ".wav", ".flac"):
                continue
            parsed = note_name_pitch(path.stem)
            if parsed is None:
                continue
            out[(parsed[0], velocity)] = _load(path)
    if not out:
        raise RuntimeError(f"no recordings found for {inst.name}")
    return out


def _extend(x: np.ndarray, needed: int, crossfade: int) -> np.ndarray:
    """``x`` lengthened to ``needed`` samples by looping its middle (35-80 %) with
    equal-power crossfades."""
    if len(x) >= needed:
        return x
    a, b = int(0.35 * len(x)), int(0.8 * len(x))
    crossfade = max(1, min(crossfade, (b - a) // 2))
    seg = x[a:b]
    fade_in = np.sin(np.linspace(0, np.pi / 2, crossfade, dtype=np.float32)) ** 2
    out = [x[:b]]
    length = b
    while length < needed:
        tail = out[-1]
        joined = tail[-crossfade:] * (1 - fade_in) + seg[:crossfade] * fade_in
        out[-1] = tail[:-crossfade]
        out.append(np.concatenate([joined, seg[crossfade:]]))
        length += len(seg) - crossfade
    return np.concatenate(out)


def render_note(note: Note, program: int) -> np.ndarray:
    """One note of the recorded instrument, mono float32 at 48 kHz, starting at its onset."""
    inst = INSTRUMENTS[program]
    table = samples(program)
    keys = list(table)
    # Nearest pitch first, then the nearest velocity layer.
    pitch_key = min(keys, key=lambda k: (abs(k[0] - note.pitch), abs(k[1] - note.velocity)))
    layer = min((k for k in keys if k[0] == pitch_key[0]), key=lambda k: abs(k[1] - note.velocity))
    x = table[layer]
    ratio = 2.0 ** ((note.pitch - layer[0]) / 12.0)
    tail = 5.0 * inst.release
    n_out = int((note.duration + tail) * SAMPLE_RATE)
    if inst.sustained:
        x = _extend(x, int(n_out * ratio) + 2, crossfade=int(0.03 * SAMPLE_RATE))
    n_out = min(n_out, int((len(x) - 1) / ratio))
    pos = np.arange(n_out, dtype=np.float64) * ratio
    y = np.interp(pos, np.arange(len(x)), x).astype(np.float32)
    # Velocity: the layer's own dynamics, then a gain for the rest of the way.
    y *= (max(1, note.velocity) / layer[1]) ** (1.0 if len(inst.packages) > 1 else 1.7)
    off = int(note.duration * SAMPLE_RATE)
    if off < n_out:
        t = np.arange(n_out - off, dtype=np.float32) / SAMPLE_RATE
        y[off:] *= np.exp(-t / inst.release)
    return y


def render_notes(notes: list[Note], program: int) -> np.ndarray:
    """``notes`` played by the recorded instrument for GM ``program``; mono float32 at
    48 kHz, at about the level fluidsynth renders at."""
    if program not in INSTRUMENTS:
        raise KeyError(f"no recorded instrument for GM program {program}")
    total = int((max((n.start + n.duration for n in notes), default=0.0) + 3.0) * SAMPLE_RATE)
    out = np.zeros(total, dtype=np.float32)
    for n in notes:
        y = render_note(n, program)
        a = int(round(n.start * SAMPLE_RATE))
        b = min(total, a + len(y))
        out[a:b] += y[: b - a]
    return out * np.float32(0.25)
