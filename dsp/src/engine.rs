//! The engine: streaming analysis, the frame queue to the worker, the deadline policy,
//! overlap-add resynthesis and the latency-aligned dry/wet mix.
//!
//! # Latency
//!
//! A hop's samples are analysed once the hop is complete; the frame is due back from the worker
//! `budget_hops` hops later; the last `synthesis_len` samples of its resynthesis complete the
//! oldest hop of the overlap-add, which is played out during the following hop. The total is
//!
//! ```text
//! latency = synthesis_len + budget_hops × hop + model_extra_latency
//! ```
//!
//! samples (`synthesis_len` is the FFT size for the symmetric window pair), and the dry path
//! is delayed by the same amount. [`crate::latency_mode`] chooses the geometry and budget.
//!
//! # Deadline policy
//!
//! In [`ProcessingMode::Realtime`] the audio thread never waits: a frame that is not back when
//! due is resynthesised from its unprocessed spectrum (which reconstructs the input exactly),
//! counted as missed, and the wet signal fades back in over a few hops once frames return. In
//! [`ProcessingMode::Offline`] the audio side waits for every frame, so renders are
//! deterministic.
//!
//! # Level safety
//!
//! Whatever the model returns, the wet path cannot get much louder than its input. Each
//! finished hop of wet samples is ready a hop before it plays; there it passes
//! [`LevelMatch`] (when the controls ask for it), the [`LevelGuard`], a short-term guard that
//! always holds, and the [`PeakLimiter`], a sample-peak ceiling. Their levels are the dry
//! samples the hop plays beside. None of them adds latency or touches the dry path, so mix 0
//! and the identity style stay bit-exact.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use realfft::num_complex::Complex32;

use crate::controls::Controls;
use crate::denormals::FlushDenormals;
use crate::dry_wet::DryWetMixer;
use crate::frame::{spectrum_energy, Frame, FrameStatus, SILENCE_ENERGY};
use crate::frame_queue::{frame_queue, AudioEnd};
use crate::geometry::{GeometryError, StftGeometry, MAX_CHANNELS};
use crate::hop_gain::HopGain;
use crate::latency_mode::{budget_hops, LatencyMode, MAX_BUDGETED_BLOCK};
use crate::level_guard::{hop_energy, LevelGuard};
use crate::level_match::LevelMatch;
use crate::model::{FrameModel, ModelDescription, ModelError};
use crate::overlap_add::OverlapAdd;
use crate::peak_limiter::{PeakLimiter, PEAK_HEADROOM_DB_MATCHED, PEAK_HEADROOM_DB_UNMATCHED};
use crate::stats::EngineStats;
use crate::stft::StftAnalyzer;
use crate::worker::{Worker, WorkerPlacement};

pub use crate::latency_mode::MAX_BUDGET_HOPS;

/// Whether the audio side may wait for the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessingMode {
    /// Never wait; late frames fall back to the unprocessed signal.
    Realtime,
    /// Wait for every frame, up to `timeout` per frame (then fall back as in real time).
    Offline {
        /// Longest wait for one frame.
        timeout: Duration,
    },
}

impl ProcessingMode {
    /// Offline mode with a 10-second per-frame timeout.
    pub fn offline() -> Self {
        ProcessingMode::Offline {
            timeout: Duration::from_secs(10),
        }
    }
}

/// How an engine is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineConfig {
    /// Host sample rate, in Hz.
    pub sample_rate: f32,
    /// Channel count, `1..=MAX_CHANNELS`.
    pub channels: usize,
    /// STFT geometry.
    pub geometry: StftGeometry,
    /// Hops the worker has to return a frame before it is due; part of the latency.
    pub budget_hops: usize,
    /// Real-time or offline.
    pub mode: ProcessingMode,
    /// Hops over which the wet signal fades back in after a fallback or a model swap.
    pub crossfade_hops: usize,
    /// Time constant of the per-hop style-weight smoothing, in seconds.
    pub style_smoothing_seconds: f32,
    /// Whether the wet path passes level match, the guard and the peak ceiling (see the
    /// module's "Level safety"). Always on in the plugin; off only to compare a model's raw
    /// output with the training code's reference engine.
    pub level_safety: bool,
    /// Which thread runs the model: the process-wide shared worker (the default), which
    /// batches the frames of every engine on the same network, or a thread of the engine's own.
    pub worker: WorkerPlacement,
}

impl EngineConfig {
    /// A real-time configuration whose budget covers host blocks up to `max_block` samples
    /// in whole hops (host blocks above 2048 samples are budgeted as 2048), with `geometry`
    /// as given.
    pub fn realtime(
        sample_rate: f32,
        channels: usize,
        geometry: StftGeometry,
        max_block: usize,
    ) -> Self {
        Self {
            sample_rate,
            channels,
            geometry,
            budget_hops: budget_for_block(max_block, geometry.hop),
            mode: ProcessingMode::Realtime,
            crossfade_hops: 4,
            style_smoothing_seconds: 0.03,
            level_safety: true,
            worker: WorkerPlacement::Shared,
        }
    }

    /// A real-time configuration in latency mode `mode` for a model whose window at the host
    /// rate is `model` (see [`LatencyMode::plan`]).
    pub fn for_mode(
        mode: LatencyMode,
        sample_rate: f32,
        channels: usize,
        model: StftGeometry,
        max_block: usize,
    ) -> Result<Self, GeometryError> {
        let (geometry, budget) = mode.plan(model, max_block)?;
        let mut config = Self::realtime(sample_rate, channels, geometry, max_block);
        config.budget_hops = budget;
        Ok(config)
    }

    /// Total latency, in samples, for a model adding `model_extra` samples.
    pub fn latency_samples(&self, model_extra: usize) -> usize {
        self.geometry.synthesis_len + self.budget_hops * self.geometry.hop + model_extra
    }
}

/// Worker budget in hops for host blocks of up to `max_block` samples: one block (capped at
/// 2048 samples) in whole hops, at least one and at most [`MAX_BUDGET_HOPS`].
pub fn budget_for_block(max_block: usize, hop: usize) -> usize {
    budget_hops(max_block.clamp(1, MAX_BUDGETED_BLOCK), hop)
}

/// Gain below which a hop counts as limited in [`EngineStats::limited_frames`] (−0.1 dB).
const LIMITING_GAIN: f32 = 0.9886;

fn amplitude_db(gain: f32) -> f32 {
    20.0 * gain.max(1e-6).log10()
}

/// Why an engine could not be built.
#[derive(Debug)]
pub enum EngineError {
    /// The configuration is not usable.
    Geometry(GeometryError),
    /// The budget is zero or above [`MAX_BUDGET_HOPS`].
    Budget(usize),
    /// The model refused to prepare.
    Model(ModelError),
    /// The worker thread could not be started.
    Thread(std::io::Error),
}

impl fmt::Display for EngineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineError::Geometry(e) => write!(f, "{e}"),
            EngineError::Budget(b) => {
                write!(
                    f,
                    "worker budget of {b} hops is not supported (1..={MAX_BUDGET_HOPS})"
                )
            }
            EngineError::Model(e) => write!(f, "the model could not be prepared: {e}"),
            EngineError::Thread(e) => write!(f, "the worker thread could not be started: {e}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// The real-time engine. Build it off the audio thread; [`Engine::process`] never allocates,
/// locks or waits (in real-time mode).
pub struct Engine {
    config: EngineConfig,
    description: ModelDescription,
    latency: usize,
    bins: usize,
    analyzer: StftAnalyzer,
    synthesis: OverlapAdd,
    mixer: DryWetMixer,
    queue: AudioEnd,
    worker: Worker,
    stats: Arc<EngineStats>,
    /// Unprocessed spectra of the last `budget_hops + 1` hops, for fallback (slot = seq mod len).
    history: Vec<Complex32>,
    level_match: LevelMatch,
    guard: LevelGuard,
    wet_gain: HopGain,
    limiter: PeakLimiter,
    /// Whether each history slot's frame reached the worker.
    submitted: Vec<bool>,
    /// Whether each history slot's frame was silent; silent frames never go to the worker and
    /// play unprocessed, as the worker would return them.
    silent: Vec<bool>,
    /// Frames back from the worker, waiting for their deadline (slot = seq mod len).
    returned: Vec<Option<Box<Frame>>>,
    /// The spectrum handed to the overlap-add for the due hop.
    synthesis_spectrum: Vec<Complex32>,
    /// Samples of the current hop received so far.
    hop_fill: usize,
    /// Sequence number of the next hop to be analysed.
    next_seq: u64,
    /// Frames with a lower sequence number predate the last reset and are discarded.
    oldest_valid_seq: u64,
    /// Wet amount `0..=1` applied to processed spectra; ramps up after fallbacks.
    wet_ramp: f32,
    /// Generation of the model whose output was last used.
    last_generation: u32,
    target: Controls,
    smoothed: Controls,
    smoothing: f32,
    peak_in: f32,
    peak_out: f32,
    /// Whether the next [`Engine::set_controls`] jumps instead of gliding (after start or reset).
    snap_pending: bool,
}

impl Engine {
    /// Prepares `model` for `config` and starts the worker.
    pub fn new(config: EngineConfig, mut model: Box<dyn FrameModel>) -> Result<Self, EngineError> {
        let geometry = StftGeometry::new(config.geometry.fft_size, config.geometry.hop)
            .and_then(|g| g.with_synthesis_len(config.geometry.synthesis_len))
            .map_err(EngineError::Geometry)?;
        if config.channels == 0 || config.channels > MAX_CHANNELS {
            return Err(EngineError::Geometry(GeometryError::Channels(
                config.channels,
            )));
        }
        if !(config.sample_rate.is_finite() && config.sample_rate > 0.0) {
            return Err(EngineError::Geometry(GeometryError::SampleRate(
                config.sample_rate,
            )));
        }
        if config.budget_hops == 0 || config.budget_hops > MAX_BUDGET_HOPS {
            return Err(EngineError::Budget(config.budget_hops));
        }
        model
            .prepare(geometry, config.sample_rate, config.channels)
            .map_err(EngineError::Model)?;
        let description = model.description().clone();
        let latency = config.latency_samples(description.extra_latency_samples);
        let bins = geometry.bins();
        let slots = config.budget_hops + 1;
        // Enough frames for every hop in flight, plus slack for frames returning late.
        let pool_size = 2 * slots + 2;
        let (queue, worker_end) = frame_queue(pool_size, config.channels, bins);
        let stats = Arc::new(EngineStats::default());
        let skip_stale = config.mode == ProcessingMode::Realtime;
        let worker = Worker::spawn(
            model,
            worker_end,
            pool_size,
            config.budget_hops,
            skip_stale,
            Arc::clone(&stats),
            config.worker,
        )
        .map_err(EngineError::Thread)?;
        let hop_seconds = geometry.hop as f32 / config.sample_rate;
        let smoothing = if config.style_smoothing_seconds > 0.0 {
            1.0 - (-hop_seconds / config.style_smoothing_seconds).exp()
        } else {
            1.0
        };
        let style_count = description.styles.len().max(1);
        let mut mixer = DryWetMixer::new(config.channels, latency, config.sample_rate);
        mixer.snap();
        Ok(Self {
            config: EngineConfig { geometry, ..config },
            description,
            latency,
            bins,
            analyzer: StftAnalyzer::new(geometry, config.channels),
            synthesis: OverlapAdd::new(geometry, config.channels),
            mixer,
            queue,
            worker,
            stats,
            history: vec![Complex32::new(0.0, 0.0); slots * config.channels * bins],
            level_match: LevelMatch::new(hop_seconds, config.channels * geometry.hop),
            guard: LevelGuard::new(hop_seconds, config.channels * geometry.hop),
            wet_gain: HopGain::for_hop(geometry.hop),
            limiter: PeakLimiter::new(geometry.hop, config.sample_rate),
            submitted: vec![false; slots],
            silent: vec![false; slots],
            returned: (0..slots).map(|_| None).collect(),
            synthesis_spectrum: vec![Complex32::new(0.0, 0.0); config.channels * bins],
            hop_fill: 0,
            next_seq: 0,
            oldest_valid_seq: 0,
            wet_ramp: 1.0,
            last_generation: 0,
            target: Controls::single(0, style_count),
            smoothed: Controls::single(0, style_count),
            smoothing,
            peak_in: 0.0,
            peak_out: 0.0,
            snap_pending: true,
        })
    }

    /// Total latency in samples: `synthesis_len + budget_hops × hop + model extra latency`.
    pub fn latency_samples(&self) -> usize {
        self.latency
    }

    /// The configuration in force.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The running model's description.
    pub fn model_description(&self) -> &ModelDescription {
        &self.description
    }

    /// Live counters, shareable with the editor.
    pub fn stats(&self) -> &Arc<EngineStats> {
        &self.stats
    }

    /// Sets the controls applied from the next hop on. Style weights glide per hop; the mix
    /// glides per sample. The first controls after the engine starts or resets apply at once
    /// (a host delivers the session's values with its first block). Real-time safe.
    pub fn set_controls(&mut self, controls: &Controls) {
        self.target = *controls;
        self.mixer.set_target(controls.mix);
        if self.snap_pending {
            self.snap_pending = false;
            self.snap_controls();
        }
    }

    /// Jumps straight to the current controls (no glide), e.g. before an offline render.
    pub fn snap_controls(&mut self) {
        self.smoothed = self.target;
        self.mixer.snap();
    }

    /// Swaps in another model with the same geometry, prepared here (off the audio thread).
    /// The old model is dropped on the worker; the wet signal fades in from dry.
    pub fn replace_model(&mut self, mut model: Box<dyn FrameModel>) -> Result<(), ModelError> {
        let d = model.description();
        if d.extra_latency_samples != self.description.extra_latency_samples {
            return Err(ModelError::from(
                "the new model has a different latency; rebuild the engine instead",
            ));
        }
        model.prepare(
            self.config.geometry,
            self.config.sample_rate,
            self.config.channels,
        )?;
        self.description = model.description().clone();
        self.worker.replace_model(model);
        Ok(())
    }

    /// Clears all audio history (transport jump). Real-time safe: frames in flight are
    /// discarded as they come back.
    pub fn reset(&mut self) {
        self.analyzer.reset();
        self.synthesis.reset();
        self.mixer.reset();
        self.history.fill(Complex32::new(0.0, 0.0));
        self.level_match.reset();
        self.guard.reset();
        self.wet_gain.reset();
        self.limiter.reset();
        self.submitted.fill(false);
        self.silent.fill(false);
        for slot in 0..self.returned.len() {
            if let Some(frame) = self.returned[slot].take() {
                self.queue.recycle(frame);
            }
        }
        self.hop_fill = 0;
        self.oldest_valid_seq = self.next_seq;
        let shared = self.worker.shared();
        shared
            .oldest_valid_seq
            .store(self.oldest_valid_seq, Ordering::Release);
        self.worker.request_reset();
        self.smoothed = self.target;
        self.wet_ramp = 1.0;
        self.snap_pending = true;
    }

    /// Processes one host block in place. `channels` holds up to the configured number of
    /// equally long channel buffers of any length (0 included). Real-time safe in real-time
    /// mode; in offline mode it may wait for the worker. Flush-to-zero is on for the call
    /// (see [`crate::denormals`]).
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let _flush = FlushDenormals::new();
        let channel_count = channels.len().min(self.config.channels);
        let len = channels[..channel_count]
            .iter()
            .map(|c| c.len())
            .min()
            .unwrap_or(0);
        let hop = self.config.geometry.hop;
        let mut position = 0;
        while position < len {
            let n = (hop - self.hop_fill).min(len - position);
            for (c, buffer) in channels[..channel_count].iter_mut().enumerate() {
                let segment = &mut buffer[position..position + n];
                self.analyzer.write(c, self.hop_fill, segment);
                self.peak_in = segment.iter().fold(self.peak_in, |p, x| p.max(x.abs()));
                let wet = self.synthesis.read(c, self.hop_fill, n);
                self.mixer.mix_channel(c, segment, wet);
                self.peak_out = segment.iter().fold(self.peak_out, |p, x| p.max(x.abs()));
            }
            // Channels the host did not supply are analysed as silence.
            for c in channel_count..self.config.channels {
                self.write_silence(c, n);
            }
            self.mixer.advance(n);
            self.hop_fill += n;
            position += n;
            if self.hop_fill == hop {
                self.hop_fill = 0;
                self.end_of_hop();
            }
        }
    }

    fn write_silence(&mut self, channel: usize, n: usize) {
        const ZEROS: [f32; 64] = [0.0; 64];
        let mut done = 0;
        while done < n {
            let m = (n - done).min(ZEROS.len());
            self.analyzer
                .write(channel, self.hop_fill + done, &ZEROS[..m]);
            done += m;
        }
    }

    fn slot(&self, seq: u64) -> usize {
        (seq % self.submitted.len() as u64) as usize
    }

    fn end_of_hop(&mut self) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let frame_len = self.config.channels * self.bins;
        let slot = self.slot(seq);
        self.analyzer
            .analyse(&mut self.history[slot * frame_len..(slot + 1) * frame_len]);
        self.smoothed.approach(&self.target, self.smoothing);
        self.collect_returns();
        if let Some(stale) = self.returned[slot].take() {
            self.queue.recycle(stale);
        }
        let spectrum = &self.history[slot * frame_len..(slot + 1) * frame_len];
        self.silent[slot] = spectrum_energy(spectrum) < SILENCE_ENERGY;
        self.submitted[slot] = if self.silent[slot] {
            self.stats.silent_frames.fetch_add(1, Ordering::Relaxed);
            self.worker
                .shared()
                .newest_seq
                .store(seq, Ordering::Release);
            false
        } else {
            self.submit(seq, slot, frame_len)
        };

        let stats = &self.stats;
        stats.hops.fetch_add(1, Ordering::Relaxed);
        stats.input_peak.store(self.peak_in, Ordering::Relaxed);
        stats.output_peak.store(self.peak_out, Ordering::Relaxed);
        stats
            .level_match_db
            .store(self.level_match.gain_db(), Ordering::Relaxed);
        self.peak_in = 0.0;
        self.peak_out = 0.0;

        let budget = self.config.budget_hops as u64;
        // Until the first hop analysed since the start (or the last reset) is due, the output
        // is silence, as the dry path is: a reset engine starts exactly like a new one.
        if seq < self.oldest_valid_seq + budget {
            self.synthesis.advance_silent();
            return;
        }
        let due = seq - budget;
        let due_slot = self.slot(due);
        if let ProcessingMode::Offline { timeout } = self.config.mode {
            if self.submitted[due_slot] && self.returned[due_slot].is_none() {
                self.wait_for(due_slot, timeout);
            }
        }
        self.resynthesise(due, due_slot, frame_len);
    }

    fn submit(&mut self, seq: u64, slot: usize, frame_len: usize) -> bool {
        self.worker
            .shared()
            .newest_seq
            .store(seq, Ordering::Release);
        let Some(mut frame) = self.queue.take_free() else {
            return false;
        };
        frame.seq = seq;
        frame.hops_since_reset = seq.saturating_sub(self.oldest_valid_seq);
        frame
            .input
            .copy_from_slice(&self.history[slot * frame_len..(slot + 1) * frame_len]);
        frame.controls = self.smoothed;
        frame.status = FrameStatus::Pending;
        let sent = self.queue.send(frame);
        if sent {
            self.worker.wake();
        }
        sent
    }

    /// Moves every frame the worker has sent back into its slot, recycling late ones.
    fn collect_returns(&mut self) {
        let slots = self.submitted.len() as u64;
        while let Some(frame) = self.queue.receive() {
            // Frames are useful from the oldest hop not yet resynthesised up to the newest.
            let oldest_pending = self.next_seq.saturating_sub(slots);
            if frame.seq < self.oldest_valid_seq || frame.seq < oldest_pending {
                self.queue.recycle(frame);
                continue;
            }
            let slot = self.slot(frame.seq);
            if let Some(old) = self.returned[slot].replace(frame) {
                self.queue.recycle(old);
            }
        }
    }

    fn wait_for(&mut self, slot: usize, timeout: Duration) {
        let began = Instant::now();
        while self.returned[slot].is_none() && began.elapsed() < timeout {
            self.worker.wake();
            std::thread::sleep(Duration::from_micros(20));
            self.collect_returns();
        }
    }

    fn resynthesise(&mut self, due: u64, due_slot: usize, frame_len: usize) {
        if self.silent[due_slot] {
            self.take_silent(due_slot, frame_len);
        } else {
            self.take_returned(due, due_slot, frame_len);
        }
        self.synthesis.add_frame(&self.synthesis_spectrum);
        if self.config.level_safety {
            self.keep_level_safe();
        }
    }

    /// One more step of the wet fade-in after a fallback or a model swap.
    fn advance_wet_ramp(&mut self) {
        let step = 1.0 / self.config.crossfade_hops.max(1) as f32;
        self.wet_ramp = (self.wet_ramp + step).min(1.0);
    }

    /// A silent hop plays as a silent frame back from the worker would: the input itself, the
    /// wet ramp going on.
    fn take_silent(&mut self, due_slot: usize, frame_len: usize) {
        self.advance_wet_ramp();
        self.synthesis_spectrum
            .copy_from_slice(&self.history[due_slot * frame_len..(due_slot + 1) * frame_len]);
        if let Some(stale) = self.returned[due_slot].take() {
            self.queue.recycle(stale);
        }
    }

    /// The worker's frame for hop `due`, faded in over the unprocessed spectrum, or that
    /// spectrum alone (counted as a miss) when the frame is late or unusable.
    fn take_returned(&mut self, due: u64, due_slot: usize, frame_len: usize) {
        let frame = match self.returned[due_slot].take() {
            Some(frame) if frame.seq == due => Some(frame),
            Some(other) => {
                self.queue.recycle(other);
                None
            }
            None => None,
        };
        let usable = frame
            .as_ref()
            .is_some_and(|f| matches!(f.status, FrameStatus::Processed | FrameStatus::Silent));
        let dry_range = due_slot * frame_len..(due_slot + 1) * frame_len;
        if !usable {
            if frame.is_none() && due >= self.oldest_valid_seq {
                self.stats.missed_frames.fetch_add(1, Ordering::Relaxed);
            }
            self.wet_ramp = 0.0;
            self.synthesis_spectrum
                .copy_from_slice(&self.history[dry_range]);
        } else if let Some(frame) = frame.as_ref() {
            if frame.model_generation != self.last_generation {
                self.last_generation = frame.model_generation;
                self.wet_ramp = 0.0;
            }
            self.advance_wet_ramp();
            if self.wet_ramp >= 1.0 {
                self.synthesis_spectrum.copy_from_slice(&frame.output);
            } else {
                let a = self.wet_ramp;
                let dry = &self.history[dry_range];
                for ((s, &o), &d) in self
                    .synthesis_spectrum
                    .iter_mut()
                    .zip(&frame.output)
                    .zip(dry)
                {
                    *s = d + (o - d) * a;
                }
            }
        }
        if let Some(frame) = frame {
            self.queue.recycle(frame);
        }
    }

    /// Level match, the guard and the peak ceiling on the hop just finished, against the dry
    /// samples it will play beside.
    fn keep_level_safe(&mut self) {
        let matched = self.smoothed.level_match;
        let StftGeometry {
            hop, synthesis_len, ..
        } = self.config.geometry;
        let dry = self.mixer.upcoming_energy(hop);
        self.limiter
            .push_played_peak(self.mixer.upcoming_peak(0, hop));
        let ahead_peak = self.mixer.upcoming_peak(hop, synthesis_len - hop);
        let mixer = &self.mixer;
        let ahead_hops = (synthesis_len / hop).saturating_sub(1);
        let ahead = self
            .guard
            .ahead_level((1..=ahead_hops).map(|j| mixer.upcoming_energy_at(j * hop, hop)));
        let finished = self.synthesis.finished_mut();
        let wet = hop_energy(finished);
        let level = self.level_match.gain(dry, wet, matched);
        let guard = self.guard.gain(dry, ahead, wet * level * level, matched);
        self.wet_gain.apply(finished, level * guard);
        let headroom = if matched {
            PEAK_HEADROOM_DB_MATCHED
        } else {
            PEAK_HEADROOM_DB_UNMATCHED
        };
        let peak = self.limiter.process(finished, headroom, ahead_peak);
        self.level_match.observe_played(dry, hop_energy(finished));

        let stats = &self.stats;
        stats
            .guard_reduction_db
            .store(amplitude_db(guard), Ordering::Relaxed);
        stats
            .peak_reduction_db
            .store(amplitude_db(peak), Ordering::Relaxed);
        if guard < LIMITING_GAIN || peak < LIMITING_GAIN {
            stats.limited_frames.fetch_add(1, Ordering::Relaxed);
        }
    }
}
