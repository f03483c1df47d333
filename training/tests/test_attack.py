"""Attack softening in the Python reference engine (chameleon_training.attack): the step
response the Rust engine's unit tests also check, falls and silent hops, the style table's
times and the metadata value."""

import numpy as np

from chameleon_training import attack

HOP_S = 256 / 48000


def test_a_step_swells_in_with_the_time_constant_and_falls_pass():
    a = attack.coefficient(100.0, HOP_S)
    spec = np.ones((300, 16), dtype=complex)
    spec[250:] = 0.1
    out = attack.apply(spec, a)
    # One time constant (18.75 hops) in: about 63 % of the power, in a middle bin.
    assert 0.60 < abs(out[18, 8]) ** 2 < 0.68
    assert np.all(np.abs(out) <= np.abs(spec) + 1e-12)
    assert abs(out[249, 8]) > 0.999
    assert np.array_equal(out[250:], spec[250:])


def test_a_silent_hop_resets_and_no_time_passes_everything():
    a = attack.coefficient(50.0, HOP_S)
    spec = np.ones((400, 16), dtype=complex)
    active = np.ones(400, dtype=bool)
    active[300] = False
    out = attack.apply(spec, a, active)
    assert abs(out[299, 8]) > 0.999 and abs(out[301, 8]) < 0.4
    assert attack.apply(spec, attack.coefficient(0.0, HOP_S)) is spec


def test_times_come_from_the_style_table_and_mix_by_weight():
    assert attack.table_attack_ms(["strings", "nylon_guitar", "my_own"]) == [120.0, 0.0, 0.0]
    assert attack.mix_attack_ms(np.array([120.0, 0.0]), np.array([0.5, 0.5])) == 60.0
    assert attack.value([120, 0, 5000, -3]) == "120.0,0.0,1000.0,0.0"
    assert attack.parse({attack.KEY: "120.0,0.0"}).tolist() == [120.0, 0.0]
    assert attack.parse({}) is None
