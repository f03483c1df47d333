"""Each style's attack time, fitted to how the training banks' instruments speak.

The attack softener (:mod:`chameleon_training.attack`, ``dsp/src/attack_softener.rs``) lets a
new partial swell in as a one-pole follower of time constant τ: after τ its power has reached
1 − 1/e (63 %) of the level it rises to. This module measures that same point on real notes:
the probe notes of :mod:`chameleon_training.shared_samples` (five notes over three octaves,
velocity 90), rendered through every training bank that has the style's program, each note's
power in 2.7 ms hops from the first hop within 40 dB of its peak to the first hop at 63 % of
it. A bank's rise time is the median over its notes; the style's fitted time is the median over
the banks, each independent instrument counted once (a bank that plays the program from
samples an earlier bank also plays is left out, :func:`shared_samples.measure`).

A leave-one-bank-out fold fits its times without the held-out family, and without the programs
other banks share with that family (:func:`shared_samples.excluded_programs`), as its training
data does, so a fold never learns its held-out instrument's attack.

A style of one's own (:mod:`chameleon_training.own_style`) gets its time fitted the same way:
from the probe notes through its soundfont(s) for ``--program``, or from the notes that start
out of a rest in its recordings for ``--wav-dir``.

The peak a note rises to is the loudest hop of its first 1.2 s, so a held note that grows
louder later (a crescendo within the sample) reads as a slow attack: FluidR3's oboe comes
within about 7 dB of its loudest in 40 ms, then grows on over the next second, and measures
405 ms. ``--attack-ms`` sets a style's time where the fit misreads it.

The bundled model keeps the style table's chosen times: on the folds, the fitted times moved
the envelope distance by less than 1 % and cost a little recognition (docs/model-report.md,
"Attack times fitted to the banks"). ``chameleon_training.export --attack-ms`` writes any set of
times into a model file.

    python -m chameleon_training.attack_fit [--report docs/model-attack-times.md]
"""

from __future__ import annotations

import argparse
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import analysis, banks, render, shared_samples
from .styles import STYLES

#: Hop of the power envelope, samples at :data:`analysis.SAMPLE_RATE` (2.7 ms).
ENVELOPE_HOP = 128
#: A note's onset: its first hop within this many dB of the note's peak power.
ONSET_DB = -40.0
#: The share of the peak power a one-pole follower reaches after one time constant (1 − 1/e).
RISE_SHARE = 1.0 - np.exp(-1.0)
#: How much of each probe note is searched for its peak, seconds from just before its onset.
NOTE_WINDOW_S = 1.2
#: How far before each probe note's start the search begins, seconds.
LEAD_S = 0.02


def hop_power(x: np.ndarray) -> np.ndarray | None:
    """Mean power of each :data:`ENVELOPE_HOP` hop of the mono signal ``x``; None when ``x`` is
    shorter than a hop, silent or not finite."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x) // ENVELOPE_HOP
    if n == 0:
        return None
    power = (x[:n * ENVELOPE_HOP].reshape(n, ENVELOPE_HOP) ** 2).mean(axis=1)
    if not np.isfinite(power).all() or power.max() <= 0:
        return None
    return power


def rise_ms(x: np.ndarray, sr: int = analysis.SAMPLE_RATE) -> float:
    """Time, ms, from a note's onset (its first hop within :data:`ONSET_DB` of the peak power)
    to the first hop at :data:`RISE_SHARE` of the peak, in the mono signal ``x`` that holds the
    note; NaN when ``x`` is silent."""
    power = hop_power(x)
    if power is None:
        return float("nan")
    peak = power.max()
    onset = int(np.argmax(power >= peak * 10 ** (ONSET_DB / 10)))
    rise = int(np.argmax(power >= peak * RISE_SHARE))
    return (rise - onset) * ENVELOPE_HOP / sr * 1e3


def note_rises_ms(audio: np.ndarray, sr: int = analysis.SAMPLE_RATE) -> list[float]:
    """:func:`rise_ms` of each probe note in a (mono) render of
    :func:`shared_samples.probe_notes` (silent notes left out)."""
    out = []
    for i in range(len(shared_samples.PROBE_PITCHES)):
        start = int((shared_samples.PROBE_START_S - LEAD_S + shared_samples.PROBE_SPACING_S * i) * sr)
        r = rise_ms(audio[start:start + int(NOTE_WINDOW_S * sr)], sr)
        if np.isfinite(r):
            out.append(r)
    return out


#: A note in a recording starts where the power rises out of at least this long a quiet
#: stretch, seconds (a rest, or the start of the file).
REST_S = 0.05
#: Quiet: this many dB under the recording's loudest hop.
QUIET_DB = -30.0
#: Isolated note onsets a recording folder needs before its rise time is trusted.
MIN_ONSETS = 3


def recording_rises_ms(x: np.ndarray, sr: int = analysis.SAMPLE_RATE) -> list[float]:
    """:func:`rise_ms` of every note in a recording that starts out of a rest (at least
    :data:`REST_S` of hops :data:`QUIET_DB` under the loudest, or the start of the file):
    each measured over :data:`NOTE_WINDOW_S` from just before it. Notes played legato, with no
    rest before them, are not measured."""
    power = hop_power(x)
    if power is None:
        return []
    quiet = power < power.max() * 10 ** (QUIET_DB / 10)
    rest = max(1, int(round(REST_S * sr / ENVELOPE_HOP)))
    lead = int(round(LEAD_S * sr / ENVELOPE_HOP))
    window = int(round(NOTE_WINDOW_S * sr / ENVELOPE_HOP))
    out = []
    run = rest  # the file starts out of silence
    for i in range(len(power)):
        if quiet[i]:
            run += 1
            continue
        if run >= rest:
            start = max(0, i - lead) * ENVELOPE_HOP
            r = rise_ms(x[start:start + window * ENVELOPE_HOP], sr)
            if np.isfinite(r):
                out.append(r)
        run = 0
    return out


def recordings_attack_ms(recordings: list[np.ndarray], sr: int = analysis.SAMPLE_RATE) -> float | None:
    """The attack time fitted to recordings of a target sound, ms (the median of
    :func:`recording_rises_ms` over every recording, to 1 ms), or None when they hold fewer than
    :data:`MIN_ONSETS` notes that start out of a rest."""
    rises = [r for x in recordings for r in recording_rises_ms(x, sr)]
    if len(rises) < MIN_ONSETS:
        return None
    return float(np.round(np.median(rises)))


@lru_cache(maxsize=None)
def bank_rise_ms(program: int, bank: str) -> float:
    """A bank's rise time for a GM program: the median over the probe notes, ms (renders
    cached with the shared-samples probe's)."""
    audio = render.render_cached(shared_samples.probe_notes(), program, bank, shared_samples.PROBE_TAG)
    rises = note_rises_ms(audio)
    return float(np.median(rises)) if rises else float("nan")


def voting_banks(program: int, hold_out: str | None) -> list[str]:
    """The training banks whose rise times fit ``program``'s attack in the fold holding out
    ``hold_out`` (every training bank for ``None``): those that have it, leave it in their
    training data, and play it from samples no earlier bank of the list plays."""
    out: list[str] = []
    for name in banks.fold_banks(hold_out):
        if program not in banks.programs(name):
            continue
        if program in shared_samples.excluded_programs(name, hold_out, [program]):
            continue
        if any(shared_samples.measure(o, name, program).shared for o in out):
            continue
        out.append(name)
    return out


def fitted_attack_ms(program: int, hold_out: str | None = None) -> float:
    """The attack time fitted for a GM program, ms: the median of :func:`bank_rise_ms` over
    :func:`voting_banks`, to 1 ms; 0 when no bank has it."""
    return program_attack_ms(program, voting_banks(program, hold_out))


def program_attack_ms(program: int, soundfonts: list[str]) -> float:
    """The attack time fitted to a GM program played by the given banks or soundfont files, ms:
    the median of their :func:`bank_rise_ms`, to 1 ms (0 when every render is silent)."""
    rises = [bank_rise_ms(program, sfn) for sfn in soundfonts]
    rises = [r for r in rises if np.isfinite(r)]
    return float(np.round(np.median(rises))) if rises else 0.0


def attack_times(styles: list[str], hold_out: str | None = None) -> list[float]:
    """Fitted attack times for the style identifiers ``styles`` (0 for one the style table does
    not know, a user's own style)."""
    programs = {s.ident: s.program for s in STYLES}
    return [fitted_attack_ms(programs[s], hold_out) if s in programs else 0.0 for s in styles]


def report() -> list[str]:
    """A markdown table: each style's rise time per training bank, the fit over every bank
    (the style table's times) and each fold's fit."""
    names = banks.fold_banks(None)
    families = [f for f in banks.FAMILIES if banks.family_banks(f)]
    lines = [
        "# Attack times",
        "",
        "Each style's attack time (`chameleon.attack_ms`, the time constant of the attack "
        "softener): the time from a note's onset to 63 % of its peak power, on five probe notes "
        "rendered through each training bank (the median over the notes), and the median over the "
        "banks that play the style from samples of their own; a leave-one-bank-out fold's fit "
        "leaves its held-out family out. The bundled model carries the style table's chosen "
        "times (`chameleon_training/styles.py`, last column); docs/model-report.md, \"Attack times "
        "fitted to the banks\", measures the fits on the folds. Generated by "
        "`python -m chameleon_training.attack_fit --report docs/model-attack-times.md`.",
        "",
        "| style | " + " | ".join(names) + " | fit, every bank | " + " | ".join(f"fold {f}" for f in families)
        + " | style table |",
        "| --- | " + " | ".join("---:" for _ in names) + " | ---: | " + " | ".join("---:" for _ in families)
        + " | ---: |",
    ]
    for s in STYLES:
        cells = []
        for b in names:
            if s.program not in banks.programs(b):
                cells.append("-")
                continue
            voted = b in voting_banks(s.program, None)
            r = bank_rise_ms(s.program, b)
            cells.append(f"{r:.0f}" if voted else f"({r:.0f})")
        folds = [f"{fitted_attack_ms(s.program, f):.0f}" for f in families]
        lines.append(f"| {s.name} | " + " | ".join(cells) + f" | **{fitted_attack_ms(s.program):.0f}** | "
                     + " | ".join(folds) + f" | {s.attack_ms:g} |")
    lines += ["", "Times in ms. In brackets: a bank left out of the fit because it plays the "
              "program from samples an earlier bank of the row also plays."]
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--report", type=Path, default=None, help="write the markdown table here")
    args = ap.parse_args(argv)
    text = "\n".join(report()) + "\n"
    if args.report is not None:
        args.report.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
