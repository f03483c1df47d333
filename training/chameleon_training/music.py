"""Note material: Bach chorales from the music21 corpus (offline) and generated phrases.

The corpus split is fixed: every tenth chorale (index % 10 == 5) is held out for evaluation
and never used in training.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .midi import Note, end_time, shift
from .render import CACHE_DIR


def chorale_paths() -> list[str]:
    """Sorted corpus paths of the Bach chorales that ship with music21."""
    from music21 import corpus

    paths = sorted(str(p) for p in corpus.getComposer("bach"))
    # Keep the four-part chorales (bwvNNN.N files); skip the few instrumental pieces.
    return [p for p in paths if Path(p).name.startswith("bwv") and "." in Path(p).stem]


def split_chorales() -> tuple[list[str], list[str]]:
    """(training paths, held-out evaluation paths)."""
    paths = chorale_paths()
    train = [p for i, p in enumerate(paths) if i % 10 != 5]
    held = [p for i, p in enumerate(paths) if i % 10 == 5]
    return train, held


def _parse_notes(path: str) -> list[tuple[int, float, float]]:
    """(pitch, start quarter, duration quarter) of every note of a corpus piece."""
    from music21 import converter

    score = converter.parse(path).stripTies()
    out = []
    for el in score.flatten().notes:
        start = float(el.offset)
        dur = float(el.quarterLength)
        if dur <= 0:
            continue
        for p in el.pitches:
            out.append((int(p.midi), start, dur))
    return out


def piece_notes(path: str, cache_dir: Path | None = None) -> list[tuple[int, float, float]]:
    """Cached :func:`_parse_notes` (parsing with music21 takes about a second a piece)."""
    cache = Path(cache_dir or CACHE_DIR) / "notes"
    cache.mkdir(parents=True, exist_ok=True)
    key = cache / (Path(path).stem.replace(".", "_") + ".json")
    if key.exists():
        return [tuple(x) for x in json.loads(key.read_text())]
    notes = _parse_notes(path)
    key.write_text(json.dumps(notes))
    return notes


def realise(raw: list[tuple[int, float, float]], bpm: float, transpose: int,
            rng: np.random.Generator, velocity: int = 85, jitter: int = 12,
            max_seconds: float | None = None, legato: float = 0.97) -> list[Note]:
    """Turns quarter-note timings into seconds at ``bpm``, transposed by ``transpose``
    semitones, with per-note velocity jitter; optionally cut at ``max_seconds``."""
    q = 60.0 / bpm
    out = []
    for pitch, start, dur in raw:
        s = start * q
        if max_seconds is not None and s >= max_seconds:
            continue
        d = dur * q * legato
        if max_seconds is not None:
            d = min(d, max_seconds - s)
        vel = int(np.clip(velocity + rng.integers(-jitter, jitter + 1), 20, 127))
        out.append(Note(int(np.clip(pitch + transpose, 21, 108)), s, d, vel))
    return out


#: Major and minor scale steps, semitones above the tonic.
_SCALES = ([0, 2, 4, 5, 7, 9, 11], [0, 2, 3, 5, 7, 8, 10])


def _melody_with_accompaniment(rng: np.random.Generator, t: float) -> tuple[list[Note], float]:
    """Two to four bars: a stepwise melody over held chords and a bass line on the beats."""
    notes = []
    tonic = int(rng.integers(45, 57))
    scale = _SCALES[int(rng.integers(0, 2))]
    beat = float(rng.uniform(0.3, 0.6))
    degree = int(rng.integers(7, 12))
    vel = int(rng.integers(45, 110))
    for bar in range(int(rng.integers(2, 5))):
        root = [0, 3, 4, 5][int(rng.integers(0, 4))]
        chord = [tonic + 12 + scale[(root + k) % 7] + 12 * ((root + k) // 7) for k in (0, 2, 4)]
        start = t + bar * 4 * beat
        for p in chord:
            notes.append(Note(p, start, 4 * beat * 0.95, max(20, vel - 20)))
        for b in range(4):
            bass = tonic - 12 + scale[(root + (0, 4, 2, 4)[b]) % 7]
            notes.append(Note(bass, start + b * beat, beat * 0.9, vel))
        pos = start
        while pos < start + 4 * beat - 1e-6:
            d = beat * float(rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))
            degree = int(np.clip(degree + rng.integers(-2, 3), 7, 16))
            p = tonic + 12 + scale[degree % 7] + 12 * (degree // 7)
            notes.append(Note(p, pos, d * 0.95, int(np.clip(vel + 10 + rng.integers(-8, 9), 20, 127))))
            pos += d
    return notes, t + (bar + 1) * 4 * beat


def _fast_passage(rng: np.random.Generator, t: float) -> tuple[list[Note], float]:
    """Sixteenth-note runs and turns, 8-16 notes a second, over one to two octaves."""
    notes = []
    base = int(rng.integers(48, 80))
    scale = _SCALES[int(rng.integers(0, 2))]
    step = float(rng.uniform(0.06, 0.12))
    vel = int(rng.integers(50, 115))
    degree = 0
    for _ in range(int(rng.integers(16, 40))):
        degree = int(np.clip(degree + rng.choice([-1, 1, 1, 2, -2]), -3, 12))
        p = base + scale[degree % 7] + 12 * (degree // 7)
        notes.append(Note(p, t, step * 0.9, vel))
        t += step
    return notes, t


def _bass_line(rng: np.random.Generator, t: float) -> tuple[list[Note], float]:
    """A walking or riffing bass line in the lowest two octaves."""
    notes = []
    base = int(rng.integers(28, 43))
    step = float(rng.uniform(0.18, 0.45))
    vel = int(rng.integers(55, 120))
    for i in range(int(rng.integers(8, 20))):
        p = base + int(rng.choice([0, 0, 3, 5, 7, 10, 12]))
        notes.append(Note(p, t, step * float(rng.uniform(0.5, 0.95)), vel + (10 if i % 4 == 0 else 0)))
        t += step
    return notes, t


def _wide_leaps(rng: np.random.Generator, t: float) -> tuple[list[Note], float]:
    """Notes leaping across four or more octaves, sustained and short."""
    notes = []
    for _ in range(int(rng.integers(4, 9))):
        d = float(rng.uniform(0.2, 1.6))
        notes.append(Note(int(rng.integers(24, 103)), t, d, int(rng.integers(25, 127))))
        t += d + float(rng.uniform(0.0, 0.2))
    return notes, t


def generated_phrases(rng: np.random.Generator, seconds: float) -> list[Note]:
    """Generated material for range and dynamics: long notes with varied velocity, scales,
    arpeggios and dyads across the playable range, melodies with chords and a bass line, fast
    runs, bass lines and wide leaps, back to back for about ``seconds``."""
    notes: list[Note] = []
    t = 0.0
    extra = (_melody_with_accompaniment, _fast_passage, _bass_line, _wide_leaps)
    while t < seconds:
        kind = rng.integers(0, 4 + len(extra))
        if kind >= 4:
            more, t = extra[kind - 4](rng, t)
            notes.extend(Note(int(np.clip(n.pitch, 21, 108)), n.start, n.duration, n.velocity) for n in more)
            t += float(rng.uniform(0.1, 0.6))
            continue
        base = int(rng.integers(40, 84))
        vel = int(rng.integers(30, 120))
        if kind == 0:  # sustained notes, sometimes dyads
            for _ in range(int(rng.integers(2, 5))):
                d = float(rng.uniform(0.6, 2.5))
                p = base + int(rng.integers(-7, 8))
                notes.append(Note(p, t, d, vel))
                if rng.random() < 0.4:
                    notes.append(Note(p + int(rng.choice([3, 4, 7, 12])), t, d, vel))
                t += d + 0.05
        elif kind == 1:  # scale run
            step = float(rng.uniform(0.1, 0.3))
            scale = [0, 2, 4, 5, 7, 9, 11, 12, 14, 16]
            direction = 1 if rng.random() < 0.5 else -1
            for i, s in enumerate(scale):
                notes.append(Note(base + direction * s, t, step * 0.95,
                                  int(np.clip(vel + 4 * i * direction, 20, 127))))
                t += step
        elif kind == 2:  # arpeggio over a triad
            step = float(rng.uniform(0.12, 0.35))
            chord = [0, 4, 7, 12, 16, 12, 7, 4] if rng.random() < 0.5 else [0, 3, 7, 12, 15, 12, 7, 3]
            for c in chord:
                notes.append(Note(base + c, t, step * 1.5, vel))
                t += step
        else:  # repeated staccato / accent pattern
            step = float(rng.uniform(0.15, 0.4))
            for i in range(8):
                notes.append(Note(base + (i % 2) * int(rng.integers(0, 5)), t, step * 0.5,
                                  int(np.clip(vel + (25 if i % 4 == 0 else -10), 20, 127))))
                t += step
        t += float(rng.uniform(0.1, 0.6))
    return notes


def concatenate(pieces: list[list[Note]], gap: float = 1.5) -> tuple[list[Note], list[tuple[float, float]]]:
    """Places note lists one after another with ``gap`` seconds between them; returns the
    combined list and each piece's (start, end) in seconds."""
    out: list[Note] = []
    spans = []
    t = 0.0
    for notes in pieces:
        out.extend(shift(notes, t))
        end = t + end_time(notes)
        spans.append((t, end))
        t = end + gap
    return out, spans
