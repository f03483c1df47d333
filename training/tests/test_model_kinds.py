"""The model's output kinds and its recurrent state: exports in every kind, and the held,
long-term and onset band levels the training data precomputes equal the state the exported
graph carries."""

import numpy as np
import onnx
import pytest
import torch

from chameleon_training import export
from chameleon_training.model import (LONGTERM_SECONDS, ONSET_RISE_DB_PER_S, OUTPUT_KINDS,
                                      StyleModel, state_width, sustain_decay_per_frame,
                                      sustain_states, third_octave_matrix)

STYLES = [("strings", "String Ensemble", 48), ("flute", "Flute", 73)]


def small(output: str, sustain: bool, longterm: bool = False, onset: bool = False) -> StyleModel:
    torch.manual_seed(0)
    model = StyleModel(len(STYLES), context=3, frame_dim=8, hidden=16, output=output, sustain=sustain,
                       longterm=longterm, onset=onset)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize("output", OUTPUT_KINDS)
@pytest.mark.parametrize("state", ["none", "sustain", "longterm", "onset"])
def test_every_output_kind_exports_with_its_tensors(tmp_path, output, state):
    sustain = state != "none"
    model = small(output, sustain, state == "longterm", state == "onset")
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
        width = third_octave_matrix().shape[0] * {"sustain": 1, "longterm": 2,
                                                  "onset": 1 + len(ONSET_RISE_DB_PER_S)}[state]
        assert int(meta["chameleon.state_size"]) == width
        assert "state_in" in ins and outs[-1] == "state_out"
    else:
        assert "chameleon.state_size" not in meta and "state_in" not in ins


@pytest.mark.parametrize("longterm,onset", [(False, False), (True, False), (False, True),
                                            (True, True)])
def test_precomputed_sustain_state_equals_the_streamed_state(longterm, onset):
    """Training feeds ``max(sustain_states[t-1] + gain, 0)`` as the state before frame t; the
    graph, streamed from a zero state over the same frames, must carry the same values."""
    model = small("mask_noise", True, longterm, onset)
    rng = np.random.default_rng(3)
    frames = 240
    feats = (rng.normal(size=(frames, model.bins)) - 7.0).astype(np.float32)
    feats[60:] -= np.linspace(0.0, 4.0, frames - 60, dtype=np.float32)[:, None]  # a decay
    feats[150:155] += 3.0  # a new onset
    feats[:20] = np.log(1e-5)  # silence first: the long-term level starts from the floor
    held = sustain_states(feats, longterm=longterm, onset=onset)
    assert held.shape[-1] == model.state_size == state_width(third_octave_matrix().shape[0],
                                                             longterm, onset)
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
    bands = third_octave_matrix().shape[0]
    fall = held[59, :bands] - held[60:70, :bands].max(axis=0)
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


def test_long_term_level_follows_a_steady_tone_with_its_time_constant():
    hop_s = 256 / 48000
    frames = int(5 * LONGTERM_SECONDS / hop_s)
    tau = int(round(LONGTERM_SECONDS / hop_s))
    feats = np.full((frames, 513), np.log(1e-5), dtype=np.float32)
    feats[:, 20] = np.log(0.1)  # a steady partial near 940 Hz from frame 0
    states = sustain_states(feats, longterm=True)
    bands = third_octave_matrix().shape[0]
    held, lt = states[:, :bands], states[:, bands:]
    band = int(np.argmax(held[-1]))
    level = held[-1, band]  # a steady tone: the held level is the frame level
    # One time constant in, the average holds 1 - 1/e of the tone's power.
    assert abs(lt[tau - 1, band] - (level + 0.5 * np.log(1 - np.exp(-1)))) < 0.01
    # Five time constants in, it has reached the tone's level.
    assert abs(lt[-1, band] - level) < 0.01
    # Bands with no signal stay at the floor.
    assert np.all(lt[-1, np.arange(bands) != band] < 0.01)


def test_onset_levels_fall_at_once_and_rise_at_their_rates():
    """Each onset level drops with the input and climbs back at its own rate, so the frame's
    height over it counts down from an onset: slowly for the slow rate, fast for the fast."""
    feats = np.full((1000, 513), np.log(1e-5), dtype=np.float32)
    feats[100:, 20] = np.log(0.1)  # a partial near 940 Hz starts at frame 100 and holds
    states = np.maximum(sustain_states(feats, onset=True), 0.0)
    bands = third_octave_matrix().shape[0]
    held = states[:, :bands]
    band = int(np.argmax(held[150]))
    level = held[150, band]  # steady tone: the held level is the frame level
    hop_s = 256 / 48000
    for i, rate in enumerate(ONSET_RISE_DB_PER_S):
        follow = states[:, bands * (1 + i) + band]
        assert follow[99] == 0.0
        # Ten frames after the onset it has risen by ten steps of its rate, no more.
        rise_db = follow[109] * 20 / np.log(10)
        assert abs(rise_db - min(10 * rate * hop_s, level * 20 / np.log(10))) < 0.05
        # Once caught up (the slow one climbs 30 dB/s) it sits on the level.
        assert abs(follow[-1] - level) < 1e-4
    # The slow level lags the fast one: the note still reads as young to the slow one.
    assert states[109, bands + band] < states[109, 2 * bands + band]
    # A drop is followed at once.
    feats[900:, 20] = np.log(0.01)
    states = np.maximum(sustain_states(feats, onset=True), 0.0)
    assert abs(states[899, bands + band] - level) < 1e-4
    assert abs(states[900, bands + band] - (level - np.log(10))) < 0.01
