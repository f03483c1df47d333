"""Rendering a few notes with fluidsynth: aligned, dry, non-silent pairs."""

import numpy as np
import pytest

from chameleon_training import midi, render
from chameleon_training.analysis import SAMPLE_RATE

NOTES = [midi.Note(60, 0.1, 0.5, 100), midi.Note(64, 0.7, 0.5, 80), midi.Note(67, 0.7, 0.5, 80)]


def onset(x: np.ndarray) -> int:
    return int(np.argmax(np.abs(x) > 1e-4))


def test_midi_has_one_program_change_and_all_notes():
    data = midi.midi_bytes(NOTES, 40)
    assert data[:4] == b"MThd"
    assert data.count(bytes([0xC0, 40])) == 1
    assert sum(1 for i in range(len(data) - 2) if data[i] == 0x90 and data[i + 1] in (60, 64, 67)) == 3
    with pytest.raises(ValueError):
        midi.midi_bytes(NOTES, 128)


@pytest.mark.parametrize("soundfont", ["timgm6mb", "fluidr3"])
def test_two_programs_render_aligned_and_audible(soundfont):
    a = render.render_notes(NOTES, 0, soundfont)    # piano
    b = render.render_notes(NOTES, 73, soundfont)   # flute
    for x in (a, b):
        assert x.dtype == np.float32
        assert len(x) > 1.2 * SAMPLE_RATE
        assert np.sqrt(np.mean(x ** 2)) > 1e-3
    # Notes start 0.1 s in; both renders start sounding within the attack of that time
    # (fluidsynth starts notes on 64-sample blocks; a flute's attack is slower than a piano's).
    start = int(0.1 * SAMPLE_RATE)
    assert start - 64 <= onset(a) < start + 512
    assert start - 64 <= onset(b) < start + 512
    # Different programs really are different timbres.
    sa = np.abs(np.fft.rfft(a[:SAMPLE_RATE]))
    sb = np.abs(np.fft.rfft(b[:SAMPLE_RATE]))
    assert np.corrcoef(np.log(sa + 1e-6), np.log(sb + 1e-6))[0, 1] < 0.99


def test_missing_soundfont_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="soundfont"):
        render.render_notes(NOTES, 0, "/nonexistent/font.sf2")
