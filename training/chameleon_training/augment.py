"""Augmentations for what real recordings have and dry bank renders lack.

Two kinds:

- **Audio, applied to a whole piece of every program alike** (source and target), so pairs stay
  aligned and the model learns to keep them: a room (a synthetic reverberant impulse response)
  and pitch movement (slow drift and vibrato, as a time warp of the piece).
- **Feature domain, applied to the source side of a batch only**, so the model learns to
  ignore them: a microphone's spectral tilt and a noise floor. Both are exact or close in the
  magnitude domain (a tilt is a per-bin gain; noise adds power), which keeps them cheap enough
  to draw fresh for every example.
"""

from __future__ import annotations

import numpy as np

from .analysis import DEFAULT, Geometry

#: Fraction of pieces played in a room.
ROOM_FRACTION = 0.35
#: Fraction of pieces with pitch drift and vibrato.
WARP_FRACTION = 0.3


def room_response(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A synthetic room: the direct sound, a few early reflections and an exponentially
    decaying, darkening noise tail (RT60 0.25-1.6 s, wet level -14 to -2 dB under the
    direct sound)."""
    rt60 = float(rng.uniform(0.25, 1.6))
    n = int(rt60 * sr * 1.1)
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60)
    # High frequencies die faster: a one-pole lowpass whose cutoff falls along the tail.
    from scipy.signal import lfilter

    tail = lfilter([0.35], [1, -0.65], tail)
    pre = int(rng.uniform(0.004, 0.02) * sr)
    tail[:pre] = 0.0
    h = np.zeros(n)
    h[0] = 1.0
    for _ in range(int(rng.integers(3, 8))):
        k = int(rng.uniform(0.002, 0.03) * sr)
        h[k] += float(rng.uniform(-0.4, 0.4))
    wet_db = float(rng.uniform(-14.0, -2.0))
    energy = np.sqrt(np.sum(tail ** 2)) + 1e-12
    h += tail * (10 ** (wet_db / 20) / energy)
    return h.astype(np.float32)


def time_warp_positions(n: int, rng: np.random.Generator, sr: int) -> np.ndarray:
    """Read positions for a piece of ``n`` samples with slow pitch drift (up to +-12 cents)
    and, half the time, vibrato (4.5-6.5 Hz, up to +-20 cents) that fades in."""
    t = np.arange(n) / sr
    cents = np.zeros(n)
    k = max(2, int(n / sr / 2) + 2)
    knots = rng.uniform(-12.0, 12.0, size=k)
    cents += np.interp(t, np.linspace(0, t[-1] if n > 1 else 1.0, k), knots)
    if rng.random() < 0.5:
        rate = float(rng.uniform(4.5, 6.5))
        depth = float(rng.uniform(5.0, 20.0))
        fade = np.clip(t / 0.6, 0.0, 1.0)
        cents += depth * fade * np.sin(2 * np.pi * rate * t + float(rng.uniform(0, 6.3)))
    ratio = 2.0 ** (cents / 1200.0)
    pos = np.concatenate([[0.0], np.cumsum(ratio[:-1])])
    # Scaled to end on the piece's last sample: the warp keeps the piece's length.
    return pos * ((n - 1) / pos[-1]) if n > 1 else pos


def cubic_read(x: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """``x`` read at fractional positions with Catmull-Rom interpolation."""
    i = np.floor(pos).astype(np.int64)
    f = (pos - i).astype(np.float32)
    xp = np.pad(x, (1, 3), mode="edge")
    a, b, c, d = xp[i], xp[i + 1], xp[i + 2], xp[i + 3]
    return (b + 0.5 * f * (c - a + f * (2 * a - 5 * b + 4 * c - d + f * (3 * (b - c) + d - a)))).astype(np.float32)


def piece_plans(n_pieces: int, seed: int, sr: int) -> list[dict]:
    """One plan per piece, the same for every program: an impulse response or ``None``, and a
    warp seed or ``None``."""
    rng = np.random.default_rng(seed)
    plans = []
    for _ in range(n_pieces):
        room = room_response(rng, sr) if rng.random() < ROOM_FRACTION else None
        warp = int(rng.integers(1 << 30)) if rng.random() < WARP_FRACTION else None
        plans.append(dict(room=room, warp=warp))
    return plans


def apply_piece_plans(audio: np.ndarray, spans: list[tuple[float, float]], plans: list[dict],
                      sr: int, tail: float = 0.8) -> np.ndarray:
    """Applies each piece's warp, then its room, to the piece's span plus ``tail`` seconds
    (the room's own tail is cut there, as the piece's is)."""
    from scipy.signal import fftconvolve

    out = audio.copy()
    for (start, end), plan in zip(spans, plans):
        a = int(start * sr)
        b = min(len(audio), int((end + tail) * sr))
        if b - a < 2:
            continue
        seg = out[a:b]
        if plan["warp"] is not None:
            seg = cubic_read(seg, time_warp_positions(len(seg), np.random.default_rng(plan["warp"]), sr))
        if plan["room"] is not None:
            seg = fftconvolve(seg, plan["room"])[: len(seg)].astype(np.float32)
        out[a:b] = seg
    return out


class SourceColour:
    """Draws the source-only augmentations of a batch: tilt and noise floor."""

    def __init__(self, g: Geometry = DEFAULT, tilt_db_per_octave: float = 2.5,
                 noise_fraction: float = 0.3, seed: int = 0):
        self.g = g
        self.tilt = tilt_db_per_octave
        self.noise_fraction = noise_fraction
        self.rng = np.random.default_rng(seed)
        freqs = np.maximum(np.arange(g.bins) * g.sample_rate / g.fft_size, 20.0)
        #: Octaves from 1 kHz per bin, clipped to the 50 Hz..16 kHz span a microphone tilts.
        self.octaves = np.clip(np.log2(freqs / 1000.0), np.log2(0.05), 4.0).astype(np.float32)
        #: Mean magnitude per bin of unit-RMS white noise through the analysis.
        self.white = white_noise_magnitude(g).astype(np.float32)
        self.pink = (self.white * np.sqrt(1000.0 / np.maximum(freqs, 40.0))).astype(np.float32)
        self.pink *= np.sqrt(np.sum(self.white ** 2) / np.sum(self.pink ** 2))

    def draw(self, size: int, piece_rms: float) -> tuple[np.ndarray, np.ndarray]:
        """(log-gain per bin ``[size, bins]`` in nepers, noise magnitude per bin
        ``[size, bins]``) for ``size`` examples at pieces of ``piece_rms``."""
        rng = self.rng
        slope = rng.uniform(-self.tilt, self.tilt, size=size).astype(np.float32)
        gain = slope[:, None] * self.octaves[None, :] * np.float32(np.log(10) / 20)
        level = piece_rms * 10 ** (-rng.uniform(35.0, 70.0, size=size) / 20)
        on = rng.random(size) < self.noise_fraction
        shape = np.where((rng.random(size) < 0.5)[:, None], self.white[None, :], self.pink[None, :])
        noise = (shape * (level * on)[:, None]).astype(np.float32)
        return gain, noise


def white_noise_magnitude(g: Geometry = DEFAULT, seconds: float = 4.0) -> np.ndarray:
    """RMS STFT magnitude per bin of white noise of RMS 1, in the scaled units features are
    the log of (``exp(feature) - feature_floor``)."""
    from . import analysis

    x = np.random.default_rng(0).standard_normal(int(seconds * g.sample_rate)).astype(np.float32)
    mag = np.maximum(np.exp(analysis.features(x, g).astype(np.float64)) - g.feature_floor, 0.0)
    return np.sqrt(np.mean(mag ** 2, axis=0))
