"""Measures the Live correction of a model through the Rust engine and writes it into a copy
of the model file (format version 3, ``chameleon_training.live_correction``).

    PYTHONPATH=training training/.venv/bin/python -m eval.fit_live_correction \\
        --model assets/models/chameleon-styles.onnx --out assets/models/chameleon-styles.onnx

Training chorales only (never the evaluation's held-out pieces, nor the five the style
classifier learns from), realised as the evaluation realises its pieces, rendered through
each bank in ``--banks`` for the evaluation's source programs and for every style's own
program. Each source is styled by ``chameleon-render --latency-mode live`` with the model as
it is (its own correction, its attack times and its ensemble depths removed first); per piece, the level-normalised mean log
1/3-octave band power of the output is compared with the true target render's, and the
correction is the mean difference over banks, sources and pieces, clamped to
±``--clamp-db``, then lowered where needed so that no style's correction raises the level of
a flat (white) spectrum (``level_neutral``): the measurement is level-normalised, so only the
balance is measured, and a lift of the top octave must not make broadband input (noise, an
impulse train) louder. The model file in ``--out`` is the input's with the correction added.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from chameleon_training import analysis, attack, banks, ensemble, live_correction, music
from chameleon_training.engine import OnnxStyleModel
from chameleon_training.model import third_octave_matrix
from chameleon_training.styles import EVAL_SOURCE_PROGRAMS, STYLES

from . import metrics
from .evaluate import PIECE_SECONDS, model_output, render_program, split

DEFAULT_BANKS = ("fluidr3", "musescore", "timgm6mb")


def band_centres_hz() -> np.ndarray:
    """The centre of every 1/3-octave band of ``metrics.band_power`` (log-mean of its bins'
    frequencies, the DC band taken as 20 Hz)."""
    member = third_octave_matrix() > 0
    freqs = np.arange(member.shape[1]) * analysis.SAMPLE_RATE / analysis.FFT_SIZE
    return np.array([np.exp(np.mean(np.log(np.maximum(freqs[row], 20.0)))) for row in member])


def level_neutral(centres_hz: np.ndarray, gains_db: np.ndarray) -> np.ndarray:
    """``gains_db`` ``[styles, bands]`` with each row lowered by its power gain on a white
    spectrum at the model's own rate, where that gain is above 0 dB."""
    out = np.array(gains_db, dtype=np.float64)
    for i, row in enumerate(out):
        one_hot = np.eye(len(out))[i]
        g = live_correction.bin_gains((np.asarray(centres_hz), out), one_hot, analysis.FFT_SIZE,
                                      analysis.SAMPLE_RATE)
        white_db = 10 * np.log10(np.mean(g[1:] ** 2))
        row -= max(0.0, white_db)
    return out


def mean_band_levels(audio: np.ndarray, spans) -> np.ndarray:
    """Per piece: the mean over active frames (within 40 dB of the loudest) of the log band
    powers, less their overall mean; averaged over pieces, ``[bands]`` dB."""
    out = []
    for piece in split(audio, spans):
        pb = metrics.band_power(metrics.magnitudes(piece))
        e = pb.sum(axis=1)
        act = e > e.max() * 1e-4
        lp = 10 * np.log10(pb[act] + e.max() * 1e-9)
        out.append((lp - lp.mean()).mean(axis=0))
    return np.mean(out, axis=0)


def fitting_pieces(count: int, seed: int):
    train, _ = music.split_chorales()
    rng = np.random.default_rng(seed)
    chosen = [train[i] for i in rng.choice(len(train), count, replace=False)]
    pieces = [music.realise(music.piece_notes(p), float(rng.uniform(70, 100)), 0, rng,
                            max_seconds=PIECE_SECONDS) for p in chosen]
    return music.concatenate(pieces, gap=1.5)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--version", default=None, help="new chameleon.model_version")
    ap.add_argument("--banks", default=",".join(DEFAULT_BANKS))
    ap.add_argument("--pieces", type=int, default=4)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--clamp-db", type=float, default=9.0)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        # Measure the model without any correction it already carries, and without its attack
        # times and ensemble depths: the correction is for the spectral balance Live's short
        # synthesis span loses; attack softening and the ensemble play alike in both modes and
        # are not the correction's to undo.
        plain = Path(tmp) / "plain.onnx"
        live_correction.write_without(args.model, plain)
        attack.write_without(plain, plain)
        ensemble.write_without(plain, plain)
        model = OnnxStyleModel(plain)
        notes, spans = fitting_pieces(args.pieces, args.seed)
        diffs: dict[str, list[np.ndarray]] = {s: [] for s in model.styles}
        for b in args.banks.split(","):
            have = banks.programs(b)
            sources = {p: render_program(notes, spans, p, b, "live-correction")
                       for p in EVAL_SOURCE_PROGRAMS if p in have}
            for s in STYLES:
                if s.ident not in diffs or s.program not in have:
                    continue
                target = mean_band_levels(render_program(notes, spans, s.program, b, "live-correction"), spans)
                for src in sources.values():
                    out, _ = model_output(src, model, plain, s.ident, "rust", "live")
                    diffs[s.ident].append(target - mean_band_levels(out[:len(src)], spans))
                print(f"{b:10s} {s.ident:13s}", " ".join(f"{v:+.1f}" for v in np.mean(diffs[s.ident], axis=0)),
                      flush=True)
        missing = [k for k, v in diffs.items() if not v]
        if missing:
            raise SystemExit(f"no bank in {args.banks} has the programs of {', '.join(missing)}")
        gains = np.clip(np.array([np.mean(diffs[s], axis=0) for s in model.styles]),
                        -args.clamp_db, args.clamp_db)
        gains = level_neutral(band_centres_hz(), gains)
        live_correction.write_into(args.model, (band_centres_hz(), gains), args.out, args.version)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
