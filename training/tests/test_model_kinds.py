"""The model's output kinds and its sustain state: exports in every kind, and the held band
levels the training data precomputes equal the state the exported graph carries."""

import numpy as np
import onnx
import pytest
import torch

from chameleon_training import export
from chameleon_training.model import (OUTPUT_KINDS, StyleModel, sustain_decay_per_frame,
                                      sustain_states, third_octave_matrix)

STYLES = [("strings", "String Ensemble", 48), ("flute", "Flute", 73)]


def small(output: str, sustain: bool) -> StyleModel:
    torch.manual_seed(0)
    model = StyleModel(len(STYLES), context=3, frame_dim=8, hidden=16, output=output, sustain=sustain)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize("output", OUTPUT_KINDS)
@pytest.mark.parametrize("sustain", [False, True])
def test_every_output_kind_exports_with_its_tensors(tmp_path, output, sustain):
    model = small(output, sustain)
    path = tmp_path / "m.onnx"
    report = export.export(model, STYLES, path, "Kinds", "0.0.1")
    assert report["max_abs_difference"] < 1e-3
    proto = onnx.load(str(path))
    meta = {p.key: p.value for p in proto.metadata_props}
    assert meta["chameleon.output"] == output
    outs = [o.name for o in proto.graph.output]
    ins = {i.name for i in proto.graph.input}
    assert outs == model.output_names()
    if sustain:
        assert int(meta["chameleon.state_size"]) == third_octave_matrix().shape[0]
        assert "state_in" in ins and outs[-1] == "state_out"
    else:
        assert "chameleon.state_size" not in meta and "state_in" not in ins


def test_precomputed_sustain_state_equals_the_streamed_state():
    """Training feeds ``max(sustain_states[t-1] + gain, 0)`` as the state before frame t; the
    graph, streamed from a zero state over the same frames, must carry the same values."""
    model = small("mask_noise", True)
    rng = np.random.default_rng(3)
    frames = 240
    feats = (rng.normal(size=(frames, model.bins)) - 7.0).astype(np.float32)
    feats[60:] -= np.linspace(0.0, 4.0, frames - 60, dtype=np.float32)[:, None]  # a decay
    feats[150:155] += 3.0  # a new onset
    held = sustain_states(feats)
    state = torch.zeros(1, model.state_size)
    worst = 0.0
    ctx = model.context
    padded = np.concatenate([np.full((ctx - 1, model.bins), -11.5, np.float32), feats])
    with torch.no_grad():
        for t in range(frames):
            window = torch.from_numpy(padded[t:t + ctx][None])
            state = model(window, torch.tensor([[1.0, 0.0]]), state)[-1]
            worst = max(worst, float(np.max(np.abs(state[0].numpy() - np.maximum(held[t], 0.0)))))
    assert worst < 1e-4
    # The held level decays at the documented rate when the input falls away fast.
    fall = held[59] - held[60:70].max(axis=0)
    assert np.all(fall <= 10 * sustain_decay_per_frame() + 1e-5)


def test_sustain_state_rises_with_an_onset_and_falls_slowly():
    feats = np.full((400, 513), np.log(1e-5), dtype=np.float32)
    feats[100:110, 20] = np.log(0.1)  # a short loud partial near 940 Hz
    held = np.maximum(sustain_states(feats), 0.0)
    band = int(np.argmax(held[105]))
    assert held[99, band] == 0.0 and held[105, band] > 5.0
    # 290 frames (1.5 s) after the partial stops, the held level fell by 6 dB/s x 1.5 s.
    drop_db = (held[109, band] - held[399, band]) * 20 / np.log(10)
    assert abs(drop_db - 6.0 * 290 * 256 / 48000) < 0.1
