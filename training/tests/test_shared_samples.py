"""Shared samples between banks: the two measures, the TimGM6mb / sf_GMbank pair, and a fold
leaving out what another bank plays from the held-out bank's samples."""

import numpy as np
import pytest

from chameleon_training import analysis, banks, shared_samples, train

SR = analysis.SAMPLE_RATE


def test_phat_peak_finds_a_delayed_filtered_copy_and_not_another_noise():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(SR // 2)
    # The same recording, 300 samples later, quieter and low-passed (another bank's filter).
    y = 0.3 * np.convolve(np.concatenate([np.zeros(300), x])[: len(x)], [0.5, 0.3, 0.2], mode="same")
    other = rng.standard_normal(SR // 2)
    assert shared_samples.phat_peak(x, y) > 0.8
    assert shared_samples.phat_peak(x, other) < 0.2
    assert np.isnan(shared_samples.phat_peak(x, np.zeros_like(x)))


def test_spectrum_distance_is_zero_for_the_same_sound_and_large_for_another():
    t = np.arange(SR) / SR
    tone = np.sin(2 * np.pi * 220 * t) * np.exp(-2 * t)
    bright = sum(np.sin(2 * np.pi * 220 * k * t) / k for k in range(1, 12)) * np.exp(-2 * t)
    assert shared_samples.spectrum_distance_db(tone, 0.5 * tone) < 0.1
    assert shared_samples.spectrum_distance_db(tone, bright) > shared_samples.SPECTRUM_SHARED_DB


def test_similarity_is_shared_when_either_measure_says_so():
    assert shared_samples.Similarity(phat=0.9, spectrum_db=12.0).shared
    assert shared_samples.Similarity(phat=0.3, spectrum_db=2.0).shared
    assert not shared_samples.Similarity(phat=0.5, spectrum_db=9.0).shared


def test_two_shared_notes_share_a_program_even_when_the_median_does_not():
    # A bank that borrows another's samples for part of its range only (Merlin's violin,
    # FreePats' on two of the five probe notes).
    part = shared_samples.Similarity(phat=0.55, spectrum_db=17.0, note_phats=(0.84, 0.07, 0.94, 0.55))
    assert part.shared_notes == 2 and part.shared
    one = shared_samples.Similarity(phat=0.55, spectrum_db=17.0, note_phats=(0.84, 0.07, 0.30, 0.55))
    assert not one.shared
    assert "(notes 0.84, 0.94)" in shared_samples.similarity_cell(part)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_samples, "CACHE", tmp_path / "shared-samples.json")


@pytest.mark.skipif(not (banks.available("timgm6mb") and banks.available("csound")),
                    reason="needs the TimGM6mb and sf_GMbank soundfonts")
def test_timgm6mb_and_csound_share_the_cello_but_not_the_strings(private_cache):
    # sf_GMbank plays its cello from TimGM6mb's samples; the string ensembles are different.
    assert shared_samples.shared_programs("timgm6mb", "csound", [42, 48]) == [42]
    assert shared_samples.excluded_programs("csound", "timgm6mb", [42, 48]) == [42]
    # No fold, or a bank of the held-out family itself: nothing more to leave out.
    assert shared_samples.excluded_programs("csound", None, [42, 48]) == []
    assert shared_samples.excluded_programs("timgm6mb", "timgm6mb", [42, 48]) == []
    assert shared_samples.CACHE.exists()


def test_a_fold_leaves_out_the_programs_another_bank_shares(monkeypatch):
    built = {}
    monkeypatch.setattr(train, "train_banks", lambda args: ["csound"])
    monkeypatch.setattr(shared_samples, "excluded_programs",
                        lambda name, held, programs: [42] if held == "timgm6mb" else [])

    def build(name, wanted, *a, **k):
        built[name] = list(wanted)
        return name

    monkeypatch.setattr(train.data_mod, "build_soundfont_data", build)
    for held, has_cello in (("timgm6mb", False), ("fluid", True)):
        args = train.parse_args(["--out", "unused", "--hold-out", held])
        train.build_data(args, [], progress=False)
        assert (42 in built["csound"]) == has_cello
        assert 48 in built["csound"]
