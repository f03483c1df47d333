"""8-bit weights for a model file: ONNX Runtime's dynamic quantisation of every matrix
multiply, one scale per output channel, so the engine's CPU runs them as int8 dot products.

    PYTHONPATH=training training/.venv/bin/python -m chameleon_training.quantize \\
        IN.onnx OUT.onnx [--version 2.4.0]

Only the weights are stored in 8 bits (the file is about a quarter of the float one);
activations stay float32 in the graph and are quantised per call, per tensor, inside ONNX
Runtime. Inputs, outputs and the model-format metadata are unchanged (any format version), so
both engines load the file as they load the float one. Why: in the plugin, many instances
share one batched inference, whose weights stream from memory on every hop; on the 2-core
benchmark machine the int8 graph ran a batch of 8 stereo instances in about two thirds of the
float graph's time (docs/BENCHMARKS.md). What it costs in quality is measured through the Rust
engine with the evaluation of docs/model-report.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

#: The largest RMS level difference, in dB over the bins within 60 dB of each frame's loudest,
#: that :func:`compare` accepts between a quantised model and its float original on random
#: feature frames (about 0.25 to 0.45 dB is typical for the bundled model's styles on music).
MAX_RMS_DB = 1.5


def quantize(src: Path, out: Path, version: str | None = None) -> None:
    """Writes ``src`` with 8-bit weights to ``out`` (which may be ``src``), keeping its
    metadata, with ``chameleon.model_version`` set to ``version`` when given."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "int8.onnx"
        quantize_dynamic(str(src), str(staged), weight_type=QuantType.QInt8, per_channel=True)
        proto = onnx.load(str(staged))
    original = {p.key: p.value for p in onnx.load(str(src)).metadata_props}
    if version is not None:
        original["chameleon.model_version"] = version
    del proto.metadata_props[:]
    for k, v in original.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    # ONNX Runtime 1.31 (the engine's runtime) reads IR versions up to 13.
    proto.ir_version = min(proto.ir_version, 10)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out))


def compare(float_path: Path, int8_path: Path, frames: int = 64, seed: int = 0) -> float:
    """The RMS level difference in dB between two model files' outputs (bins within 60 dB of
    each frame's loudest), over random feature frames of every style alone; raises if it is
    above :data:`MAX_RMS_DB`."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    a = ort.InferenceSession(str(float_path), opts, providers=["CPUExecutionProvider"])
    b = ort.InferenceSession(str(int8_path), opts, providers=["CPUExecutionProvider"])
    shapes = {i.name: i.shape for i in a.get_inputs()}
    _, ctx, bins = shapes["features"]
    n_styles = shapes["style"][1]
    rng = np.random.default_rng(seed)
    # Log-magnitude features of a falling spectrum with random partial-like peaks.
    slope = np.linspace(0.0, -6.0, bins, dtype=np.float32)
    feats = (slope + rng.normal(scale=1.5, size=(frames, ctx, bins)) - 4.0).astype(np.float32)
    squared = []
    for s in range(n_styles):
        feed = {"features": feats, "style": np.eye(n_styles, dtype=np.float32)[[s] * frames]}
        if "state_in" in shapes:
            feed["state_in"] = (rng.random((frames, shapes["state_in"][1])) * 4.0).astype(np.float32)
        want, got = a.run(None, feed)[0], b.run(None, feed)[0]
        live = want > want.max(axis=1, keepdims=True) * 1e-3
        diff = 20 * np.log10((np.maximum(got, 1e-12)) / np.maximum(want, 1e-12))
        squared.append(np.mean(diff[live] ** 2))
    rms = float(np.sqrt(np.mean(squared)))
    if not np.isfinite(rms) or rms > MAX_RMS_DB:
        raise RuntimeError(f"the 8-bit model differs from the float one by {rms:.2f} dB RMS")
    return rms


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--version", default=None, help="new chameleon.model_version")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        original = Path(tmp) / "float.onnx"
        original.write_bytes(args.input.read_bytes())
        quantize(original, args.output, args.version)
        rms = compare(original, args.output)
    print(f"{args.output}: 8-bit weights, {args.output.stat().st_size} bytes, "
          f"{rms:.2f} dB RMS from the float model")


if __name__ == "__main__":
    main()
