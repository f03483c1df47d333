"""Generated phase (model format version 2, ``chameleon.phase = generated``): the Python
mirror of the Rust engine's ``dsp/src/generated_phase.rs``, run by the reference engine.

Where the output is much louder than the input in a bin (energy the input does not have), the
output's phase is propagated from its own previous frame by the bin's instantaneous frequency,
tracked from the input while the input still carries the partial and held after it fades.
Up to ``SUPPORT_LOW_DB`` over the input the input phase is kept exactly, from
``SUPPORT_HIGH_DB`` on the propagated phase is used, with a smoothstep blend of the phasors in
between. Magnitudes are never changed. Frames run in float32, as in Rust. Generated phase runs only
where the synthesis span is more than half the frame (:func:`runs_at`; Live keeps the input's
phase, see the Rust module's "Only where the synthesis span is long").
"""

from __future__ import annotations

import numpy as np

#: Output up to this many dB over the input keeps the input's phase exactly.
SUPPORT_LOW_DB = 6.0
#: Output this many dB or more over the input takes the propagated phase.
SUPPORT_HIGH_DB = 18.0
#: Input bins within this many dB of the frame's loudest bin update the frequency estimate.
TRACK_RANGE_DB = 60.0
#: Mean energy per bin under which the engine skips a frame (``frame::SILENCE_ENERGY``).
SILENCE_ENERGY = 1e-8

TAU = np.float32(2 * np.pi)


def runs_at(fft_size: int, synthesis_len: int) -> bool:
    """Whether generated phase runs at an engine geometry: a synthesis span of more than half
    the frame (``generated_phase::runs_at``)."""
    return 2 * synthesis_len > fft_size


def wrap(x: np.ndarray) -> np.ndarray:
    """``x`` wrapped into ``[-pi, pi]``."""
    return (x - TAU * np.round(x / TAU)).astype(np.float32)


def generated_weight(gain_db: np.ndarray) -> np.ndarray:
    """The share of the propagated phase for an output ``gain_db`` over the input."""
    t = np.nan_to_num((np.asarray(gain_db, dtype=np.float32) - SUPPORT_LOW_DB) /
                      np.float32(SUPPORT_HIGH_DB - SUPPORT_LOW_DB), nan=0.0)
    t = np.clip(t, 0.0, 1.0).astype(np.float32)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def apply(inputs: np.ndarray, outputs: np.ndarray, fft_size: int, hop: int,
          active: np.ndarray | None = None) -> np.ndarray:
    """Generated phase over one channel's frames: ``inputs`` and ``outputs`` are complex
    ``[frames, bins]`` (outputs computed with the input phase); frames where ``active`` is
    false are skipped as the engine skips silent hops. Returns the new outputs."""
    frames, bins = inputs.shape
    nominal = wrap(TAU * np.arange(bins, dtype=np.float32) * np.float32(hop) / np.float32(fft_size))
    input_phase = np.zeros(bins, np.float32)
    output_phase = np.zeros(bins, np.float32)
    advance = np.zeros(bins, np.float32)
    last = None
    out = outputs.astype(np.complex64).copy()
    floor_ratio = np.float32(10 ** (-TRACK_RANGE_DB / 10))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t in range(frames):
            if active is not None and not active[t]:
                continue
            x = inputs[t].astype(np.complex64)
            y = out[t]
            power_in = (x.real * x.real + x.imag * x.imag).astype(np.float32)
            phase_in = np.arctan2(x.imag, x.real).astype(np.float32)
            power_out = (y.real * y.real + y.imag * y.imag).astype(np.float32)
            weight = np.where(power_in > 0,
                              generated_weight(np.float32(10) * np.log10(power_out / power_in)),
                              np.float32(1.0)).astype(np.float32)
            if last is None:
                advance = nominal.copy()
                generated = phase_in
            else:
                n = np.float32(t - last)
                track = (weight < 1) & (power_in > power_in.max() * floor_ratio) & (power_in > 0)
                expected = input_phase + nominal * n
                advance = np.where(track, nominal + wrap(phase_in - expected) / n, advance).astype(np.float32)
                generated = wrap(output_phase + advance * n)
            last = t
            input_phase = phase_in
            re = (1 - weight) * np.cos(phase_in) + weight * np.cos(generated)
            im = (1 - weight) * np.sin(phase_in) + weight * np.sin(generated)
            blended = np.where(re * re + im * im > 1e-12, np.arctan2(im, re), generated).astype(np.float32)
            phase_out = np.where(weight <= 0, phase_in, np.where(weight >= 1, generated, blended)).astype(np.float32)
            output_phase = phase_out
            change = (weight > 0) & (power_out > 0)
            mag = np.sqrt(power_out)
            out[t] = np.where(change, mag * np.exp(1j * phase_out), y)
    return out
