"""The Live correction's format values and per-bin gains (``chameleon_training.live_correction``)."""

import numpy as np

from chameleon_training import live_correction


def test_values_parse_back_to_the_same_correction():
    centres = np.array([100.0, 1000.0, 10000.0])
    gains = np.array([[0.0, 6.0, -6.0], [3.0, 3.0, 40.0]])
    meta = live_correction.values(centres, gains)
    back_c, back_g = live_correction.parse(meta)
    np.testing.assert_array_equal(back_c, centres.astype(np.float32))
    # Clamped to the engine's limit.
    np.testing.assert_array_equal(back_g, [[0, 6, -6], [3, 3, live_correction.MAX_GAIN_DB]])
    assert live_correction.parse({}) is None


def test_gains_interpolate_over_log_frequency_and_blend_in_db():
    correction = (np.array([100.0, 1000.0, 10000.0], dtype=np.float32),
                  np.array([[0.0, 6.0, -6.0], [3.0, 3.0, 3.0]], dtype=np.float32))
    g = live_correction.bin_gains(correction, np.array([1.0, 0.0]), 1024, 48_000)
    db = 20 * np.log10(g)
    assert db.shape == (513,)
    assert abs(db[0]) < 1e-5 and abs(db[-1] + 6) < 1e-5  # flat outside the centres
    k = round(1000 * 1024 / 48_000)  # bin 21 is 984 Hz, just under the 1 kHz centre
    want = 6.0 * np.log(k * 48_000 / 1024 / 100) / np.log(10)
    assert abs(db[k] - want) < 1e-5
    mix = 20 * np.log10(live_correction.bin_gains(correction, np.array([0.5, 0.5]), 1024, 48_000))
    np.testing.assert_allclose(mix, 0.5 * db + 1.5, atol=1e-9)


def test_applies_only_to_short_synthesis_spans():
    assert live_correction.applies_at(1024, 256)
    assert not live_correction.applies_at(1024, 768)
