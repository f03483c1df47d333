"""The engine's latency modes (``dsp/src/latency_mode.rs``): the hop and synthesis span the
Rust engine runs a model at, mirrored for the reference engine.

- ``studio``: the model's hop; the last three quarters of each frame resynthesised (the whole
  frame for a half-window hop).
- ``live``: a hop of an eighth of the window; its last quarter resynthesised. The model still
  sees frames one model hop apart: frame ``t`` runs in phase ``t mod (model hop / hop)``, each
  phase with its own context and state.
"""

from __future__ import annotations

from dataclasses import replace

from .analysis import Geometry

MODES = ("studio", "live")


def studio_synthesis_len(g: Geometry) -> int:
    """The largest whole number of hops within three quarters of the window, or the window."""
    span = g.fft_size * 3 // 4 // g.hop * g.hop
    return span if span >= 2 * g.hop else g.fft_size


def engine_geometry(model: Geometry, mode: str) -> Geometry:
    """The geometry the engine runs a model of geometry ``model`` at in ``mode``."""
    if mode == "studio":
        return replace(model, synthesis_len=studio_synthesis_len(model))
    if mode == "live":
        hop = model.fft_size // 8
        return replace(model, hop=hop, synthesis_len=2 * hop)
    raise ValueError(f"latency mode must be one of {MODES}, not {mode!r}")


def phases(model: Geometry, engine: Geometry) -> int:
    """Engine hops per model hop."""
    if model.hop % engine.hop:
        raise ValueError(f"engine hop {engine.hop} does not divide the model's {model.hop}")
    return model.hop // engine.hop
