"""The Live correction (model format version 3), as the Rust engine's ``live_correction``
module applies it, and how it is written into a model file.

Per style, a gain in dB at each band centre (``chameleon.live_correction_hz``: comma-separated
Hz; ``chameleon.live_correction_db``: one ``;``-separated row per style of comma-separated dB).
Where the synthesis span is at most half the frame (Live), each output spectrum is multiplied
by the style mix's gain: interpolated linearly over log frequency to every bin, flat outside
the outermost centres, blended in dB by the normalised style weights. Studio never applies it.
``eval/fit_live_correction.py`` measures it; see ``dsp/src/live_correction.rs``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import model_file
from . import phase as phase_mod

HZ_KEY = "chameleon.live_correction_hz"
DB_KEY = "chameleon.live_correction_db"
#: Largest correction a band may ask for, dB either way (``live_correction::MAX_GAIN_DB``).
MAX_GAIN_DB = 24.0
#: The format version that carries the correction.
FORMAT_VERSION = "3"


def applies_at(fft_size: int, synthesis_len: int) -> bool:
    """Whether the correction applies: where generated phase does not run (Live)."""
    return not phase_mod.runs_at(fft_size, synthesis_len)


def parse(meta: dict[str, str]) -> tuple[np.ndarray, np.ndarray] | None:
    """``(centres_hz [bands], gains_db [styles, bands])`` from a model's metadata, or None."""
    if HZ_KEY not in meta:
        return None
    centres = np.array([float(v) for v in meta[HZ_KEY].split(",")], dtype=np.float32)
    gains = np.array([[float(v) for v in row.split(",")] for row in meta[DB_KEY].split(";")],
                     dtype=np.float32)
    return centres, gains


def values(centres_hz, gains_db) -> dict[str, str]:
    """The two metadata values for a correction: centres to 0.1 Hz, gains to 0.01 dB, clamped
    to ±``MAX_GAIN_DB``."""
    c = np.asarray(centres_hz, dtype=np.float64)
    g = np.clip(np.asarray(gains_db, dtype=np.float64), -MAX_GAIN_DB, MAX_GAIN_DB)
    return {HZ_KEY: ",".join(f"{v:.1f}" for v in c),
            DB_KEY: ";".join(",".join(f"{v:.2f}" for v in row) for row in g)}


def bin_gains(correction: tuple[np.ndarray, np.ndarray], style_vec: np.ndarray, fft_size: int,
              sample_rate: float) -> np.ndarray:
    """The amplitude gain per bin ``[fft_size // 2 + 1]`` for normalised style weights."""
    centres, gains = correction
    freqs = np.arange(fft_size // 2 + 1) * sample_rate / fft_size
    log_f = np.log(np.clip(freqs, centres[0], centres[-1]))
    per_style = np.array([np.interp(log_f, np.log(centres), row) for row in gains])
    db = np.asarray(style_vec, dtype=np.float64) @ per_style
    return 10.0 ** (db / 20.0)


def write_into(model_path: Path, correction: tuple[np.ndarray, np.ndarray], out: Path,
               version: str | None = None) -> None:
    """Copies the model at ``model_path`` to ``out`` with ``correction`` in its metadata (format
    version 3) and, when given, a new ``chameleon.model_version``."""
    centres, gains = correction

    def edit(meta: dict[str, str]) -> dict[str, str]:
        styles = meta["chameleon.styles"].split(",")
        if np.asarray(gains).shape != (len(styles), len(centres)):
            raise ValueError(f"correction of shape {np.asarray(gains).shape} for {len(styles)} "
                             f"styles and {len(centres)} bands")
        meta.update(values(centres, gains))
        model_file.at_least_version(meta, int(FORMAT_VERSION))
        if version is not None:
            meta["chameleon.model_version"] = version
        return meta

    model_file.rewrite_metadata(model_path, out, edit)


def write_without(model_path: Path, out: Path) -> None:
    """Copies the model at ``model_path`` to ``out`` without any Live correction."""
    model_file.write_without(model_path, out, HZ_KEY, DB_KEY)
