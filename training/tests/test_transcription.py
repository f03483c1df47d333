"""Note F1 of the notes-kept measure (eval/transcription.py) on synthetic note lists: no
transcriber needed. Where mir_eval is installed (training/.venv-eval) it must agree with it."""

import numpy as np
import pytest

from eval.transcription import Notes, note_f1

CHORD = Notes.from_rows([[0.0, 1.0, 60], [0.0, 1.0, 64], [0.0, 1.0, 67], [1.0, 1.5, 72]])


def test_identical_notes_score_one():
    assert note_f1(CHORD, CHORD) == 1.0
    assert note_f1(CHORD, CHORD, with_offsets=True) == 1.0


def test_onsets_within_50_ms_match_and_later_ones_do_not():
    shifted = Notes(CHORD.intervals + 0.049, CHORD.pitches)
    late = Notes(CHORD.intervals + 0.06, CHORD.pitches)
    assert note_f1(CHORD, shifted) == 1.0
    assert note_f1(CHORD, late) == 0.0


def test_a_wrong_pitch_or_a_missing_note_costs_its_share():
    wrong = Notes(CHORD.intervals, CHORD.pitches + np.array([0, 0, 1, 0]))
    missing = Notes(CHORD.intervals[:2], CHORD.pitches[:2])
    assert note_f1(CHORD, wrong) == pytest.approx(0.75)
    # precision 1, recall 1/2
    assert note_f1(CHORD, missing) == pytest.approx(2 / 3)
    assert note_f1(CHORD, Notes.from_rows([])) == 0.0


def test_offsets_count_only_when_asked():
    short = Notes(CHORD.intervals * np.array([1.0, 0.5]), CHORD.pitches)
    assert note_f1(CHORD, short) == 1.0
    assert note_f1(CHORD, short, with_offsets=True) < 0.5


def test_matching_is_one_to_one():
    doubled = Notes(np.concatenate([CHORD.intervals, CHORD.intervals + 0.01]), np.tile(CHORD.pitches, 2))
    assert note_f1(CHORD, doubled) == pytest.approx(2 * 0.5 * 1.0 / 1.5)


def test_agrees_with_mir_eval():
    pytest.importorskip("mir_eval")
    from eval.transcription import mir_eval_f1

    rng = np.random.default_rng(3)
    for _ in range(20):
        ref = random_notes(rng, 40)
        onsets = ref.intervals[:, 0] + rng.normal(0, 0.04, len(ref))
        durations = np.diff(ref.intervals, axis=1)[:, 0] * rng.uniform(0.6, 1.4, len(ref))
        est = Notes(np.stack([onsets, onsets + durations], axis=1), ref.pitches + rng.integers(-1, 2, len(ref)))
        for with_offsets in (False, True):
            assert note_f1(ref, est, with_offsets) == pytest.approx(mir_eval_f1(ref, est, with_offsets), abs=1e-12)


def random_notes(rng, n):
    onsets = np.sort(rng.uniform(0.5, 10, n))
    return Notes(np.stack([onsets, onsets + rng.uniform(0.1, 1.0, n)], axis=1), rng.integers(48, 72, n).astype(float))
