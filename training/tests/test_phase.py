"""Generated phase (format version 2) in the reference engine: the same rules as the Rust
engine's unit tests (dsp/src/generated_phase.rs); the two engines are compared sample by
sample in test_pipeline.py."""

import numpy as np

from chameleon_training import phase

N, H = 1024, 256
BINS = N // 2 + 1


def one_bin(k, phis, mags):
    f = np.zeros((len(phis), BINS), np.complex64)
    f[:, k] = np.asarray(mags) * np.exp(1j * np.asarray(phis))
    return f


def test_output_as_loud_as_the_input_keeps_the_input_phase():
    x = one_bin(40, 0.3 * np.arange(20), np.ones(20))
    y = x * 1.5
    assert np.array_equal(phase.apply(x, y, N, H), y)


def test_a_partial_sustained_over_a_fading_input_keeps_its_frequency():
    t = np.arange(40)
    advance = 2 * np.pi * 40.25 * H / N
    phis = np.where(t < 10, advance * t, np.sin(t * 12.9898) * 43758.545)
    fade = 10 ** (-3 * t / 20)
    y = phase.apply(one_bin(40, phis, fade), one_bin(40, phis, np.ones(40)), N, H)
    assert np.allclose(np.abs(y[:, 40]), 1.0, atol=1e-5)
    steps = phase.wrap(np.diff(np.angle(y[:, 40])).astype(np.float32))
    assert np.allclose(steps[12:], phase.wrap(np.float32(advance)), atol=1e-3)


def test_skipped_frames_count_as_hops_that_passed():
    x = one_bin(40, np.zeros(4), [1.0, 0.0, 0.0, 0.0])
    y = one_bin(40, np.zeros(4), [31.6] * 4)
    active = np.array([True, False, False, True])
    out = phase.apply(x, y, N, H, active)
    advance = phase.wrap(np.float32(2 * np.pi * 40 * H / N))
    assert abs(phase.wrap(np.float32(np.angle(out[3, 40]) - np.angle(out[0, 40]))) - phase.wrap(3 * advance)) < 1e-4
    assert np.array_equal(out[1:3], y[1:3]), "skipped frames pass unchanged"


def test_the_blend_is_continuous():
    w = phase.generated_weight(np.linspace(0, 24, 241))
    assert w[0] == 0 and w[-1] == 1 and np.all(np.diff(w) >= 0) and np.max(np.diff(w)) < 0.03
