"""Ensemble voices (model format version 5), as the Rust engine's ``ensemble`` module applies
them, and how the styles' ensemble depths are written into a model file.

A section of players is never in tune with itself: each player's partials sit a few cents
from the others', and their sum beats slowly. ``chameleon.ensemble`` holds one depth per style
(0 to 1, comma-separated; 0 leaves the style alone). The engine adds to every output bin
``VOICES`` copies of itself, copy ``k`` turning by ``2π · f_bin · (2^(c_k / 1200) − 1)`` rad
per second (``f_bin`` the bin's centre frequency, ``c_k = VOICE_CENTS[k]``), so that a
partial in the bin beats against a copy detuned by ``c_k`` cents, at the rate a detuned player
would, higher partials faster. Copy ``k`` of bin ``b`` starts at the phase
``2π · frac(b · GOLDEN + k / VOICES + channel · CHANNEL_OFFSET)``, so that the bins, the copies
and the two channels of a stereo pair do not beat together (the pair gains width); the phase at
frame ``t`` is the start plus ``t`` hops' turns. Copies belong to held partials, not to
onsets (a click's copies are its energy smeared over the window): a follower per bin rises
towards the bin's power with the time constant ``SWELL_MS`` and falls with it at once, and the
bin's copies are weighted by ``s = follower / power``. The copies' gain is ``g = s · d ·
VOICE_GAIN`` with the style mix's depth ``d`` (the style weights' mean of the styles' depths),
and the sum is divided by ``sqrt(1 + VOICES · g²)``, which keeps each bin's mean power. A
silent frame resets the followers. A depth of 0 leaves the spectra exactly as they were. See
``dsp/src/ensemble.rs`` and ``docs/model-format.md``.

    python -m chameleon_training.ensemble MODEL OUT [--version V]   # the style table's depths
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import model_file
from .rise_follower import held_shares

KEY = "chameleon.ensemble"
#: The format version that carries the ensemble depths.
FORMAT_VERSION = 5
#: Detune of each copy, cents (``ensemble::VOICE_CENTS``).
VOICE_CENTS = (7.0, -11.0, 4.0)
#: Number of copies.
VOICES = len(VOICE_CENTS)
#: Gain of each copy at depth 1 (``ensemble::VOICE_GAIN``).
VOICE_GAIN = 0.6
#: Start phase step from bin to bin, turns (the golden ratio's fraction).
GOLDEN = 0.6180339887498949
#: Start phase offset between channels, turns.
CHANNEL_OFFSET = 0.37
#: Time constant over which a new partial's copies swell in, ms (``ensemble::SWELL_MS``).
SWELL_MS = 100.0


def parse(meta: dict[str, str]) -> np.ndarray | None:
    """Each style's ensemble depth from a model's metadata, or None."""
    return model_file.parse_per_style(meta, KEY)


def table_depths(styles: list[str]) -> list[float]:
    """The ensemble depths of the style table (:data:`styles.STYLES`) for ``styles``; 0 for a
    style the table does not know (a user's own style)."""
    return model_file.table_values(styles, "ensemble")


def value(depths) -> str:
    """The metadata value: each depth to 0.01, clamped to ``0..1``."""
    return ",".join(f"{v:.2f}" for v in np.clip(np.asarray(depths, dtype=np.float64), 0.0, 1.0))


def mix_depth(depths: np.ndarray, style_vec: np.ndarray) -> float:
    """The depth of a style mix (normalised weights): the weights' mean of the depths."""
    return float(np.dot(np.asarray(depths, dtype=np.float64), np.asarray(style_vec, dtype=np.float64)))


def gains(fft_size: int, hop: int, frames: int, channel: int = 0) -> np.ndarray:
    """``[frames, bins]`` sums of the copies' unit phasors, ``Σ_k exp(i φ_k,b(t))``, for frames
    ``0..frames`` since the stream's start (phases in turns, reduced as the Rust engine does)."""
    bins = np.arange(fft_size // 2 + 1, dtype=np.float64)
    t = np.arange(frames, dtype=np.float64)[:, None]
    total = np.zeros((frames, len(bins)), dtype=np.complex128)
    for k, cents in enumerate(VOICE_CENTS):
        start = np.mod(bins * GOLDEN + k / VOICES, 1.0)
        step = bins * (2.0 ** (cents / 1200.0) - 1.0) * hop / fft_size
        turns = np.mod(start[None, :] + channel * CHANNEL_OFFSET + np.mod(t * step[None, :], 1.0), 1.0)
        total += np.exp(2j * np.pi * turns)
    return total


def apply(spec: np.ndarray, depth: float, fft_size: int, hop: int, sample_rate: int,
          active: np.ndarray | None = None, channel: int = 0) -> np.ndarray:
    """Adds the ensemble copies to output spectra ``[frames, bins]`` (frame 0 the stream's
    first) at ``depth``; frames where ``active`` is False are silent hops (followers reset,
    output unchanged). Unchanged at depth 0."""
    if not depth > 0:
        return spec
    depth = min(float(depth), 1.0)
    copies = gains(fft_size, hop, len(spec), channel)
    a = 1.0 - np.exp(-hop / (sample_rate * SWELL_MS * 1e-3))
    out = np.array(spec, copy=True)
    for t, held in held_shares(np.abs(spec) ** 2, a, active):
        g = held * depth * VOICE_GAIN
        out[t] *= (1.0 + g * copies[t]) / np.sqrt(1.0 + VOICES * g ** 2)
    return out


def write_into(model_path: Path, depths, out: Path, version: str | None = None) -> None:
    """Copies the model at ``model_path`` to ``out`` with ``depths`` (one per style) in its
    metadata (format version 5) and, when given, a new ``chameleon.model_version``."""
    model_file.write_per_style(model_path, out, KEY, list(depths), value(depths), FORMAT_VERSION, version)


def write_without(model_path: Path, out: Path) -> None:
    """Copies the model at ``model_path`` to ``out`` without ensemble depths."""
    model_file.write_without(model_path, out, KEY)


def main(argv=None) -> None:
    model_file.per_style_main(argv, __doc__, "depths", "depths, 0..1", table_depths, write_into)


if __name__ == "__main__":
    main()
