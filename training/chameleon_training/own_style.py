"""Adds a style of your own to the bundled model and exports a model file the plugin loads.

From a General MIDI program of a soundfont (paired renders, the better option)::

    training/scripts/own-style.sh --ident my_horn --name "My Horn" --program 60 \
        --soundfont /path/to/font.sf2 --out my-styles.onnx

From a folder of WAV recordings of the target sound (any rate, mono or stereo)::

    training/scripts/own-style.sh --ident my_cello --name "My Cello" --wav-dir ~/cello-wavs \
        --out my-styles.onnx

The bundled checkpoint (assets/models/chameleon-styles.pt) is extended by one style: only
that style's rows (its embedding in every block, its static EQ curve and its noise level)
are trained, so the bundled styles stay exactly as they were. The result holds every
bundled style plus the new one.

WAV folders have no paired source. Training pairs are made from the recordings themselves:
the pseudo-source is the recording with each frame's 1/3-octave envelope replaced by the
average envelope of the training source instruments, so the new style learns the target's
spectral envelope and noise, not note-level detail. Paired renders (``--program``) teach more.

The new style's attack time (model format 4) is fitted to its target unless ``--attack-ms``
sets it: from probe notes of the program through its soundfont(s), or from the notes that
start out of a rest in the recordings (:mod:`chameleon_training.attack_fit`). Its ensemble
depth (model format 5, :mod:`chameleon_training.ensemble`) is ``--ensemble``: 0 for a solo
instrument, up to 1 for a section or a choir.
"""

from __future__ import annotations

import argparse
import re
import time
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from tqdm import tqdm

from . import analysis, attack_fit, data as data_mod, render
from .analysis import DEFAULT, SAMPLE_RATE
from .attack import table_attack_ms
from .ensemble import table_depths
from .export import export
from .model import StyleModel, count_parameters, third_octave_matrix
from .styles import EVAL_SOURCE_PROGRAMS, SOURCE_PROGRAMS
from .train import LOSS_FLOOR, spectral_loss

REPO = Path(__file__).resolve().parents[2]
BASE_CHECKPOINT = REPO / "assets/models/chameleon-styles.pt"


def load_wav_folder(folder: Path, max_seconds: float = 1200.0) -> list[np.ndarray]:
    """Mono 48 kHz float32 audio of every .wav under ``folder`` (resampled if needed)."""
    from scipy.signal import resample_poly

    files = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() == ".wav")
    if not files:
        raise FileNotFoundError(f"no .wav files under {folder}")
    out, total = [], 0.0
    for f in files:
        audio, sr = sf.read(str(f), dtype="float32", always_2d=True)
        x = audio.mean(axis=1)
        if sr != SAMPLE_RATE:
            k = gcd(int(sr), SAMPLE_RATE)
            x = resample_poly(x, SAMPLE_RATE // k, int(sr) // k).astype(np.float32)
        rms = float(np.sqrt(np.mean(x ** 2)))
        if rms < 1e-5:
            continue
        out.append(x * (data_mod.PIECE_RMS / rms))
        total += len(x) / SAMPLE_RATE
        if total >= max_seconds:
            break
    if not out:
        raise ValueError(f"every .wav under {folder} is silent")
    return out


def source_envelope(seconds: float = 40.0) -> np.ndarray:
    """Average 1/3-octave power envelope (per bin) of the training source programs, from
    generated phrases rendered through the FluidR3 training soundfont."""
    notes, spans = data_mod.note_stream(seed=77, n_chorales=0, phrase_seconds=seconds)
    m = third_octave_matrix()
    member = (m > 0).astype(np.float64)
    acc = np.zeros(DEFAULT.bins)
    for p in EVAL_SOURCE_PROGRAMS:
        audio = data_mod.normalise_pieces(render.render_cached(notes, p, "fluidr3", "own"), spans, SAMPLE_RATE)
        mag = np.abs(analysis.stft(audio)) * DEFAULT.magnitude_scale
        acc += np.mean(mag ** 2, axis=0)
    return member.T @ (m @ (acc / len(EVAL_SOURCE_PROGRAMS)))


def pseudo_pairs(recordings: list[np.ndarray]) -> data_mod.SoundfontData:
    """(pseudo-source, target) feature rows from unpaired recordings (see module docs)."""
    m = third_octave_matrix()
    member = (m > 0).astype(np.float64)
    env_src = source_envelope()
    srcs, tgts = [], []
    for x in recordings:
        spec = analysis.stft(x)
        mag = np.abs(spec) * DEFAULT.magnitude_scale
        env = (mag ** 2) @ m.T @ member
        # Per frame: keep the frame's level, swap its envelope shape for the sources' one.
        level = env.mean(axis=1, keepdims=True)
        shape_src = env_src / env_src.mean()
        gain = np.sqrt(level * shape_src[None, :] / np.maximum(env, 1e-20))
        srcs.append(analysis.features_from_magnitude(mag * gain / DEFAULT.magnitude_scale))
        tgts.append(analysis.features_from_magnitude(mag / DEFAULT.magnitude_scale))
    s = np.concatenate(srcs)
    t = np.concatenate(tgts)
    energy = np.exp(t.astype(np.float64)).sum(axis=1)
    valid = np.nonzero(energy > energy.max() * 1e-4)[0]
    return data_mod.SoundfontData("wav", [0, 1000], np.stack([s, t]).astype(np.float16), valid)


def paired_renders(program: int, soundfonts: list[str], seconds: float) -> list[data_mod.SoundfontData]:
    """Source programs and the new target program rendered from the same notes."""
    sources = sorted(SOURCE_PROGRAMS)
    out = []
    for i, sfn in enumerate(soundfonts):
        notes, spans = data_mod.note_stream(seed=500 + i, n_chorales=4, phrase_seconds=seconds)
        out.append(data_mod.build_soundfont_data(sfn, sources + [program], notes, spans,
                                                 tag=f"own-{Path(sfn).stem}"))
    return out


def extend(base: StyleModel, new_eq: np.ndarray) -> StyleModel:
    """A copy of ``base`` with one more style (initialised from the mean of the others and
    the given static EQ)."""
    hp = dict(base.hparams)
    n = hp["n_styles"]
    hp["n_styles"] = n + 1
    model = StyleModel(**hp)
    state = base.state_dict()
    new_state = model.state_dict()
    for k, v in state.items():
        if k == "style_emb":
            new_state[k] = torch.cat([v, v.mean(dim=1, keepdim=True)], dim=1)
        elif k == "eq":
            new_state[k] = torch.cat([v, torch.tensor(new_eq, dtype=v.dtype)[None]], dim=0)
        elif k == "noise_bias":
            new_state[k] = torch.cat([v, v.mean(dim=0, keepdim=True)], dim=0)
        else:
            new_state[k] = v
    model.load_state_dict(new_state)
    return model


def main(argv=None) -> Path:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ident", required=True, help="style identifier, [a-z0-9_-]+")
    ap.add_argument("--name", required=True, help="display name")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--wav-dir", type=Path)
    src.add_argument("--program", type=int, help="GM program 0..127 of --soundfont")
    ap.add_argument("--soundfont", default="fluidr3",
                    help="soundfont path(s) or short names for --program, comma-separated")
    ap.add_argument("--base", type=Path, default=BASE_CHECKPOINT)
    ap.add_argument("--out", type=Path, required=True, help="model file to write (.onnx)")
    ap.add_argument("--attack-ms", type=float, default=None,
                    help="the new style's attack time, ms (model format 4): how long a new partial "
                         "takes to swell in; 0 keeps the source's onsets, as a plucked string does. "
                         "Default: fitted to the target (chameleon_training.attack_fit), from probe "
                         "notes of --program, or from the notes that start out of a rest in --wav-dir")
    ap.add_argument("--ensemble", type=float, default=0.0,
                    help="the new style's ensemble depth, 0..1 (model format 5): how strongly its "
                         "partials beat as a section's do; 0 (the default) for a solo instrument, 1 "
                         "for a section or a choir, as the bundled string ensemble and choir")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--seconds", type=float, default=60.0, help="generated phrases per soundfont, s")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--phase", choices=["input", "generated"], default="generated",
                    help="the output file's phase (docs/model-format.md, version 2); generated, as "
                         "the bundled model, unless a host needs a version 1 file")
    ap.add_argument("--weights", choices=["float32", "int8"], default="float32",
                    help="int8: 8-bit weights (chameleon_training.quantize), cheaper in the plugin "
                         "at a small cost in quality (docs/model-report.md); float32 as the bundled model")
    args = ap.parse_args(argv)
    if not re.fullmatch(r"[a-z0-9_-]+", args.ident):
        ap.error("--ident must match [a-z0-9_-]+")
    torch.set_num_threads(args.threads)
    t0 = time.time()

    ckpt = torch.load(args.base, map_location="cpu", weights_only=False)
    base = StyleModel(**ckpt["hparams"])
    base.load_state_dict(ckpt["state"])
    styles = [tuple(s) for s in ckpt["styles"]]
    if args.ident in [s[0] for s in styles]:
        ap.error(f"style {args.ident!r} already exists in the base model")
    if args.wav_dir is not None:
        recordings = load_wav_folder(args.wav_dir)
        data = [pseudo_pairs(recordings)]
        sources, target = [0], 1000
    else:
        data = paired_renders(args.program, args.soundfont.split(","), args.seconds)
        sources, target = sorted(SOURCE_PROGRAMS), args.program
    attack_ms = args.attack_ms
    if attack_ms is None:
        attack_ms = fitted_attack_ms(args, recordings if args.wav_dir is not None else None)
    t_data = time.time() - t0

    # Static EQ of the new style from the data's long-term spectra.
    from .train import long_term_eq
    eq = long_term_eq(data, sources, [target])[0]
    model = extend(base, eq)
    n = model.n_styles - 1
    for name, p in model.named_parameters():
        p.requires_grad = name in ("style_emb", "eq", "noise_bias")
    keep = {"style_emb": (slice(None), slice(0, n)), "eq": (slice(0, n),), "noise_bias": (slice(0, n),)}
    params = {name: p for name, p in model.named_parameters() if p.requires_grad}
    for name, p in params.items():
        idx = keep[name]
        p.register_hook(lambda g, idx=idx: _zero_rows(g, idx))
    opt = torch.optim.Adam(params.values(), lr=3e-3)
    if model.state_size:
        for d in data:
            d.with_sustain(sources, longterm=model.longterm, onset=model.onset)
    sampler = data_mod.PairSampler(data, sources, [target], model.context, seed=3, morph_fraction=0.0)
    bands = torch.tensor(third_octave_matrix(), dtype=torch.float32)
    bar = tqdm(range(args.steps), desc=f"train {args.ident}")
    for _ in bar:
        x, s1, y, *state = sampler.batch(args.batch)
        s = np.zeros((len(x), n + 1), dtype=np.float32)
        s[:, n] = s1[:, 0]
        fine, env, _ = spectral_loss(model, torch.from_numpy(x), torch.from_numpy(s), torch.from_numpy(y),
                                      bands, DEFAULT.feature_floor, *(torch.from_numpy(a) for a in state))
        loss = fine + env
        opt.zero_grad()
        loss.backward()
        opt.step()
        bar.set_postfix(fine=f"{fine.item():.3f}", env=f"{env.item():.3f}")
    t_train = time.time() - t0 - t_data
    styles.append((args.ident, args.name, target if args.wav_dir is None else -1))
    report = export(model, styles, args.out, "Chameleon Orchestra + " + args.name, "2.0.0",
                    phase=args.phase, weights=args.weights,
                    attack_ms=table_attack_ms([s[0] for s in styles[:-1]]) + [attack_ms],
                    ensemble_depths=table_depths([s[0] for s in styles[:-1]]) + [args.ensemble])
    ckpt_out = args.out.with_suffix(".pt")
    torch.save(dict(state=model.state_dict(), hparams=model.hparams, styles=styles), ckpt_out)
    print(f"{args.out}: styles {', '.join(s[0] for s in styles)}; {count_parameters(model)} parameters; "
          f"data {t_data:.0f} s, training {t_train:.0f} s; ORT check {report['max_abs_difference']:.1e}")
    return args.out


def fitted_attack_ms(args: argparse.Namespace, recordings: list[np.ndarray] | None) -> float:
    """The new style's attack time fitted to its target (:mod:`attack_fit`), ms; says what it
    found. Recordings with too few notes that start out of a rest give 0 (the source's onsets
    kept), with a hint to pass ``--attack-ms``."""
    if recordings is None:
        ms = attack_fit.program_attack_ms(args.program, args.soundfont.split(","))
        print(f"{args.ident}: attack time {ms:g} ms, fitted to program {args.program}'s probe notes")
        return ms
    ms = attack_fit.recordings_attack_ms(recordings)
    if ms is None:
        print(f"{args.ident}: fewer than {attack_fit.MIN_ONSETS} notes start out of a rest in "
              f"{args.wav_dir}, so the attack time is 0 ms (the source's onsets kept); pass "
              "--attack-ms to set it")
        return 0.0
    print(f"{args.ident}: attack time {ms:g} ms, fitted to the notes that start out of a rest "
          f"in {args.wav_dir}")
    return ms


def _zero_rows(grad: torch.Tensor, idx: tuple) -> torch.Tensor:
    """The gradient with the bundled styles' rows zeroed, so only the new style trains."""
    grad = grad.clone()
    grad[idx] = 0.0
    return grad


if __name__ == "__main__":
    main()
