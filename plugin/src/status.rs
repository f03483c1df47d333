//! What the plugin tells the editor and the logs about its engine.
//!
//! [`EngineStatus`] is shared (`Arc`) between the plugin, its model loader and the editor. The
//! audio thread only stores plain atomics here; descriptive text is replaced off the audio thread
//! through an [`ArcSwap`], so readers never take a lock the audio thread could hold. Live
//! counters (late frames, inference time, peaks) are the running engine's
//! [`EngineStats`](chameleon_dsp::EngineStats), published with it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use arc_swap::{ArcSwap, ArcSwapOption};
use atomic_float::AtomicF32;
use chameleon_dsp::{EngineStats, LatencyMode, StyleInfo};

/// What produces the wet signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// Not activated yet.
    Inactive,
    /// A neural (ONNX) model.
    Neural,
    /// The built-in spectral-shaping model.
    BuiltIn,
    /// No engine: the input passes through, delayed by the reported latency.
    Dry,
}

/// Description of the engine in use, replaced as a whole when the engine changes.
#[derive(Debug, Clone)]
pub struct EngineInfo {
    /// What produces the wet signal.
    pub kind: EngineKind,
    /// Model name.
    pub model_name: String,
    /// Model version.
    pub model_version: String,
    /// The model's styles, in style-slot order.
    pub styles: Vec<StyleInfo>,
    /// Execution provider ("built-in", "CPU", "CUDA", "DirectML", or "none").
    pub provider: String,
    /// The model file, when one is loaded.
    pub model_path: Option<String>,
    /// Why the engine is not the one that was asked for (missing runtime, broken model, ...),
    /// in plain words with what to do about it; `None` when all is well.
    pub reason: Option<String>,
    /// FFT size in samples at the host rate (0 when dry).
    pub fft_size: usize,
    /// Hop in samples at the host rate (0 when dry).
    pub hop: usize,
    /// Synthesis window length in samples at the host rate (0 when dry).
    pub synthesis_len: usize,
    /// The latency mode the engine was built in.
    pub latency_mode: LatencyMode,
}

impl Default for EngineInfo {
    fn default() -> Self {
        Self {
            kind: EngineKind::Inactive,
            model_name: String::new(),
            model_version: String::new(),
            styles: Vec::new(),
            provider: "none".to_owned(),
            model_path: None,
            reason: None,
            fft_size: 0,
            hop: 0,
            synthesis_len: 0,
            latency_mode: LatencyMode::Studio,
        }
    }
}

/// Engine status shared with the editor.
pub struct EngineStatus {
    info: ArcSwap<EngineInfo>,
    stats: ArcSwapOption<EngineStats>,
    /// Latency reported to the host, in samples.
    pub latency_samples: AtomicU32,
    /// Host sample rate of the current activation, in Hz (0 before activation).
    pub sample_rate: AtomicF32,
    /// Engines built so far (activation, model or device changes).
    pub engine_builds: AtomicU64,
    /// Whether the host runs the plugin offline (rendering faster than real time).
    pub offline: AtomicBool,
    /// The live view's input and output signal, written only while the editor is open.
    pub live: crate::live_feed::LiveFeed,
}

impl Default for EngineStatus {
    fn default() -> Self {
        Self {
            info: ArcSwap::from_pointee(EngineInfo::default()),
            stats: ArcSwapOption::empty(),
            latency_samples: AtomicU32::new(0),
            sample_rate: AtomicF32::new(0.0),
            engine_builds: AtomicU64::new(0),
            offline: AtomicBool::new(false),
            live: Default::default(),
        }
    }
}

impl EngineStatus {
    /// The engine description in force.
    pub fn info(&self) -> Arc<EngineInfo> {
        self.info.load_full()
    }

    /// The running engine's live counters, if an engine runs.
    pub fn stats(&self) -> Option<Arc<EngineStats>> {
        self.stats.load_full()
    }

    /// Latency in milliseconds at the current sample rate.
    pub fn latency_ms(&self) -> f32 {
        let sr = self.sample_rate.load(Ordering::Relaxed);
        if sr > 0.0 {
            self.latency_samples.load(Ordering::Relaxed) as f32 * 1000.0 / sr
        } else {
            0.0
        }
    }

    /// Publishes a new engine (never call on the audio thread).
    pub fn publish(&self, info: EngineInfo, stats: Option<Arc<EngineStats>>) {
        self.info.store(Arc::new(info));
        self.stats.store(stats);
        self.engine_builds.fetch_add(1, Ordering::Relaxed);
    }
}
