"""The style-conditioned spectral model (output kinds of docs/model-format.md).

Per frame the model sees the last ``context`` log-magnitude frames and a style vector, and,
for the default output kind ``mask_noise``, returns

* ``mask``  = exp(style · EQ + residual): a static per-style EQ curve (initialised from the
  data's long-term spectra) times a bounded, input-dependent correction, so the model starts
  from a per-style EQ and only learns what EQ cannot do;
* ``noise`` = envelope · exp(style · noise_bias + noise_residual): the magnitude of an added
  random-phase component, relative to the 1/3-octave envelope of the current input frame.
  It creates what a mask cannot: breath, bow noise, ensemble and vibrato smear.

Style conditioning is a learned embedding table weighted by the style vector, added to the
trunk at every block, so a morph is the same network fed a blended vector.

The other output kinds share the trunk: ``mask`` drops the noise branch, and ``magnitude``
predicts the output log-magnitude as an offset from the input frame's (``ln|Y| = ln(|X| +
floor) + style · EQ + residual``), so it can create energy where the input has none.

With ``sustain`` the model also carries a recurrent state (``state_in``/``state_out``): per
1/3-octave band, the input level held at its recent peak and decaying at
:data:`SUSTAIN_DECAY_DB_PER_S`. How far the current frame lies below that held peak tells the
network how long a note has been decaying, which the last few frames alone cannot, so a piano
or guitar source can be held up to the sustain of a bowed, blown or sung target.

With ``longterm`` as well, the state carries a second value per band: the input's long-term
band level, the log of an exponential moving average of band power with a time constant of
:data:`LONGTERM_SECONDS`. It gives the network what a match-EQ knows (the source's long-term
spectrum) so it can fit the style to the source it is hearing, not to an average source.

With ``onset`` the state carries, per band and for each rate of :data:`ONSET_RISE_DB_PER_S`,
a level that follows the input down at once but rises no faster than that rate. How far the
current frame lies above each of them tells the network how recently, and from how low, the
band's level rose: the age of a note, so an attack can be shaped (a bowed or blown swell from
a struck or plucked onset) rather than copied from the source.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .analysis import DEFAULT, Geometry

#: Output kinds this model can be built with (docs/model-format.md).
OUTPUT_KINDS = ("mask_noise", "mask", "magnitude")
#: How fast the held band level of the sustain state falls, dB per second.
SUSTAIN_DECAY_DB_PER_S = 6.0
#: Band level (magnitude_scale units, natural log) that the sustain state counts from; a zero
#: state means silence.
SUSTAIN_FLOOR_LOG = math.log(1e-5)
#: Lowest unclamped held level kept by :func:`sustain_states`, nepers above the floor.
SUSTAIN_MIN = -30.0
#: Time constant of the long-term band level of the ``longterm`` state, seconds.
LONGTERM_SECONDS = 3.0
#: Rise rates of the ``onset`` state's band levels, dB per second (each falls at once).
ONSET_RISE_DB_PER_S = (30.0, 120.0)


def sustain_decay_per_frame(g: Geometry = DEFAULT) -> float:
    """Fall of the held level per hop, nepers."""
    return SUSTAIN_DECAY_DB_PER_S * math.log(10) / 20 * g.hop / g.sample_rate


def longterm_coeff(g: Geometry = DEFAULT) -> float:
    """Weight of the newest frame's band power in the long-term average, per hop."""
    return g.hop / (LONGTERM_SECONDS * g.sample_rate)


def onset_rise_per_frame(g: Geometry = DEFAULT) -> list[float]:
    """Largest rise per hop of each ``onset`` level, nepers."""
    return [r * math.log(10) / 20 * g.hop / g.sample_rate for r in ONSET_RISE_DB_PER_S]


def state_width(n_bands: int, longterm: bool = False, onset: bool = False) -> int:
    """Values in the recurrent state: the held levels, then the long-term levels with
    ``longterm``, then one band row per rise rate with ``onset``."""
    return n_bands * (1 + int(longterm) + (len(ONSET_RISE_DB_PER_S) if onset else 0))


def band_log_level(features: np.ndarray, g: Geometry = DEFAULT) -> np.ndarray:
    """Per-frame 1/3-octave band level above :data:`SUSTAIN_FLOOR_LOG`, nepers, unclamped:
    ``0.5 ln(band mean of |X|^2) - floor`` for features ``[..., bins]`` -> ``[..., bands]``
    (float32, the same arithmetic as the model's graph)."""
    bands = third_octave_matrix(g).T.astype(np.float32)
    cur = np.maximum(np.exp(features.astype(np.float32)) - np.float32(g.feature_floor), 0.0)
    power = (cur * cur) @ bands
    return (0.5 * np.log(power + np.float32(1e-12)) - np.float32(SUSTAIN_FLOOR_LOG)).astype(np.float32)


def sustain_states(features: np.ndarray, g: Geometry = DEFAULT, longterm: bool = False,
                   onset: bool = False) -> np.ndarray:
    """Unclamped recurrent states after each frame, ``[..., frames, bands]`` float32 (held band
    levels), with ``longterm`` followed by the long-term levels and with ``onset`` by the onset
    levels of every rise rate (:func:`state_width` values in all), for feature streams
    ``[..., frames, bins]``. The model's ``state_out`` after frame
    ``t`` is ``max(this[t] + gain, 0)`` for a stream scaled by ``gain`` nepers; the state before
    frame 0 is zero."""
    level = band_log_level(features, g)
    decay = np.float32(sustain_decay_per_frame(g))
    out = np.empty_like(level)
    held = np.full(level.shape[:-2] + level.shape[-1:], SUSTAIN_MIN, dtype=np.float32)
    for t in range(level.shape[-2]):
        held = np.maximum(held - decay, level[..., t, :])
        held = np.maximum(held, np.float32(SUSTAIN_MIN))
        out[..., t, :] = held
    parts = [out]
    if longterm:
        parts.append(_longterm_levels(level, g))
    if onset:
        # On levels clamped at the floor, as in the graph: exact at the stream's own level; at
        # another training gain an onset from below the floor starts up to that gain off.
        floored = np.maximum(level, np.float32(0.0))
        for rise in onset_rise_per_frame(g):
            follow = np.zeros(held.shape, dtype=np.float32)
            rows = np.empty_like(level)
            for t in range(level.shape[-2]):
                follow = np.minimum(follow + np.float32(rise), floored[..., t, :])
                rows[..., t, :] = follow
            parts.append(rows)
    return np.concatenate(parts, axis=-1) if len(parts) > 1 else out


def _longterm_levels(level: np.ndarray, g: Geometry) -> np.ndarray:
    """The long-term band levels after each frame of unclamped levels ``[..., frames, bands]``."""
    # Long-term level: the moving average runs on band power, from the zero state (power 1
    # at the floor) and on levels clamped at the floor, as in the graph.
    alpha = longterm_coeff(g)
    power = np.exp(2.0 * np.maximum(level, 0.0).astype(np.float64))
    avg = np.ones(level.shape[:-2] + level.shape[-1:], dtype=np.float64)
    lt = np.empty_like(level)
    for t in range(level.shape[-2]):
        avg = (1.0 - alpha) * avg + alpha * power[..., t, :]
        lt[..., t, :] = 0.5 * np.log(avg)
    return lt


def third_octave_matrix(g: Geometry = DEFAULT, low_hz: float = 40.0) -> np.ndarray:
    """``[bands, bins]`` row-normalised band-averaging matrix: 1/3-octave bands from
    ``low_hz`` to Nyquist, after a first band of the bins below ``low_hz`` (at N = 1024 and
    48 kHz, the DC bin alone). Every bin belongs to exactly one band, and every band holds at
    least one bin."""
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
                 max_residual: float = 2.5, output: str = "mask_noise", sustain: bool = False,
                 longterm: bool = False, onset: bool = False):
        super().__init__()
        if output not in OUTPUT_KINDS:
            raise ValueError(f"output must be one of {OUTPUT_KINDS}, not {output!r}")
        if longterm and not sustain:
            raise ValueError("the long-term state extends the sustain state: longterm needs sustain")
        if onset and not sustain:
            raise ValueError("the onset state extends the sustain state: onset needs sustain")
        bins = g.bins
        self.n_styles = n_styles
        self.context = context
        self.bins = bins
        self.output = output
        self.hparams = dict(n_styles=n_styles, context=context, frame_dim=frame_dim,
                            hidden=hidden, blocks=blocks, max_residual=max_residual,
                            output=output, sustain=sustain, longterm=longterm)
        if onset:
            # Only when set, so checkpoints without it build as they always did.
            self.hparams["onset"] = True
        self.floor = float(g.feature_floor)
        self.max_residual = float(max_residual)
        mean = np.full(bins, math.log(1e-3)) if feat_mean is None else feat_mean
        std = np.full(bins, 3.0) if feat_std is None else feat_std
        self.register_buffer("feat_mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("feat_std", torch.tensor(std, dtype=torch.float32))
        bands = third_octave_matrix(g)
        self.register_buffer("band_mean", torch.tensor(bands.T, dtype=torch.float32))
        self.register_buffer("band_member", torch.tensor((bands > 0).astype(np.float32)))
        self.n_bands = bands.shape[0]
        self.longterm = longterm
        self.onset = onset
        #: Width of the recurrent state (:func:`state_width`); 0 without sustain.
        self.state_size = state_width(self.n_bands, longterm, onset) if sustain else 0
        self.onset_rise = onset_rise_per_frame(g)
        self.sustain_decay = sustain_decay_per_frame(g)
        self.longterm_coeff = longterm_coeff(g)
        self.frame_proj = nn.Linear(bins, frame_dim)
        self.in_proj = nn.Linear(context * frame_dim, hidden)
        self.style_emb = nn.Parameter(torch.randn(blocks + 1, n_styles, hidden) * 0.1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, hidden))
            for _ in range(blocks)
        )
        if self.state_size:
            # Held level; with longterm, long-term level and long-term shape; with onset, the
            # frame over each onset level; per band.
            seen = 1 + (2 if longterm else 0) + (len(self.onset_rise) if onset else 0)
            self.sustain_proj = nn.Linear(self.n_bands * seen, hidden)
        self.mask_head = nn.Linear(hidden, bins)
        heads = [self.mask_head]
        eq = np.zeros((n_styles, bins)) if eq_init is None else eq_init
        self.eq = nn.Parameter(torch.tensor(eq, dtype=torch.float32))
        if output == "mask_noise":
            self.noise_head = nn.Linear(hidden, bins)
            self.noise_bias = nn.Parameter(torch.full((n_styles, bins), -4.0))
            heads.append(self.noise_head)
        for head in heads:
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)
        for block in self.blocks:
            nn.init.zeros_(block[2].weight)
            nn.init.zeros_(block[2].bias)

    def forward(self, features: torch.Tensor, style: torch.Tensor,
                state: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        """``features`` ``[B, context, bins]``, ``style`` ``[B, n_styles]`` and, with sustain,
        ``state`` ``[B, state_size]`` -> the outputs of the model's kind, in the format's
        order: ``(mask, noise)``, ``(mask,)`` or ``(magnitude,)`` (noise and magnitude in
        magnitude_scale units), followed by ``state_out`` with sustain."""
        x = (features - self.feat_mean) / self.feat_std
        h = torch.nn.functional.gelu(self.frame_proj(x))
        h = h.reshape(h.shape[0], -1)
        pre = self.in_proj(h) + style @ self.style_emb[0]
        state_out = None
        if self.state_size:
            if state is None:
                state = torch.zeros(features.shape[0], self.state_size, dtype=features.dtype)
            cur = torch.clamp(torch.exp(features[:, -1, :]) - self.floor, min=0.0)
            level = 0.5 * torch.log((cur * cur) @ self.band_mean + 1e-12) - SUSTAIN_FLOOR_LOG
            level = torch.clamp(level, min=0.0)
            nb = self.n_bands
            held = torch.maximum(state[:, :nb] - self.sustain_decay, level)
            # Nepers below the held peak, scaled to about unit range.
            seen = [(held - level) * 0.25]
            state_out = held
            if self.longterm:
                a = self.longterm_coeff
                avg = (1.0 - a) * torch.exp(2.0 * state[:, nb:2 * nb]) + a * torch.exp(2.0 * level)
                lt = torch.clamp(0.5 * torch.log(avg), min=0.0)
                # The frame against the long-term level, and the long-term spectral shape.
                seen += [(lt - level) * 0.25, (lt - lt.mean(dim=1, keepdim=True)) * 0.25]
                state_out = torch.cat([held, lt], dim=1)
            if self.onset:
                first = state_width(nb, self.longterm)  # the held and long-term levels come first
                follows = []
                for i, rise in enumerate(self.onset_rise):
                    prev = state[:, first + i * nb:first + (i + 1) * nb]
                    follow = torch.minimum(prev + rise, level)
                    # Nepers the frame lies above its slowly rising level: the note's age.
                    seen.append((level - follow) * 0.25)
                    follows.append(follow)
                state_out = torch.cat([state_out, *follows], dim=1)
            pre = pre + self.sustain_proj(torch.cat(seen, dim=1))
        z = torch.nn.functional.gelu(pre)
        for i, block in enumerate(self.blocks):
            z = z + block(z + style @ self.style_emb[i + 1])
        residual = self.max_residual * torch.tanh(self.mask_head(z) / self.max_residual)
        log_gain = style @ self.eq + residual
        if self.output == "magnitude":
            magnitude = torch.exp(torch.clamp(features[:, -1, :] + log_gain, -25.0, 4.0))
            outputs: tuple[torch.Tensor, ...] = (magnitude,)
        else:
            mask = torch.exp(torch.clamp(log_gain, -14.0, 4.0))
            outputs = (mask,)
            if self.output == "mask_noise":
                cur = torch.clamp(torch.exp(features[:, -1, :]) - self.floor, min=0.0)
                env = torch.sqrt(torch.clamp((cur * cur) @ self.band_mean @ self.band_member, min=1e-12))
                log_noise = style @ self.noise_bias + self.noise_head(z)
                outputs = (mask, env * torch.exp(torch.clamp(log_noise, -14.0, 2.0)))
        if state_out is not None:
            outputs = outputs + (state_out,)
        return outputs

    def output_names(self) -> list[str]:
        """ONNX output names, in the order :meth:`forward` returns them."""
        names = {"mask_noise": ["mask", "noise"], "mask": ["mask"], "magnitude": ["magnitude"]}[self.output]
        return names + (["state_out"] if self.state_size else [])

    def magnitude_from_outputs(self, features: torch.Tensor, outputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Expected output magnitude (magnitude_scale units) ``[B, bins]`` of the engine's
        resynthesis, from :meth:`forward`'s ``outputs`` for ``features`` (random-phase noise
        adds in power)."""
        if self.output == "magnitude":
            return outputs[0]
        noise = outputs[1] if self.output == "mask_noise" else None
        return predicted_magnitude(features[:, -1], outputs[0], noise, self.floor)


def predicted_magnitude(features_cur: torch.Tensor, mask: torch.Tensor, noise: torch.Tensor | None,
                        floor: float) -> torch.Tensor:
    """Expected output magnitude (magnitude_scale units) of ``mask · X + noise · e^{iφ}`` with
    random φ: ``sqrt((mask |X|)^2 + noise^2)`` (``mask · |X|`` without noise)."""
    cur = torch.clamp(torch.exp(features_cur) - floor, min=0.0)
    if noise is None:
        return mask * cur
    return torch.sqrt((mask * cur) ** 2 + noise ** 2 + 1e-20)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
