//! The built-in model: `identity` plus fixed spectral-shaping styles.
//!
//! It runs whenever no neural model is loaded (or a neural model failed), so style weights,
//! morphing and the whole pipeline are audible and testable without ONNX Runtime.

use crate::frame::Frame;
use crate::geometry::StftGeometry;
use crate::model::{FrameModel, ModelDescription, ModelError, StyleInfo};

/// A style of the built-in model: a gain curve in dB over frequency in Hz.
struct ShapeStyle {
    id: &'static str,
    display_name: &'static str,
    gain_db: fn(f32) -> f32,
}

/// Smooth step from 0 below `lo` Hz to 1 above `hi` Hz, on a log-frequency axis.
fn log_step(freq: f32, lo: f32, hi: f32) -> f32 {
    let f = freq.max(1.0).ln();
    let (a, b) = (lo.ln(), hi.ln());
    let t = ((f - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

const STYLES: &[ShapeStyle] = &[
    ShapeStyle {
        id: "identity",
        display_name: "Identity",
        gain_db: |_| 0.0,
    },
    ShapeStyle {
        id: "warm",
        display_name: "Warm",
        gain_db: |f| 4.0 * (1.0 - log_step(f, 150.0, 600.0)) - 9.0 * log_step(f, 2500.0, 9000.0),
    },
    ShapeStyle {
        id: "bright",
        display_name: "Bright",
        gain_db: |f| -4.0 * (1.0 - log_step(f, 100.0, 400.0)) + 7.0 * log_step(f, 2000.0, 8000.0),
    },
    ShapeStyle {
        id: "telephone",
        display_name: "Telephone",
        gain_db: |f| -30.0 * (1.0 - log_step(f, 250.0, 450.0)) - 30.0 * log_step(f, 3000.0, 4200.0),
    },
    ShapeStyle {
        id: "hollow",
        display_name: "Hollow",
        gain_db: |f| -14.0 * log_step(f, 300.0, 700.0) * (1.0 - log_step(f, 1500.0, 3500.0)),
    },
];

/// The built-in spectral-shaping model.
pub struct SpectralShapeModel {
    description: ModelDescription,
    bins: usize,
    /// Per style, per bin: linear gain.
    gains_db: Vec<Vec<f32>>,
    /// Scratch: the blended gain per bin for the current frame.
    blended: Vec<f32>,
}

impl Default for SpectralShapeModel {
    fn default() -> Self {
        Self::new()
    }
}

impl SpectralShapeModel {
    /// The built-in model with all its styles.
    pub fn new() -> Self {
        Self {
            description: ModelDescription {
                name: "Built-in spectral shapes".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                styles: STYLES
                    .iter()
                    .map(|s| StyleInfo::new(s.id, s.display_name))
                    .collect(),
                sample_rate: None,
                fft_size: None,
                hop: None,
                extra_latency_samples: 0,
                provider: "built-in".to_owned(),
            },
            bins: 0,
            gains_db: Vec::new(),
            blended: Vec::new(),
        }
    }

    /// The gain in dB that style `style` applies at `freq` Hz.
    pub fn style_gain_db(style: usize, freq: f32) -> f32 {
        (STYLES[style].gain_db)(freq)
    }
}

impl FrameModel for SpectralShapeModel {
    fn description(&self) -> &ModelDescription {
        &self.description
    }

    fn prepare(
        &mut self,
        geometry: StftGeometry,
        sample_rate: f32,
        _channels: usize,
    ) -> Result<(), ModelError> {
        self.bins = geometry.bins();
        self.gains_db = STYLES
            .iter()
            .map(|s| {
                (0..self.bins)
                    .map(|b| (s.gain_db)(geometry.bin_frequency(b, sample_rate)))
                    .collect()
            })
            .collect();
        self.blended = vec![0.0; self.bins];
        Ok(())
    }

    fn process(&mut self, frames: &mut [Box<Frame>]) -> Result<(), ModelError> {
        for frame in frames.iter_mut() {
            if frame.bins != self.bins {
                return Err(ModelError::from(
                    "frame size does not match the prepared geometry",
                ));
            }
            // Blend in dB, so a morph moves smoothly between the two curves.
            self.blended.fill(0.0);
            for (weights, gains) in frame.controls.weights().iter().zip(&self.gains_db) {
                if *weights != 0.0 {
                    for (b, g) in self.blended.iter_mut().zip(gains) {
                        *b += weights * g;
                    }
                }
            }
            for g in &mut self.blended {
                *g = 10f32.powf(*g / 20.0);
            }
            for channel in 0..frame.channels {
                let (input, output) = frame.channel_io(channel);
                for ((o, i), g) in output.iter_mut().zip(input).zip(&self.blended) {
                    *o = i * *g;
                }
            }
        }
        Ok(())
    }
}
