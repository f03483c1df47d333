"""Gain-invariant spectral distances, chroma correlation and match-EQ, all on the analysis
of chameleon_training.analysis (48 kHz, N = 1024, H = 256).

* LSD (dB): per frame ``sqrt(mean_bins (20 log10 |Y| - 20 log10 |T|)^2)``, averaged over
  frames whose target energy is within :data:`FRAME_FLOOR_DB` of the loudest target frame.
  ``Y`` is first scaled to the energy of ``T`` over those frames (gain invariance), and both
  magnitudes get a floor :data:`BIN_FLOOR_DB` below the loudest target bin.
* Envelope LSD (dB): the same on 1/3-octave band powers from 40 Hz up (every band weighted
  equally; the DC bin joins the lowest band), which measures timbre rather than the detail of
  individual partials.
"""

from __future__ import annotations

import numpy as np

from chameleon_training import analysis
from chameleon_training.model import third_octave_matrix

FRAME_FLOOR_DB = 40.0
BIN_FLOOR_DB = 60.0


def magnitudes(audio: np.ndarray) -> np.ndarray:
    """|STFT| ``[frames, bins]`` of mono audio."""
    return np.abs(analysis.stft(audio))


def active_frames(target_mag: np.ndarray, floor_db: float = FRAME_FLOOR_DB) -> np.ndarray:
    """Boolean mask of frames within ``floor_db`` of the loudest target frame."""
    e = np.sum(target_mag ** 2, axis=1)
    return e > e.max() * 10 ** (-floor_db / 10)


def _align(y_mag: np.ndarray, t_mag: np.ndarray):
    n = min(len(y_mag), len(t_mag))
    return y_mag[:n], t_mag[:n]


def lsd(y_mag: np.ndarray, t_mag: np.ndarray) -> float:
    """Gain-invariant log-spectral distance, dB (see module docs)."""
    y, t = _align(y_mag, t_mag)
    act = active_frames(t)
    y, t = y[act], t[act]
    y = y * np.sqrt(np.sum(t ** 2) / max(np.sum(y ** 2), 1e-30))
    eps = t.max() * 10 ** (-BIN_FLOOR_DB / 20)
    d = 20 * np.log10(y + eps) - 20 * np.log10(t + eps)
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=1))))


_BANDS = third_octave_matrix()


def band_power(mag: np.ndarray, bands: np.ndarray = _BANDS) -> np.ndarray:
    """Mean power per band ``[frames, bands]`` of magnitudes ``[frames, bins]``, for a
    ``[bands, bins]`` band-averaging matrix (default: the 1/3-octave bands)."""
    return (mag ** 2) @ bands.T


def _envelope_bands() -> np.ndarray:
    """``[bands, bins]`` band-averaging matrix of the envelope LSD: the 1/3-octave bands of
    :func:`third_octave_matrix` from 40 Hz up, with the bins below 40 Hz (only the DC bin at
    N = 1024) merged into the lowest band rather than counted as a band of their own."""
    member = third_octave_matrix() > 0
    merged = member[1:].copy()
    merged[0] |= member[0]
    return merged / merged.sum(axis=1, keepdims=True)


#: The envelope LSD's bands (see :func:`_envelope_bands`).
ENVELOPE_BANDS = _envelope_bands()
#: The envelope LSD's bands before model 1.1: the DC bin as a band of its own (kept so reports
#: can show both definitions).
ENVELOPE_BANDS_WITH_DC = _BANDS


def envelope_lsd(y_mag: np.ndarray, t_mag: np.ndarray, bands: np.ndarray = ENVELOPE_BANDS) -> float:
    """Gain-invariant LSD of 1/3-octave band powers (``bands``, ``[bands, bins]``), dB."""
    y, t = _align(y_mag, t_mag)
    act = active_frames(t)
    y, t = y[act], t[act]
    y = y * np.sqrt(np.sum(t ** 2) / max(np.sum(y ** 2), 1e-30))
    py, pt = band_power(y, bands), band_power(t, bands)
    eps = (t.max() * 10 ** (-BIN_FLOOR_DB / 20)) ** 2
    d = 10 * np.log10(py + eps) - 10 * np.log10(pt + eps)
    return float(np.mean(np.sqrt(np.mean(d ** 2, axis=1))))


#: Chroma uses its own long analysis window: at N = 1024 the 47 Hz bin spacing cannot tell
#: neighbouring semitones apart below about 800 Hz.
CHROMA_FFT = 8192
CHROMA_HOP = 2048


def _chroma_matrix(lo: float = 55.0, hi: float = 5000.0) -> np.ndarray:
    f = np.arange(CHROMA_FFT // 2 + 1) * analysis.SAMPLE_RATE / CHROMA_FFT
    m = np.zeros((12, f.size))
    sel = (f >= lo) & (f <= hi)
    pc = np.round(12 * np.log2(f[sel] / 440.0)).astype(int) % 12
    m[pc, np.nonzero(sel)[0]] = 1.0
    return m


_CHROMA = _chroma_matrix()


def chroma(audio: np.ndarray) -> np.ndarray:
    """Per-frame 12-bin chroma (power; Hann window of 8192 samples, hop 2048), each frame
    normalised to unit sum, and each frame's energy: (``[frames, 12]``, ``[frames]``)."""
    x = np.asarray(audio, dtype=np.float64)
    n = max(0, (len(x) - CHROMA_FFT) // CHROMA_HOP + 1)
    idx = np.arange(n)[:, None] * CHROMA_HOP + np.arange(CHROMA_FFT)[None, :]
    p = np.abs(np.fft.rfft(x[idx] * np.hanning(CHROMA_FFT)[None, :], axis=1)) ** 2
    c = p @ _CHROMA.T
    return c / np.maximum(c.sum(axis=1, keepdims=True), 1e-30), p.sum(axis=1)


def chroma_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the chroma sequences of two time-aligned signals, over the
    frames of ``a`` within 40 dB of its loudest frame."""
    n = min(len(a), len(b))
    ca, ea = chroma(a[:n])
    cb, _ = chroma(b[:n])
    act = ea > ea.max() * 1e-4
    return float(np.corrcoef(ca[act].ravel(), cb[act].ravel())[0, 1])


def smoothed_power(mean_power: np.ndarray) -> np.ndarray:
    """A ``[bins]`` power spectrum with every bin replaced by its 1/3-octave band mean."""
    member = (_BANDS > 0).astype(np.float64)
    return member.T @ (_BANDS @ mean_power)


def match_eq_gain(source_mag: np.ndarray, style_mean_power: np.ndarray, max_db: float = 30.0) -> np.ndarray:
    """The static match-EQ a producer would set: per-bin amplitude gain mapping the clip's own
    1/3-octave long-term spectrum onto the style's average spectrum, clamped to ±``max_db``."""
    act = active_frames(source_mag)
    clip = smoothed_power(np.mean(source_mag[act] ** 2, axis=0))
    style = smoothed_power(style_mean_power)
    gain = np.sqrt((style + 1e-20) / (clip + 1e-20))
    gain /= np.sqrt(np.sum(style) / max(np.sum(clip), 1e-30))  # level-neutral
    lim = 10 ** (max_db / 20)
    return np.clip(gain, 1 / lim, lim)


def apply_static_gain(audio: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """Filters mono audio with a static per-bin gain through the STFT (latency removed)."""
    g = analysis.DEFAULT
    x = np.concatenate([np.asarray(audio, dtype=np.float64), np.zeros(g.fft_size)])
    spec = analysis.stft(x) * gain[None, :]
    y = analysis.istft(spec, len(x))
    return y[g.latency:g.latency + len(audio)].astype(np.float32)
