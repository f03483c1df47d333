//! What the live-feed cost test and benchmark measure on: a stereo test block and the built-in
//! engine (shared by `tests/editor_feed_cost.rs` and `benches/editor_feed.rs`).

use chameleon::engine_builder::{self, Built, EngineSpec};
use chameleon::model_choice::ModelChoice;
use chameleon::params::Device;

/// Block size measured, in samples per channel.
pub const BLOCK: usize = 512;

/// One channel of the test block: a sine at half scale, starting at `phase` radians.
pub fn signal(phase: f32) -> Vec<f32> {
    (0..BLOCK)
        .map(|i| (0.03 * i as f32 + phase).sin() * 0.5)
        .collect()
}

/// The built-in engine at 48 kHz, stereo, for [`BLOCK`]-sample blocks. A model file that does
/// not exist selects it whatever models and runtime are installed, so the numbers compare
/// across machines.
pub fn builtin_engine() -> Built {
    let choice = ModelChoice {
        path: Some("/nonexistent/chameleon-feed-cost.onnx".into()),
        ..ModelChoice::default()
    };
    let spec = EngineSpec {
        sample_rate: 48_000.0,
        channels: 2,
        max_block: BLOCK,
        offline: false,
    };
    engine_builder::build(
        spec,
        &choice,
        Device::Cpu,
        chameleon_dsp::LatencyMode::Studio,
        1,
    )
}
