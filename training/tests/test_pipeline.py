"""A tiny training run, its export in the model format, and the exported file in the Python
reference engine and the Rust engine (chameleon-render)."""

import re
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from chameleon_training import analysis, engine, export, midi, quantize, render, train
from chameleon_training.model import third_octave_matrix
from eval import rust_engine

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    ckpt = train.main([
        "--out", str(out), "--steps", "6", "--batch", "32", "--chorales", "0",
        "--phrase-seconds", "6", "--soundfonts", "timgm6mb", "--styles", "strings,flute",
        "--sources", "0", "--hidden", "32", "--frame-dim", "16", "--context", "4", "--log-every", "3",
        "--output", "mask_noise", "--broadband-seconds", "10", "--tone-fraction", "0.1", "--tone-seconds", "10",
    ])
    model, meta = export.load_checkpoint(ckpt)
    path = out / "tiny.onnx"
    report = export.export(model, meta["styles"], path, "Tiny test", "0.0.1")
    # A variant whose noise branch is off (noise at its clamp floor, about -120 dB), so the
    # engines' outputs can be compared sample by sample.
    with torch.no_grad():
        model.noise_bias.fill_(-40.0)
    quiet = out / "tiny-no-noise.onnx"
    export.export(model, meta["styles"], quiet, "Tiny test", "0.0.1")
    return dict(dir=out, ckpt=ckpt, path=path, quiet=quiet, report=report)


def test_training_writes_checkpoint_and_curve(tiny):
    assert tiny["ckpt"].exists()
    assert (tiny["dir"] / "curve.png").stat().st_size > 1000
    rows = (tiny["dir"] / "curve.csv").read_text().splitlines()
    assert rows[0].startswith("step,train_fine,train_env")
    assert len(rows) == 3


def required_keys():
    doc = (REPO / "docs/model-format.md").read_text()
    rows = re.findall(r"\| `(chameleon\.[a-z_]+)` \| (yes|no)", doc)
    assert rows, "no metadata table found in docs/model-format.md"
    return {k for k, req in rows if req == "yes"}, {k for k, _ in rows}


def test_export_has_the_format_metadata_and_tensors(tiny):
    proto = onnx.load(str(tiny["path"]))
    meta = {p.key: p.value for p in proto.metadata_props}
    required, known = required_keys()
    assert required <= set(meta), f"missing {required - set(meta)}"
    assert {k for k in meta if k.startswith("chameleon.")} <= known
    assert meta["chameleon.output"] == "mask_noise"
    bands = third_octave_matrix().shape[0]
    assert int(meta["chameleon.state_size"]) == bands
    assert meta["chameleon.styles"] == "strings,flute"
    assert meta["chameleon.style_names"] == "String Ensemble|Flute"
    assert int(meta["chameleon.context_frames"]) == 4
    assert all(re.fullmatch(r"[a-z0-9_-]+", s) for s in meta["chameleon.styles"].split(","))
    assert not proto.graph.initializer or all(
        not t.HasField("data_location") or t.data_location == onnx.TensorProto.DEFAULT
        for t in proto.graph.initializer)
    ins = {i.name: i for i in proto.graph.input}
    assert set(ins) == {"features", "style", "state_in"}
    assert {o.name for o in proto.graph.output} == {"mask", "noise", "state_out"}
    dims = ins["features"].type.tensor_type.shape.dim
    assert not dims[0].HasField("dim_value"), "batch axis must be dynamic"
    assert [d.dim_value for d in dims[1:]] == [4, 513]
    assert tiny["report"]["max_abs_difference"] < 1e-3


def test_reference_engine_styles_audio(tiny):
    notes = [midi.Note(60, 0.05, 0.6, 100), midi.Note(67, 0.4, 0.6, 90)]
    x = render.render_notes(notes, 0, "timgm6mb")[: analysis.SAMPLE_RATE]
    m = engine.OnnxStyleModel(tiny["path"])
    y = engine.process_audio(m, x, "flute")
    assert y.shape == x.shape and np.all(np.isfinite(y))
    assert np.sqrt(np.mean(y ** 2)) > 1e-4
    assert not np.allclose(x, y, atol=1e-4)
    # A 50/50 morph is accepted and differs from both ends.
    z = engine.process_audio(m, x, {"strings": 0.5, "flute": 0.5})
    assert np.all(np.isfinite(z))


def assert_engines_agree(path: Path, x: np.ndarray, style: str, mode: str = "studio") -> int:
    """Styles ``x`` with the model file in the Python reference engine and in the Rust
    engine (chameleon-render) in latency mode ``mode`` and asserts they agree sample by
    sample; returns the lag. The Rust engine renders the raw model (``--raw-model``): its
    output guard, which the reference engine does not have, is checked in the Rust tests."""
    want = engine.process_audio(engine.OnnxStyleModel(path), x, style, latency_mode=mode)
    got, _ = rust_engine.render(x, path, style,
                                extra_args=("--raw-model", "--latency-mode", mode))
    got = got if got.ndim == 1 else got.mean(axis=1)
    lag = rust_engine.best_lag(got, want)
    got = got[lag:lag + len(want)]
    n = len(got) - analysis.FFT_SIZE
    assert n > analysis.SAMPLE_RATE
    diff = got[:n] - want[:n]
    err = np.max(np.abs(diff))
    rms_ratio = np.sqrt(np.mean(diff ** 2) / np.mean(want[:n] ** 2))
    # The Rust engine runs in float32, the reference in float64. The low-delay synthesis
    # window weighs a frame's last samples by up to 1.5 (Studio) or 2.7 (Live), which
    # magnifies rounding where a note starts at the very end of a frame: up to about 1e-2 of
    # the peak in single samples, while the error stays below 1e-3 of the signal overall. A
    # wrong phase, state or frame would differ by the order of the signal itself.
    assert rms_ratio < 2e-3, f"Rust and Python engines differ by {rms_ratio:.2e} RMS (lag {lag})"
    assert err < 2e-2 * np.max(np.abs(want)), f"Rust and Python engines differ by {err:.2e} (lag {lag})"
    return lag


def test_rust_engine_loads_the_export_and_matches_python(tiny):
    """Runs target/release/chameleon-render (or $CHAMELEON_RENDER). Fails, not skips, when
    it is missing: the top-level test script builds it first."""
    notes = [midi.Note(60, 0.05, 0.6, 100), midi.Note(64, 0.3, 0.8, 90), midi.Note(67, 0.6, 0.6, 90)]
    x = render.render_notes(notes, 0, "timgm6mb")[: int(1.5 * analysis.SAMPLE_RATE)]
    lag = assert_engines_agree(tiny["quiet"], x, "flute")
    # With the noise branch on, the long-term spectra still agree (random phases differ).
    full = engine.OnnxStyleModel(tiny["path"])
    want = engine.process_audio(full, x, "flute")
    got, _ = rust_engine.render(x, tiny["path"], "flute")
    got = got if got.ndim == 1 else got.mean(axis=1)
    got = got[lag:lag + len(want)]
    pw = np.mean(np.abs(analysis.stft(want)) ** 2, axis=0)
    pg = np.mean(np.abs(analysis.stft(got)) ** 2, axis=0)
    band = slice(5, 400)
    ratio_db = 10 * np.log10((pg[band] + 1e-12) / (pw[band] + 1e-12))
    assert np.median(np.abs(ratio_db)) < 1.0


def perturbed_magnitude_model(seed: int):
    """A tiny two-style ``magnitude`` model with the sustain state, its weights moved off
    their initial values so that its output differs from its input."""
    from chameleon_training.model import StyleModel

    torch.manual_seed(seed)
    model = StyleModel(2, context=4, frame_dim=16, hidden=32, output="magnitude", sustain=True)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model


def two_note_clip() -> np.ndarray:
    """1.5 s of TimGM6mb piano: a held C4 and a G4 that starts while it decays."""
    notes = [midi.Note(60, 0.05, 1.2, 100), midi.Note(67, 0.7, 0.6, 90)]
    return render.render_notes(notes, 0, "timgm6mb")[: int(1.5 * analysis.SAMPLE_RATE)]


def metadata_of(path) -> dict[str, str]:
    """A model file's metadata_props as a dict."""
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


def test_rust_engine_matches_python_for_a_recurrent_magnitude_model(tmp_path):
    """The bundled kind (magnitude output with the sustain state): the Rust engine carries the
    state from hop to hop exactly as the format says, so both engines agree sample by sample."""
    model = perturbed_magnitude_model(2)
    path = tmp_path / "magnitude.onnx"
    export.export(model, [("strings", "String Ensemble", 48), ("flute", "Flute", 73)], path, "Tiny", "0.0.1")
    x = two_note_clip()
    assert_engines_agree(path, x, "flute")
    # Live: a shorter hop and synthesis span, the model in two interleaved phases with a
    # state each.
    assert_engines_agree(path, x, "flute", mode="live")


def test_generated_phase_model_format_2_matches_in_both_engines(tmp_path):
    """Format version 2 with ``chameleon.phase = generated``: a magnitude model whose output
    outgrows the decaying input takes propagated phase in those bins, identically in the Rust
    engine and the Python reference engine, in both latency modes; the same weights exported
    as version 1 keep the input phase (and so sound different in Studio). Live, whose short
    synthesis span keeps the input's phase, plays both files alike."""
    model = perturbed_magnitude_model(5)
    styles = [("strings", "String Ensemble", 48), ("flute", "Flute", 73)]
    v2 = tmp_path / "generated.onnx"
    v1 = tmp_path / "input.onnx"
    export.export(model, styles, v2, "Tiny", "0.0.1", phase="generated", attack=False, ensemble=False)
    export.export(model, styles, v1, "Tiny", "0.0.1", attack=False, ensemble=False)
    meta = metadata_of(v2)
    assert meta["chameleon.format_version"] == "2" and meta["chameleon.phase"] == "generated"
    x = two_note_clip()
    assert_engines_agree(v2, x, "flute")
    assert_engines_agree(v2, x, "flute", mode="live")
    a = engine.process_audio(engine.OnnxStyleModel(v2), x, "flute")
    b = engine.process_audio(engine.OnnxStyleModel(v1), x, "flute")
    assert np.sqrt(np.mean((a - b) ** 2)) > 1e-3 * np.sqrt(np.mean(b ** 2))
    live_v2 = engine.process_audio(engine.OnnxStyleModel(v2), x, "flute", latency_mode="live")
    live_v1 = engine.process_audio(engine.OnnxStyleModel(v1), x, "flute", latency_mode="live")
    assert np.array_equal(live_v2, live_v1)
    got_v2, _ = rust_engine.render(x, v2, "flute", extra_args=("--raw-model", "--latency-mode", "live"))
    got_v1, _ = rust_engine.render(x, v1, "flute", extra_args=("--raw-model", "--latency-mode", "live"))
    assert np.array_equal(got_v2, got_v1)


def test_live_correction_format_3_matches_in_both_engines(tmp_path):
    """Format version 3 with a Live correction: both engines apply it alike in Live, and
    neither applies it in Studio, which plays the file as it played without the correction."""
    from chameleon_training import live_correction
    model = perturbed_magnitude_model(7)
    styles = [("strings", "String Ensemble", 48), ("flute", "Flute", 73)]
    v2 = tmp_path / "plain.onnx"
    v3 = tmp_path / "corrected.onnx"
    export.export(model, styles, v2, "Tiny", "0.0.1", phase="generated", attack=False, ensemble=False)
    correction = (np.array([200.0, 2000.0, 12000.0]), np.array([[4.0, -3.0, 6.0], [-2.0, 2.0, 0.0]]))
    live_correction.write_into(v2, correction, v3, "0.0.2")
    meta = metadata_of(v3)
    assert meta["chameleon.format_version"] == "3" and meta["chameleon.model_version"] == "0.0.2"
    x = two_note_clip()
    assert_engines_agree(v3, x, "flute", mode="live")
    plain_live = engine.process_audio(engine.OnnxStyleModel(v2), x, "flute", latency_mode="live")
    corrected_live = engine.process_audio(engine.OnnxStyleModel(v3), x, "flute", latency_mode="live")
    assert np.sqrt(np.mean((plain_live - corrected_live) ** 2)) > 0.05 * np.sqrt(np.mean(plain_live ** 2))
    for eng in ("python", "rust"):
        if eng == "python":
            a = engine.process_audio(engine.OnnxStyleModel(v2), x, "flute")
            b = engine.process_audio(engine.OnnxStyleModel(v3), x, "flute")
        else:
            a, _ = rust_engine.render(x, v2, "flute", extra_args=("--raw-model",))
            b, _ = rust_engine.render(x, v3, "flute", extra_args=("--raw-model",))
        assert np.array_equal(a, b), f"{eng}: Studio changed with the Live correction"


def test_attack_times_format_4_match_in_both_engines(tmp_path):
    """Format version 4 with the styles' attack times (the style table's, written by export):
    both engines soften the onsets alike in Studio and Live; the softened output is never
    louder than the same weights without attack times, is quieter where notes start, and a
    style with no attack time (the nylon guitar) plays as before."""
    from chameleon_training import attack
    model = perturbed_magnitude_model(13)
    styles = [("strings", "String Ensemble", 48), ("nylon_guitar", "Nylon Guitar", 24)]
    soft = tmp_path / "attack.onnx"
    plain = tmp_path / "plain.onnx"
    export.export(model, styles, soft, "Tiny", "0.0.1", phase="generated", ensemble=False)
    export.export(model, styles, plain, "Tiny", "0.0.1", phase="generated", attack=False, ensemble=False)
    meta = metadata_of(soft)
    assert meta["chameleon.format_version"] == "4" and meta[attack.KEY] == "120.0,0.0"
    x = two_note_clip()
    assert_engines_agree(soft, x, "strings")
    assert_engines_agree(soft, x, "strings", mode="live")
    a = engine.process_audio(engine.OnnxStyleModel(soft), x, "strings")
    b = engine.process_audio(engine.OnnxStyleModel(plain), x, "strings")
    onset = slice(int(0.05 * analysis.SAMPLE_RATE), int(0.1 * analysis.SAMPLE_RATE))
    assert np.sum(a[onset] ** 2) < 0.5 * np.sum(b[onset] ** 2)
    assert np.sum(a ** 2) <= np.sum(b ** 2)
    guitar_a = engine.process_audio(engine.OnnxStyleModel(soft), x, "nylon_guitar")
    guitar_b = engine.process_audio(engine.OnnxStyleModel(plain), x, "nylon_guitar")
    assert np.array_equal(guitar_a, guitar_b)
    # A Live correction written afterwards keeps version 4.
    from chameleon_training import live_correction
    both = tmp_path / "both.onnx"
    live_correction.write_into(soft, (np.array([200.0, 2000.0]), np.zeros((2, 2))), both)
    assert metadata_of(both)["chameleon.format_version"] == "4"


def test_ensemble_format_5_matches_in_both_engines(tmp_path):
    """Format version 5 with ensemble depths: both engines add the same beating copies in
    Studio and Live; a style of depth 0 plays exactly as without them; and a stereo input with
    two equal channels comes out with two different ones (the section's width)."""
    from chameleon_training import ensemble
    model = perturbed_magnitude_model(17)
    styles = [("strings", "String Ensemble", 48), ("flute", "Flute", 73)]
    plain = tmp_path / "plain.onnx"
    section = tmp_path / "section.onnx"
    export.export(model, styles, plain, "Tiny", "0.0.1", phase="generated", ensemble=False)
    ensemble.write_into(plain, [1.0, 0.0], section)
    meta = metadata_of(section)
    assert meta["chameleon.format_version"] == "5" and meta[ensemble.KEY] == "1.00,0.00"
    # Export writes the style table's depths by default.
    table = tmp_path / "table.onnx"
    export.export(model, styles, table, "Tiny", "0.0.1", phase="generated")
    assert metadata_of(table)[ensemble.KEY] == "1.00,0.00"
    x = two_note_clip()
    assert_engines_agree(section, x, "strings")
    assert_engines_agree(section, x, "strings", mode="live")
    a = engine.process_audio(engine.OnnxStyleModel(section), x, "strings")
    b = engine.process_audio(engine.OnnxStyleModel(plain), x, "strings")
    assert np.sqrt(np.mean((a - b) ** 2)) > 0.1 * np.sqrt(np.mean(b ** 2))
    flute_a = engine.process_audio(engine.OnnxStyleModel(section), x, "flute")
    flute_b = engine.process_audio(engine.OnnxStyleModel(plain), x, "flute")
    assert np.array_equal(flute_a, flute_b)
    stereo = np.stack([x, x], axis=1)
    got, _ = rust_engine.render(stereo, section, "strings", extra_args=("--raw-model",))
    want = engine.process_audio(engine.OnnxStyleModel(section), stereo, "strings")
    for out in (got, want):
        left, right = out[:, 0], out[:, 1]
        assert np.sqrt(np.mean((left - right) ** 2)) > 0.3 * np.sqrt(np.mean(left ** 2))


def test_int8_weights_keep_the_format_and_play_alike_in_both_engines(tmp_path):
    """``--weights int8`` (the bundled model's storage): the file keeps every metadata key,
    its matrix multiplies run on 8-bit weights, it is smaller than the float file, its output
    stays within the quantisation bound of the float model's, and the Rust engine plays it as
    the Python reference engine does."""
    model = perturbed_magnitude_model(11)
    styles = [("strings", "String Ensemble", 48), ("flute", "Flute", 73)]
    float_path = tmp_path / "float.onnx"
    int8_path = tmp_path / "int8.onnx"
    export.export(model, styles, float_path, "Tiny", "0.0.1", phase="generated")
    report = export.export(model, styles, int8_path, "Tiny", "0.0.1", phase="generated",
                           weights="int8")
    assert 0.0 < report["int8_rms_db"] <= quantize.MAX_RMS_DB
    float_proto, int8_proto = onnx.load(str(float_path)), onnx.load(str(int8_path))
    assert ({p.key: p.value for p in int8_proto.metadata_props}
            == {p.key: p.value for p in float_proto.metadata_props})
    ops = {n.op_type for n in int8_proto.graph.node}
    assert "MatMulInteger" in ops and "MatMul" not in ops and "Gemm" not in ops, ops
    assert int8_path.stat().st_size < float_path.stat().st_size
    x = two_note_clip()
    assert_engines_agree(int8_path, x, "flute")
    assert_engines_agree(int8_path, x, "flute", mode="live")
    # Another model's file fails the bound.
    other = tmp_path / "other.onnx"
    export.export(perturbed_magnitude_model(12), styles, other, "Tiny", "0.0.1", phase="generated")
    with pytest.raises(RuntimeError):
        quantize.compare(float_path, other)
