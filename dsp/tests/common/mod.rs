//! Shared helpers for the engine tests.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chameleon_dsp::{
    Controls, Engine, EngineConfig, Frame, FrameModel, ModelDescription, ModelError,
    ProcessingMode, SpectralShapeModel, StftGeometry, StyleInfo,
};

/// Deterministic white noise in `-amplitude..amplitude` (xorshift).
pub fn noise(len: usize, seed: u64, amplitude: f32) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amplitude
        })
        .collect()
}

/// A sine of `freq` Hz at `sample_rate` Hz.
pub fn sine(len: usize, freq: f32, sample_rate: f32, amplitude: f32) -> Vec<f32> {
    (0..len)
        .map(|n| (std::f32::consts::TAU * freq * n as f32 / sample_rate).sin() * amplitude)
        .collect()
}

/// An engine running the built-in model in `mode`.
pub fn builtin_engine(
    geometry: StftGeometry,
    channels: usize,
    budget_hops: usize,
    mode: ProcessingMode,
) -> Engine {
    let mut config = EngineConfig::realtime(48000.0, channels, geometry, 256);
    config.budget_hops = budget_hops;
    config.mode = mode;
    Engine::new(config, Box::new(SpectralShapeModel::new())).expect("engine builds")
}

/// Runs `input` (one Vec per channel) through `engine` in blocks whose sizes come from
/// `blocks` (cycled), with `latency` extra samples of silence appended, and returns the output.
pub fn run_blocks(engine: &mut Engine, input: &[Vec<f32>], blocks: &[usize]) -> Vec<Vec<f32>> {
    let extra = engine.latency_samples();
    let len = input[0].len() + extra;
    let mut output: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            let mut v = c.clone();
            v.resize(len, 0.0);
            v
        })
        .collect();
    let mut position = 0;
    let mut i = 0;
    while position < len {
        let n = blocks[i % blocks.len()].min(len - position).max(1);
        i += 1;
        let mut slices: Vec<&mut [f32]> = output
            .iter_mut()
            .map(|c| &mut c[position..position + n])
            .collect();
        engine.process(&mut slices);
        position += n;
    }
    output
}

/// Largest absolute difference between `output[n + latency]` and `input[n]`.
pub fn max_error_after_latency(input: &[f32], output: &[f32], latency: usize) -> f32 {
    input
        .iter()
        .zip(&output[latency..])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

/// A test model that applies a fixed gain and can be told to sleep on chosen hops.
pub struct ScriptedModel {
    description: ModelDescription,
    /// Linear gain applied to every bin.
    pub gain: f32,
    /// Sleep this long on every frame whose `seq % stall_every == stall_phase`.
    pub stall: Option<(u64, u64, Duration)>,
    /// Sleep this long on every frame.
    pub per_frame_delay: Duration,
    /// Output NaN on every frame.
    pub emit_nan: bool,
    /// Set when the model is dropped.
    pub dropped: Arc<AtomicBool>,
}

impl ScriptedModel {
    /// A model with gain `gain` and no stalls.
    pub fn new(gain: f32) -> Self {
        Self {
            description: ModelDescription {
                name: "scripted".into(),
                version: "0".into(),
                styles: vec![StyleInfo::new("gain", "Gain")],
                sample_rate: None,
                fft_size: None,
                hop: None,
                extra_latency_samples: 0,
                provider: "test".into(),
            },
            gain,
            stall: None,
            per_frame_delay: Duration::ZERO,
            emit_nan: false,
            dropped: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Drop for ScriptedModel {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl FrameModel for ScriptedModel {
    fn description(&self) -> &ModelDescription {
        &self.description
    }

    fn prepare(&mut self, _: StftGeometry, _: f32, _: usize) -> Result<(), ModelError> {
        Ok(())
    }

    fn process(&mut self, frames: &mut [Box<Frame>]) -> Result<(), ModelError> {
        for frame in frames.iter_mut() {
            if let Some((every, phase, duration)) = self.stall {
                if frame.seq % every == phase {
                    std::thread::sleep(duration);
                }
            }
            if !self.per_frame_delay.is_zero() {
                std::thread::sleep(self.per_frame_delay);
            }
            let gain = if self.emit_nan { f32::NAN } else { self.gain };
            for (o, i) in frame.output.iter_mut().zip(&frame.input) {
                *o = i * gain;
            }
        }
        Ok(())
    }
}

/// Controls selecting style 0 of a one-style model, fully wet, level match off (so a scripted
/// model's own gain is what comes out; the output guard still holds).
pub fn wet() -> Controls {
    Controls::single(0, 1).with_level_match(false)
}
