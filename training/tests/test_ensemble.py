"""Ensemble voices in the Python reference engine (chameleon_training.ensemble): the copies
keep a held bin's mean power and beat, an onset gets none, depth 0 passes the spectra
untouched, the channels differ, and the depths come from the style table and mix by weight."""

import numpy as np

from chameleon_training import ensemble


def test_held_bins_keep_their_mean_power_and_beat_and_onsets_get_no_copies():
    frames = 20000
    spec = np.ones((frames, 513), dtype=np.complex128)
    out = ensemble.apply(spec, 1.0, 1024, 256, 48000)
    power = np.abs(out[200:, 100]) ** 2
    assert abs(power.mean() - 1.0) < 0.05
    assert power.max() > 2.0 * power.min()
    # Bin 0 never turns: the same factor at every held frame.
    assert np.allclose(out[200:, 0], out[-1, 0], atol=1e-3)
    # The first frame of the note is nearly untouched; a silent frame starts again.
    assert np.max(np.abs(out[0] - 1.0)) < 0.15
    active = np.ones(frames, dtype=bool)
    active[300] = False
    again = ensemble.apply(spec[:400], 1.0, 1024, 256, 48000, active)
    assert np.array_equal(again[300], spec[300]) and np.max(np.abs(again[301] - 1.0)) < 0.15


def test_no_depth_passes_and_channels_differ():
    spec = np.ones((50, 513), dtype=np.complex128)
    assert ensemble.apply(spec, 0.0, 1024, 256, 48000) is spec
    left = ensemble.apply(spec, 1.0, 1024, 256, 48000, channel=0)
    right = ensemble.apply(spec, 1.0, 1024, 256, 48000, channel=1)
    assert np.mean(np.abs(left[-1] - right[-1]) > 0.1) > 0.5


def test_depths_come_from_the_style_table_and_mix_by_weight():
    assert ensemble.table_depths(["strings", "violin", "choir", "my_own"]) == [1.0, 0.0, 1.0, 0.0]
    assert ensemble.mix_depth(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == 0.5
    assert ensemble.value([1, 0, 2, -1]) == "1.00,0.00,1.00,0.00"
    assert ensemble.parse({ensemble.KEY: "1.00,0.00"}).tolist() == [1.0, 0.0]
    assert ensemble.parse({}) is None
