//! Frequency-axis mapping between the engine's bins and a model's bins.
//!
//! The engine may run another FFT size or sample rate than the model was made for (the host rate
//! differs, or [`StftGeometry::for_host_rate`](crate::StftGeometry::for_host_rate) scaled the
//! window). Each model bin `k` stands for `k · model_rate / model_fft` Hz and each engine bin `j`
//! for `j · engine_rate / engine_fft` Hz. Values are carried between the two axes by linear
//! interpolation in Hz:
//!
//! - **into the model** (magnitudes for features): a model bin reads the engine magnitude at its
//!   frequency, scaled by `model_fft / engine_fft` so a steady tone has the magnitude the model's
//!   own FFT would give it (unnormalised FFT magnitudes grow with the window's length). Model
//!   bins above the engine's Nyquist frequency get magnitude 0 (silence: there is no content
//!   there);
//! - **out of the model** (gains, noise magnitudes): an engine bin reads the model value at its
//!   frequency. Engine bins above the model's Nyquist frequency hold the value of the model's
//!   highest bin (a gain is continued flat; noise magnitudes are faded to 0 instead, so no
//!   invented noise appears where the model never saw sound).
//!
//! When both axes are the same the mapping is the identity and costs nothing.

/// One interpolation step: `value = a[index] · (1 − frac) + a[index + 1] · frac`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tap {
    index: usize,
    frac: f32,
    /// `false` when the frequency lies beyond the source axis's Nyquist.
    inside: bool,
}

/// Precomputed mapping between an engine axis and a model axis.
#[derive(Debug, Clone, PartialEq)]
pub struct BinMap {
    identity: bool,
    engine_bins: usize,
    model_bins: usize,
    /// Per model bin: where to read the engine spectrum.
    to_model: Vec<Tap>,
    /// Per engine bin: where to read the model output.
    to_engine: Vec<Tap>,
    /// `model_fft / engine_fft`: engine magnitudes × this = model-FFT magnitudes.
    magnitude_ratio: f32,
}

fn taps(dst_bins: usize, dst_hz_per_bin: f64, src_bins: usize, src_hz_per_bin: f64) -> Vec<Tap> {
    let last = src_bins - 1;
    (0..dst_bins)
        .map(|d| {
            let pos = d as f64 * dst_hz_per_bin / src_hz_per_bin;
            if pos > last as f64 + 1e-9 {
                Tap {
                    index: last,
                    frac: 0.0,
                    inside: false,
                }
            } else {
                let index = (pos.floor() as usize).min(last);
                let frac = if index == last {
                    0.0
                } else {
                    (pos - index as f64) as f32
                };
                Tap {
                    index,
                    frac,
                    inside: true,
                }
            }
        })
        .collect()
}

impl BinMap {
    /// The mapping between an engine of `engine_fft` samples at `engine_rate` Hz and a model of
    /// `model_fft` samples at `model_rate` Hz.
    pub fn new(engine_fft: usize, engine_rate: f32, model_fft: usize, model_rate: f32) -> Self {
        let engine_bins = engine_fft / 2 + 1;
        let model_bins = model_fft / 2 + 1;
        let engine_hz = engine_rate as f64 / engine_fft as f64;
        let model_hz = model_rate as f64 / model_fft as f64;
        let identity = engine_fft == model_fft && (engine_rate - model_rate).abs() < 1e-3;
        Self {
            identity,
            engine_bins,
            model_bins,
            to_model: taps(model_bins, model_hz, engine_bins, engine_hz),
            to_engine: taps(engine_bins, engine_hz, model_bins, model_hz),
            magnitude_ratio: model_fft as f32 / engine_fft as f32,
        }
    }

    /// Whether both axes are the same.
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// Bins on the engine axis.
    pub fn engine_bins(&self) -> usize {
        self.engine_bins
    }

    /// Bins on the model axis.
    pub fn model_bins(&self) -> usize {
        self.model_bins
    }

    /// Engine magnitudes (`engine_bins`) to model-FFT magnitudes (`model_bins`).
    pub fn magnitudes_to_model(&self, engine: &[f32], model: &mut [f32]) {
        if self.identity {
            model.copy_from_slice(engine);
            return;
        }
        for (m, tap) in model.iter_mut().zip(&self.to_model) {
            *m = if tap.inside {
                lerp(engine, tap) * self.magnitude_ratio
            } else {
                0.0
            };
        }
    }

    /// Model gains (`model_bins`) to engine gains (`engine_bins`); above the model's Nyquist the
    /// highest model bin's gain is held.
    pub fn gains_to_engine(&self, model: &[f32], engine: &mut [f32]) {
        if self.identity {
            engine.copy_from_slice(model);
            return;
        }
        for (e, tap) in engine.iter_mut().zip(&self.to_engine) {
            *e = lerp(model, tap);
        }
    }

    /// Model noise magnitudes (model-FFT units, `model_bins`) to engine-FFT magnitudes
    /// (`engine_bins`); zero above the model's Nyquist.
    pub fn noise_to_engine(&self, model: &[f32], engine: &mut [f32]) {
        if self.identity {
            engine.copy_from_slice(model);
            return;
        }
        for (e, tap) in engine.iter_mut().zip(&self.to_engine) {
            *e = if tap.inside {
                lerp(model, tap) / self.magnitude_ratio
            } else {
                0.0
            };
        }
    }
}

fn lerp(values: &[f32], tap: &Tap) -> f32 {
    let a = values[tap.index];
    if tap.frac == 0.0 {
        a
    } else {
        a + (values[tap.index + 1] - a) * tap.frac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_when_the_axes_agree() {
        let m = BinMap::new(1024, 48000.0, 1024, 48000.0);
        assert!(m.is_identity());
        let x: Vec<f32> = (0..513).map(|i| i as f32).collect();
        let mut y = vec![0.0; 513];
        m.gains_to_engine(&x, &mut y);
        assert_eq!(x, y);
    }

    #[test]
    fn doubled_fft_at_doubled_rate_keeps_frequencies() {
        // Engine 2048 @ 96 kHz vs model 1024 @ 48 kHz: same Hz per bin; the engine has twice
        // the bins, the upper half beyond the model's Nyquist.
        let m = BinMap::new(2048, 96000.0, 1024, 48000.0);
        assert!(!m.is_identity());
        let gains: Vec<f32> = (0..513).map(|i| i as f32 / 512.0).collect();
        let mut e = vec![0.0; 1025];
        m.gains_to_engine(&gains, &mut e);
        assert!((e[256] - 0.5).abs() < 1e-6);
        assert!((e[512] - 1.0).abs() < 1e-6);
        assert!(
            (e[1024] - 1.0).abs() < 1e-6,
            "held above the model's Nyquist"
        );
        let mut noise = vec![0.0; 1025];
        m.noise_to_engine(&gains, &mut noise);
        assert_eq!(noise[1024], 0.0);
        assert!(
            (noise[256] - 0.5 * 2.0).abs() < 1e-6,
            "scaled to the longer FFT"
        );
        let mags = vec![1.0; 1025];
        let mut model = vec![0.0; 513];
        m.magnitudes_to_model(&mags, &mut model);
        assert!(model.iter().all(|&v| (v - 0.5).abs() < 1e-6));
    }

    #[test]
    fn lower_host_rate_interpolates_and_silences_above_its_nyquist() {
        // Engine 1024 @ 44.1 kHz vs model 1024 @ 48 kHz.
        let m = BinMap::new(1024, 44100.0, 1024, 48000.0);
        let engine: Vec<f32> = (0..513).map(|j| j as f32).collect();
        let mut model = vec![0.0; 513];
        m.magnitudes_to_model(&engine, &mut model);
        // Model bin 100 is at 4687.5 Hz = engine bin 108.84.
        assert!((model[100] - 108.843_54).abs() < 1e-3, "{}", model[100]);
        assert_eq!(model[512], 0.0, "24 kHz is above 22.05 kHz");
    }
}
