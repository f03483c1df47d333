#!/usr/bin/env python3
"""Builds the tiny golden and fault-test models of the Chameleon model format v1 and their
reference data, for the Rust engine's golden, parity and fault tests.

Needs only `onnx` and `numpy` (the models are written with the ONNX helper API and evaluated with
ONNX's own reference evaluator, independent of ONNX Runtime):

    python3 -m venv .venv-golden && .venv-golden/bin/pip install onnx numpy
    .venv-golden/bin/python training/golden/make_golden.py

Everything it writes lands beside it in training/golden/ and is committed; it is deterministic.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
OPSET = 17


def metadata(**over):
    """format-v1 metadata_props; keyword arguments override or (value None) remove keys."""
    props = {
        "chameleon.format_version": "1",
        "chameleon.sample_rate": "16000",
        "chameleon.fft_size": "256",
        "chameleon.hop": "64",
        "chameleon.window": "sqrt_hann",
        "chameleon.context_frames": "4",
        "chameleon.feature": "log_magnitude",
        "chameleon.magnitude_scale": "0.0078125",
        "chameleon.feature_floor": "1e-5",
        "chameleon.output": "mask",
        "chameleon.styles": "alpha,beta,gamma",
        "chameleon.style_names": "Alpha|Beta|Gamma",
        "chameleon.model_name": "Golden mask",
        "chameleon.model_version": "1.0.0",
        "chameleon.author": "Chameleon developers",
        "chameleon.license": "CC0-1.0",
        "chameleon.extra_latency_samples": "0",
    }
    for k, v in over.items():
        key = "chameleon." + k
        if v is None:
            props.pop(key, None)
        else:
            props[key] = str(v)
    return props


def const(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def tensor(name, dims):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, dims)


def save(name, nodes, inputs, outputs, inits, props, extra_opsets=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    opsets = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="chameleon-golden")
    model.ir_version = 8
    if props is not None:
        helper.set_model_props(model, props)
    if not extra_opsets:
        onnx.checker.check_model(model, full_check=True)
    path = os.path.join(MODELS, name + ".onnx")
    onnx.save_model(model, path)
    return model


def last_frame(features, context, out="last"):
    """Gather the newest feature frame: [B, context, bins] -> [B, bins]."""
    return [
        helper.make_node("Constant", [], [out + "_idx"], value=helper.make_tensor(out + "_idx", TensorProto.INT64, [], [context - 1])),
        helper.make_node("Gather", [features, out + "_idx"], [out], axis=1),
    ]


def golden_mask(rng):
    """Mask model: context mean + newest frame + style embedding -> 2·sigmoid(·)."""
    bins, hidden, styles, ctx = 129, 16, 3, 4
    nodes = last_frame("features", ctx) + [
        helper.make_node("ReduceMean", ["features"], ["mean"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["mean", "W1"], ["h1"]),
        helper.make_node("MatMul", ["style", "Ws"], ["hs"]),
        helper.make_node("Add", ["h1", "hs"], ["h2"]),
        helper.make_node("Add", ["h2", "b1"], ["h3"]),
        helper.make_node("Tanh", ["h3"], ["h"]),
        helper.make_node("MatMul", ["h", "W2"], ["z1"]),
        helper.make_node("Mul", ["last", "c_last"], ["z2"]),
        helper.make_node("Add", ["z1", "z2"], ["z3"]),
        helper.make_node("Add", ["z3", "b2"], ["z"]),
        helper.make_node("Sigmoid", ["z"], ["s"]),
        helper.make_node("Mul", ["s", "two"], ["mask"]),
    ]
    inits = [
        const("W1", rng.normal(0, 0.05, (bins, hidden))),
        const("Ws", rng.normal(0, 0.8, (styles, hidden))),
        const("b1", rng.normal(0, 0.1, (hidden,))),
        const("W2", rng.normal(0, 0.4, (hidden, bins))),
        const("c_last", rng.normal(0, 0.02, (bins,))),
        const("b2", rng.normal(0, 0.2, (bins,))),
        const("two", 2.0),
    ]
    return save(
        "golden_mask",
        nodes,
        [tensor("features", ["batch", ctx, bins]), tensor("style", ["batch", styles])],
        [tensor("mask", ["batch", bins])],
        inits,
        metadata(),
    )


def golden_magnitude_state(rng):
    """Recurrent magnitude model: state_out = tanh(A·last + R·state + S·style),
    magnitude = exp(last) · sigmoid(O·state_out + b)."""
    bins, styles, state, ctx = 129, 2, 8, 2
    nodes = last_frame("features", ctx) + [
        helper.make_node("MatMul", ["last", "Wa"], ["a"]),
        helper.make_node("MatMul", ["state_in", "Wr"], ["r"]),
        helper.make_node("MatMul", ["style", "Ws"], ["s"]),
        helper.make_node("Add", ["a", "r"], ["ar"]),
        helper.make_node("Add", ["ar", "s"], ["ars"]),
        helper.make_node("Tanh", ["ars"], ["state_out"]),
        helper.make_node("MatMul", ["state_out", "Wo"], ["o1"]),
        helper.make_node("Add", ["o1", "bo"], ["o"]),
        helper.make_node("Sigmoid", ["o"], ["g"]),
        helper.make_node("Exp", ["last"], ["e"]),
        helper.make_node("Mul", ["e", "g"], ["magnitude"]),
    ]
    inits = [
        const("Wa", rng.normal(0, 0.05, (bins, state))),
        const("Wr", rng.normal(0, 0.5, (state, state))),
        const("Ws", rng.normal(0, 0.8, (styles, state))),
        const("Wo", rng.normal(0, 0.8, (state, bins))),
        const("bo", rng.normal(0, 0.5, (bins,))),
    ]
    return save(
        "golden_magnitude_state",
        nodes,
        [
            tensor("features", ["batch", ctx, bins]),
            tensor("style", ["batch", styles]),
            tensor("state_in", ["batch", state]),
        ],
        [tensor("magnitude", ["batch", bins]), tensor("state_out", ["batch", state])],
        inits,
        metadata(
            hop=128,
            context_frames=ctx,
            output="magnitude",
            styles="soft,hard",
            style_names="Soft|Hard",
            model_name="Golden magnitude with state",
            state_size=state,
            extra_latency_samples=32,
        ),
    )


def simple(name, props, mask_expr, bins=129, ctx=1, styles=1, noise=None, mask_dims=None):
    """A model whose mask (and noise) are `newest frame · 0 + constant` or similar."""
    nodes = last_frame("features", ctx) + [
        helper.make_node("Mul", ["last", "zero"], ["zeroed"]),
        helper.make_node("Add", ["zeroed", "mask_value"], ["mask"]),
    ]
    inits = [const("zero", 0.0), const("mask_value", mask_expr)]
    outputs = [tensor("mask", ["batch", mask_dims or bins])]
    if noise is not None:
        nodes.append(helper.make_node("Add", ["zeroed", "noise_value"], ["noise"]))
        inits.append(const("noise_value", noise))
        outputs.append(tensor("noise", ["batch", bins]))
    return save(
        name,
        nodes,
        [tensor("features", ["batch", ctx, bins]), tensor("style", ["batch", styles])],
        outputs,
        inits,
        props,
    )


def fault_models():
    base48 = dict(
        sample_rate=48000,
        fft_size=1024,
        hop=256,
        context_frames=1,
        styles="only",
        style_names="Only",
    )
    simple("nan_output", metadata(**base48, model_name="Produces NaN"), np.float32("nan"), bins=513)
    simple("half_gain", metadata(**base48, model_name="Half gain"), 0.5, bins=513)
    simple(
        "noise_only",
        metadata(
            context_frames=1,
            styles="only",
            style_names="Only",
            output="mask_noise",
            model_name="Noise only",
        ),
        0.0,
        noise=0.25,
    )
    # Output of 100 bins where the metadata implies 129.
    nodes = last_frame("features", 1) + [
        helper.make_node("Constant", [], ["starts"], value=helper.make_tensor("starts", TensorProto.INT64, [1], [0])),
        helper.make_node("Constant", [], ["ends"], value=helper.make_tensor("ends", TensorProto.INT64, [1], [100])),
        helper.make_node("Constant", [], ["axes"], value=helper.make_tensor("axes", TensorProto.INT64, [1], [1])),
        helper.make_node("Slice", ["last", "starts", "ends", "axes"], ["mask"]),
    ]
    save(
        "wrong_shape",
        nodes,
        [tensor("features", ["batch", 1, 129]), tensor("style", ["batch", 1])],
        [tensor("mask", ["batch", 100])],
        [],
        metadata(context_frames=1, styles="only", style_names="Only", model_name="Wrong shape"),
    )
    simple("no_metadata", None, 1.0)
    # A node from a custom operator domain.
    nodes = last_frame("features", 1) + [helper.make_node("MagicMask", ["last"], ["mask"], domain="com.example.custom")]
    save(
        "custom_op",
        nodes,
        [tensor("features", ["batch", 1, 129]), tensor("style", ["batch", 1])],
        [tensor("mask", ["batch", 129])],
        [],
        metadata(context_frames=1, styles="only", style_names="Only", model_name="Custom op"),
        extra_opsets=[("com.example.custom", 1)],
    )
    # Too slow for real time: a chain of 2048x2048 matrix products per hop; the weights come
    # from ConstantOfShape, so the file stays tiny.
    width, depth = 2048, 96
    nodes = last_frame("features", 1) + [
        helper.make_node("ConstantOfShape", ["shape_in"], ["w_in"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1e-4])),
        helper.make_node("ConstantOfShape", ["shape_mid"], ["w_mid"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1e-4])),
        helper.make_node("ConstantOfShape", ["shape_out"], ["w_out"], value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1e-4])),
        helper.make_node("MatMul", ["last", "w_in"], ["x0"]),
    ]
    for i in range(depth):
        nodes.append(helper.make_node("MatMul", [f"x{i}", "w_mid"], [f"x{i + 1}"]))
    nodes += [
        helper.make_node("MatMul", [f"x{depth}", "w_out"], ["y"]),
        helper.make_node("Sigmoid", ["y"], ["mask"]),
    ]
    shapes = [
        numpy_helper.from_array(np.array([513, width], dtype=np.int64), "shape_in"),
        numpy_helper.from_array(np.array([width, width], dtype=np.int64), "shape_mid"),
        numpy_helper.from_array(np.array([width, 513], dtype=np.int64), "shape_out"),
    ]
    save(
        "too_slow",
        nodes,
        [tensor("features", ["batch", 1, 513]), tensor("style", ["batch", 1])],
        [tensor("mask", ["batch", 513])],
        shapes,
        metadata(**base48, model_name="Too slow"),
    )


def features_of(spectrum, scale, floor):
    mag = np.abs(spectrum.astype(np.complex64)).astype(np.float32)
    return np.log(np.float32(scale) * mag + np.float32(floor)).astype(np.float32)


def golden_run(model, props, frames, channels, rng, state_size=0):
    """Feeds `frames` random spectra through `model` the way docs/model-format.md says and
    returns the engine-visible inputs and outputs."""
    fft = int(props["chameleon.fft_size"])
    bins = fft // 2 + 1
    ctx = int(props["chameleon.context_frames"])
    scale = float(props["chameleon.magnitude_scale"])
    floor = float(props["chameleon.feature_floor"])
    kind = props["chameleon.output"]
    n_styles = len(props["chameleon.styles"].split(","))
    sess = ReferenceEvaluator(model)
    history = np.full((channels, ctx, bins), np.log(np.float32(floor)), dtype=np.float32)
    state = np.zeros((channels, state_size), dtype=np.float32)
    out = []
    for t in range(frames):
        mags = rng.uniform(0.0, 20.0, (channels, bins)) * (rng.uniform(0, 1, (channels, bins)) > 0.1)
        phase = rng.uniform(-np.pi, np.pi, (channels, bins))
        x = (mags * np.exp(1j * phase)).astype(np.complex64)
        x[:, 0] = x[:, 0].real
        x[:, -1] = x[:, -1].real
        w = rng.uniform(0, 1, n_styles).astype(np.float32)
        w /= w.sum()
        history = np.concatenate([history[:, 1:], features_of(x, scale, floor)[:, None, :]], axis=1)
        feeds = {"features": history, "style": np.tile(w, (channels, 1))}
        if state_size:
            feeds["state_in"] = state
        names = [o.name for o in model.graph.output]
        res = dict(zip(names, sess.run(None, feeds)))
        if kind == "mask":
            y = res["mask"] * x
        elif kind == "magnitude":
            target = res["magnitude"] / np.float32(scale)
            mag = np.abs(x)
            unit = np.where(mag > 0, x / np.where(mag > 0, mag, 1), 1)
            y = target * unit
        else:
            raise ValueError(kind)
        if state_size:
            state = res["state_out"]
        out.append(
            {
                "style": [float(v) for v in w],
                "input_re": [float(v) for v in x.real.ravel()],
                "input_im": [float(v) for v in x.imag.ravel()],
                "output_re": [float(v) for v in np.real(y).astype(np.float32).ravel()],
                "output_im": [float(v) for v in np.imag(y).astype(np.float32).ravel()],
            }
        )
    return {"channels": channels, "bins": bins, "fft_size": fft, "sample_rate": float(props["chameleon.sample_rate"]), "frames": out}


def stft_reference():
    """Spectra of a known signal, framed exactly as docs/model-format.md describes."""
    n, h, sr = 256, 64, 16000
    t = np.arange(1024)
    noise = np.random.default_rng(7).normal(0, 0.05, t.size)
    x = (0.5 * np.sin(2 * np.pi * 440 * t / sr) + 0.25 * np.sin(2 * np.pi * 3000 * t / sr) + noise).astype(np.float32)
    w = np.sin(np.pi * np.arange(n) / n)
    padded = np.concatenate([np.zeros(n - h), x.astype(np.float64)])
    frames = []
    for k in range(x.size // h):
        # Frame k ends with hop k: stream samples [k·h − (n − h), k·h + h).
        seg = padded[k * h : k * h + n]
        spec = np.fft.rfft(w * seg)
        frames.append({"re": [float(v) for v in spec.real], "im": [float(v) for v in spec.imag]})
    return {"fft_size": n, "hop": h, "signal": [float(v) for v in x], "frames": frames}


def main():
    os.makedirs(MODELS, exist_ok=True)
    rng = np.random.default_rng(20261122)
    mask = golden_mask(rng)
    mag = golden_magnitude_state(rng)
    fault_models()
    data = {
        "golden_mask": golden_run(mask, {p.key: p.value for p in mask.metadata_props}, 8, 2, rng),
        "golden_magnitude_state": golden_run(
            mag, {p.key: p.value for p in mag.metadata_props}, 8, 2, rng, state_size=8
        ),
    }
    for name, d in data.items():
        with open(os.path.join(HERE, name + ".json"), "w") as f:
            json.dump(d, f)
    with open(os.path.join(HERE, "stft_reference.json"), "w") as f:
        json.dump(stft_reference(), f)
    print("wrote", sorted(os.listdir(MODELS)))


if __name__ == "__main__":
    main()
