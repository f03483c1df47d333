"""Offline reference engine: runs a Chameleon model file over audio exactly as the format
describes (the Rust engine is the real one; this mirrors it for training-side checks).

Because the model is causal, running all frames as one batch gives the same result as the
streaming engine; a recurrent model (``state_size`` > 0) runs frame by frame, its state fed
back, starting from zeros. The output is latency-compensated (the STFT's delay removed). The
hop and synthesis span follow the engine's latency modes (:mod:`.latency_mode`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import analysis
from . import attack as attack_mod
from . import ensemble as ensemble_mod
from .analysis import Geometry
from . import live_correction
from . import phase as phase_mod
from .latency_mode import engine_geometry, phases


class OnnxStyleModel:
    """A loaded model file: its geometry and styles from metadata, and an ORT session."""

    def __init__(self, path: Path | str, threads: int = 1):
        import onnx
        import onnxruntime as ort

        proto = onnx.load(str(path), load_external_data=False)
        self.meta = {p.key: p.value for p in proto.metadata_props}
        m = self.meta
        self.geometry = Geometry(
            sample_rate=int(m["chameleon.sample_rate"]), fft_size=int(m["chameleon.fft_size"]),
            hop=int(m["chameleon.hop"]), magnitude_scale=float(m["chameleon.magnitude_scale"]),
            feature_floor=float(m["chameleon.feature_floor"]))
        self.context = int(m["chameleon.context_frames"])
        self.output = m["chameleon.output"]
        self.styles = m["chameleon.styles"].split(",")
        self.style_names = m["chameleon.style_names"].split("|")
        self.state_size = int(m.get("chameleon.state_size", "0"))
        #: ``input`` or ``generated`` (format version 2, :mod:`.phase`).
        self.phase = m.get("chameleon.phase", "input")
        #: The Live correction (format version 3, :mod:`.live_correction`), or None.
        self.live_correction = live_correction.parse(m)
        #: Each style's attack time in ms (format version 4, :mod:`.attack`), or None.
        self.attack_ms = attack_mod.parse(m)
        #: Each style's ensemble depth (format version 5, :mod:`.ensemble`), or None.
        self.ensemble = ensemble_mod.parse(m)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def style_vector(self, style: str | dict[str, float]) -> np.ndarray:
        """A one-hot vector for a style identifier, or a normalised blend from a dict."""
        v = np.zeros(len(self.styles), dtype=np.float32)
        if isinstance(style, str):
            style = {style: 1.0}
        for k, w in style.items():
            v[self.styles.index(k)] += w
        return v / v.sum()

    def run(self, feats_ctx: np.ndarray, style_vec: np.ndarray, batch: int = 4096) -> dict[str, np.ndarray]:
        """Runs ``[frames, context, bins]`` windows with one style vector; returns outputs."""
        outs: dict[str, list[np.ndarray]] = {}
        names = [o.name for o in self.session.get_outputs()]
        if self.state_size:
            state = np.zeros((1, self.state_size), dtype=np.float32)
            style = style_vec[None, :]
            for t in range(len(feats_ctx)):
                feed = {"features": feats_ctx[t:t + 1], "style": style, "state_in": state}
                for name, value in zip(names, self.session.run(names, feed)):
                    outs.setdefault(name, []).append(value)
                state = outs["state_out"][-1]
            return {k: np.concatenate(v) for k, v in outs.items() if k != "state_out"}
        for i in range(0, len(feats_ctx), batch):
            f = feats_ctx[i:i + batch]
            s = np.repeat(style_vec[None, :], len(f), axis=0)
            for name, value in zip(names, self.session.run(names, {"features": f, "style": s})):
                outs.setdefault(name, []).append(value)
        return {k: np.concatenate(v) for k, v in outs.items()}


def process_spectra(model: OnnxStyleModel, spec: np.ndarray, style_vec: np.ndarray,
                    rng: np.random.Generator, phase_count: int = 1,
                    engine_fft_size: int | None = None, engine_hop: int | None = None,
                    synthesis_len: int | None = None, channel: int = 0) -> np.ndarray:
    """Applies the model to complex spectra ``[frames, bins]`` of one channel. With
    ``phase_count`` > 1 (the Live mode) frames ``p, p + phase_count, ...`` form phase ``p``,
    each run with its own context and state. ``engine_fft_size``/``engine_hop`` (default the
    model's) are the spectra's own geometry, which generated phase advances by;
    ``synthesis_len`` (default the FFT size) the span they are resynthesised over, which says
    whether generated phase runs (:func:`phase.runs_at`); ``channel`` the channel's index
    (:mod:`.ensemble` starts each channel's copies at other phases)."""
    g = model.geometry
    engine_fft_size = engine_fft_size or g.fft_size
    engine_hop = engine_hop or g.hop
    synthesis_len = synthesis_len or engine_fft_size
    feats = analysis.features_from_magnitude(np.abs(spec), g)
    out: dict[str, np.ndarray] = {}
    for p in range(phase_count):
        part = model.run(analysis.context_windows(feats[p::phase_count], model.context, g),
                         style_vec)
        for k, v in part.items():
            out.setdefault(k, np.zeros((len(feats),) + v.shape[1:], dtype=v.dtype))[p::phase_count] = v
    if model.output in ("mask", "mask_noise"):
        coherent = out["mask"] * spec
    elif model.output == "magnitude":
        mag = np.abs(spec)
        phase = np.where(mag > 0, spec / np.maximum(mag, 1e-30), 1)
        coherent = (out["magnitude"] / g.magnitude_scale) * phase
    else:
        raise ValueError(f"unknown output kind {model.output}")
    active = np.mean(np.abs(spec) ** 2, axis=1) >= phase_mod.SILENCE_ENERGY
    if model.attack_ms is not None:
        a = attack_mod.coefficient(attack_mod.mix_attack_ms(model.attack_ms, style_vec),
                                   engine_hop / g.sample_rate)
        coherent = attack_mod.apply(coherent, a, active)
    if model.phase == "generated" and phase_mod.runs_at(engine_fft_size, synthesis_len):
        coherent = phase_mod.apply(spec, coherent, engine_fft_size, engine_hop, active)
    if model.ensemble is not None:
        coherent = ensemble_mod.apply(coherent, ensemble_mod.mix_depth(model.ensemble, style_vec),
                                      engine_fft_size, engine_hop, g.sample_rate, active, channel)
    if model.output == "mask_noise":
        phi = rng.uniform(0, 2 * np.pi, size=spec.shape)
        coherent = coherent + (out["noise"] / g.magnitude_scale) * np.exp(1j * phi)
    if model.live_correction is not None and live_correction.applies_at(engine_fft_size, synthesis_len):
        coherent = coherent * live_correction.bin_gains(model.live_correction, style_vec,
                                                        engine_fft_size, g.sample_rate)[None, :]
    return coherent


def process_audio(model: OnnxStyleModel, audio: np.ndarray, style: str | dict[str, float],
                  seed: int = 0, latency_mode: str = "studio") -> np.ndarray:
    """Styles mono or ``[samples, channels]`` audio as the Rust engine does in
    ``latency_mode``; returns the same shape, time-aligned with the input (the STFT's
    ``span - H`` latency removed)."""
    g = engine_geometry(model.geometry, latency_mode)
    phase_count = phases(model.geometry, g)
    x = np.asarray(audio, dtype=np.float64)
    mono = x.ndim == 1
    if mono:
        x = x[:, None]
    style_vec = model.style_vector(style)
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    padded = np.concatenate([x, np.zeros((g.fft_size, x.shape[1]))])
    out = np.zeros_like(x)
    for c in range(x.shape[1]):
        spec = analysis.stft(padded[:, c], g)
        y = analysis.istft(process_spectra(model, spec, style_vec, rng, phase_count, g.fft_size, g.hop,
                                           g.span, channel=c), len(padded), g)
        out[:, c] = y[g.latency:g.latency + n]
    return (out[:, 0] if mono else out).astype(np.float32)
