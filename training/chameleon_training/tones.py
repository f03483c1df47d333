"""Steady synthetic tones with no true target: a style keeps their level.

No bank plays "a square wave as a trumpet", so, like the broadband stream
(:mod:`chameleon_training.broadband`), these frames have no paired target. Unlike noise they
are harmonic, so the style's smooth long-term colour is no target either: a tone's partials
leave most low bands empty, and filling them would add hiss. What a producer expects of a
synth lead, an organ drone or a test tone is its own loudness, so the training target of a
tone frame is only its total power (:func:`chameleon_training.train.level_loss`); the
spectral shape is left to what the paired data taught.

The stream: square, pulse, saw, triangle and sine oscillators, alone or as chords of up to
four notes, held or gliding, with or without vibrato, at fundamentals from 30 Hz to 2 kHz
and RMS levels across the training gain range, with short gaps of silence. Without it a
retrained model's answer to such input is unconstrained: two models of one recipe were
measured 7 dB apart on a 110 Hz square wave.
"""

from __future__ import annotations

import numpy as np

from . import analysis
from .broadband import segments_at_training_levels

#: Oscillator waveforms of the stream.
WAVEFORMS = ("square", "pulse", "saw", "triangle", "sine")
#: Lowest and highest fundamental, Hz.
F0_RANGE_HZ = (30.0, 2000.0)


def oscillator(phase: np.ndarray, waveform: str, duty: float = 0.5) -> np.ndarray:
    """Naive (not band-limited, as test tones and simple synths are) waveform of unit peak at
    ``phase`` in cycles."""
    frac = np.mod(phase, 1.0)
    if waveform == "square":
        return np.where(frac < 0.5, 1.0, -1.0)
    if waveform == "pulse":
        return np.where(frac < duty, 1.0, -1.0)
    if waveform == "saw":
        return 2.0 * frac - 1.0
    if waveform == "triangle":
        return 1.0 - 4.0 * np.abs(frac - 0.5)
    if waveform == "sine":
        return np.sin(2 * np.pi * frac)
    raise ValueError(f"unknown waveform {waveform!r}")


def _tone(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """One held or gliding note or chord of ``n`` samples."""
    t = np.arange(n) / sr
    waveform = str(rng.choice(WAVEFORMS))
    duty = float(rng.uniform(0.1, 0.5))
    lo, hi = np.log(F0_RANGE_HZ[0]), np.log(F0_RANGE_HZ[1])
    root = float(np.exp(rng.uniform(lo, hi)))
    intervals = [0]
    if rng.random() < 0.35:  # a chord: up to three more notes within two octaves
        intervals += sorted(rng.choice(np.arange(3, 25), size=int(rng.integers(1, 4)), replace=False).tolist())
    glide = np.zeros(n)
    if rng.random() < 0.25:  # a sweep of up to three octaves either way
        glide = np.linspace(0.0, float(rng.uniform(-3.0, 3.0)), n)
    vibrato = np.zeros(n)
    if rng.random() < 0.4:  # up to 40 cents at 4 to 7 Hz
        vibrato = float(rng.uniform(5.0, 40.0)) / 1200.0 * np.sin(2 * np.pi * rng.uniform(4.0, 7.0) * t)
    x = np.zeros(n)
    for semis in intervals:
        f = root * 2.0 ** (semis / 12.0 + glide + vibrato)
        f = np.minimum(f, 0.45 * sr)
        x += oscillator(np.cumsum(f) / sr + rng.random(), waveform, duty)
    attack = max(1, int(rng.uniform(0.002, 0.2) * sr))
    release = max(1, int(rng.uniform(0.005, 0.3) * sr))
    env = np.ones(n)
    env[:attack] = np.linspace(0.0, 1.0, attack)
    env[-release:] = np.minimum(env[-release:], np.linspace(1.0, 0.0, release))
    return x * env


def stream(seed: int, seconds: float, sr: int = analysis.SAMPLE_RATE) -> np.ndarray:
    """About ``seconds`` of tones at RMS levels around ``data.PIECE_RMS`` (+-12 dB)."""
    rng = np.random.default_rng(seed)
    return segments_at_training_levels(rng, lambda: _tone(rng, int(rng.uniform(0.5, 4.0) * sr), sr),
                                       seconds, sr)
