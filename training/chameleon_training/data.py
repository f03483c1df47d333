"""Paired training data: the same notes rendered with many GM programs per instrument bank.

For each bank (:mod:`chameleon_training.banks`) a note stream is built (training chorales at
random tempo and transposition, plus generated phrases), rendered once per program the bank
has, optionally played in a room and with pitch drift (:mod:`chameleon_training.augment`, the
same for every program), cut into pieces, and each piece normalised to the same RMS, so a
source/target pair differs in timbre and not in loudness. Features (``analysis.features``) are
cached as float16 under training/cache.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import analysis, augment, banks, music, render
from .analysis import DEFAULT, Geometry
from .midi import Note

#: RMS every piece is normalised to (about -23 dBFS).
PIECE_RMS = 0.07


@dataclass
class SoundfontData:
    """Features of one note stream rendered with several programs through one soundfont."""

    soundfont: str
    programs: list[int]
    #: ``[programs, frames, bins]`` float16 features.
    feats: np.ndarray
    #: Frame indices worth training on (inside a piece, not in the gaps).
    valid: np.ndarray
    #: ``[programs, frames, state_size]`` float16 unclamped recurrent states after each frame
    #: (``model.sustain_states``), filled by :meth:`with_sustain` for sustain models.
    held: np.ndarray | None = None

    def with_sustain(self, programs: list[int], g: Geometry = DEFAULT,
                     longterm: bool = False, onset: bool = False) -> "SoundfontData":
        """Computes :attr:`held` for ``programs`` (the other rows stay zero); with
        ``longterm`` each row also carries the long-term band levels, with ``onset`` the onset
        levels (``model.sustain_states``)."""
        from .model import state_width, sustain_states, third_octave_matrix

        if self.held is None:
            width = state_width(third_octave_matrix(g).shape[0], longterm, onset)
            self.held = np.zeros((len(self.programs), self.feats.shape[1], width), dtype=np.float16)
        for p in programs:
            if p not in self.programs:
                continue
            row = self.programs.index(p)
            self.held[row] = sustain_states(self.feats[row], g, longterm, onset).astype(np.float16)
        return self


def note_stream(seed: int, n_chorales: int, phrase_seconds: float,
                chorales: list[str] | None = None) -> tuple[list[Note], list[tuple[float, float]]]:
    """Training chorales (random tempo 60..110 bpm, transposition -5..+5) and generated
    phrases in 20 s pieces, concatenated with gaps. Returns notes and piece spans."""
    rng = np.random.default_rng(seed)
    if chorales is None:
        train, _ = music.split_chorales()
        chorales = [train[i] for i in rng.choice(len(train), size=n_chorales, replace=False)]
    pieces = []
    for path in chorales:
        raw = music.piece_notes(path)
        bpm = float(rng.uniform(60, 110))
        pieces.append(music.realise(raw, bpm, int(rng.integers(-5, 6)), rng,
                                    velocity=int(rng.integers(55, 110)), max_seconds=45.0,
                                    legato=float(rng.uniform(0.8, 1.0))))
    left = phrase_seconds
    while left > 0:
        pieces.append(music.generated_phrases(rng, min(20.0, left)))
        left -= 20.0
    order = rng.permutation(len(pieces))
    return music.concatenate([pieces[i] for i in order], gap=1.0)


def normalise_pieces(audio: np.ndarray, spans: list[tuple[float, float]], sr: int,
                     tail: float = 0.8) -> np.ndarray:
    """Scales each piece (span plus ``tail`` seconds of release) to :data:`PIECE_RMS`."""
    out = audio.copy()
    for start, end in spans:
        a = int(start * sr)
        b = min(len(audio), int((end + tail) * sr))
        rms = float(np.sqrt(np.mean(audio[a:b] ** 2) + 1e-12))
        if rms > 1e-6:
            out[a:b] *= PIECE_RMS / rms
    return out


def valid_frames(spans: list[tuple[float, float]], n_frames: int, g: Geometry = DEFAULT,
                 tail: float = 0.5) -> np.ndarray:
    """Frame indices that lie inside a piece (plus ``tail`` seconds of release)."""
    t = (np.arange(n_frames) * g.hop + g.hop) / g.sample_rate
    keep = np.zeros(n_frames, dtype=bool)
    for start, end in spans:
        keep |= (t >= start) & (t <= end + tail)
    return np.nonzero(keep)[0]


class LazyRows:
    """Per-program feature arrays (memory-mapped cache files) indexed like the stacked
    ``[programs, frames, bins]`` array: ``rows[program_row, frame_indices]``. For readers that
    touch a few frames of each program (the evaluation's long-term spectra)."""

    def __init__(self, arrays: list[np.ndarray], frames: int):
        self.arrays = arrays
        self.shape = (len(arrays), frames, arrays[0].shape[1] if arrays else 0)

    def __getitem__(self, key):
        row, idx = key
        return self.arrays[row][: self.shape[1]][idx]


def build_soundfont_data(soundfont: str, programs: list[int], notes: list[Note],
                         spans: list[tuple[float, float]], tag: str,
                         g: Geometry = DEFAULT, cache_dir: Path | None = None,
                         progress: bool = True, workers: int = 2,
                         augment_seed: int | None = None, lazy: bool = False) -> SoundfontData:
    """Renders ``notes`` with every program of ``programs`` that the bank ``soundfont`` has
    (cached) and returns the features, truncated to the shortest render. With
    ``augment_seed`` the pieces are played in rooms and with pitch drift
    (:func:`augment.piece_plans`), the same for every program. With ``lazy`` the features stay
    in their memory-mapped cache files (:class:`LazyRows`) instead of one array in memory."""
    have = banks.programs(soundfont)
    programs = [p for p in programs if p in have]
    cache = Path(cache_dir or render.CACHE_DIR) / "features"
    cache.mkdir(parents=True, exist_ok=True)
    aug_tag = "" if augment_seed is None else f"-aug{augment_seed}"
    key = f"{tag}-{render.notes_key(notes)}-{Path(soundfont).stem}{aug_tag}"
    plans = None if augment_seed is None else augment.piece_plans(len(spans), augment_seed, g.sample_rate)

    def one(p: int) -> np.ndarray:
        path = cache / f"{key}-p{p}.npy"
        if path.exists():
            return np.load(path, mmap_mode="r" if lazy else None)
        audio = render.render_cached(notes, p, soundfont, tag, cache_dir)
        if plans is not None:
            audio = augment.apply_piece_plans(audio, spans, plans, g.sample_rate)
        audio = normalise_pieces(audio, spans, g.sample_rate)
        f = analysis.features(audio, g).astype(np.float16)
        np.save(path, f)
        return f

    # Two fluidsynth processes at a time (each is single-threaded).
    with ThreadPoolExecutor(max_workers=workers) as pool:
        feats = list(tqdm(pool.map(one, programs), total=len(programs), desc=f"render {soundfont}",
                          disable=not progress, leave=False))
    n = min(f.shape[0] for f in feats)
    if lazy:
        return SoundfontData(soundfont, list(programs), LazyRows(feats, n), valid_frames(spans, n, g))
    stacked = np.stack([f[:n] for f in feats])
    return SoundfontData(soundfont, list(programs), stacked, valid_frames(spans, n, g))


def add_gain(feats: np.ndarray, gain_db: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """Features of the same spectra scaled by ``gain_db`` (broadcast over the leading axis)."""
    mag = np.maximum(np.exp(feats.astype(np.float32)) - g.feature_floor, 0.0)
    scale = (10.0 ** (gain_db / 20.0)).astype(np.float32)
    scale = scale.reshape(scale.shape + (1,) * (feats.ndim - scale.ndim))
    return np.log(mag * scale + g.feature_floor).astype(np.float32)


class PairSampler:
    """Draws random training batches (source context, style vector, target frame).

    A fraction of the batch uses blended style vectors whose target is the log-domain blend
    of the two targets, so a morph is trained to lie between its styles. Each bank offers the
    sources and styles it has. With ``colour`` the source side gets a random microphone tilt
    and noise floor (:class:`augment.SourceColour`); the target stays clean.
    """

    def __init__(self, data: list[SoundfontData], source_programs: list[int],
                 style_programs: list[int], context: int, seed: int,
                 g: Geometry = DEFAULT, morph_fraction: float = 0.15,
                 gain_range_db: float = 18.0, colour: bool = False,
                 broadband=None, tones=None, cross_bank: float = 0.0):
        self.data = data
        #: Share of the paired frames whose target comes from another bank playing the same
        #: notes (banks built from one shared note stream), so the source's bank cannot tell
        #: the network which bank's instrument to answer with.
        self.cross_bank = cross_bank
        self.context = context
        self.g = g
        self.rng = np.random.default_rng(seed)
        self.morph_fraction = morph_fraction
        self.gain_range_db = gain_range_db
        self.src_rows = [[d.programs.index(p) for p in source_programs if p in d.programs] for d in data]
        #: Per bank: the style indices it has, and each one's row.
        self.style_present = [[k for k, p in enumerate(style_programs) if p in d.programs] for d in data]
        self.style_rows = [[d.programs.index(p) if p in d.programs else -1 for p in style_programs] for d in data]
        for d, src, present in zip(data, self.src_rows, self.style_present):
            if not src or not present:
                raise ValueError(f"bank {d.soundfont} has no source or no style program to train on")
        self.n_styles = len(style_programs)
        self.silence = np.float16(analysis.silence_feature(g))
        self.colour = augment.SourceColour(g, seed=seed + 1) if colour else None
        self.broadband = broadband
        self.tones = tones
        from .model import third_octave_matrix

        self.bands = third_octave_matrix(g).astype(np.float32)

    def _context(self, feats: np.ndarray, t: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """``[len(t), context, bins]`` float16: for each frame ``t`` the last ``context`` frames
        of ``feats`` (``[frames, bins]``, or ``[programs, frames, bins]`` read at ``rows``),
        oldest first, with silence before the stream starts."""
        c = self.context
        x = np.empty((len(t), c, self.g.bins), dtype=np.float16)
        for j in range(c):
            tj = t - (c - 1 - j)
            ok = tj >= 0
            x[:, j] = self.silence
            x[ok, j] = feats[tj[ok]] if rows is None else feats[rows[ok], tj[ok]]
        return x

    def _state(self, held: np.ndarray, t: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The recurrent state before each frame ``t`` (``held`` read at ``rows`` as in
        :meth:`_context`); before the first frame it is zero after the clamp."""
        out = np.full((len(t), held.shape[-1]), -100.0, dtype=np.float32)
        ok = t - 1 >= 0
        out[ok] = held[t[ok] - 1] if rows is None else held[rows[ok], t[ok] - 1]
        return out

    def _finish(self, x: np.ndarray, y: np.ndarray | None, held: np.ndarray | None) -> list[np.ndarray]:
        """Source colour, then one random gain for source and target alike."""
        size = x.shape[0]
        rng = self.rng
        xf = x.astype(np.float32)
        if self.colour is not None:
            tilt, noise = self.colour.draw(size, PIECE_RMS)
            mag = np.maximum(np.exp(xf) - self.g.feature_floor, 0.0) * np.exp(tilt)[:, None, :]
            mag = np.sqrt(mag * mag + (noise * noise)[:, None, :])
            xf = np.log(mag + self.g.feature_floor).astype(np.float32)
            if held is not None:
                band_tilt = tilt @ self.bands.T
                reps = held.shape[-1] // band_tilt.shape[-1]
                held = held + np.tile(band_tilt, (1, reps))
        gain = rng.uniform(-self.gain_range_db, self.gain_range_db, size=size)
        out = [add_gain(xf, gain, self.g)]
        if y is not None:
            out.append(add_gain(y, gain, self.g))
        if held is not None:
            gain_nepers = (gain * np.log(10) / 20).astype(np.float32)
            out.append(np.maximum(held + gain_nepers[:, None], 0.0))
        return out

    def batch(self, size: int) -> tuple[np.ndarray, ...]:
        """(features ``[B, context, bins]``, style ``[B, n_styles]``, target ``[B, bins]``),
        all float32; the target is in feature (log-magnitude) units. With sustain data
        (:meth:`SoundfontData.with_sustain`) a fourth array follows: the recurrent state
        ``[B, bands]`` the model had before the frame, for the same gain."""
        rng = self.rng
        c = self.context
        bins = self.g.bins
        x = np.empty((size, c, bins), dtype=np.float16)
        y = np.empty((size, bins), dtype=np.float32)
        s = np.zeros((size, self.n_styles), dtype=np.float32)
        sustain = self.data[0].held is not None
        held = np.zeros((size, self.data[0].held.shape[-1]), dtype=np.float32) if sustain else None
        which = rng.integers(0, len(self.data), size=size)
        for di, d in enumerate(self.data):
            sel = np.nonzero(which == di)[0]
            if len(sel) == 0:
                continue
            t = d.valid[rng.integers(0, len(d.valid), size=len(sel))]
            src = np.asarray(self.src_rows[di])[rng.integers(0, len(self.src_rows[di]), size=len(sel))]
            present = np.asarray(self.style_present[di])
            k1 = present[rng.integers(0, len(present), size=len(sel))]
            k2 = present[rng.integers(0, len(present), size=len(sel))]
            w = np.where(rng.random(len(sel)) < self.morph_fraction, rng.random(len(sel)), 1.0)
            if sustain:
                held[sel] = self._state(d.held, t, src)
            x[sel] = self._context(d.feats, t, src)
            tb = self._target_banks(di, k1, k2, t)
            t1 = np.empty((len(sel), bins), dtype=np.float32)
            t2 = np.empty((len(sel), bins), dtype=np.float32)
            for dj in np.unique(tb):
                m = tb == dj
                rows = np.asarray(self.style_rows[dj])
                t1[m] = self.data[dj].feats[rows[k1[m]], t[m]]
                t2[m] = self.data[dj].feats[rows[k2[m]], t[m]]
            y[sel] = w[:, None] * t1 + (1 - w[:, None]) * t2
            s[sel, k1] += w
            s[sel, k2] += 1 - w
        xf, yf, *state = self._finish(x, y, held)
        return (xf, s, yf, *state)

    def _target_banks(self, di: int, k1: np.ndarray, k2: np.ndarray, t: np.ndarray) -> np.ndarray:
        """For each frame ``t`` of bank ``di`` with styles ``k1`` and ``k2``, the bank its
        target is read from: ``di`` itself, or with probability :attr:`cross_bank` a random
        bank that has both styles and the frame (renders of one stream end a few frames
        apart)."""
        out = np.full(len(k1), di)
        if self.cross_bank <= 0 or len(self.data) < 2:
            return out
        draw = np.nonzero(self.rng.random(len(k1)) < self.cross_bank)[0]
        for i in draw:
            have = [j for j, rows in enumerate(self.style_rows)
                    if rows[k1[i]] >= 0 and rows[k2[i]] >= 0 and t[i] < self.data[j].feats.shape[1]]
            out[i] = have[self.rng.integers(0, len(have))]
        return out

    def broadband_batch(self, size: int) -> tuple[np.ndarray, ...]:
        """(features ``[B, context, bins]``, style ``[B, n_styles]``) of broadband frames
        (:mod:`chameleon_training.broadband`), plus the recurrent state for sustain models;
        there is no target frame (see ``train.broadband_loss``)."""
        return self.unpaired_batch(self.broadband, size)

    def tone_batch(self, size: int) -> tuple[np.ndarray, ...]:
        """As :meth:`broadband_batch`, of the steady tones (:mod:`chameleon_training.tones`;
        see ``train.level_loss``)."""
        return self.unpaired_batch(self.tones, size)

    def unpaired_batch(self, unpaired, size: int) -> tuple[np.ndarray, ...]:
        """Frames of an unpaired stream (``broadband.UnpairedData``) with random styles and
        morphs, source colour and gain as the paired frames get."""
        rng = self.rng
        t = unpaired.valid[rng.integers(0, len(unpaired.valid), size=size)]
        x = self._context(unpaired.feats, t)
        s = np.zeros((size, self.n_styles), dtype=np.float32)
        k1 = rng.integers(0, self.n_styles, size=size)
        k2 = rng.integers(0, self.n_styles, size=size)
        w = np.where(rng.random(size) < self.morph_fraction, rng.random(size), 1.0)
        s[np.arange(size), k1] += w
        s[np.arange(size), k2] += 1 - w
        held = self._state(unpaired.held, t) if unpaired.held is not None else None
        xf, *state = self._finish(x, None, held)
        return (xf, s, *state)
