"""Evaluates a model file on held-out chorales rendered through a held-out bank and writes
docs/model-report.md with its tables and spectrogram plots (``eval.folds`` runs it once per
leave-one-bank-out fold).

    training/scripts/evaluate.sh            # builds nothing; uses target/release/chameleon-render
    PYTHONPATH=training training/.venv/bin/python -m eval.evaluate \
        --model assets/models/chameleon-styles.onnx --report docs/model-report.md

For every style, source program and piece it compares with the true target render:
(a) the source unchanged, (b) a match-EQ baseline, (c) the neural model through the Rust
engine (``chameleon-render``; ``--engine python`` uses the Python reference engine instead).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from chameleon_training import analysis, banks, data as data_mod, music, render, shared_samples
from chameleon_training.engine import OnnxStyleModel, process_audio
from chameleon_training.styles import EVAL_SOURCE_PROGRAMS, SOURCE_PROGRAMS, STYLES

from . import metrics, rust_engine
from .classifier import StyleClassifier, chunk_features, two_sample_accuracy

REPO = Path(__file__).resolve().parents[2]
SR = analysis.SAMPLE_RATE
PIECE_SECONDS = 20.0
EVAL_BPM = 80.0
AUDIO_SECONDS = 5.0


def program_name(p: int) -> str:
    for s in STYLES:
        if s.program == p:
            return s.name
    return SOURCE_PROGRAMS.get(p, f"GM {p}")


def source_name(bank_name: str, p: int) -> str:
    """What the report calls a source: the program, and the bank when it is a recording."""
    b = banks.bank(bank_name)
    if b.recorded:
        from chameleon_training.sampler import INSTRUMENTS

        return f"{INSTRUMENTS[p].name} (recorded)"
    return f"{program_name(p)} ({bank_name})"


def eval_sources(bank_name: str) -> list[tuple[str, int]]:
    """(bank, program) of every evaluation source: the held-out bank's piano, saw lead and
    steel guitar where it has them, and the recorded Salamander piano."""
    have = banks.programs(bank_name)
    out = [(bank_name, p) for p in EVAL_SOURCE_PROGRAMS if p in have]
    if bank_name != "recorded" and banks.available("recorded"):
        out.append(("recorded", 0))
    return out


def eval_stream(n_pieces: int):
    """Held-out chorales, 20 s each at 80 bpm, concatenated; (notes, spans, names)."""
    _, held = music.split_chorales()
    rng = np.random.default_rng(5)
    chosen = held[:n_pieces]
    pieces = [music.realise(music.piece_notes(p), EVAL_BPM, 0, rng, velocity=85, jitter=8,
                            max_seconds=PIECE_SECONDS) for p in chosen]
    notes, spans = music.concatenate(pieces, gap=1.5)
    return notes, spans, [Path(p).stem for p in chosen]


def split(audio: np.ndarray, spans, tail: float = 0.5) -> list[np.ndarray]:
    return [audio[int(a * SR):min(len(audio), int((b + tail) * SR))] for a, b in spans]


def render_program(notes, spans, program: int, soundfont: str, tag: str) -> np.ndarray:
    audio = render.render_cached(notes, program, soundfont, tag)
    return data_mod.normalise_pieces(audio, spans, SR)


def model_output(src_stream: np.ndarray, model: OnnxStyleModel, model_path: Path, style: str,
                 engine: str = "rust", latency_mode: str = "studio") -> tuple[np.ndarray, int | None]:
    """The model's output for ``style`` on a mono source stream, time-aligned with it and at
    least as long (zero-padded); and the Rust engine's latency in samples (found by
    cross-correlating its first 10 s with the Python reference engine), None for ``engine``
    "python", whose output is aligned already."""
    if engine == "rust":
        out, _ = rust_engine.render(src_stream, model_path, style, extra_args=("--latency-mode", latency_mode))
        out = out if out.ndim == 1 else out.mean(axis=1)
        ref = process_audio(model, src_stream[: SR * 10], style)
        lag = rust_engine.best_lag(out[: SR * 10 + 4096], ref)
        out = out[lag:]
    else:
        out, lag = process_audio(model, src_stream, style), None
    return np.pad(out, (0, max(0, len(src_stream) - len(out)))), lag


def default_hold_out(bank: str) -> str | None:
    """The family whose banks the match-EQ curves leave out when evaluating on ``bank``: its
    own family, or none for an evaluation-only bank (no model trains on it)."""
    b = banks.bank(bank)
    return None if b.eval_only else b.family


def style_mean_powers(styles, cache: Path, hold_out: str | None) -> np.ndarray:
    """Average power spectrum of every style over the training data of the fold that holds
    out ``hold_out`` (the match-EQ baseline's target curve), ``[styles, bins]``; cached."""
    # The fold's training data leaves out shared samples (:mod:`shared_samples`), and so do these.
    key = cache / f"style_mean_power-{hold_out or 'none'}-shared{shared_samples.PROBE_VERSION}.npz"
    programs = [s.program for s in styles]
    if key.exists():
        z = np.load(key)
        if list(z["programs"]) == programs:
            return z["power"]
    from chameleon_training.train import build_data, mean_power, parse_args

    argv = ["--out", str(cache / "unused")]
    if hold_out is not None:
        argv += ["--hold-out", hold_out]
    data, _ = build_data(parse_args(argv), styles, progress=True, lazy=True)
    acc = np.array([mean_power(data, [p]) for p in programs])
    np.savez(key, power=acc, programs=np.array(programs))
    return acc


def train_classifier(styles, cache: Path, evaluated: str) -> tuple[StyleClassifier, float]:
    """Classifier trained on target renders of five training chorales through every installed
    training bank that has the style, and through the ``evaluated`` bank (pieces disjoint from
    the evaluation pieces). Evaluation-only banks other than ``evaluated`` stay out, so that
    fetching one changes no other evaluation."""
    train, _ = music.split_chorales()
    rng = np.random.default_rng(11)
    chosen = [train[i] for i in rng.choice(len(train), 5, replace=False)]
    pieces = [music.realise(music.piece_notes(p), float(rng.uniform(70, 100)), 0, rng,
                            max_seconds=PIECE_SECONDS) for p in chosen]
    notes, spans = music.concatenate(pieces, gap=1.5)
    xs, ys = [], []
    heard = [b for b in banks.BANKS
             if banks.available(b) and (not banks.BANKS[b].eval_only or b == evaluated)]
    for sf_name in heard:
        for k, s in enumerate(tqdm(styles, desc=f"classifier data {sf_name}", leave=False)):
            if s.program not in banks.programs(sf_name):
                continue
            audio = render_program(notes, spans, s.program, sf_name, "clf")
            for piece in split(audio, spans):
                f = chunk_features(metrics.magnitudes(piece))
                xs.append(f)
                ys.append(np.full(len(f), k))
    clf = StyleClassifier(len(styles))
    acc = clf.fit(np.concatenate(xs), np.concatenate(ys))
    return clf, acc


def plot_spectrograms(path: Path, panels: list[tuple[str, np.ndarray]], title: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 2.9), sharey=True)
    top = max(20 * np.log10(np.abs(m).max() + 1e-9) for _, m in panels)
    for ax, (name, mag) in zip(axes, panels):
        keep = int(12000 * analysis.FFT_SIZE / SR)
        db = 20 * np.log10(mag[:, :keep].T + 1e-9)
        seconds = mag.shape[0] * analysis.HOP / SR
        ax.imshow(db, origin="lower", aspect="auto", vmin=top - 70, vmax=top, cmap="magma",
                  extent=(0, seconds, 0, 12), interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("time (s)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0].set_ylabel("frequency (kHz)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=REPO / "assets/models/chameleon-styles.onnx")
    ap.add_argument("--engine", choices=["rust", "python"], default="rust")
    ap.add_argument("--latency-mode", choices=["studio", "live"], default="studio",
                    help="the Rust engine's latency mode (chameleon-render --latency-mode)")
    ap.add_argument("--pieces", type=int, default=6)
    ap.add_argument("--bank", default=render.EVAL_SOUNDFONT,
                    help="the held-out bank the targets and sources are rendered through")
    ap.add_argument("--hold-out", default=None,
                    help="the model's held-out family, for the match-EQ curves (default: the "
                         "--bank's family, or 'none' for an evaluation-only bank; 'none' for a "
                         "model trained on every bank)")
    ap.add_argument("--report", type=Path, default=None, help="write the markdown report here")
    ap.add_argument("--json", type=Path, default=None, help="write all numbers here")
    ap.add_argument("--img-dir", type=Path, default=REPO / "docs/img")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--audio-dir", type=Path, default=None, help="write short example clips (FLAC) here")
    ap.add_argument("--checkpoint", type=Path, default=None,
                    help="the model's PyTorch checkpoint (for the model card's size and training facts)")
    ap.add_argument("--model-card", type=Path, default=None, help="write the model card here")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    cache = render.CACHE_DIR
    cache.mkdir(parents=True, exist_ok=True)
    t_start = time.time()

    model = OnnxStyleModel(args.model)
    sf_name = args.bank
    banks.fetch(sf_name)
    hold_out = default_hold_out(sf_name) if args.hold_out is None else args.hold_out
    hold_out = None if hold_out == "none" else hold_out
    have = banks.programs(sf_name)
    model_styles = [next(s for s in STYLES if s.ident == ident) for ident in model.styles]
    styles = [s for s in model_styles if s.program in have]
    notes, spans, names = eval_stream(args.pieces)
    targets = {s.ident: split(render_program(notes, spans, s.program, sf_name, "eval"), spans)
               for s in tqdm(styles, desc="render targets")}
    source_list = eval_sources(sf_name)
    sources = {f"{b}:{p}": render_program(notes, spans, p, b, "eval") for b, p in source_list}
    first_source = next(iter(sources))
    all_power = style_mean_powers(model_styles, cache, hold_out)
    style_power = np.array([all_power[model_styles.index(s)] for s in styles])
    clf, clf_train_acc = train_classifier(model_styles, cache, sf_name)

    rows = []  # one per (source, style, piece)
    # Chunk features per (piece, kind) for the realism test: true targets, model, match-EQ.
    realism: dict[str, list[tuple[str, np.ndarray]]] = {"target": [], "model": [], "match_eq": []}
    lag_report = {}
    examples = {}
    audio_examples = {}
    for p, src_stream in sources.items():
        src_pieces = split(src_stream, spans)
        src_mags = [metrics.magnitudes(x) for x in src_pieces]
        for k, s in enumerate(tqdm(styles, desc=f"evaluate {p}")):
            out, lag = model_output(src_stream, model, args.model, s.ident, args.engine, args.latency_mode)
            if lag is not None:
                lag_report[f"{p}-{s.ident}"] = lag
            out_pieces = split(out, spans)
            for i, (x, xm, y, t) in enumerate(zip(src_pieces, src_mags, out_pieces, targets[s.ident])):
                tm = metrics.magnitudes(t)
                ym = metrics.magnitudes(y)
                eq = metrics.apply_static_gain(x, metrics.match_eq_gain(xm, style_power[k]))
                em = metrics.magnitudes(eq)
                row = dict(source=p, style=s.ident, piece=names[i])
                for kind, m, audio in (("identity", xm, x), ("match_eq", em, eq), ("model", ym, y)):
                    row[f"lsd_{kind}"] = metrics.lsd(m, tm)
                    row[f"env_{kind}"] = metrics.envelope_lsd(m, tm)
                    row[f"envdc_{kind}"] = metrics.envelope_lsd(m, tm, metrics.ENVELOPE_BANDS_WITH_DC)
                    pred = clf.predict(chunk_features(m))
                    row[f"clf_{kind}"] = float(np.mean(pred == model_styles.index(s))) if len(pred) else float("nan")
                    # What the chunks were taken for: a count per style, in the model's order.
                    row[f"clf_{kind}_counts"] = np.bincount(pred, minlength=len(model_styles)).tolist()
                    row[f"chroma_{kind}"] = metrics.chroma_correlation(x, audio)
                realism["target"].append((names[i], chunk_features(tm)))
                realism["model"].append((names[i], chunk_features(ym)))
                realism["match_eq"].append((names[i], chunk_features(em)))
                pred = clf.predict(chunk_features(tm))
                row["clf_target"] = float(np.mean(pred == model_styles.index(s))) if len(pred) else float("nan")
                row["chroma_target"] = metrics.chroma_correlation(x, t)
                rows.append(row)
                if i == 0 and p == first_source:
                    examples[s.ident] = (xm, em, ym, tm)
                    audio_examples[s.ident] = (x, y, t)

    # Morph sanity: long-term 1/3-octave spectra of morph 0.5 against its two endpoints.
    morphs = []
    pairs = [("strings", "flute"), ("trumpet", "choir"), ("cello", "nylon_guitar"),
             ("church_organ", "clarinet")]
    src = sources[first_source][: SR * 40]
    def longterm(a):
        m = metrics.magnitudes(a)
        act = metrics.active_frames(m)
        pb = np.mean(metrics.band_power(m[act]), axis=0)
        return 10 * np.log10(pb / pb.sum() + 1e-12)
    for a, b in pairs:
        if a not in model.styles or b not in model.styles:
            continue
        la = longterm(process_audio(model, src, a))
        lb = longterm(process_audio(model, src, b))
        lm = longterm(process_audio(model, src, {a: 0.5, b: 0.5}))
        ab = lb - la
        lam = float(np.dot(lm - la, ab) / np.dot(ab, ab))
        off = float(np.linalg.norm(lm - la - lam * ab) / np.linalg.norm(ab))
        morphs.append(dict(a=a, b=b, position=lam, off_line=off,
                           dist_a=float(np.sqrt(np.mean((lm - la) ** 2))),
                           dist_b=float(np.sqrt(np.mean((lm - lb) ** 2))),
                           dist_ab=float(np.sqrt(np.mean(ab ** 2)))))

    args.img_dir.mkdir(parents=True, exist_ok=True)
    imgs = []
    for ident in ("strings", "trumpet", "flute", "choir"):
        if ident not in examples:
            continue
        xm, em, ym, tm = examples[ident]
        n = min(len(xm), SR * 6 // analysis.HOP)
        path = args.img_dir / f"model-spectrogram-{ident}.png"
        name = next(s.name for s in styles if s.ident == ident)
        plot_spectrograms(path, [("source (piano)", xm[:n]), ("match-EQ", em[:n]),
                                 ("model (Rust engine)" if args.engine == "rust" else "model", ym[:n]),
                                 (f"target ({name})", tm[:n])],
                          f"{names[0]}, piano -> {name}, held-out soundfont")
        imgs.append(path)

    clips = []
    if args.audio_dir is not None:
        import soundfile as sf
        args.audio_dir.mkdir(parents=True, exist_ok=True)
        n = int(AUDIO_SECONDS * SR)
        fade = np.linspace(1.0, 0.0, int(0.2 * SR))
        def write(name, a):
            a = np.array(a[:n], dtype=np.float64)
            a[-len(fade):] *= fade
            a *= 0.5 / max(np.max(np.abs(a)), 1e-9)
            path = args.audio_dir / name
            sf.write(str(path), a.astype(np.float32), SR, subtype="PCM_16", format="FLAC")
            return str(path)
        first = next(iter(audio_examples.values()), None)
        if first is not None:
            clips.append(("source (piano)", write("source-piano.flac", first[0])))
        for ident in ("strings", "trumpet", "flute", "choir"):
            if ident in audio_examples:
                x, y, t = audio_examples[ident]
                clips.append((f"{ident}: model", write(f"{ident}-model.flac", y)))
                clips.append((f"{ident}: target", write(f"{ident}-target.flac", t)))
    # Realism: can a classifier tell outputs from true target renders on pieces it never saw?
    # (Targets repeat once per source, as the outputs do, so the classes stay balanced.)
    realism_acc = {kind: two_sample_accuracy(realism["target"], realism[kind]) for kind in ("model", "match_eq")}
    result = dict(model=str(args.model), clips=clips, realism=realism_acc, engine=args.engine, latency_mode=args.latency_mode, soundfont=sf_name, pieces=names,
                  hold_out=hold_out, sources=[source_name(b, p) for b, p in source_list], rows=rows, morph=morphs,
                  styles=[s.ident for s in model_styles],
                  classifier_train_accuracy=clf_train_acc, lags=lag_report,
                  seconds=round(time.time() - t_start, 1), images=[str(p) for p in imgs])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    summary = summarise(result, styles)
    print(summary["text"])
    if args.checkpoint is not None:
        from chameleon_training.export import time_per_hop
        from chameleon_training.model import StyleModel, count_parameters
        ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
        net = StyleModel(**ckpt["hparams"])
        result["model_info"] = dict(ckpt["hparams"], parameters=count_parameters(net), steps=ckpt["steps"],
                                    batch=ckpt["batch"], train_seconds=ckpt["train_seconds"],
                                    bytes=args.model.stat().st_size, timing=time_per_hop(args.model),
                                    banks=ckpt.get("banks", list(render.TRAIN_SOUNDFONTS)),
                                    format_version=int(model.meta.get("chameleon.format_version", "1")),
                                    phase=model.phase, recipe=ckpt.get("args", {}))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if args.report:
        from .report import write_report
        write_report(args.report, result, summary, styles, extra=_beside("report-notes.md"))
    if args.model_card:
        from .report import write_model_card
        write_model_card(args.model_card, result, summary, styles, result["model_info"],
                         release=_beside("model-card-release.md"))
    return result


def _beside(name: str) -> str:
    """The text of the file ``name`` beside this module (hand-written report parts), or ""."""
    path = Path(__file__).with_name(name)
    return path.read_text() if path.exists() else ""


def summarise(result: dict, styles) -> dict:
    """Per-style means and the bar check; ``text`` is a plain-text table."""
    rows = result["rows"]
    per_style = {}
    for s in styles:
        rs = [r for r in rows if r["style"] == s.ident]
        per_style[s.ident] = {k: float(np.nanmean([r[k] for r in rs])) for k in rs[0]
                              if k not in ("source", "style", "piece") and not k.endswith("_counts")}
    mean = {k: float(np.mean([v[k] for v in per_style.values()])) for k in next(iter(per_style.values()))}
    # Per style, the share of the model's output chunks the classifier gave each style.
    taken_for = {}
    for s in styles:
        counts = [r["clf_model_counts"] for r in rows if r["style"] == s.ident and "clf_model_counts" in r]
        if counts:
            total = np.sum(counts, axis=0)
            names = result.get("styles") or [str(i) for i in range(len(total))]
            taken_for[s.ident] = {names[i]: round(float(c / max(total.sum(), 1)), 3)
                                  for i, c in enumerate(total) if c}
    bar = dict(
        lsd_ratio=mean["lsd_model"] / mean["lsd_match_eq"],
        env_ratio=mean["env_model"] / mean["env_match_eq"],
        worse_lsd=[k for k, v in per_style.items() if v["lsd_model"] > v["lsd_match_eq"]],
        worse_env=[k for k, v in per_style.items() if v["env_model"] > v["env_match_eq"]],
    )
    bar["met"] = bar["lsd_ratio"] <= 0.85 and bar["env_ratio"] <= 0.80 and not bar["worse_lsd"] and not bar["worse_env"]
    lines = [f"{'style':14s} {'LSD id':>7s} {'LSD eq':>7s} {'LSD nn':>7s} {'env id':>7s} {'env eq':>7s} {'env nn':>7s}"]
    for k, v in per_style.items():
        lines.append(f"{k:14s} {v['lsd_identity']:7.2f} {v['lsd_match_eq']:7.2f} {v['lsd_model']:7.2f} "
                     f"{v['env_identity']:7.2f} {v['env_match_eq']:7.2f} {v['env_model']:7.2f}")
    lines.append(f"{'mean':14s} {mean['lsd_identity']:7.2f} {mean['lsd_match_eq']:7.2f} {mean['lsd_model']:7.2f} "
                 f"{mean['env_identity']:7.2f} {mean['env_match_eq']:7.2f} {mean['env_model']:7.2f}")
    bar["env_with_dc_ratio"] = mean["envdc_model"] / mean["envdc_match_eq"] if "envdc_model" in mean else None
    lines.append(f"model/match-EQ: LSD {bar['lsd_ratio']:.3f} (bar 0.85), envelope {bar['env_ratio']:.3f} (bar 0.80); "
                 f"worse than EQ: LSD {bar['worse_lsd']}, env {bar['worse_env']}; bar met: {bar['met']}")
    return dict(per_style=per_style, mean=mean, bar=bar, taken_for=taken_for, text="\n".join(lines))


if __name__ == "__main__":
    main()
