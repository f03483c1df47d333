//! Turns the newest samples of a feed ring into a log-frequency magnitude spectrum, on the
//! editor's thread, once per frame.

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{RealFftPlanner, RealToComplex};

use crate::live_feed::SampleRing;

/// FFT size of the live view, in samples.
pub const FFT_SIZE: usize = 4096;
/// Display bins, spaced logarithmically between [`MIN_HZ`] and the Nyquist frequency.
pub const BINS: usize = 160;
/// Lowest frequency shown, in Hz.
pub const MIN_HZ: f32 = 30.0;
/// Floor of the display range, in dBFS.
pub const FLOOR_DB: f32 = -96.0;
/// Fall rate of the displayed spectrum, in dB per second (peaks rise at once).
const FALL_DB_PER_S: f32 = 60.0;

/// A spectrum analyser for one feed ring. All buffers are made once.
pub struct Analyser {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    samples: Vec<f32>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
    /// Displayed level per bin, in dBFS.
    levels: Vec<f32>,
    last_written: usize,
}

impl Default for Analyser {
    fn default() -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
        let window = (0..FFT_SIZE)
            .map(|i| 0.5 - 0.5 * (2.0 * std::f32::consts::PI * i as f32 / FFT_SIZE as f32).cos())
            .collect();
        Self {
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
            samples: vec![0.0; FFT_SIZE],
            levels: vec![FLOOR_DB; BINS],
            last_written: 0,
        }
    }
}

impl Analyser {
    /// The displayed levels, one per bin from low to high, in dBFS.
    pub fn levels(&self) -> &[f32] {
        &self.levels
    }

    /// Whether the ring has new samples since the last [`Analyser::update`].
    pub fn has_news(&self, ring: &SampleRing) -> bool {
        ring.written() != self.last_written
    }

    /// Analyses the newest [`FFT_SIZE`] samples of `ring` at `sample_rate` Hz; `dt` is the time
    /// since the last update, in seconds (for the fall rate).
    pub fn update(&mut self, ring: &SampleRing, sample_rate: f32, dt: f32) {
        self.last_written = ring.read_latest(&mut self.samples);
        for (s, w) in self.samples.iter_mut().zip(&self.window) {
            *s *= w;
        }
        if self
            .fft
            .process_with_scratch(&mut self.samples, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            return;
        }
        // A full-scale sine reads 0 dBFS: the Hann window's coherent gain is 0.5.
        let norm = 2.0 / (FFT_SIZE as f32 * 0.5);
        let fall = FALL_DB_PER_S * dt.clamp(0.0, 0.25);
        let nyquist = (sample_rate / 2.0).max(MIN_HZ * 2.0);
        let bin_hz = sample_rate.max(1.0) / FFT_SIZE as f32;
        let ratio = nyquist / MIN_HZ;
        for (b, level) in self.levels.iter_mut().enumerate() {
            let lo = MIN_HZ * ratio.powf(b as f32 / BINS as f32);
            let hi = MIN_HZ * ratio.powf((b + 1) as f32 / BINS as f32);
            let first = ((lo / bin_hz).floor() as usize).min(self.spectrum.len() - 1);
            let last = ((hi / bin_hz).ceil() as usize).clamp(first + 1, self.spectrum.len());
            let peak = self.spectrum[first..last]
                .iter()
                .map(|c| c.norm())
                .fold(0.0f32, f32::max);
            let db = (20.0 * (peak * norm).max(1e-9).log10()).max(FLOOR_DB);
            *level = if db > *level {
                db
            } else {
                (*level - fall).max(db)
            };
        }
    }

    /// The frequency at the left edge of bin `b`, in Hz.
    pub fn bin_hz(b: usize, sample_rate: f32) -> f32 {
        let nyquist = (sample_rate / 2.0).max(MIN_HZ * 2.0);
        MIN_HZ * (nyquist / MIN_HZ).powf(b as f32 / BINS as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_scale_sine_peaks_near_zero_dbfs_at_its_frequency() {
        let ring = SampleRing::default();
        let sr = 48_000.0;
        let mut block: Vec<f32> = (0..FFT_SIZE)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / sr).sin())
            .collect();
        ring.push_mixed(&[&mut block[..]]);
        let mut analyser = Analyser::default();
        analyser.update(&ring, sr, 0.0);
        let (peak_bin, peak_db) = analyser
            .levels()
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, &l)| if l > a.1 { (i, l) } else { a });
        assert!((-1.5..=0.5).contains(&peak_db), "peak {peak_db} dB");
        let lo = Analyser::bin_hz(peak_bin, sr);
        let hi = Analyser::bin_hz(peak_bin + 1, sr);
        assert!(lo <= 1010.0 && hi >= 990.0, "peak bin {lo}..{hi} Hz");
        assert!(analyser.levels()[0] < -60.0, "30 Hz should be quiet");
    }
}
