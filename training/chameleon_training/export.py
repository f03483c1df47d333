"""Exports a trained checkpoint to a Chameleon model file (docs/model-format.md, version 1).

    training/.venv/bin/python -m chameleon_training.export training/runs/main/checkpoint.pt \
        assets/models/chameleon-styles.onnx

The file is one ONNX graph with embedded weights, inputs ``features`` ``[batch, context, bins]``
and ``style`` ``[batch, n_styles]``, the outputs of the model's kind (``mask`` and ``noise``
``[batch, bins]`` for ``mask_noise``), ``state_in``/``state_out`` ``[batch, bands]`` for a
sustain model, a dynamic batch axis, and the format's ``chameleon.*`` metadata. After writing,
ONNX Runtime's output is checked against PyTorch's. ``--weights int8`` then stores the weights
in 8 bits (``chameleon_training.quantize``; the bundled model keeps float weights) and checks
the result against the float file.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import torch

from . import attack as attack_mod
from . import ensemble as ensemble_mod
from . import model_file
from . import quantize as quantize_mod
from .analysis import DEFAULT, FEATURE, WINDOW, Geometry
from .model import StyleModel

#: The format version written: 1, 2 when the model declares generated phase, 4 when it carries
#: attack times, 5 when it carries ensemble depths.
FORMAT_VERSION = "1"
#: Values of ``chameleon.phase`` (format version 2).
PHASE_KINDS = ("input", "generated")
#: How the weights are stored: float32, or 8-bit (``chameleon_training.quantize``).
WEIGHT_KINDS = ("float32", "int8")


def load_checkpoint(path: Path, g: Geometry = DEFAULT) -> tuple[StyleModel, dict]:
    """The model and the raw checkpoint dict."""
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    model = StyleModel(g=g, **ckpt["hparams"])
    model.load_state_dict(ckpt["state"])
    model.eval()
    return model, ckpt


def metadata(model: StyleModel, styles: list[tuple[str, str, int]], name: str, version: str,
             g: Geometry = DEFAULT, author: str = "Chameleon", license_: str = "",
             phase: str = "input", attack_ms: list[float] | None = None,
             ensemble: list[float] | None = None) -> dict[str, str]:
    """The format's ``chameleon.*`` metadata_props for ``model``: version 1, version 2 with
    ``chameleon.phase`` when ``phase`` is ``generated``, version 4 with ``attack_ms`` (one time
    per style, :mod:`.attack`) when any is above 0, version 5 with ``ensemble`` (one depth per
    style, :mod:`.ensemble`) when any is above 0."""
    if phase not in PHASE_KINDS:
        raise ValueError(f"phase {phase!r} is not one of {PHASE_KINDS}")
    md = {
        "chameleon.format_version": FORMAT_VERSION if phase == "input" else "2",
        "chameleon.sample_rate": str(g.sample_rate),
        "chameleon.fft_size": str(g.fft_size),
        "chameleon.hop": str(g.hop),
        "chameleon.window": WINDOW,
        "chameleon.context_frames": str(model.context),
        "chameleon.feature": FEATURE,
        "chameleon.magnitude_scale": repr(float(g.magnitude_scale)),
        "chameleon.feature_floor": repr(float(g.feature_floor)),
        "chameleon.output": model.output,
        "chameleon.styles": ",".join(s[0] for s in styles),
        "chameleon.style_names": "|".join(s[1] for s in styles),
        "chameleon.model_name": name,
        "chameleon.model_version": version,
        "chameleon.author": author,
        "chameleon.extra_latency_samples": "0",
    }
    if model.state_size:
        md["chameleon.state_size"] = str(model.state_size)
    if license_:
        md["chameleon.license"] = license_
    if phase != "input":
        md["chameleon.phase"] = phase
    if attack_ms is not None and any(a > 0 for a in attack_ms):
        md[attack_mod.KEY] = attack_mod.value(attack_ms)
        model_file.at_least_version(md, attack_mod.FORMAT_VERSION)
    if ensemble is not None and any(d > 0 for d in ensemble):
        md[ensemble_mod.KEY] = ensemble_mod.value(ensemble)
        model_file.at_least_version(md, ensemble_mod.FORMAT_VERSION)
    return md


def export(model: StyleModel, styles: list[tuple[str, str, int]], out: Path, name: str,
           version: str, g: Geometry = DEFAULT, license_: str = "", check: bool = True,
           phase: str = "input", weights: str = "float32", attack: bool = True,
           attack_ms: list[float] | None = None, ensemble: bool = True,
           ensemble_depths: list[float] | None = None) -> dict:
    """Writes the ONNX file and returns a report (max abs difference ORT vs PyTorch, and for
    8-bit ``weights`` the RMS dB difference from the float file). With ``attack`` the file
    carries ``attack_ms`` (one time per style), by default the style table's
    (:func:`attack.table_attack_ms`); with ``ensemble`` it carries ``ensemble_depths`` (one
    depth per style), by default the style table's (:func:`ensemble.table_depths`)."""
    if weights not in WEIGHT_KINDS:
        raise ValueError(f"weights {weights!r} is not one of {WEIGHT_KINDS}")
    model = model.eval().cpu()
    feats = torch.randn(2, model.context, g.bins) * 2.0 - 7.0
    style = torch.zeros(2, model.n_styles)
    style[0, 0] = 1.0
    style[1, :] = 1.0 / model.n_styles
    out.parent.mkdir(parents=True, exist_ok=True)
    batch = torch.export.Dim("batch", min=1, max=64)
    inputs: tuple[torch.Tensor, ...] = (feats, style)
    input_names = ["features", "style"]
    dynamic = {"features": {0: batch}, "style": {0: batch}}
    if model.state_size:
        inputs += (torch.rand(2, model.state_size) * 8.0,)
        input_names.append("state_in")
        dynamic["state"] = {0: batch}
    torch.onnx.export(
        model, inputs, str(out), dynamo=True, external_data=False,
        input_names=input_names, output_names=model.output_names(),
        dynamic_shapes=dynamic, opset_version=18, verbose=False,
    )
    proto = onnx.load(str(out))
    del proto.metadata_props[:]
    if not attack:
        attack_ms = None
    elif attack_ms is None:
        attack_ms = attack_mod.table_attack_ms([s[0] for s in styles])
    if not ensemble:
        ensemble_depths = None
    elif ensemble_depths is None:
        ensemble_depths = ensemble_mod.table_depths([s[0] for s in styles])
    for k, v in metadata(model, styles, name, version, g, license_=license_, phase=phase,
                         attack_ms=attack_ms, ensemble=ensemble_depths).items():
        entry = proto.metadata_props.add()
        entry.key = k
        entry.value = v
    # ONNX Runtime 1.31 (the engine's runtime) reads IR versions up to 13.
    proto.ir_version = min(proto.ir_version, 10)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out))
    report = {"path": str(out), "bytes": out.stat().st_size}
    if check:
        report.update(check_against_torch(model, out, g))
    if weights == "int8":
        with tempfile.TemporaryDirectory() as tmp:
            float_path = Path(tmp) / "float.onnx"
            shutil.copyfile(out, float_path)
            quantize_mod.quantize(float_path, out)
            report["int8_rms_db"] = quantize_mod.compare(float_path, out)
        report["bytes"] = out.stat().st_size
    return report


def check_against_torch(model: StyleModel, path: Path, g: Geometry = DEFAULT,
                        batches=(1, 2, 5)) -> dict:
    """Runs random inputs through PyTorch and ONNX Runtime; raises if they differ."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for b in batches:
        feats = (rng.normal(size=(b, model.context, g.bins)) * 2.0 - 7.0).astype(np.float32)
        style = rng.dirichlet(np.ones(model.n_styles), size=b).astype(np.float32)
        feed = {"features": feats, "style": style}
        args = [torch.from_numpy(feats), torch.from_numpy(style)]
        if model.state_size:
            feed["state_in"] = (rng.random((b, model.state_size)) * 8.0).astype(np.float32)
            args.append(torch.from_numpy(feed["state_in"]))
        with torch.no_grad():
            expected = [t.numpy() for t in model(*args)]
        got = sess.run(model.output_names(), feed)
        for name, t, o in zip(model.output_names(), expected, got):
            # rtol 1e-3, plus an absolute 1e-6 (magnitude_scale units, about -115 dB re full
            # scale) where float rounding of near-silent bins dominates; the state's levels
            # (nepers) take 1e-2 (0.09 dB) instead: in bands just above the floor,
            # exp(feature) - floor cancels, and the two runtimes round it differently.
            atol = 1e-2 if name == "state_out" else 1e-6
            excess = np.abs(t - o) - (1e-3 * np.abs(t) + atol)
            worst = max(worst, float(np.max(np.abs(t - o))))
            if np.any(excess > 0):
                raise RuntimeError(
                    f"ONNX Runtime output differs from PyTorch (max abs {np.max(np.abs(t - o)):.2e})")
    return {"max_abs_difference": worst}


def time_per_hop(path: Path, batch: int = 2, runs: int = 2000) -> dict:
    """Median and 99th-percentile time of one ``run()`` for ``batch`` frames (a stereo hop)
    in ONNX Runtime on one CPU thread, milliseconds."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    shape = {i.name: i.shape for i in sess.get_inputs()}
    ctx, bins = shape["features"][1], shape["features"][2]
    n_styles = shape["style"][1]
    feed = {"features": np.full((batch, ctx, bins), -7.0, dtype=np.float32),
            "style": np.full((batch, n_styles), 1.0 / n_styles, dtype=np.float32)}
    if "state_in" in shape:
        feed["state_in"] = np.zeros((batch, shape["state_in"][1]), dtype=np.float32)
    for _ in range(50):
        sess.run(None, feed)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        sess.run(None, feed)
        times.append(time.perf_counter() - t)
    times = np.array(times) * 1e3
    return {"batch": batch, "median_ms": float(np.median(times)), "p99_ms": float(np.percentile(times, 99))}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--name", default="Chameleon Orchestra")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--license", default="")
    ap.add_argument("--time", action="store_true", help="also time one stereo hop in ONNX Runtime")
    ap.add_argument("--phase", choices=PHASE_KINDS, default="input",
                    help="generated: format version 2 with generated phase (docs/model-format.md)")
    ap.add_argument("--weights", choices=WEIGHT_KINDS, default="float32",
                    help="int8: 8-bit weights (chameleon_training.quantize); the bundled model is float32")
    ap.add_argument("--attack", action=argparse.BooleanOptionalAction, default=True,
                    help="carry the style table's attack times (format version 4; docs/model-format.md)")
    ap.add_argument("--attack-ms", default=None,
                    help="comma-separated attack times per style, ms, instead of the style table's")
    ap.add_argument("--ensemble", action=argparse.BooleanOptionalAction, default=True,
                    help="carry the style table's ensemble depths (format version 5; docs/model-format.md)")
    ap.add_argument("--ensemble-depths", default=None,
                    help="comma-separated ensemble depths per style, 0..1, instead of the style table's")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    model, ckpt = load_checkpoint(args.checkpoint)
    report = export(model, ckpt["styles"], args.output, args.name, args.version, license_=args.license,
                    phase=args.phase, weights=args.weights, attack=args.attack,
                    attack_ms=[float(v) for v in args.attack_ms.split(",")] if args.attack_ms else None,
                    ensemble=args.ensemble,
                    ensemble_depths=([float(v) for v in args.ensemble_depths.split(",")]
                                     if args.ensemble_depths else None))
    if args.time:
        report["timing"] = time_per_hop(args.output)
    print(report)


if __name__ == "__main__":
    main()
