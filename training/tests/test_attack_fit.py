"""Attack times fitted to the banks' notes (chameleon_training.attack_fit): the rise measure
on notes of known time constant, one vote per independent instrument, a fold's fit without
its held-out family, and the fit on real renders."""

import numpy as np
import pytest

from chameleon_training import analysis, attack_fit, banks, shared_samples
from chameleon_training.styles import STYLES

SR = analysis.SAMPLE_RATE


def swell(tau_ms: float, seconds: float = 1.2, freq: float = 220.0) -> np.ndarray:
    """A tone whose power rises as a one-pole follower of time constant ``tau_ms`` (from 20 ms
    of silence, as a probe note's window starts)."""
    t = np.arange(int(seconds * SR)) / SR
    power = 1.0 - np.exp(-t / (tau_ms * 1e-3)) if tau_ms > 0 else np.ones_like(t)
    tone = np.sqrt(power) * np.sin(2 * np.pi * freq * t) * np.sqrt(2.0)
    return np.concatenate([np.zeros(int(attack_fit.LEAD_S * SR)), tone])


@pytest.mark.parametrize("tau_ms", [40.0, 150.0, 400.0])
def test_the_rise_of_a_follower_swell_is_its_time_constant(tau_ms):
    # The onset is the first 2.7 ms hop within 40 dB of the peak, and the hops average the
    # power, so the measure is within about two hops of the time constant.
    assert abs(attack_fit.rise_ms(swell(tau_ms)) - tau_ms) < 2 * attack_fit.ENVELOPE_HOP / SR * 1e3 + 0.03 * tau_ms


def test_an_instant_onset_rises_at_once_and_silence_has_no_rise():
    assert attack_fit.rise_ms(swell(0.0)) < 3.0
    assert np.isnan(attack_fit.rise_ms(np.zeros(SR)))


def test_each_probe_note_is_measured():
    taus = (30.0, 60.0, 90.0, 120.0, 150.0)
    audio = np.zeros(int(11 * SR))
    for i, tau in enumerate(taus):
        start = int((shared_samples.PROBE_START_S - attack_fit.LEAD_S + shared_samples.PROBE_SPACING_S * i) * SR)
        note = swell(tau)
        audio[start:start + len(note)] = note
    rises = attack_fit.note_rises_ms(audio)
    assert len(rises) == 5
    assert np.allclose(rises, taus, atol=10.0)


def test_one_vote_per_instrument_and_a_fold_fits_without_its_family(monkeypatch):
    monkeypatch.setattr(banks, "fold_banks",
                        lambda held: [b for b in ("a1", "b1", "c1", "d1") if held is None or b[0] != held])
    monkeypatch.setattr(banks, "programs", lambda name: frozenset({48}))
    monkeypatch.setattr(banks, "bank", lambda name: banks.Bank(name, name[0], "fluidsynth", name, ""))
    # b1 plays its strings from a1's samples; in the fold holding out family c, d1 leaves them
    # out of its training data (it plays them from c1's samples).
    monkeypatch.setattr(shared_samples, "measure",
                        lambda x, y, p: shared_samples.Similarity(0.9 if {x, y} == {"a1", "b1"} else 0.1, 20.0))
    monkeypatch.setattr(shared_samples, "excluded_programs",
                        lambda name, held, programs: [48] if (name, held) == ("d1", "c") else [])
    rises = {"a1": 100.0, "b1": 100.0, "c1": 400.0, "d1": 500.0}
    monkeypatch.setattr(attack_fit, "bank_rise_ms", lambda program, bank: rises[bank])
    assert attack_fit.voting_banks(48, None) == ["a1", "c1", "d1"]
    assert attack_fit.fitted_attack_ms(48) == 400.0
    assert attack_fit.voting_banks(48, "c") == ["a1"]
    assert attack_fit.fitted_attack_ms(48, "c") == 100.0
    assert attack_fit.attack_times(["strings", "my_own"], "c") == [100.0, 0.0]


@pytest.mark.skipif(not banks.available("timgm6mb"), reason="needs the TimGM6mb soundfont")
def test_a_bowed_ensemble_speaks_far_slower_than_a_plucked_string():
    strings = attack_fit.bank_rise_ms(48, "timgm6mb")
    nylon = attack_fit.bank_rise_ms(24, "timgm6mb")
    assert nylon < 30.0
    assert strings > 5 * nylon


def take(taus_ms, gap_s=0.4, note_s=0.8) -> np.ndarray:
    """A recording of notes swelling in with the given time constants, rests between them."""
    parts = []
    for tau in taus_ms:
        note = swell(tau, seconds=note_s)[int(attack_fit.LEAD_S * SR):]
        t = np.arange(len(note)) / SR
        parts += [note * np.exp(-3.0 * np.maximum(t - 0.5, 0.0)), np.zeros(int(gap_s * SR))]
    return np.concatenate(parts)


def test_recordings_fit_the_notes_that_start_out_of_a_rest():
    rises = attack_fit.recording_rises_ms(take([80.0, 100.0, 120.0]))
    assert len(rises) == 3
    assert np.allclose(rises, [80.0, 100.0, 120.0], atol=10.0)
    assert abs(attack_fit.recordings_attack_ms([take([100.0, 100.0]), take([100.0])]) - 100.0) < 10.0


def test_legato_recordings_give_no_fit():
    # One long held tone: a single onset, too few to trust.
    t = np.arange(3 * SR) / SR
    assert attack_fit.recordings_attack_ms([np.sin(2 * np.pi * 220 * t)]) is None
    assert attack_fit.recording_rises_ms(np.zeros(SR)) == []


@pytest.mark.skipif(not banks.available("timgm6mb"), reason="needs the TimGM6mb soundfont")
def test_a_program_of_ones_own_is_fitted_through_its_soundfonts():
    assert attack_fit.program_attack_ms(48, ["timgm6mb"]) == round(attack_fit.bank_rise_ms(48, "timgm6mb"))
