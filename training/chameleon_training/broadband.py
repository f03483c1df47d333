"""Broadband and percussive input with no true target: what a style should do with noise,
drums and clicks.

No bank can render "white noise played as strings", so these frames have no paired target.
What a producer expects is the style's colour at the input's loudness, never a boost: the
training target for such a frame is the style's long-term mean spectrum (from the paired
data) scaled to the frame's own total power, compared on 1/3-octave bands
(:func:`chameleon_training.train.broadband_loss`). The stream here is synthetic: white, pink
and brown noise with envelopes, noise bursts like snares and hats, pitched-down sine kicks with
a click, and click trains, at levels across the training gain range.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import analysis
from .analysis import DEFAULT, Geometry


@dataclass
class UnpairedData:
    """Features of a synthetic stream with no paired target (this module's broadband stream,
    :mod:`chameleon_training.tones`)."""

    #: ``[frames, bins]`` float16 features.
    feats: np.ndarray
    #: Frames with sound in them (worth training on).
    valid: np.ndarray
    #: ``[frames, state]`` float16 recurrent states after each frame, for sustain models.
    held: np.ndarray | None = None


def _coloured_noise(rng: np.random.Generator, n: int, colour: str) -> np.ndarray:
    x = rng.standard_normal(n)
    if colour == "white":
        return x
    spec = np.fft.rfft(x)
    f = np.maximum(np.arange(len(spec)), 1.0)
    spec /= np.sqrt(f) if colour == "pink" else f
    y = np.fft.irfft(spec, n)
    return y / (np.std(y) + 1e-12)


def _burst(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A snare- or hat-like noise burst: filtered noise with an exponential decay."""
    from scipy.signal import butter, lfilter

    n = int(rng.uniform(0.05, 0.45) * sr)
    x = rng.standard_normal(n)
    lo = float(rng.uniform(150.0, 6000.0))
    b, a = butter(2, [lo / (sr / 2), min(0.99, lo * rng.uniform(2.0, 8.0) / (sr / 2))], btype="band")
    x = lfilter(b, a, x) if rng.random() < 0.6 else x
    decay = float(rng.uniform(0.02, 0.25))
    return x * np.exp(-np.arange(n) / sr / decay) / (np.std(x[: max(1, n // 8)]) + 1e-12)


def _kick(rng: np.random.Generator, sr: int) -> np.ndarray:
    """A kick drum: a sine falling from ~150 to ~50 Hz with a fast decay and a click."""
    n = int(rng.uniform(0.2, 0.6) * sr)
    t = np.arange(n) / sr
    f = 45.0 + float(rng.uniform(60.0, 160.0)) * np.exp(-t / 0.04)
    x = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / float(rng.uniform(0.08, 0.3)))
    click = rng.standard_normal(n) * np.exp(-t / 0.003) * 0.5
    return x + click


def stream(seed: int, seconds: float, sr: int = analysis.SAMPLE_RATE) -> np.ndarray:
    """About ``seconds`` of broadband material at RMS levels around ``data.PIECE_RMS``
    (+-12 dB), with short gaps of silence."""
    rng = np.random.default_rng(seed)

    def segment() -> np.ndarray:
        kind = rng.integers(0, 5)
        dur = int(rng.uniform(0.6, 3.5) * sr)
        if kind == 0:  # steady or swelling noise
            x = _coloured_noise(rng, dur, str(rng.choice(["white", "pink", "brown"])))
            env = np.ones(dur)
            if rng.random() < 0.5:
                ramp = np.linspace(0, 1, dur)
                env = ramp if rng.random() < 0.5 else ramp[::-1]
            x *= env
        elif kind in (1, 2):  # drum pattern: kicks and bursts on a grid
            x = np.zeros(dur)
            step = int(rng.uniform(0.09, 0.3) * sr)
            for k, at in enumerate(range(0, dur, step)):
                hit = _kick(rng, sr) if (k % 4 == 0 and rng.random() < 0.8) else _burst(rng, sr)
                if rng.random() < 0.2:
                    continue
                end = min(dur, at + len(hit))
                x[at:end] += hit[: end - at] * rng.uniform(0.4, 1.0)
        elif kind == 3:  # click train
            x = np.zeros(dur)
            period = int(sr / rng.uniform(2.0, 30.0))
            x[::period] = 1.0
            if rng.random() < 0.5:
                x = np.convolve(x, np.exp(-np.arange(64) / 8.0))
                x = x[:dur]
        else:  # noise with a tremolo
            x = _coloured_noise(rng, dur, "white") * (0.6 + 0.4 * np.sin(
                2 * np.pi * rng.uniform(1.0, 9.0) * np.arange(dur) / sr))
        return x

    return segments_at_training_levels(rng, segment, seconds, sr)


def segments_at_training_levels(rng: np.random.Generator, segment: Callable[[], np.ndarray],
                                seconds: float, sr: int) -> np.ndarray:
    """``segment()`` after ``segment()``, each scaled to an RMS level within ±12 dB of
    ``data.PIECE_RMS`` and followed by 0.05 to 0.5 s of silence, until about ``seconds`` of
    segments at ``sr`` Hz; float32."""
    from .data import PIECE_RMS

    parts = []
    total = 0
    while total < seconds * sr:
        x = segment()
        rms = np.sqrt(np.mean(x ** 2)) + 1e-12
        parts.append(x * (PIECE_RMS * 10 ** (rng.uniform(-12.0, 12.0) / 20) / rms))
        parts.append(np.zeros(int(rng.uniform(0.05, 0.5) * sr)))
        total += len(x)
    return np.concatenate(parts).astype(np.float32)


def build_unpaired(name: str, stream_of: Callable[[int, float, int], np.ndarray], seed: int,
                   seconds: float, g: Geometry = DEFAULT, cache_dir: Path | None = None,
                   state_programs: bool = False, longterm: bool = False,
                   onset: bool = False) -> UnpairedData:
    """Features of ``stream_of(seed, seconds, sample_rate)`` (this module's :func:`stream`, or
    :func:`chameleon_training.tones.stream`), cached as ``name-seed-seconds-geometry``; the
    frames above the quietest tenth are the ones worth training on. With ``state_programs`` the
    recurrent states of sustain models follow (``model.sustain_states``)."""
    from .render import CACHE_DIR

    cache = Path(cache_dir or CACHE_DIR) / "features"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"{name}-{seed}-{int(seconds)}-{g.fft_size}-{g.hop}.npy"
    if path.exists():
        feats = np.load(path)
    else:
        feats = analysis.features(stream_of(seed, seconds, g.sample_rate), g).astype(np.float16)
        np.save(path, feats)
    mag = np.exp(feats.astype(np.float32)) - g.feature_floor
    energy = np.sum(mag * mag, axis=1)
    valid = np.nonzero(energy > np.percentile(energy, 10) + 1e-9)[0]
    data = UnpairedData(feats, valid)
    if state_programs:
        from .model import sustain_states

        data.held = sustain_states(feats, g, longterm, onset).astype(np.float16)
    return data
