"""Evaluation metrics: gain invariance, zero on identical signals, match-EQ moves the long-term
spectrum onto the style's."""

import numpy as np

from chameleon_training.analysis import SAMPLE_RATE
from eval import metrics


def tone(f0, seconds=1.0, tilt=1.0, seed=0):
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    rng = np.random.default_rng(seed)
    x = sum(np.sin(2 * np.pi * f0 * k * t) * tilt ** (k - 1) / k for k in range(1, 12))
    return (0.1 * x + 1e-3 * rng.normal(size=t.size)).astype(np.float64)


def test_lsd_is_zero_for_identical_and_gain_invariant():
    x = tone(220.0)
    mx = metrics.magnitudes(x)
    assert metrics.lsd(mx, mx) < 1e-9
    assert metrics.envelope_lsd(mx, mx) < 1e-9
    assert abs(metrics.lsd(metrics.magnitudes(3.0 * x), mx)) < 1e-6
    assert abs(metrics.envelope_lsd(metrics.magnitudes(0.2 * x), mx)) < 1e-6


def test_lsd_grows_with_timbre_difference():
    a, b, c = tone(220.0), tone(220.0, tilt=1.5), tone(220.0, tilt=3.0)
    ma, mb, mc = (metrics.magnitudes(v) for v in (a, b, c))
    assert 0 < metrics.lsd(mb, ma) < metrics.lsd(mc, ma)
    assert 0 < metrics.envelope_lsd(mb, ma) < metrics.envelope_lsd(mc, ma)


def test_match_eq_moves_the_long_term_spectrum_towards_the_style():
    src, tgt = tone(220.0), tone(220.0, tilt=2.0, seed=1)
    ms, mt = metrics.magnitudes(src), metrics.magnitudes(tgt)
    style_power = np.mean(mt ** 2, axis=0)
    eq = metrics.apply_static_gain(src, metrics.match_eq_gain(ms, style_power))
    me = metrics.magnitudes(eq)
    assert metrics.envelope_lsd(me, mt) < 0.5 * metrics.envelope_lsd(ms, mt)
    # A flat gain is the identity filter (latency removed).
    same = metrics.apply_static_gain(src, np.ones(ms.shape[1]))
    np.testing.assert_allclose(same, src, atol=1e-6)


def test_chroma_correlation_is_high_for_the_same_notes():
    a, b = tone(220.0), tone(220.0, tilt=1.3)
    other = tone(311.1)
    assert metrics.chroma_correlation(a, a) > 0.999
    assert metrics.chroma_correlation(a, b) > 0.6
    assert metrics.chroma_correlation(a, other) < 0.3


def test_envelope_bands_start_at_40_hz_and_hold_the_dc_bin_in_the_lowest_band():
    bands = metrics.ENVELOPE_BANDS
    member = bands > 0
    assert np.all(member.sum(axis=0) == 1), "every bin in exactly one band"
    assert np.allclose(bands.sum(axis=1), 1.0)
    assert member[0, 0] and member[0, 1], "DC joins the band holding the first bin above 40 Hz"
    assert bands.shape[0] == metrics.ENVELOPE_BANDS_WITH_DC.shape[0] - 1
    # Removing the DC offset alone barely moves the envelope distance now.
    rng = np.random.default_rng(0)
    t = np.abs(rng.normal(size=(50, 513))) + 0.1
    y = t.copy()
    y[:, 0] *= 0.01
    assert metrics.envelope_lsd(y, t) < 0.25 * metrics.envelope_lsd(y, t, metrics.ENVELOPE_BANDS_WITH_DC)
