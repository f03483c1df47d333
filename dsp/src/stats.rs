//! Counters and readings the engine publishes for the editor, the CLI and tests.
//!
//! Everything is an atomic, written by the audio thread or the worker and read by anyone.
//! The one lock, around the last error text, is taken only by the worker and readers; the
//! audio thread never touches it.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

use atomic_float::AtomicF32;

/// Live engine counters.
#[derive(Default)]
pub struct EngineStats {
    /// Hops analysed since the engine was built.
    pub hops: AtomicU64,
    /// Hops whose processed frame was not back by its deadline (resynthesised dry).
    pub missed_frames: AtomicU64,
    /// Frames the model failed on or returned non-finite values for (resynthesised dry).
    pub failed_frames: AtomicU64,
    /// Hops whose wet output the level guard or the peak limiter turned down by more than
    /// 0.1 dB.
    pub limited_frames: AtomicU64,
    /// Frames the model ran on.
    pub processed_frames: AtomicU64,
    /// Frames the worker passed through without inference because the input was silent.
    pub silent_frames: AtomicU64,
    /// Frames the worker dropped because they were already past their deadline.
    pub skipped_frames: AtomicU64,
    /// Model time for the most recent batch, per frame, in nanoseconds.
    pub last_inference_ns: AtomicU64,
    /// Largest model time per frame seen, in nanoseconds.
    pub max_inference_ns: AtomicU64,
    /// Smoothed model time per frame, in microseconds.
    pub mean_inference_us: AtomicF32,
    /// Frames (one per engine) in the inference run that processed this engine's latest frame:
    /// 1 when it ran alone, more when the shared worker batched it with other engines' frames.
    pub batch_frames: AtomicU32,
    /// Models swapped in so far (0 for the first).
    pub model_generation: AtomicU32,
    /// Peak absolute input level over the last hop (linear).
    pub input_peak: AtomicF32,
    /// Peak absolute output level over the last hop (linear).
    pub output_peak: AtomicF32,
    /// Level-match gain in force, in dB (0 while level match is off or in its corridor).
    pub level_match_db: AtomicF32,
    /// The short-term guard's gain on the last finished hop, in dB (≤ 0).
    pub guard_reduction_db: AtomicF32,
    /// The peak limiter's smallest gain over the last hop, in dB (≤ 0).
    pub peak_reduction_db: AtomicF32,
    last_error: Mutex<Option<String>>,
}

impl EngineStats {
    /// Records a worker or model error for display (never called on the audio thread).
    pub fn set_error(&self, message: impl Into<String>) {
        if let Ok(mut slot) = self.last_error.lock() {
            *slot = Some(message.into());
        }
    }

    /// The most recent worker or model error, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|slot| slot.clone())
    }

    /// Records the model time for one frame, in nanoseconds.
    pub fn record_inference(&self, nanos: u64) {
        self.last_inference_ns.store(nanos, Ordering::Relaxed);
        self.max_inference_ns.fetch_max(nanos, Ordering::Relaxed);
        let us = nanos as f32 / 1000.0;
        let mean = self.mean_inference_us.load(Ordering::Relaxed);
        let next = if mean == 0.0 {
            us
        } else {
            mean + (us - mean) * 0.05
        };
        self.mean_inference_us.store(next, Ordering::Relaxed);
    }

    /// A plain copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            hops: self.hops.load(Ordering::Relaxed),
            missed_frames: self.missed_frames.load(Ordering::Relaxed),
            failed_frames: self.failed_frames.load(Ordering::Relaxed),
            limited_frames: self.limited_frames.load(Ordering::Relaxed),
            processed_frames: self.processed_frames.load(Ordering::Relaxed),
            silent_frames: self.silent_frames.load(Ordering::Relaxed),
            skipped_frames: self.skipped_frames.load(Ordering::Relaxed),
            mean_inference_us: self.mean_inference_us.load(Ordering::Relaxed),
            max_inference_ns: self.max_inference_ns.load(Ordering::Relaxed),
            batch_frames: self.batch_frames.load(Ordering::Relaxed),
        }
    }
}

/// A copy of [`EngineStats`]' counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StatsSnapshot {
    /// See [`EngineStats::hops`].
    pub hops: u64,
    /// See [`EngineStats::missed_frames`].
    pub missed_frames: u64,
    /// See [`EngineStats::failed_frames`].
    pub failed_frames: u64,
    /// See [`EngineStats::limited_frames`].
    pub limited_frames: u64,
    /// See [`EngineStats::processed_frames`].
    pub processed_frames: u64,
    /// See [`EngineStats::silent_frames`].
    pub silent_frames: u64,
    /// See [`EngineStats::skipped_frames`].
    pub skipped_frames: u64,
    /// See [`EngineStats::mean_inference_us`], in microseconds.
    pub mean_inference_us: f32,
    /// See [`EngineStats::max_inference_ns`], in nanoseconds.
    pub max_inference_ns: u64,
    /// See [`EngineStats::batch_frames`].
    pub batch_frames: u32,
}
