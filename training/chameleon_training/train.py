"""Trains the style-conditioned spectral model on paired renders.

CPU (default on a machine without CUDA), one GPU, or several GPUs/machines with PyTorch's
own launcher, which sets the environment this script reads::

    training/.venv/bin/python -m chameleon_training.train --out training/runs/main
    training/.venv/bin/python -m chameleon_training.train --device cuda --out training/runs/gpu
    training/.venv/bin/torchrun --nproc_per_node=4 -m chameleon_training.train --device cuda \
        --out training/runs/ddp

Writes ``checkpoint.pt``, ``curve.csv`` and ``curve.png`` into ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import signal
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import banks
from . import broadband as broadband_mod
from . import data as data_mod
from . import shared_samples
from . import tones as tones_mod
from .analysis import DEFAULT, Geometry
from .model import OUTPUT_KINDS, StyleModel, count_parameters, third_octave_matrix
from .styles import SOURCE_PROGRAMS, STYLES, Style

#: Floor (magnitude_scale units) inside the training loss logs: about 50 dB below a loud
#: partial, so the loss does not chase the noise floor.
LOSS_FLOOR = 1e-4


def saved_arguments(args: argparse.Namespace) -> dict[str, str]:
    """The train arguments as a checkpoint keeps them (``args`` in checkpoint.pt): every value
    as a string."""
    return {k: str(v) for k, v in vars(args).items()}


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="run directory")
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--context", type=int, default=6, help="causal context frames")
    ap.add_argument("--env-weight", type=float, default=1.0,
                    help="weight of the 1/3-octave envelope loss against the per-bin loss")
    ap.add_argument("--env-loss", default="l1", choices=["l1", "rms"],
                    help="envelope loss per frame: mean absolute band error, or its RMS over bands "
                         "(as the evaluation's envelope LSD weighs it)")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--frame-dim", type=int, default=96)
    ap.add_argument("--blocks", type=int, default=2)
    ap.add_argument("--output", default="magnitude", choices=list(OUTPUT_KINDS),
                    help="output kind (docs/model-format.md)")
    ap.add_argument("--sustain", action=argparse.BooleanOptionalAction, default=True,
                    help="carry the held-band-level recurrent state (chameleon_training.model)")
    ap.add_argument("--longterm", action=argparse.BooleanOptionalAction, default=False,
                    help="add the long-term band level to the recurrent state (needs --sustain)")
    ap.add_argument("--onset", action=argparse.BooleanOptionalAction, default=False,
                    help="add the onset levels (how recently each band rose) to the recurrent "
                         "state (needs --sustain)")
    ap.add_argument("--chorales", type=int, default=6, help="training chorales per bank")
    ap.add_argument("--phrase-seconds", type=float, default=80.0, help="generated phrases per bank, s")
    ap.add_argument("--soundfonts", "--banks", dest="soundfonts", default="",
                    help="comma-separated banks (chameleon_training.banks) or soundfont files; "
                         "default: every installed bank but the --hold-out family")
    ap.add_argument("--hold-out", default=None, choices=list(banks.FAMILIES),
                    help="leave this bank family out of training (one leave-one-bank-out fold)")
    ap.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                    help="rooms and pitch drift on the pieces, microphone tilt and noise floor on "
                         "the sources (chameleon_training.augment)")
    ap.add_argument("--broadband-fraction", type=float, default=0.1,
                    help="share of each batch drawn from the broadband stream (noise, drums, "
                         "clicks), trained to the style's colour at the input's power")
    ap.add_argument("--broadband-weight", type=float, default=0.5,
                    help="weight of the broadband envelope loss against the paired losses")
    ap.add_argument("--broadband-seconds", type=float, default=240.0)
    ap.add_argument("--tone-fraction", type=float, default=0.0,
                    help="share of each batch drawn from the steady synthetic tones (squares, saws, "
                         "chords, sweeps), trained to keep their own power; off by default "
                         "(docs/model-report.md, \"Steady tones\")")
    ap.add_argument("--tone-weight", type=float, default=0.5,
                    help="weight of the tones' level loss against the paired losses")
    ap.add_argument("--tone-seconds", type=float, default=120.0)
    ap.add_argument("--shared-music", action=argparse.BooleanOptionalAction, default=False,
                    help="every bank plays one note stream (instead of its own), so frames align "
                         "across banks; needed by --cross-bank")
    ap.add_argument("--cross-bank", type=float, default=0.0,
                    help="share of paired frames whose target is another bank's instrument playing "
                         "the same notes (needs --shared-music)")
    ap.add_argument("--level-weight", type=float, default=0.0,
                    help="weight of the paired frames' total-power error against the target's "
                         "(train.spectral_loss), which keeps music at the input's loudness")
    ap.add_argument("--styles", default=",".join(s.ident for s in STYLES),
                    help="style identifiers to train (from chameleon_training.styles)")
    ap.add_argument("--sources", default="",
                    help="comma-separated GM source programs (default: all source and style programs)")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--init", type=Path, default=None, help="start from this checkpoint")
    args = ap.parse_args(argv)
    if args.cross_bank > 0 and not args.shared_music:
        ap.error("--cross-bank needs --shared-music (the banks must play the same notes)")
    return args


def band_level_difference(pred: torch.Tensor, target_power: torch.Tensor,
                          bands: torch.Tensor) -> torch.Tensor:
    """Per-band level of magnitudes ``pred`` over that of per-bin powers ``target_power``, in
    nepers on the 1/3-octave ``bands``, both floored at ``LOSS_FLOOR``."""
    pb = (pred * pred) @ bands.T
    tb = target_power @ bands.T
    return 0.5 * (torch.log(pb + LOSS_FLOOR ** 2) - torch.log(tb + LOSS_FLOOR ** 2))


def spectral_loss(model: StyleModel, x: torch.Tensor, s: torch.Tensor, y: torch.Tensor,
                  bands: torch.Tensor, floor: float, state: torch.Tensor | None = None,
                  env_loss: str = "l1") -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(fine log-spectral L1, 1/3-octave envelope error, total-power error), all in natural-log
    amplitude units (nepers); the envelope error is L1, or with ``env_loss="rms"`` the per-frame
    RMS over bands. The total-power error (:func:`total_power_error`) is the frame's loudness
    against the target's: the two log-domain losses alone settle on a median, which sits under
    the target's power wherever the model is unsure of the loudest bands."""
    core = model.module if hasattr(model, "module") else model  # DistributedDataParallel
    pred = core.magnitude_from_outputs(x, model(x, s, state))
    target = torch.clamp(torch.exp(y) - floor, min=0.0)
    fine = (torch.log(pred + LOSS_FLOOR) - torch.log(target + LOSS_FLOOR)).abs().mean()
    diff = band_level_difference(pred, target * target, bands)
    if env_loss == "rms":
        env = torch.sqrt((diff * diff).mean(dim=1) + 1e-8).mean()
    else:
        env = diff.abs().mean()
    return fine, env, total_power_error(pred, target)


def total_power_error(pred: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Mean L1 error (nepers) of each frame's total power in magnitudes ``pred`` against that
    in magnitudes ``reference`` (both ``[B, bins]``, floored at ``LOSS_FLOOR``)."""
    out_power = (pred * pred).sum(dim=1) + LOSS_FLOOR ** 2
    ref_power = (reference * reference).sum(dim=1) + LOSS_FLOOR ** 2
    return (0.5 * (torch.log(out_power) - torch.log(ref_power))).abs().mean()


def mean_power(data: list[data_mod.SoundfontData], programs: list[int],
               g: Geometry = DEFAULT) -> np.ndarray:
    """Mean power spectrum ``[bins]`` of ``programs`` over every bank that has them, each
    (bank, program) pair weighted alike."""
    acc = np.zeros(g.bins)
    n = 0
    for d in data:
        idx = d.valid[:: max(1, len(d.valid) // 4000)]
        for p in programs:
            if p not in d.programs:
                continue
            f = d.feats[d.programs.index(p), idx].astype(np.float64)
            acc += np.mean((np.exp(f) - g.feature_floor) ** 2, axis=0)
            n += 1
    return acc / max(n, 1)


def long_term_eq(data: list[data_mod.SoundfontData], sources: list[int], styles: list[int],
                 g: Geometry = DEFAULT) -> np.ndarray:
    """Initial per-style log-gain curves: log amplitude ratio between each style's mean power
    spectrum and the sources' mean power spectrum, 1/3-octave smoothed. ``[styles, bins]``."""
    m = third_octave_matrix(g)
    member = (m > 0).astype(np.float64)
    src = member.T @ (m @ mean_power(data, sources, g))
    out = []
    for p in styles:
        tgt = member.T @ (m @ mean_power(data, [p], g))
        out.append(np.clip(0.5 * np.log((tgt + 1e-12) / (src + 1e-12)), -6.0, 3.0))
    return np.array(out)


def style_shapes(data: list[data_mod.SoundfontData], styles: list[int], g: Geometry = DEFAULT) -> np.ndarray:
    """Each style's long-term power spectrum normalised to unit total power, ``[styles, bins]``
    (the colour a broadband input takes on, :func:`broadband_loss`)."""
    out = []
    for p in styles:
        pw = mean_power(data, [p], g)
        out.append(pw / max(pw.sum(), 1e-20))
    return np.array(out)


def broadband_loss(model: StyleModel, x: torch.Tensor, s: torch.Tensor, shapes: torch.Tensor,
                   bands: torch.Tensor, floor: float, state: torch.Tensor | None = None) -> torch.Tensor:
    """1/3-octave envelope error (nepers) of a broadband frame against the style's long-term
    spectrum at the input frame's own total power: the style's colour, never a boost. Morphs
    blend the shapes in the log domain as the paired targets do."""
    core = model.module if hasattr(model, "module") else model
    pred = core.magnitude_from_outputs(x, model(x, s, state))
    cur = torch.clamp(torch.exp(x[:, -1]) - floor, min=0.0)
    total = (cur * cur).sum(dim=1, keepdim=True)
    w = s / s.sum(dim=1, keepdim=True).clamp(min=1e-6)
    shape = torch.exp(w @ torch.log(shapes + 1e-20))
    shape = shape / shape.sum(dim=1, keepdim=True)
    return band_level_difference(pred, shape * total, bands).abs().mean()


def level_loss(model: StyleModel, x: torch.Tensor, s: torch.Tensor, floor: float,
               state: torch.Tensor | None = None) -> torch.Tensor:
    """Total-power error (nepers, L1) of the output frame against the input frame: what a
    steady synthetic tone, which has no true target, must keep (:mod:`chameleon_training.tones`)."""
    core = model.module if hasattr(model, "module") else model
    pred = core.magnitude_from_outputs(x, model(x, s, state))
    cur = torch.clamp(torch.exp(x[:, -1]) - floor, min=0.0)
    return total_power_error(pred, cur)


def feature_stats(data: list[data_mod.SoundfontData], programs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin mean and standard deviation of the source features."""
    xs = []
    for d in data:
        idx = d.valid[:: max(1, len(d.valid) // 3000)]
        for p in programs:
            if p in d.programs:
                xs.append(d.feats[d.programs.index(p), idx].astype(np.float32))
    x = np.concatenate(xs)
    return x.mean(axis=0), np.maximum(x.std(axis=0), 0.5)


def train_banks(args) -> list[str]:
    """The banks this run trains on: ``--banks``, else every installed bank outside the
    ``--hold-out`` family."""
    if args.soundfonts:
        names = args.soundfonts.split(",")
        refused = [n for n in names if banks.bank(n).eval_only]
        if refused:
            raise SystemExit(f"{', '.join(refused)}: evaluation only (chameleon_training.banks); "
                             "its licence allows no training on it")
        if args.hold_out is not None:
            names = [n for n in names if banks.bank(n).family != args.hold_out]
        return names
    return banks.fold_banks(args.hold_out)


#: The note-stream seed of every bank with ``--shared-music``.
SHARED_MUSIC_SEED = 999


def bank_seed(name: str) -> int:
    """The note-stream seed of a bank: fixed per bank, so every fold reuses its renders."""
    order = list(banks.BANKS)
    return 1000 + (order.index(name) if name in order else len(order) + sum(map(ord, name)))


def build_data(args, styles: list[Style], progress: bool,
               lazy: bool = False) -> tuple[list[data_mod.SoundfontData], list[int]]:
    """Renders (or loads) the training data for every training bank. Each bank renders the
    sources and styles it has; the recorded bank adds its other instruments as sources."""
    if args.sources:
        sources = sorted({int(p) for p in args.sources.split(",")})
    else:
        sources = sorted(set(SOURCE_PROGRAMS) | {s.program for s in STYLES})
    programs = sorted(set(sources) | {s.program for s in styles})
    out = []
    extra: set[int] = set()
    augment = getattr(args, "augment", False)
    for name in train_banks(args):
        wanted = programs
        if banks.bank(name).recorded and not args.sources:
            mine = set(banks.programs(name))
            extra |= mine - set(programs)
            wanted = sorted(set(programs) | mine)
        # A fold also leaves out what another bank plays from the held-out bank's samples.
        left_out = shared_samples.excluded_programs(name, args.hold_out, wanted)
        if left_out:
            wanted = [p for p in wanted if p not in left_out]
            if progress:
                print(f"{name}: leaves out programs {', '.join(map(str, left_out))} "
                      f"(the same samples as the held-out {args.hold_out} family)")
        seed = SHARED_MUSIC_SEED if getattr(args, "shared_music", False) else bank_seed(name)
        notes, spans = data_mod.note_stream(seed=seed, n_chorales=args.chorales,
                                            phrase_seconds=args.phrase_seconds)
        out.append(data_mod.build_soundfont_data(name, wanted, notes, spans, tag="train",
                                                 progress=progress,
                                                 augment_seed=seed if augment else None, lazy=lazy))
    return out, sorted(set(sources) | extra)


def save_curve(out: Path, rows: list[dict]) -> None:
    """Writes curve.csv and curve.png (training and validation loss against step)."""
    with open(out / "curve.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r["step"] for r in rows]
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label in (("train_fine", "train fine"), ("train_env", "train envelope"),
                       ("val_fine", "fixed batch fine"), ("val_env", "fixed batch envelope")):
        vals = [r[key] for r in rows]
        ax.plot(steps, vals, label=label, linestyle="-" if "train" in key else "--")
    ax.set_xlabel("step")
    ax.set_ylabel("L1 log-amplitude (neper)")
    ax.set_title("Chameleon style model training")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "curve.png", dpi=110)
    plt.close(fig)


def main(argv=None) -> Path:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(args.device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", local_rank)
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    main_proc = rank == 0
    args.out.mkdir(parents=True, exist_ok=True)

    styles = [s for s in STYLES if s.ident in args.styles.split(",")]
    t0 = time.time()
    if world > 1 and not main_proc:
        torch.distributed.barrier()  # rank 0 renders and caches first
    data, sources = build_data(args, styles, progress=main_proc)
    if world > 1 and main_proc:
        torch.distributed.barrier()
    if main_proc:
        frames = sum(len(d.valid) for d in data)
        print(f"data: {len(data)} banks ({', '.join(d.soundfont for d in data)}), {frames} frames "
              f"per program, {len(sources)} source programs, {len(styles)} styles "
              f"({time.time() - t0:.0f} s)")

    g = DEFAULT
    style_programs = [s.program for s in styles]
    if args.init is not None:
        ckpt = torch.load(args.init, map_location="cpu", weights_only=False)
        model = StyleModel(g=g, **ckpt["hparams"])
        model.load_state_dict(ckpt["state"])
    else:
        eq = long_term_eq(data, sources, style_programs, g)
        mean, std = feature_stats(data, sources)
        model = StyleModel(len(styles), context=args.context, frame_dim=args.frame_dim,
                           hidden=args.hidden, blocks=args.blocks, g=g, eq_init=eq,
                           output=args.output, sustain=args.sustain, longterm=args.longterm,
                           onset=args.onset,
                           feat_mean=mean, feat_std=std)
    model.to(device)
    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    if main_proc:
        print(f"model: {count_parameters(model)} parameters, context {model.context}")
    bands = torch.tensor(third_octave_matrix(g), dtype=torch.float32, device=device)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-5)
    warm = min(200, args.steps // 10 + 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda k: min(1.0, (k + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(k, args.steps) / args.steps)))
    if model.state_size:
        for d in data:
            d.with_sustain(sources, g, longterm=model.longterm, onset=model.onset)
    def unpaired(name: str, stream_of, seed: int, seconds: float, fraction: float):
        """(frames of each batch, the stream's data or None when it takes none)."""
        n = int(round(args.batch * fraction))
        if n == 0:
            return 0, None
        return n, broadband_mod.build_unpaired(name, stream_of, seed, seconds, g,
                                               state_programs=bool(model.state_size),
                                               longterm=model.longterm, onset=model.onset)

    n_bb, bb = unpaired("broadband", broadband_mod.stream, 77, args.broadband_seconds,
                        args.broadband_fraction)
    n_tone, tones = unpaired("tones", tones_mod.stream, 78, args.tone_seconds, args.tone_fraction)
    shapes = torch.tensor(style_shapes(data, style_programs, g), dtype=torch.float32, device=device)
    sampler = data_mod.PairSampler(data, sources, style_programs, model.context, seed=args.seed + 17 * rank, g=g,
                                   colour=args.augment, broadband=bb, tones=tones,
                                   cross_bank=args.cross_bank)
    val_sampler = data_mod.PairSampler(data, sources, style_programs, model.context, seed=999, g=g,
                                       morph_fraction=0.0)
    val = [torch.from_numpy(a).to(device) for a in val_sampler.batch(1024)]
    rows = []
    acc_f = acc_e = acc_b = acc_t = acc_l = 0.0
    n_acc = 0
    t_train = time.time()
    stop = {"now": False}

    def request_stop(signum, frame):
        stop["now"] = True

    # Ctrl-C or SIGTERM ends training early; the checkpoint of the steps so far is saved.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    bar = tqdm(range(args.steps), desc="train", disable=not main_proc)
    for step in bar:
        if stop["now"]:
            break
        x, s, y, *state = (torch.from_numpy(a).to(device) for a in sampler.batch(args.batch - n_bb - n_tone))
        fine, env, level = spectral_loss(net, x, s, y, bands, g.feature_floor, *state,
                                         env_loss=args.env_loss)
        loss = fine + args.env_weight * env + args.level_weight * level
        if n_bb > 0:
            bx, bs, *bstate = (torch.from_numpy(a).to(device) for a in sampler.broadband_batch(n_bb))
            bloss = broadband_loss(net, bx, bs, shapes, bands, g.feature_floor, *bstate)
            loss = loss + args.broadband_weight * bloss
            acc_b += bloss.item()
        if n_tone > 0:
            tx, ts, *tstate = (torch.from_numpy(a).to(device) for a in sampler.tone_batch(n_tone))
            tloss = level_loss(net, tx, ts, g.feature_floor, *tstate)
            loss = loss + args.tone_weight * tloss
            acc_t += tloss.item()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        acc_f += fine.item()
        acc_e += env.item()
        acc_l += level.item()
        n_acc += 1
        if main_proc and ((step + 1) % args.log_every == 0 or step + 1 == args.steps or stop["now"]):
            with torch.no_grad():
                vx, vs, vy, *vstate = val
                vf, ve, vl = spectral_loss(model, vx, vs, vy, bands, g.feature_floor, *vstate,
                                       env_loss=args.env_loss)
            rows.append(dict(step=step + 1, train_fine=acc_f / n_acc, train_env=acc_e / n_acc,
                             train_broadband=acc_b / n_acc, train_tone_level=acc_t / n_acc, train_level=acc_l / n_acc,
                             val_fine=float(vf), val_env=float(ve), val_level=float(vl),
                             seconds=round(time.time() - t_train, 1)))
            bar.set_postfix(fine=f"{acc_f / n_acc:.3f}", env=f"{acc_e / n_acc:.3f}", val=f"{float(vf):.3f}")
            acc_f = acc_e = acc_b = acc_t = acc_l = 0.0
            n_acc = 0
    train_seconds = time.time() - t_train
    done_steps = rows[-1]["step"] if rows else 0
    if main_proc:
        model.cpu()
        torch.save(dict(state=model.state_dict(), hparams=model.hparams,
                        styles=[(s.ident, s.name, s.program) for s in styles],
                        banks=[d.soundfont for d in data], hold_out=args.hold_out,
                        train_seconds=train_seconds, steps=done_steps, batch=args.batch * world,
                        args=saved_arguments(args)),
                   args.out / "checkpoint.pt")
        if rows:
            save_curve(args.out, rows)
        (args.out / "summary.json").write_text(json.dumps(dict(
            parameters=count_parameters(model), train_seconds=round(train_seconds, 1),
            steps=done_steps, final=rows[-1] if rows else None), indent=2))
        print(f"trained {done_steps} steps in {train_seconds:.0f} s -> {args.out / 'checkpoint.pt'}")
    if world > 1:
        torch.distributed.destroy_process_group()
    return args.out / "checkpoint.pt"


if __name__ == "__main__":
    main()
