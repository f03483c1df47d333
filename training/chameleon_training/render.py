"""Offline rendering of note lists through the instrument banks of
:mod:`chameleon_training.banks`: soundfonts with fluidsynth, FreePats with timidity, real
recordings with :mod:`chameleon_training.sampler`.

Renders of the same notes with different programs through one bank start on the same sample,
so a source render and a target render form an exactly aligned training pair. Reverb and
chorus are off.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from . import banks, midi
from .analysis import SAMPLE_RATE

#: Soundfont banks by short name (see :data:`banks.BANKS` for every bank).
SOUNDFONTS = {b.name: b.path for b in banks.BANKS.values() if b.renderer == "fluidsynth"}
#: Banks of the model-1.1.0 recipe (format v1): Fluid R3 and MuseScore General Lite.
TRAIN_SOUNDFONTS = banks.LEGACY_TRAIN_BANKS
#: The bank that recipe held out. NOTE: MuseScore General is partly built from the Fluid R3
#: samples (see its Debian copyright file), so only TimGM6mb is independent of those two.
EVAL_SOUNDFONT = "timgm6mb"

#: Output gain of the synth (fluidsynth -g).
SYNTH_GAIN = 0.4

CACHE_DIR = Path(__file__).resolve().parent.parent / "cache"


def fluidsynth_path() -> str:
    """The fluidsynth executable, or a clear error if it is not installed."""
    exe = shutil.which("fluidsynth")
    if exe is None:
        raise RuntimeError("fluidsynth is not installed (apt-get install fluidsynth)")
    return exe


def soundfont_path(name: str) -> str:
    """Path of a soundfont given by short name (see SOUNDFONTS) or by file path."""
    path = SOUNDFONTS.get(name, name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"soundfont {name!r} not found at {path}")
    return path


def render_midi_file(midi_path: Path, soundfont: str, out_wav: Path) -> None:
    """Renders one MIDI file to a 48 kHz float WAV (stereo, as fluidsynth writes it)."""
    cmd = [
        fluidsynth_path(), "-ni", "-q", "-R", "0", "-C", "0", "-g", str(SYNTH_GAIN),
        "-r", str(SAMPLE_RATE), "-O", "float", "-T", "wav", "-F", str(out_wav),
        soundfont_path(soundfont), str(midi_path),
    ]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def timidity_path() -> str:
    """The timidity executable, or a clear error if it is not installed."""
    exe = shutil.which("timidity")
    if exe is None:
        raise RuntimeError("timidity is not installed (apt-get install timidity freepats)")
    return exe


def render_midi_timidity(midi_path: Path, config: str, out_wav: Path) -> None:
    """Renders one MIDI file with timidity and ``config`` to a 48 kHz WAV, dry, keeping the
    silence before the first note so renders align."""
    cmd = [timidity_path(), "-c", config, "-Ow", "--preserve-silence", "-s", str(SAMPLE_RATE),
           "-EFreverb=d", "-EFchorus=d", "-EFdelay=d", "-o", str(out_wav), str(midi_path)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def render_notes(notes: list[midi.Note], program: int, soundfont: str) -> np.ndarray:
    """Renders ``notes`` with GM ``program`` through the bank (or soundfont file)
    ``soundfont``; returns mono float32 at 48 kHz (the mean of the renderer's channels)."""
    b = banks.bank(soundfont)
    if program not in banks.programs(soundfont):
        raise KeyError(f"bank {b.name} has no GM program {program}")
    if b.renderer == "sampler":
        from . import sampler

        return sampler.render_notes(notes, program)
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "in.mid"
        wav = Path(tmp) / "out.wav"
        midi.write_midi(mid, notes, program)
        if b.renderer == "timidity":
            render_midi_timidity(mid, b.path, wav)
        else:
            render_midi_file(mid, b.path, wav)
        audio, sr = sf.read(str(wav), dtype="float32", always_2d=True)
    if sr != SAMPLE_RATE:
        raise RuntimeError(f"{b.renderer} wrote {sr} Hz, expected {SAMPLE_RATE}")
    return audio.mean(axis=1).astype(np.float32)


def notes_key(notes: list[midi.Note]) -> str:
    """A short content hash of a note list (cache key)."""
    h = hashlib.sha1()
    for n in notes:
        h.update(f"{n.pitch},{n.start:.5f},{n.duration:.5f},{n.velocity};".encode())
    return h.hexdigest()[:16]


def render_cached(notes: list[midi.Note], program: int, soundfont: str, tag: str,
                  cache_dir: Path | None = None) -> np.ndarray:
    """:func:`render_notes` with the result cached under ``cache_dir`` (default training/cache)."""
    cache_dir = Path(cache_dir or CACHE_DIR) / "renders"
    cache_dir.mkdir(parents=True, exist_ok=True)
    sf_tag = Path(soundfont).stem if soundfont not in SOUNDFONTS else soundfont
    path = cache_dir / f"{tag}-{notes_key(notes)}-{sf_tag}-p{program}.npy"
    if path.exists():
        return np.load(path)
    audio = render_notes(notes, program, soundfont)
    np.save(path, audio)
    return audio
