"""Which banks play a program from the same recorded samples.

Banks of different families are meant to be independent, but General MIDI banks borrow
samples from each other: TimGM6mb and sf_GMbank (csound) share their piano, guitars, violin,
cello, clarinet, organ and synth programs, and the evaluation-only Merlin bank shares its choir
and trumpet with sf_GMbank and its nylon guitar (and part of its violin's range) with
FreePats. A fold that holds out one bank
while training on its samples through another is not a held-out fold for those programs, so
:func:`excluded_programs` names the programs a training bank must leave out in a fold, and the
outside-bank evaluation marks the programs it shares with the training banks.

Two renders of the same probe notes are the same samples when either measure says so:

- the peak of their phase-transform cross-correlation (GCC-PHAT: every frequency's phase
  difference, equally weighted) is at least :data:`PHAT_SHARED`, as the median over the notes
  or on at least :data:`SHARED_NOTES` of them; the same recording gives a sharp peak near 1
  even when the two banks filter, loop or envelope it differently, and a bank that borrows
  samples for part of its range only shares those notes (Merlin's violin, FreePats' on two of
  the five notes);
- their log-magnitude spectrograms (each to its own peak, 1024-point frames, active cells)
  are within :data:`SPECTRUM_SHARED_DB` dB RMS of each other; the same sample played with a
  different vibrato or loop keeps its spectrogram while losing its phase, and different
  instruments of one name are 8 dB or more apart.

Measures are cached in ``training/cache/shared-samples.json``.

    python -m chameleon_training.shared_samples [--report docs/model-shared-samples.md]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import analysis, banks, midi, render
from .styles import SOURCE_PROGRAMS, STYLES

#: The probe: five notes over three octaves, 1.5 s each, 2 s apart, from 0.5 s.
PROBE_PITCHES: tuple[int, ...] = (43, 55, 62, 69, 76)
PROBE_START_S = 0.5
PROBE_SPACING_S = 2.0
PROBE_NOTE_S = 1.5
#: The span of each note that is compared, seconds from just before its onset.
COMPARE_S = 1.0
#: GCC-PHAT peak at or above which two renders are the same samples.
PHAT_SHARED = 0.75
#: Probe notes whose GCC-PHAT peaks at or above :data:`PHAT_SHARED` make a program shared even
#: when the median over the notes is under it (samples borrowed for part of the range).
SHARED_NOTES = 2
#: Log-spectrogram RMS distance, dB, at or below which two renders are the same samples.
SPECTRUM_SHARED_DB = 7.0
#: Spectrogram cells darker than this under both renders' peaks are left out, dB.
SPECTRUM_FLOOR_DB = -60.0
#: Bumped when the probe or the measures change (invalidates the cache).
PROBE_VERSION = 2
CACHE = render.CACHE_DIR / "shared-samples.json"
#: The render cache tag of the probe notes (also measured by :mod:`attack_fit`).
PROBE_TAG = "shareprobe"


@dataclass(frozen=True)
class Similarity:
    """How alike two banks' renders of one program are."""

    #: Median over the probe notes of the GCC-PHAT peak (1: the same waveform).
    phat: float
    #: RMS distance of the two log-magnitude spectrograms, dB.
    spectrum_db: float
    #: Each sounding probe note's GCC-PHAT peak.
    note_phats: tuple[float, ...] = ()

    @property
    def shared_notes(self) -> int:
        """How many probe notes are the same samples by their GCC-PHAT peak."""
        return sum(p >= PHAT_SHARED for p in self.note_phats)

    @property
    def shared(self) -> bool:
        """Whether the two renders come from the same samples (over the whole range or part
        of it)."""
        return (self.phat >= PHAT_SHARED or self.spectrum_db <= SPECTRUM_SHARED_DB
                or self.shared_notes >= SHARED_NOTES)


def probe_notes() -> list[midi.Note]:
    """The probe's notes (velocity 90)."""
    return [midi.Note(p, PROBE_START_S + PROBE_SPACING_S * i, PROBE_NOTE_S, 90)
            for i, p in enumerate(PROBE_PITCHES)]


def phat_peak(x: np.ndarray, y: np.ndarray, floor: float = 1e-6) -> float:
    """Peak of the GCC-PHAT cross-correlation of ``x`` and ``y``, normalised so that a signal
    against a delayed copy of itself gives 1; frequencies more than 60 dB under the strongest
    cross-spectrum bin are left out. NaN when either is silent."""
    n = 1 << int(np.ceil(np.log2(len(x) + len(y))))
    cross = np.fft.rfft(x, n) * np.conj(np.fft.rfft(y, n))
    mag = np.abs(cross)
    if not np.isfinite(mag.max()) or mag.max() <= 0:
        return float("nan")
    keep = mag > mag.max() * floor
    whitened = np.where(keep, cross / np.maximum(mag, 1e-300), 0.0)
    return float(np.abs(np.fft.irfft(whitened, n)).max() * (n / 2) / keep.sum())


def spectrum_distance_db(x: np.ndarray, y: np.ndarray) -> float:
    """RMS difference, dB, of the log-magnitude spectrograms of ``x`` and ``y`` (each to its own
    peak), over the cells where either is within 60 dB of its peak."""
    n = min(len(x), len(y))
    a = np.abs(analysis.stft(np.asarray(x[:n], dtype=np.float64)))
    b = np.abs(analysis.stft(np.asarray(y[:n], dtype=np.float64)))
    if a.max() <= 0 or b.max() <= 0:
        return float("inf")
    a = 20 * np.log10(a / a.max() + 1e-4)
    b = 20 * np.log10(b / b.max() + 1e-4)
    active = (a > SPECTRUM_FLOOR_DB) | (b > SPECTRUM_FLOOR_DB)
    return float(np.sqrt(np.mean((a[active] - b[active]) ** 2)))


def compare(x: np.ndarray, y: np.ndarray) -> Similarity:
    """How alike two renders of the probe notes are."""
    sr = analysis.SAMPLE_RATE
    peaks = []
    for i in range(len(PROBE_PITCHES)):
        start = int((PROBE_START_S - 0.05 + PROBE_SPACING_S * i) * sr)
        end = start + int(COMPARE_S * sr)
        p = phat_peak(np.asarray(x[start:end], dtype=np.float64), np.asarray(y[start:end], dtype=np.float64))
        if np.isfinite(p):
            peaks.append(p)
    return Similarity(phat=float(np.median(peaks)) if peaks else 0.0,
                      spectrum_db=spectrum_distance_db(x, y), note_phats=tuple(peaks))


def _load_cache() -> dict:
    if CACHE.exists():
        cached = json.loads(CACHE.read_text())
        if cached.get("version") == PROBE_VERSION:
            return cached
    return {"version": PROBE_VERSION, "pairs": {}}


def measure(bank_a: str, bank_b: str, program: int) -> Similarity:
    """How alike banks ``bank_a`` and ``bank_b`` play GM ``program`` (both must have it);
    cached."""
    a, b = sorted((bank_a, bank_b))
    key = f"{a}|{b}|{program}"
    cache = _load_cache()
    if key in cache["pairs"]:
        entry = cache["pairs"][key]
        return Similarity(entry["phat"], entry["spectrum_db"], tuple(entry.get("note_phats", ())))
    notes = probe_notes()
    sim = compare(render.render_cached(notes, program, a, PROBE_TAG),
                  render.render_cached(notes, program, b, PROBE_TAG))
    cache = _load_cache()  # another process may have added pairs meanwhile
    cache["pairs"][key] = asdict(sim)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    # Written whole and renamed, so that a parallel fold never reads half a file.
    partial = CACHE.with_name(f"{CACHE.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(cache, indent=1, sort_keys=True))
    os.replace(partial, CACHE)
    return sim


def shared_programs(bank_a: str, bank_b: str, programs) -> list[int]:
    """The programs of ``programs`` that both banks have and play from the same samples."""
    both = set(banks.programs(bank_a)) & set(banks.programs(bank_b))
    return [p for p in programs if p in both and measure(bank_a, bank_b, p).shared]


def excluded_programs(train_bank: str, held_family: str | None, programs) -> list[int]:
    """The programs of ``programs`` that ``train_bank`` must leave out in the fold that holds
    out ``held_family``: those it plays from the same samples as an installed bank of that
    family. None for a bank of the held family itself (it is out already) or no fold."""
    if held_family is None or banks.bank(train_bank).family == held_family:
        return []
    out: set[int] = set()
    for other in banks.family_banks(held_family):
        out |= set(shared_programs(train_bank, other, programs))
    return sorted(out)


def training_programs() -> list[int]:
    """Every program the training uses: the styles' and the sources'."""
    return sorted(set(SOURCE_PROGRAMS) | {s.program for s in STYLES})


def program_label(p: int) -> str:
    for s in STYLES:
        if s.program == p:
            return f"{s.name} ({p})"
    return f"{SOURCE_PROGRAMS.get(p, 'GM')} ({p})"


def similarity_cell(sim: Similarity) -> str:
    """``median peak / distance dB``, with the shared notes' peaks where only part of the range
    is shared."""
    cell = f"{sim.phat:.2f} / {sim.spectrum_db:.1f}"
    if sim.phat < PHAT_SHARED and sim.spectrum_db > SPECTRUM_SHARED_DB:
        notes = ", ".join(f"{p:.2f}" for p in sim.note_phats if p >= PHAT_SHARED)
        cell += f" (notes {notes})"
    return cell


def report(programs: list[int]) -> list[str]:
    """A markdown table of every pair of installed banks of different families that
    share samples of a training program, with both measures."""
    names = [b.name for b in banks.BANKS.values() if banks.available(b.name)]
    lines = [
        "# Shared samples between banks",
        "",
        "Banks of different families that play a program from the same recorded samples "
        "(`chameleon_training.shared_samples`: five probe notes; the same samples when the "
        f"GCC-PHAT peak is at least {PHAT_SHARED}, as the median over the notes or on "
        f"{SHARED_NOTES} notes or more (samples borrowed for part of the range, shown as "
        f"\"notes\"), or when the log-spectrograms are within "
        f"{SPECTRUM_SHARED_DB:g} dB RMS). A leave-one-bank-out fold leaves these programs out of the "
        "other bank's training data too, and the outside-bank evaluation marks the programs it "
        "shares with a training bank. Generated by `python -m chameleon_training.shared_samples "
        "--report docs/model-shared-samples.md`.",
        "",
        "| bank | bank | shared programs (GCC-PHAT peak / spectrogram distance dB) | programs both have, not shared |",
        "| --- | --- | --- | ---: |",
    ]
    for a, b in itertools.combinations(names, 2):
        if banks.bank(a).family == banks.bank(b).family:
            continue
        both = [p for p in programs if p in banks.programs(a) and p in banks.programs(b)]
        sims = {p: measure(a, b, p) for p in both}
        shared = [p for p in both if sims[p].shared]
        if not shared:
            continue
        cells = "; ".join(f"{program_label(p)} {similarity_cell(sims[p])}" for p in shared)
        lines.append(f"| {a} | {b} | {cells} | {len(both) - len(shared)} |")
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", type=Path, default=None, help="write the markdown table here")
    args = ap.parse_args(argv)
    for name in banks.BANKS:
        if banks.bank(name).eval_only and not banks.available(name):
            try:
                banks.fetch(name)
            except Exception as e:  # noqa: BLE001 - a missing evaluation bank only narrows the table
                print(f"{name}: not available ({e})")
    lines = report(training_programs())
    text = "\n".join(lines) + "\n"
    if args.report is not None:
        args.report.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
