"""Writes the evaluation's held-out renders as WAV files, for measures that run outside the
pinned training venv (the note transcription of :mod:`eval.transcription`).

    PYTHONPATH=training training/.venv/bin/python -m eval.held_out_renders \
        --out training/runs/renders --bank timgm6mb --pieces 3

(``training/scripts/notes-kept.sh`` runs it and then :mod:`eval.transcription`.)

The renders are the ones :mod:`eval.evaluate` scores: the held-out chorales (20 s each at
80 bpm, 1.5 s apart) played by every evaluation source (the bank's piano, saw lead and steel
guitar, and the recorded Salamander piano), the true target render of every style through the
bank, and the model's output for every (source, style) through the Rust engine (or the Python
reference engine), time-aligned with its source; with ``--match-eq`` also the match-EQ
baseline's output for every (source, style), each piece equalised on its own as
:mod:`eval.evaluate` does. Every file is one mono 48 kHz float WAV of the
whole stream; ``manifest.json`` beside them lists the files, the pieces' spans and the score.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import soundfile as sf

from chameleon_training import banks, render
from chameleon_training.engine import OnnxStyleModel
from chameleon_training.styles import STYLES

from . import evaluate, metrics

REPO = Path(__file__).resolve().parents[2]
SR = evaluate.SR
MANIFEST = "manifest.json"


def write_wav(path: Path, audio: np.ndarray) -> str:
    """Writes mono float audio at 48 kHz; returns the file's name (relative to its folder)."""
    sf.write(str(path), np.asarray(audio, dtype=np.float32), SR, subtype="FLOAT")
    return path.name


def score_rows(notes) -> list[list[float]]:
    """The score as ``[onset s, offset s, MIDI pitch]`` rows, in onset order."""
    return [[n.start, n.start + n.duration, n.pitch] for n in sorted(notes, key=lambda n: (n.start, n.pitch))]


def model_styles(model: OnnxStyleModel):
    """The model's styles, in its order."""
    return [next(s for s in STYLES if s.ident == ident) for ident in model.styles]


def chosen_styles(model: OnnxStyleModel, bank: str, only: list[str] | None):
    """The model's styles that ``bank`` can render as targets (all, or those in ``only``)."""
    have = banks.programs(bank)
    styles = [s for s in model_styles(model) if s.program in have]
    if only:
        unknown = set(only) - {s.ident for s in styles}
        if unknown:
            raise SystemExit(f"styles not in the model or not in bank {bank}: {sorted(unknown)}")
        styles = [s for s in styles if s.ident in only]
    return styles


def chosen_sources(bank: str, only: list[str] | None) -> list[tuple[str, int]]:
    """The evaluation's (bank, program) sources, all or those whose ``bank:program`` key is in
    ``only``."""
    sources = evaluate.eval_sources(bank)
    if only:
        sources = [(b, p) for b, p in sources if f"{b}:{p}" in only]
    return sources


def match_eq_stream(stream: np.ndarray, spans, style_power: np.ndarray) -> np.ndarray:
    """The match-EQ baseline of ``stream`` for one style: every piece (with its tail) equalised
    on its own towards ``style_power`` (1/3-octave band powers), silence between pieces."""
    out = np.zeros_like(stream)
    for (a, _), piece in zip(spans, evaluate.split(stream, spans)):
        gain = metrics.match_eq_gain(metrics.magnitudes(piece), style_power)
        start = int(a * SR)
        out[start:start + len(piece)] = metrics.apply_static_gain(piece, gain)[: len(piece)]
    return out


def write_renders(out_dir: Path, model_path: Path, bank: str, n_pieces: int, engine: str = "rust",
                  latency_mode: str = "studio", only_styles: list[str] | None = None,
                  only_sources: list[str] | None = None, match_eq: bool = False) -> dict:
    """Renders sources, true targets and model outputs (and with ``match_eq`` the match-EQ
    baseline's) into ``out_dir``; returns the manifest (also written as
    ``out_dir/manifest.json``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model = OnnxStyleModel(model_path)
    styles = chosen_styles(model, bank, only_styles)
    if match_eq:
        every = model_styles(model)
        powers = evaluate.style_mean_powers(every, render.CACHE_DIR, evaluate.default_hold_out(bank))
        style_power = {s.ident: powers[every.index(s)] for s in styles}
    notes, spans, names = evaluate.eval_stream(n_pieces)
    manifest = dict(model=str(model_path), bank=bank, engine=engine, latency_mode=latency_mode,
                    sample_rate=SR, pieces=names, spans=[list(s) for s in spans],
                    score=score_rows(notes), sources=[], targets={}, outputs=[])
    for s in styles:
        target = evaluate.render_program(notes, spans, s.program, bank, "eval")
        manifest["targets"][s.ident] = write_wav(out_dir / f"target-{bank}-{s.ident}.wav", target)
        print(f"target {s.ident}", flush=True)
    for src_bank, program in chosen_sources(bank, only_sources):
        key = f"{src_bank}:{program}"
        stream = evaluate.render_program(notes, spans, program, src_bank, "eval")
        wav = write_wav(out_dir / f"source-{src_bank}-p{program}.wav", stream)
        manifest["sources"].append(dict(key=key, name=evaluate.source_name(src_bank, program), wav=wav))
        for s in styles:
            out, lag = evaluate.model_output(stream, model, model_path, s.ident, engine, latency_mode)
            wav = write_wav(out_dir / f"model-{src_bank}-p{program}-{s.ident}.wav", out[: len(stream)])
            entry = dict(source=key, style=s.ident, wav=wav, lag=lag)
            if match_eq:
                entry["match_eq"] = write_wav(out_dir / f"matcheq-{src_bank}-p{program}-{s.ident}.wav",
                                              match_eq_stream(stream, spans, style_power[s.ident]))
            manifest["outputs"].append(entry)
            print(f"model {key} {s.ident} (lag {lag})", flush=True)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def comma_list(text: str | None) -> list[str] | None:
    """``"a,b"`` as ``["a", "b"]``; None for no text."""
    return [t for t in text.split(",") if t] if text else None


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder for the WAV files and manifest.json")
    ap.add_argument("--model", type=Path, default=REPO / "assets/models/chameleon-styles.onnx")
    ap.add_argument("--engine", choices=["rust", "python"], default="rust")
    ap.add_argument("--latency-mode", choices=["studio", "live"], default="studio")
    ap.add_argument("--bank", default="timgm6mb", help="the bank the targets and sources are rendered through")
    ap.add_argument("--pieces", type=int, default=3, help="held-out chorales (20 s each)")
    ap.add_argument("--styles", default=None, help="comma-separated style identifiers (default: all)")
    ap.add_argument("--sources", default=None,
                    help="comma-separated source keys BANK:PROGRAM, e.g. timgm6mb:0,recorded:0 (default: all)")
    ap.add_argument("--match-eq", action="store_true",
                    help="also write the match-EQ baseline's output for every (source, style)")
    args = ap.parse_args(argv)
    return write_renders(args.out, args.model, args.bank, args.pieces, args.engine, args.latency_mode,
                         comma_list(args.styles), comma_list(args.sources), args.match_eq)


if __name__ == "__main__":
    main()
