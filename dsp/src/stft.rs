//! Streaming STFT analysis: collects host samples per channel and turns every hop into one
//! windowed spectrum per channel.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{RealFftPlanner, RealToComplex};

use crate::geometry::StftGeometry;
use crate::{sample_stats, window};

/// Largest sample magnitude analysed (+120 dB above full scale); larger values are clamped.
pub const MAX_ANALYSIS_LEVEL: f32 = 1e6;

/// Streaming analysis for a fixed channel count and geometry. Everything is allocated in
/// [`StftAnalyzer::new`]; [`StftAnalyzer::write`] and [`StftAnalyzer::analyse`] never allocate.
pub struct StftAnalyzer {
    geometry: StftGeometry,
    /// Per channel: the last `fft_size` input samples; the newest hop is written at the end.
    history: Vec<Vec<f32>>,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
    fft_input: Vec<f32>,
    scratch: Vec<Complex32>,
}

impl StftAnalyzer {
    /// Plans the FFT and allocates the buffers for `channels` channels.
    pub fn new(geometry: StftGeometry, channels: usize) -> Self {
        let n = geometry.fft_size;
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n);
        let scratch = fft.make_scratch_vec();
        Self {
            geometry,
            history: vec![vec![0.0; n]; channels],
            window: window::sqrt_hann(n),
            fft,
            fft_input: vec![0.0; n],
            scratch,
        }
    }

    /// Writes `samples` of `channel` into the current hop, starting `offset` samples into it.
    ///
    /// `offset + samples.len()` must not exceed the hop. Non-finite samples are stored as 0 and
    /// samples beyond ±[`MAX_ANALYSIS_LEVEL`] are clamped, so no spectrum can overflow.
    pub fn write(&mut self, channel: usize, offset: usize, samples: &[f32]) {
        let start = self.geometry.fft_size - self.geometry.hop + offset;
        let dest = &mut self.history[channel][start..start + samples.len()];
        for (d, &s) in dest.iter_mut().zip(samples) {
            *d = if s.is_finite() {
                s.clamp(-MAX_ANALYSIS_LEVEL, MAX_ANALYSIS_LEVEL)
            } else {
                0.0
            };
        }
    }

    /// Analyses the completed hop: writes `channels × bins` spectrum values (channel-major)
    /// into `spectrum` and advances the history by one hop.
    pub fn analyse(&mut self, spectrum: &mut [Complex32]) {
        let bins = self.geometry.bins();
        let hop = self.geometry.hop;
        for (channel, history) in self.history.iter_mut().enumerate() {
            let out = &mut spectrum[channel * bins..(channel + 1) * bins];
            // Digital silence: the transform of zeros is zeros, so skip it.
            if sample_stats::all_zero(history) {
                out.fill(Complex32::new(0.0, 0.0));
                continue;
            }
            for ((dst, &x), &w) in self
                .fft_input
                .iter_mut()
                .zip(history.iter())
                .zip(&self.window)
            {
                *dst = x * w;
            }
            // NOTE: lengths are fixed at construction, so this cannot fail; a failure would
            // leave a zero spectrum rather than panic on the audio thread.
            if self
                .fft
                .process_with_scratch(&mut self.fft_input, out, &mut self.scratch)
                .is_err()
            {
                out.fill(Complex32::new(0.0, 0.0));
            }
            history.copy_within(hop.., 0);
        }
    }

    /// Clears the history (as after silence).
    pub fn reset(&mut self) {
        for h in &mut self.history {
            h.fill(0.0);
        }
    }
}
