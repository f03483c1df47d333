"""The analysis module against docs/model-format.md and the Rust STFT fixture."""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from chameleon_training import analysis
from chameleon_training.analysis import Geometry

REPO = Path(__file__).resolve().parents[2]


def test_window_is_the_periodic_sqrt_hann_of_the_format():
    w = analysis.sqrt_hann(1024)
    assert w[0] == 0.0
    assert w[512] == pytest.approx(1.0)
    np.testing.assert_allclose(w, np.sin(np.pi * np.arange(1024) / 1024))
    # Periodic: the square overlap-adds to exactly 2 at a quarter hop.
    sq = w * w
    total = sum(sq[k * 256:(k + 1) * 256] for k in range(4))
    np.testing.assert_allclose(total, 2.0, atol=1e-12)


def test_frame_t_ends_with_hop_t_after_n_minus_h_zeros():
    g = Geometry(fft_size=16, hop=4)
    x = np.arange(1, 41, dtype=np.float64)
    frames = analysis.frame_signal(x, g)
    assert frames.shape == (10, 16)
    # Frame 0: 12 zeros then samples 0..3.
    np.testing.assert_array_equal(frames[0], np.concatenate([np.zeros(12), x[:4]]))
    # Frame t covers [t*H - (N - H), t*H + H).
    for t in range(10):
        lo = t * 4 - 12
        expect = [x[i] if i >= 0 else 0.0 for i in range(lo, t * 4 + 4)]
        np.testing.assert_array_equal(frames[t], expect)


def test_unnormalised_rfft_and_feature_scaling_of_a_known_sine():
    g = analysis.DEFAULT
    k = 64  # bin-centred sine
    n = np.arange(48000)
    x = 0.5 * np.cos(2 * np.pi * k * n / g.fft_size)
    spec = analysis.stft(x)
    # Unnormalised rfft of a windowed cosine: peak = A/2 * sum(w) at the bin
    expect = 0.5 / 2 * analysis.sqrt_hann(g.fft_size).sum()
    # (the negative-frequency image leaks about 2e-5 of that into the bin)
    assert abs(spec[20, k]) == pytest.approx(expect, rel=1e-4)
    f = analysis.features(x)
    want = np.log(g.magnitude_scale * abs(spec[20, k]) + g.feature_floor)
    assert f[20, k] == pytest.approx(want, rel=1e-6)
    # Before the stream starts the first frame's features are silence where the signal has not arrived.
    assert analysis.silence_feature() == pytest.approx(np.log(1e-5))


def test_resynthesis_returns_the_input_delayed_by_n_minus_h():
    g = analysis.DEFAULT
    rng = np.random.default_rng(1)
    x = rng.normal(size=20000)
    y = analysis.istft(analysis.stft(np.concatenate([x, np.zeros(g.fft_size)])), len(x) + g.fft_size)
    np.testing.assert_allclose(y[g.latency:g.latency + len(x)], x, atol=1e-9)


@pytest.mark.parametrize("mode", ["studio", "live"])
def test_low_delay_resynthesis_returns_the_input_delayed_by_span_minus_h(mode):
    from chameleon_training.latency_mode import engine_geometry

    g = engine_geometry(analysis.DEFAULT, mode)
    assert g.span == {"studio": 768, "live": 256}[mode]
    rng = np.random.default_rng(2)
    x = rng.normal(size=20000)
    padded = np.concatenate([x, np.zeros(g.fft_size)])
    y = analysis.istft(analysis.stft(padded, g), len(padded), g)
    np.testing.assert_allclose(y[g.latency:g.latency + len(x)], x, atol=1e-9)


def test_context_windows_are_oldest_first_with_silence_before_the_stream():
    f = np.arange(12, dtype=np.float32).reshape(4, 3)
    w = analysis.context_windows(f, 3)
    assert w.shape == (4, 3, 3)
    np.testing.assert_array_equal(w[0, 2], f[0])
    assert np.all(w[0, :2] == np.float32(np.log(1e-5)))
    np.testing.assert_array_equal(w[3], f[1:4])


def test_matches_the_rust_stft_fixture():
    """training/golden/stft_reference.json holds spectra that the Rust engine's STFT is tested
    against; the Python analysis must give the same frames."""
    path = REPO / "training/golden/stft_reference.json"
    ref = json.loads(path.read_text())
    g = Geometry(fft_size=ref["fft_size"], hop=ref["hop"])
    spec = analysis.stft(np.array(ref["signal"], dtype=np.float32), g)
    want = np.array([np.array(fr["re"]) + 1j * np.array(fr["im"]) for fr in ref["frames"]])
    assert spec.shape == want.shape
    np.testing.assert_allclose(spec, want, atol=1e-4 * np.abs(want).max())


def test_default_geometry_matches_the_format_document_example():
    doc = (REPO / "docs/model-format.md").read_text()
    example = dict(re.findall(r"\| `(chameleon\.[a-z_]+)` \| [a-z ()0-9]+ \| `([^`]*)` \|", doc))
    assert int(example["chameleon.sample_rate"]) == analysis.SAMPLE_RATE
    assert int(example["chameleon.fft_size"]) == analysis.FFT_SIZE
    assert int(example["chameleon.hop"]) == analysis.HOP
    assert float(example["chameleon.magnitude_scale"]) == analysis.MAGNITUDE_SCALE
    assert float(example["chameleon.feature_floor"]) == analysis.FEATURE_FLOOR
    assert example["chameleon.window"] == analysis.WINDOW
    assert example["chameleon.feature"] == analysis.FEATURE
