//! [`OnnxModel`]: a model of any format version run through ONNX Runtime on the worker
//! thread.

use std::f32::consts::TAU;
use std::sync::Arc;

use realfft::num_complex::Complex32;

use crate::attack_softener::AttackSoftener;
use crate::ensemble::Ensemble;
use crate::frame::Frame;
use crate::generated_phase::{self, PhaseGenerator};
use crate::geometry::StftGeometry;
use crate::live_correction::{self, BinCorrection};
use crate::model::metadata::{ModelMetadata, OutputKind, PhaseKind};
use crate::model::onnx::bin_map::BinMap;
use crate::model::onnx::network::{run_session, RunIo, SharedNetwork};
use crate::model::{BatchKey, FrameModel, ModelDescription, ModelError};

/// Inference runs made in [`FrameModel::prepare`] before the model goes live, so the first real
/// hop does not pay for lazy allocation and kernel selection.
pub const WARMUP_RUNS: usize = 4;

/// Magnitudes below this (model-FFT units) count as zero when a target magnitude is turned into
/// a gain on a resampled axis.
const MIN_MAGNITUDE: f32 = 1e-12;
/// Largest gain a target magnitude is turned into on a resampled axis (+80 dB).
const MAX_MAPPED_GAIN: f32 = 1e4;

/// A style model running in an ONNX Runtime session.
///
/// Models loaded from the same bytes on the same device share one session
/// ([`SharedNetwork`]); each keeps its own history, recurrent state and buffers.
pub struct OnnxModel {
    network: Arc<SharedNetwork>,
    meta: ModelMetadata,
    description: ModelDescription,
    state: Option<Prepared>,
}

/// Buffers sized for one engine geometry and channel count; allocated in `prepare`.
///
/// # Phases
///
/// An engine whose hop is shorter than the model's (the Live latency mode) analyses
/// `phases = model hop / engine hop` frames per model hop. The model must still see frames one
/// model hop apart, so the runner keeps one feature history and one recurrent state per phase:
/// frame `seq` runs in phase `seq mod phases`, exactly as the model would run on that phase's
/// frames alone.
struct Prepared {
    channels: usize,
    map: BinMap,
    /// Interleaved model chains, `model hop / engine hop` (1 when the hops agree).
    phases: usize,
    /// The phase of the frame being processed.
    phase: usize,
    /// `[phases, channels, context, model_bins]`: feature history, oldest frame first.
    features: Vec<f32>,
    /// `[channels, n_styles]`.
    style: Vec<f32>,
    /// `[phases, channels, state_size]`.
    recurrent: Vec<f32>,
    /// `[channels, state_size]`: the state a run returns, before it goes back to its phase.
    state_out: Vec<f32>,
    /// The first row and the run of the frame staged for a shared run.
    staged: Option<(usize, u64)>,
    /// `[channels, model_bins]`: this hop's input magnitudes on the model axis.
    model_mag: Vec<f32>,
    /// `[channels, model_bins]`: the primary output (`mask` or `magnitude`).
    primary: Vec<f32>,
    /// `[channels, model_bins]`: the `noise` output.
    noise: Vec<f32>,
    /// Scratch on the engine axis.
    engine_mag: Vec<f32>,
    engine_gain: Vec<f32>,
    engine_noise: Vec<f32>,
    /// Scratch on the model axis.
    model_gain: Vec<f32>,
    /// Per channel noise generator state.
    rng: Vec<u64>,
    /// Generated phase (`chameleon.phase = generated`, at geometries it runs at), on the
    /// engine's bins and hop.
    phase_generator: Option<PhaseGenerator>,
    /// The model's Live correction on the engine's bins (short synthesis spans only,
    /// [`live_correction::applies_at`]).
    live_correction: Option<BinCorrection>,
    /// Attack softening with the styles' attack times (format version 4, when any style has
    /// one), on the engine's bins and hop.
    attack: Option<AttackSoftener>,
    /// Ensemble voices with the styles' depths (format version 5, when any style has one), on
    /// the engine's bins and hop.
    ensemble: Option<Ensemble>,
    /// Run each channel as its own batch of 1 (model with a fixed batch of 1).
    per_channel: bool,
}

impl OnnxModel {
    /// Runs on `network`, whose tensors were checked against `meta` (see
    /// [`super::io::check_io`]).
    pub(crate) fn new(network: Arc<SharedNetwork>, meta: ModelMetadata) -> Self {
        let description = meta.description(network.provider);
        Self {
            network,
            meta,
            description,
            state: None,
        }
    }

    /// The model's metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.meta
    }

    /// Runs one inference on the current buffers (for warm-up and benchmarks of the session
    /// alone). The model must be prepared.
    pub fn run_inference(&mut self) -> Result<(), ModelError> {
        let Some(p) = self.state.as_mut() else {
            return Err(ModelError::from("the model was not prepared"));
        };
        infer(&self.network, &self.meta, p)
    }
}

fn seed(channel: usize) -> u64 {
    0x9E37_79B9_7F4A_7C15 ^ ((channel as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03))
}

/// xorshift64*: a uniform value in `0..1`.
fn next_uniform(state: &mut u64) -> f32 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32
}

impl Prepared {
    fn reset(&mut self, meta: &ModelMetadata) {
        self.features.fill(meta.feature_floor.ln());
        self.recurrent.fill(0.0);
        for (c, r) in self.rng.iter_mut().enumerate() {
            *r = seed(c);
        }
        if let Some(g) = self.phase_generator.as_mut() {
            g.reset();
        }
        if let Some(a) = self.attack.as_mut() {
            a.reset();
        }
        if let Some(e) = self.ensemble.as_mut() {
            e.reset();
        }
    }
}

/// How many engine hops make one model hop (see [`Prepared`]'s phases), for a model made for
/// `model` running in an engine of geometry `engine` (FFT sizes scaled by the rate ratio).
fn phases(model: StftGeometry, engine: StftGeometry) -> Result<usize, ModelError> {
    // The model's hop measured in engine samples: the same share of the analysis window.
    let model_hop = model.hop * engine.fft_size;
    let engine_hop = engine.hop * model.fft_size;
    if engine_hop == 0 || !model_hop.is_multiple_of(engine_hop) {
        return Err(ModelError(format!(
            "the engine's hop ({} of {} samples) does not divide the model's ({} of {})",
            engine.hop, engine.fft_size, model.hop, model.fft_size
        )));
    }
    Ok(model_hop / engine_hop)
}

/// Runs the network on `p`'s inputs (its current phase) and copies the outputs into `p`.
fn infer(
    network: &SharedNetwork,
    meta: &ModelMetadata,
    p: &mut Prepared,
) -> Result<(), ModelError> {
    let bins = p.map.model_bins();
    let ctx = meta.context_frames;
    let styles = meta.styles.len();
    let state = meta.state_size;
    let (groups, batch) = if p.per_channel {
        (p.channels, 1)
    } else {
        (1, p.channels)
    };
    let features_base = p.phase * p.channels * ctx * bins;
    let state_base = p.phase * p.channels * state;
    let mut guard = network.lock();
    for g in 0..groups {
        let rows = g * batch..(g + 1) * batch;
        run_session(
            &mut guard.session,
            meta,
            bins,
            RunIo {
                batch,
                features: &p.features[features_base + rows.start * ctx * bins
                    ..features_base + rows.end * ctx * bins],
                style: &p.style[rows.start * styles..rows.end * styles],
                state: &p.recurrent[state_base + rows.start * state..state_base + rows.end * state],
                primary: &mut p.primary[rows.start * bins..rows.end * bins],
                noise: &mut p.noise[rows.start * bins..rows.end * bins],
                state_out: &mut p.state_out[rows.start * state..rows.end * state],
            },
        )?;
    }
    drop(guard);
    p.recurrent[state_base..state_base + p.channels * state].copy_from_slice(&p.state_out);
    Ok(())
}

impl FrameModel for OnnxModel {
    fn description(&self) -> &ModelDescription {
        &self.description
    }

    fn prepare(
        &mut self,
        geometry: StftGeometry,
        sample_rate: f32,
        channels: usize,
    ) -> Result<(), ModelError> {
        if channels == 0 {
            return Err(ModelError::from("the engine has no channels"));
        }
        let per_channel = match self.network.layout.fixed_batch {
            None => false,
            Some(b) if b == channels => false,
            Some(1) => true,
            Some(b) => {
                return Err(ModelError(format!(
                    "the model only accepts a batch of {b}, but the engine has {channels} channels \
                     (make the batch axis dynamic)"
                )))
            }
        };
        let map = BinMap::new(
            geometry.fft_size,
            sample_rate,
            self.meta.geometry.fft_size,
            self.meta.sample_rate,
        );
        let mb = map.model_bins();
        let eb = map.engine_bins();
        let meta = &self.meta;
        let phases = phases(meta.geometry, geometry)?;
        let mut prepared = Prepared {
            channels,
            phases,
            phase: 0,
            features: vec![0.0; phases * channels * meta.context_frames * mb],
            style: vec![0.0; channels * meta.styles.len()],
            recurrent: vec![0.0; phases * channels * meta.state_size],
            state_out: vec![0.0; channels * meta.state_size],
            staged: None,
            model_mag: vec![0.0; channels * mb],
            primary: vec![0.0; channels * mb],
            noise: vec![0.0; channels * mb],
            engine_mag: vec![0.0; eb],
            engine_gain: vec![0.0; eb],
            engine_noise: vec![0.0; eb],
            model_gain: vec![0.0; mb],
            rng: vec![0; channels],
            phase_generator: (meta.phase == PhaseKind::Generated
                && generated_phase::runs_at(geometry))
            .then(|| PhaseGenerator::new(channels, eb, geometry.fft_size, geometry.hop)),
            live_correction: meta
                .live_correction
                .as_ref()
                .filter(|_| live_correction::applies_at(geometry))
                .map(|c| c.for_bins(geometry.fft_size, sample_rate)),
            attack: meta
                .attack_ms
                .as_ref()
                .filter(|a| a.iter().any(|&ms| ms > 0.0))
                .map(|a| AttackSoftener::new(channels, eb, geometry.hop, sample_rate, a)),
            ensemble: meta
                .ensemble
                .as_ref()
                .filter(|d| d.iter().any(|&d| d > 0.0))
                .map(|d| {
                    Ensemble::new(
                        channels,
                        eb,
                        geometry.fft_size,
                        geometry.hop,
                        sample_rate,
                        d,
                    )
                }),
            per_channel,
            map,
        };
        prepared.reset(meta);
        for row in prepared.style.chunks_mut(meta.styles.len().max(1)) {
            row.fill(0.0);
            if let Some(first) = row.first_mut() {
                *first = 1.0;
            }
        }
        for _ in 0..WARMUP_RUNS {
            infer(&self.network, meta, &mut prepared)?;
        }
        prepared.reset(meta);
        self.state = Some(prepared);
        Ok(())
    }

    fn process(&mut self, frames: &mut [Box<Frame>]) -> Result<(), ModelError> {
        let Some(p) = self.state.as_mut() else {
            return Err(ModelError::from("the model was not prepared"));
        };
        let meta = &self.meta;
        for frame in frames.iter_mut() {
            check_frame(p, frame)?;
            p.phase = (frame.seq % p.phases as u64) as usize;
            load_inputs(meta, p, frame);
            infer(&self.network, meta, p)?;
            write_outputs(meta, p, frame);
        }
        Ok(())
    }

    fn reset(&mut self) {
        if let Some(p) = self.state.as_mut() {
            p.reset(&self.meta);
        }
    }

    /// Models on one network batch together, unless the network's batch axis is fixed.
    fn batch_key(&self) -> Option<BatchKey> {
        let batches = self.network.layout.fixed_batch.is_none()
            && self.state.as_ref().is_some_and(|p| !p.per_channel);
        batches.then_some(BatchKey(Arc::as_ptr(&self.network) as usize))
    }

    fn stage(&mut self, frame: &Frame) -> Result<(), ModelError> {
        let Some(p) = self.state.as_mut() else {
            return Err(ModelError::from("the model was not prepared"));
        };
        check_frame(p, frame)?;
        let meta = &self.meta;
        p.phase = (frame.seq % p.phases as u64) as usize;
        load_inputs(meta, p, frame);
        let rows = p.channels;
        let features = rows * meta.context_frames * p.map.model_bins();
        let state = rows * meta.state_size;
        let features_base = p.phase * features;
        let state_base = p.phase * state;
        let mut guard = self.network.lock();
        p.staged = Some(guard.staged.push(
            rows,
            &p.features[features_base..features_base + features],
            &p.style,
            &p.recurrent[state_base..state_base + state],
        ));
        Ok(())
    }

    fn run_staged(&mut self) -> Result<(), ModelError> {
        let Some(p) = self.state.as_ref() else {
            return Err(ModelError::from("the model was not prepared"));
        };
        self.network.run_staged(&self.meta, p.map.model_bins())
    }

    fn finish_staged(&mut self, frame: &mut Frame) -> Result<(), ModelError> {
        let Some(p) = self.state.as_mut() else {
            return Err(ModelError::from("the model was not prepared"));
        };
        let Some((first, run)) = p.staged.take() else {
            return Err(ModelError::from("no frame of this model was staged"));
        };
        let meta = &self.meta;
        let bins = p.map.model_bins();
        let state = meta.state_size;
        let rows = first..first + p.channels;
        {
            let guard = self.network.lock();
            let staged = &guard.staged;
            if staged.run != run || !staged.done || !staged.ok {
                return Err(ModelError::from("the shared run did not complete"));
            }
            p.primary
                .copy_from_slice(&staged.primary[rows.start * bins..rows.end * bins]);
            p.noise
                .copy_from_slice(&staged.noise[rows.start * bins..rows.end * bins]);
            let state_base = p.phase * p.channels * state;
            p.recurrent[state_base..state_base + p.channels * state]
                .copy_from_slice(&staged.state_out[rows.start * state..rows.end * state]);
        }
        write_outputs(meta, p, frame);
        Ok(())
    }
}

fn check_frame(p: &Prepared, frame: &Frame) -> Result<(), ModelError> {
    if frame.channels != p.channels || frame.bins != p.map.engine_bins() {
        return Err(ModelError::from(
            "frame size does not match the prepared geometry",
        ));
    }
    Ok(())
}

/// Shifts the feature history by one frame, appends this frame's features and sets the style
/// weights (renormalised to sum to 1; all weight on style 0 if they sum to 0).
fn load_inputs(meta: &ModelMetadata, p: &mut Prepared, frame: &Frame) {
    let mb = p.map.model_bins();
    let ctx = meta.context_frames;
    let base = p.phase * p.channels * ctx * mb;
    for c in 0..p.channels {
        for (m, x) in p.engine_mag.iter_mut().zip(frame.input_channel(c)) {
            // NOTE: not `norm()`: its overflow-safe `hypot` cost about 2 % of 8 instances' CPU,
            // and a spectrum's magnitudes are far from overflowing a plain square.
            *m = x.norm_sqr().sqrt();
        }
        let model_mag = &mut p.model_mag[c * mb..(c + 1) * mb];
        p.map.magnitudes_to_model(&p.engine_mag, model_mag);
        let history = &mut p.features[base + c * ctx * mb..base + (c + 1) * ctx * mb];
        history.copy_within(mb.., 0);
        for (f, &m) in history[(ctx - 1) * mb..].iter_mut().zip(model_mag.iter()) {
            *f = (meta.magnitude_scale * m + meta.feature_floor).ln();
        }
    }
    let n = meta.styles.len();
    let weights = frame.controls.weights();
    let sum: f32 = weights
        .iter()
        .take(n)
        .map(|w| if w.is_finite() { w.max(0.0) } else { 0.0 })
        .sum();
    for row in p.style.chunks_mut(n) {
        for (i, s) in row.iter_mut().enumerate() {
            let w = weights.get(i).copied().unwrap_or(0.0);
            let w = if w.is_finite() { w.max(0.0) } else { 0.0 };
            *s = if sum > 0.0 {
                w / sum
            } else if i == 0 {
                1.0
            } else {
                0.0
            };
        }
    }
}

/// Turns the model's outputs into each channel's output spectrum.
fn write_outputs(meta: &ModelMetadata, p: &mut Prepared, frame: &mut Frame) {
    let mb = p.map.model_bins();
    let seq = frame.seq;
    let hops_since_reset = frame.hops_since_reset;
    let scale = meta.magnitude_scale;
    if let Some(correction) = p.live_correction.as_mut() {
        correction.set_weights(&p.style[..meta.styles.len()]);
    }
    if let Some(attack) = p.attack.as_mut() {
        attack.set_weights(&p.style[..meta.styles.len()]);
    }
    if let Some(ensemble) = p.ensemble.as_mut() {
        ensemble.set_weights(&p.style[..meta.styles.len()]);
    }
    for c in 0..p.channels {
        let primary = &p.primary[c * mb..(c + 1) * mb];
        let (input, output) = frame.channel_io(c);
        match (meta.output, p.map.is_identity()) {
            (OutputKind::Magnitude, true) => {
                for ((o, x), &target) in output.iter_mut().zip(input).zip(primary) {
                    let target = target / scale;
                    let mag = x.norm_sqr().sqrt();
                    *o = if mag > 0.0 {
                        x * (target / mag)
                    } else {
                        Complex32::new(target, 0.0)
                    };
                }
            }
            (kind, _) => {
                let gains: &[f32] = if kind == OutputKind::Magnitude {
                    let model_mag = &p.model_mag[c * mb..(c + 1) * mb];
                    for ((g, &target), &m) in p.model_gain.iter_mut().zip(primary).zip(model_mag) {
                        *g = if m > MIN_MAGNITUDE {
                            (target / scale / m).min(MAX_MAPPED_GAIN)
                        } else {
                            0.0
                        };
                    }
                    &p.model_gain
                } else {
                    primary
                };
                p.map.gains_to_engine(gains, &mut p.engine_gain);
                for ((o, x), &g) in output.iter_mut().zip(input).zip(&p.engine_gain) {
                    *o = x * g;
                }
            }
        }
        if let Some(a) = p.attack.as_mut() {
            a.apply(c, seq, output);
        }
        if let Some(g) = p.phase_generator.as_mut() {
            g.apply(c, seq, input, output);
        }
        if let Some(e) = p.ensemble.as_mut() {
            e.apply(c, hops_since_reset, output);
        }
        if meta.output == OutputKind::MaskNoise {
            let noise = &p.noise[c * mb..(c + 1) * mb];
            p.map.noise_to_engine(noise, &mut p.engine_noise);
            let rng = &mut p.rng[c];
            for (o, &n) in output.iter_mut().zip(&p.engine_noise) {
                // NOTE: the generator advances for every bin, silent or not, so the noise of a
                // render does not depend on which bins happened to be zero.
                let phase = TAU * next_uniform(rng);
                let (sin, cos) = phase.sin_cos();
                *o += Complex32::new(cos, sin) * (n / scale);
            }
        }
        if let Some(correction) = &p.live_correction {
            correction.apply(output);
        }
    }
}
