//! Chameleon's real-time core.
//!
//! Host audio is analysed by a streaming STFT ([`stft`]), each hop's spectra travel through a
//! lock-free [`frame_queue`] to a worker thread (by default the process-wide
//! [`inference_pool`], which batches the frames of all engines) that runs a style [`model`], come back, and
//! are resynthesised by [`overlap_add`], kept near the input's level by [`level_match`] and
//! from getting louder than it by [`level_guard`] and [`peak_limiter`], and mixed with the latency-aligned dry signal
//! ([`dry_wet`]). [`engine::Engine`] ties it together and owns the deadline policy. Nothing here
//! knows about plugin hosts or GUIs.

pub mod attack_softener;
pub mod controls;
pub mod denormals;
pub mod dry_wet;
pub mod engine;
pub mod ensemble;
pub mod frame;
pub mod frame_queue;
pub mod generated_phase;
pub mod geometry;
pub mod hop_gain;
pub mod inference_pool;
pub mod latency_mode;
pub mod level_follower;
pub mod level_guard;
pub mod level_match;
pub mod library_preload;
pub mod live_correction;
pub mod low_delay_window;
pub mod model;
pub mod overlap_add;
pub mod peak_limiter;
pub mod rise_follower;
pub mod runtime;
pub mod sample_stats;
pub mod stats;
pub mod stft;
pub mod window;
mod worker;

pub use controls::{Controls, MAX_STYLES};
pub use engine::{budget_for_block, Engine, EngineConfig, EngineError, ProcessingMode};
pub use frame::{Frame, FrameStatus};
pub use geometry::{StftGeometry, MAX_BLOCK_SIZE, MAX_CHANNELS};
pub use latency_mode::LatencyMode;
pub use model::{FrameModel, ModelDescription, ModelError, SpectralShapeModel, StyleInfo};
pub use realfft::num_complex::Complex32;
pub use stats::{EngineStats, StatsSnapshot};
pub use worker::WorkerPlacement;
