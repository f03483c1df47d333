"""The one place where the STFT analysis of docs/model-format.md is defined.

Everything that turns audio into model features (training data, evaluation, the Python
reference engine, the exporter's metadata) goes through this module, so the Python side
cannot drift from the Rust engine:

* periodic square-root Hann window ``w[n] = sin(pi n / N)``;
* unnormalised forward real FFT (``numpy.fft.rfft``);
* the stream is preceded by ``N - H`` zeros, so frame ``t`` covers samples
  ``[t*H - (N - H), t*H + H)`` (the frame that ends with hop ``t``);
* features ``ln(magnitude_scale * |X| + feature_floor)``;
* resynthesis: ``irfft``, then the synthesis window over the last ``synthesis_len`` samples of
  each frame (the same window when that is ``N``; the low-delay window of
  ``dsp/src/low_delay_window.rs`` otherwise), overlap-add, scaled so an unmodified spectrum
  returns the input (delayed by ``synthesis_len - H`` samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Sample rate the bundled models are trained at, Hz.
SAMPLE_RATE = 48000
#: FFT (window) size N, samples.
FFT_SIZE = 1024
#: Hop H, samples.
HOP = 256
#: Multiplies |X| before the log (2 / N: a full-scale sine peaks near 0.64).
MAGNITUDE_SCALE = 2.0 / FFT_SIZE
#: Added before the log.
FEATURE_FLOOR = 1e-5
#: The only window of format version 1.
WINDOW = "sqrt_hann"
#: The only feature of format version 1.
FEATURE = "log_magnitude"


@dataclass(frozen=True)
class Geometry:
    """STFT geometry and feature scaling of one model."""

    sample_rate: int = SAMPLE_RATE
    fft_size: int = FFT_SIZE
    hop: int = HOP
    magnitude_scale: float = MAGNITUDE_SCALE
    feature_floor: float = FEATURE_FLOOR
    #: Samples resynthesised at the end of each frame; ``None`` means the whole frame.
    synthesis_len: int | None = None

    @property
    def bins(self) -> int:
        """Number of rfft bins, N/2 + 1."""
        return self.fft_size // 2 + 1

    @property
    def span(self) -> int:
        """The synthesis window's length, samples (N unless ``synthesis_len`` says less)."""
        return self.fft_size if self.synthesis_len is None else self.synthesis_len

    @property
    def latency(self) -> int:
        """Delay of analysis + resynthesis alone, samples (span - H)."""
        return self.span - self.hop


DEFAULT = Geometry()


def sqrt_hann(n: int) -> np.ndarray:
    """Periodic square-root Hann window of ``n`` samples (float64)."""
    return np.sin(np.pi * np.arange(n) / n)


def synthesis_window(n: int, span: int) -> np.ndarray:
    """The synthesis window for the last ``span`` samples of a frame of ``n`` analysed with
    :func:`sqrt_hann`: the Hann window of ``span`` samples divided by the analysis window's
    tail (the square-root Hann window itself when ``span == n``)."""
    if span == n:
        return sqrt_hann(n)
    m = np.arange(span)
    hann = np.sin(np.pi * m / span) ** 2
    return hann / np.sin(np.pi * (n - span + m) / n)


def n_frames(n_samples: int, g: Geometry = DEFAULT) -> int:
    """Number of complete frames for a stream of ``n_samples`` samples (one per full hop)."""
    return n_samples // g.hop


def frame_signal(x: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """Frames a mono signal per the format: ``[frames, N]``, frame t ending with hop t."""
    x = np.asarray(x, dtype=np.float64)
    pad = np.concatenate([np.zeros(g.fft_size - g.hop), x])
    t = n_frames(len(x), g)
    idx = np.arange(t)[:, None] * g.hop + np.arange(g.fft_size)[None, :]
    return pad[idx]


def stft(x: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """Complex spectra ``[frames, bins]`` of a mono signal (unnormalised rfft, complex128)."""
    frames = frame_signal(x, g) * sqrt_hann(g.fft_size)[None, :]
    return np.fft.rfft(frames, axis=-1)


def features_from_magnitude(mag: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """``ln(magnitude_scale * |X| + feature_floor)`` as float32."""
    return np.log(g.magnitude_scale * np.asarray(mag) + g.feature_floor).astype(np.float32)


def magnitude_from_features(f: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """Inverse of :func:`features_from_magnitude` (|X|, clipped at 0)."""
    return np.maximum(np.exp(np.asarray(f, dtype=np.float64)) - g.feature_floor, 0.0) / g.magnitude_scale


def features(x: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """Feature frames ``[frames, bins]`` (float32) of a mono signal."""
    return features_from_magnitude(np.abs(stft(x, g)), g)


def silence_feature(g: Geometry = DEFAULT) -> float:
    """The feature value of a silent bin, ``ln(feature_floor)``."""
    return float(np.log(g.feature_floor))


def context_windows(feats: np.ndarray, context: int, g: Geometry = DEFAULT) -> np.ndarray:
    """``[frames, context, bins]``: for each frame the last ``context`` frames, oldest first,
    with silence before the stream starts (what the engine feeds the model)."""
    t, b = feats.shape
    pad = np.full((context - 1, b), silence_feature(g), dtype=np.float32)
    full = np.concatenate([pad, feats.astype(np.float32)])
    idx = np.arange(t)[:, None] + np.arange(context)[None, :]
    return full[idx]


def istft(spec: np.ndarray, n_samples: int, g: Geometry = DEFAULT) -> np.ndarray:
    """Overlap-add resynthesis of ``[frames, bins]`` spectra.

    Output sample ``i`` of the result corresponds to input sample ``i - (span - H)`` (the
    engine's STFT latency). The returned signal has ``n_samples`` samples.
    """
    n, h, span = g.fft_size, g.hop, g.span
    w = synthesis_window(n, span)
    tail = sqrt_hann(n)[n - span:]
    spec = np.array(spec, dtype=np.complex128, copy=True)
    spec[:, 0] = spec[:, 0].real
    spec[:, -1] = spec[:, -1].real
    frames = np.fft.irfft(spec, n=n, axis=-1)[:, n - span:] * w[None, :]
    wsum = np.zeros(h)
    for k in range(span // h):
        wsum += (tail * w)[k * h:(k + 1) * h]
    gain = 1.0 / wsum[0]
    t = frames.shape[0]
    out = np.zeros(t * h + span)
    for i in range(t):
        out[i * h:i * h + span] += frames[i]
    out *= gain
    # Frame t is output while hop t completes: its first resynthesised sample sits at stream
    # index t*H - (span - H); in the delayed output stream that is index t*H.
    return out[:n_samples]
