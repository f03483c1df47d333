"""The style-conditioned spectral model (output kind ``mask_noise`` of docs/model-format.md).

Per frame the model sees the last ``context`` log-magnitude frames and a style vector, and
returns

* ``mask``  = exp(style · EQ + residual): a static per-style EQ curve (initialised from the
  data's long-term spectra) times a bounded, input-dependent correction, so the model starts
  from a per-style EQ and only learns what EQ cannot do;
* ``noise`` = envelope · exp(style · noise_bias + noise_residual): the magnitude of an added
  random-phase component, relative to the 1/3-octave envelope of the current input frame.
  It creates what a mask cannot: breath, bow noise, ensemble and vibrato smear.

Style conditioning is a learned embedding table weighted by the style vector, added to the
trunk at every block, so a morph is the same network fed a blended vector.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .analysis import DEFAULT, Geometry


def third_octave_matrix(g: Geometry = DEFAULT, low_hz: float = 40.0) -> np.ndarray:
    """``[bands, bins]`` row-normalised band-averaging matrix: 1/3-octave bands from
    ``low_hz`` to Nyquist; bins below ``low_hz`` join the first band. Every bin belongs to
    exactly one band, and every band holds at least one bin."""
    freqs = np.arange(g.bins) * g.sample_rate / g.fft_size
    edges = [0.0]
    f = low_hz
    while f < g.sample_rate / 2:
        edges.append(f)
        f *= 2 ** (1 / 3)
    edges.append(g.sample_rate / 2 + 1)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (freqs >= lo) & (freqs < hi)
        if sel.any():
            rows.append(sel.astype(np.float64))
    m = np.array(rows)
    # Merge bins that fell in no band (none should) into the last row.
    return m / m.sum(axis=1, keepdims=True)


def smoothing_matrix(g: Geometry = DEFAULT) -> np.ndarray:
    """``[bins, bins]`` matrix that replaces each bin's power by its 1/3-octave band mean."""
    m = third_octave_matrix(g)
    member = (m > 0).astype(np.float64)
    return member.T @ m


class StyleModel(nn.Module):
    """Causal context frames + style vector -> (mask, noise), both ``[batch, bins]``."""

    def __init__(self, n_styles: int, context: int = 6, frame_dim: int = 96, hidden: int = 256,
                 blocks: int = 2, g: Geometry = DEFAULT,
                 eq_init: np.ndarray | None = None,
                 feat_mean: np.ndarray | None = None, feat_std: np.ndarray | None = None,
                 max_residual: float = 2.5):
        super().__init__()
        bins = g.bins
        self.n_styles = n_styles
        self.context = context
        self.bins = bins
        self.hparams = dict(n_styles=n_styles, context=context, frame_dim=frame_dim,
                            hidden=hidden, blocks=blocks, max_residual=max_residual)
        self.floor = float(g.feature_floor)
        self.max_residual = float(max_residual)
        mean = np.full(bins, math.log(1e-3)) if feat_mean is None else feat_mean
        std = np.full(bins, 3.0) if feat_std is None else feat_std
        self.register_buffer("feat_mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("feat_std", torch.tensor(std, dtype=torch.float32))
        bands = third_octave_matrix(g)
        self.register_buffer("band_mean", torch.tensor(bands.T, dtype=torch.float32))
        self.register_buffer("band_member", torch.tensor((bands > 0).astype(np.float32)))
        self.frame_proj = nn.Linear(bins, frame_dim)
        self.in_proj = nn.Linear(context * frame_dim, hidden)
        self.style_emb = nn.Parameter(torch.randn(blocks + 1, n_styles, hidden) * 0.1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, hidden))
            for _ in range(blocks)
        )
        self.mask_head = nn.Linear(hidden, bins)
        self.noise_head = nn.Linear(hidden, bins)
        eq = np.zeros((n_styles, bins)) if eq_init is None else eq_init
        self.eq = nn.Parameter(torch.tensor(eq, dtype=torch.float32))
        self.noise_bias = nn.Parameter(torch.full((n_styles, bins), -4.0))
        for head in (self.mask_head, self.noise_head):
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)
        for block in self.blocks:
            nn.init.zeros_(block[2].weight)
            nn.init.zeros_(block[2].bias)

    def forward(self, features: torch.Tensor, style: torch.Tensor):
        """``features`` ``[B, context, bins]``, ``style`` ``[B, n_styles]`` ->
        (``mask`` ``[B, bins]``, ``noise`` ``[B, bins]`` in magnitude_scale units)."""
        x = (features - self.feat_mean) / self.feat_std
        h = torch.nn.functional.gelu(self.frame_proj(x))
        h = h.reshape(h.shape[0], -1)
        z = torch.nn.functional.gelu(self.in_proj(h) + style @ self.style_emb[0])
        for i, block in enumerate(self.blocks):
            z = z + block(z + style @ self.style_emb[i + 1])
        residual = self.max_residual * torch.tanh(self.mask_head(z) / self.max_residual)
        log_mask = style @ self.eq + residual
        mask = torch.exp(torch.clamp(log_mask, -14.0, 4.0))
        cur = torch.clamp(torch.exp(features[:, -1, :]) - self.floor, min=0.0)
        env = torch.sqrt(torch.clamp((cur * cur) @ self.band_mean @ self.band_member, min=1e-12))
        log_noise = style @ self.noise_bias + self.noise_head(z)
        noise = env * torch.exp(torch.clamp(log_noise, -14.0, 2.0))
        return mask, noise


def predicted_magnitude(features_cur: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor,
                        floor: float) -> torch.Tensor:
    """Expected output magnitude (magnitude_scale units) of ``mask · X + noise · e^{iφ}`` with
    random φ: ``sqrt((mask |X|)^2 + noise^2)``."""
    cur = torch.clamp(torch.exp(features_cur) - floor, min=0.0)
    return torch.sqrt((mask * cur) ** 2 + noise ** 2 + 1e-20)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
