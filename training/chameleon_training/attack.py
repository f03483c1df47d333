"""Attack softening (model format version 4), as the Rust engine's ``attack_softener`` module
applies it, and how the styles' attack times are written into a model file.

``chameleon.attack_ms`` holds one attack time per style (comma-separated milliseconds). Each
output spectrum's bin powers are smoothed over ``SMOOTHING_BINS`` bins either side (a box,
zeros beyond the ends); a follower per bin rises towards that power as a one-pole filter with
the style mix's attack time constant (the style weights' mean of the styles' times) and falls
with it at once; the bin's gain is ``sqrt(follower / power)``, never above 1. A silent hop (one
the engine does not run the model for) resets the followers to zero. See
``dsp/src/attack_softener.rs`` and ``docs/model-format.md``.

    python -m chameleon_training.attack MODEL OUT [--version V]   # the style table's times
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import model_file
from .rise_follower import held_shares

KEY = "chameleon.attack_ms"
#: The format version that carries the attack times.
FORMAT_VERSION = 4
#: Bins either side that each bin's power is smoothed over (``attack_softener::SMOOTHING_BINS``).
SMOOTHING_BINS = 2
#: Longest attack time a style may declare, ms (``attack_softener::MAX_ATTACK_MS``).
MAX_ATTACK_MS = 1000.0


def parse(meta: dict[str, str]) -> np.ndarray | None:
    """Each style's attack time in ms from a model's metadata, or None."""
    return model_file.parse_per_style(meta, KEY)


def table_attack_ms(styles: list[str]) -> list[float]:
    """The attack times of the style table (:data:`styles.STYLES`) for ``styles``; 0 for a
    style the table does not know (a user's own style)."""
    return model_file.table_values(styles, "attack_ms")


def value(attack_ms) -> str:
    """The metadata value: each time to 0.1 ms, clamped to ``0..MAX_ATTACK_MS``."""
    return ",".join(f"{v:.1f}" for v in np.clip(np.asarray(attack_ms, dtype=np.float64), 0.0, MAX_ATTACK_MS))


def coefficient(attack_ms: float, hop_seconds: float) -> float:
    """The follower's share of a rise taken per hop, ``1 - exp(-hop / tau)``; 1 for no time."""
    if attack_ms > 0 and np.isfinite(attack_ms):
        return float(1.0 - np.exp(-hop_seconds / (attack_ms * 1e-3)))
    return 1.0


def mix_attack_ms(attack_ms: np.ndarray, style_vec: np.ndarray) -> float:
    """The attack time of a style mix (normalised weights): the weights' mean of the times."""
    return float(np.dot(np.asarray(attack_ms, dtype=np.float64), np.asarray(style_vec, dtype=np.float64)))


def apply(spec: np.ndarray, a: float, active: np.ndarray | None = None) -> np.ndarray:
    """Softens the rises of output spectra ``[frames, bins]`` with follower coefficient ``a``;
    frames where ``active`` is False are silent hops (followers reset, output unchanged)."""
    if a >= 1.0:
        return spec
    out = np.array(spec, copy=True)
    power = np.abs(out) ** 2
    width = 2 * SMOOTHING_BINS + 1
    kernel = np.ones(width)
    smoothed = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 1, power) / width
    for t, held in held_shares(smoothed, a, active):
        out[t] *= np.sqrt(held)
    return out


def write_into(model_path: Path, attack_ms, out: Path, version: str | None = None) -> None:
    """Copies the model at ``model_path`` to ``out`` with ``attack_ms`` (one per style) in its
    metadata (format version 4) and, when given, a new ``chameleon.model_version``."""
    model_file.write_per_style(model_path, out, KEY, list(attack_ms), value(attack_ms), FORMAT_VERSION,
                               version)


def write_without(model_path: Path, out: Path) -> None:
    """Copies the model at ``model_path`` to ``out`` without attack times."""
    model_file.write_without(model_path, out, KEY)


def main(argv=None) -> None:
    model_file.per_style_main(argv, __doc__, "attack-ms", "times, ms", table_attack_ms, write_into)


if __name__ == "__main__":
    main()
