//! Overlap-add resynthesis: inverse FFT, synthesis window and accumulation, one hop at a time.
//!
//! Only the last `synthesis_len` samples of each inverse transform are windowed and added
//! (all of them for the symmetric window pair; see [`crate::low_delay_window`]).

use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner};

use crate::geometry::StftGeometry;
use crate::{low_delay_window, sample_stats, window};

/// Streaming resynthesis for a fixed channel count and geometry. Allocates only in
/// [`OverlapAdd::new`].
pub struct OverlapAdd {
    geometry: StftGeometry,
    /// Per channel: the running overlap-add sum over the next `synthesis_len` output samples.
    accumulator: Vec<Vec<f32>>,
    /// Per channel: the hop of finished output samples, read while the next hop comes in.
    ready: Vec<Vec<f32>>,
    /// Synthesis window (`synthesis_len` values) with the inverse-FFT scale and overlap-add gain
    /// folded in.
    scaled_window: Vec<f32>,
    ifft: Arc<dyn ComplexToReal<f32>>,
    ifft_input: Vec<Complex32>,
    ifft_output: Vec<f32>,
    scratch: Vec<Complex32>,
}

impl OverlapAdd {
    /// Plans the inverse FFT and allocates the buffers for `channels` channels.
    pub fn new(geometry: StftGeometry, channels: usize) -> Self {
        let n = geometry.fft_size;
        let len = geometry.synthesis_len;
        let ifft = RealFftPlanner::<f32>::new().plan_fft_inverse(n);
        let scratch = ifft.make_scratch_vec();
        let w = low_delay_window::synthesis_window(n, len);
        let gain =
            window::overlap_add_gain(&low_delay_window::analysis_tail(n, len), &w, geometry.hop)
                .expect("a checked StftGeometry always overlap-adds to a constant");
        let scale = gain / n as f64;
        let scaled_window = w.iter().map(|&x| (x as f64 * scale) as f32).collect();
        Self {
            geometry,
            accumulator: vec![vec![0.0; len]; channels],
            ready: vec![vec![0.0; geometry.hop]; channels],
            scaled_window,
            ifft,
            ifft_input: vec![Complex32::new(0.0, 0.0); geometry.bins()],
            ifft_output: vec![0.0; n],
            scratch,
        }
    }

    /// Adds one frame (`channels × bins`, channel-major) and publishes the next hop of
    /// finished samples for [`OverlapAdd::read`].
    pub fn add_frame(&mut self, spectrum: &[Complex32]) {
        let bins = self.geometry.bins();
        let hop = self.geometry.hop;
        for (channel, acc) in self.accumulator.iter_mut().enumerate() {
            let input = &spectrum[channel * bins..(channel + 1) * bins];
            // A zero spectrum adds nothing: skip its inverse transform.
            let silent = sample_stats::all_zero_complex(input);
            if !silent {
                self.ifft_input.copy_from_slice(input);
                // A real signal's DC and Nyquist bins are real; the inverse transform needs
                // them so.
                self.ifft_input[0].im = 0.0;
                self.ifft_input[bins - 1].im = 0.0;
            }
            if !silent
                && self
                    .ifft
                    .process_with_scratch(
                        &mut self.ifft_input,
                        &mut self.ifft_output,
                        &mut self.scratch,
                    )
                    .is_ok()
            {
                let tail = &self.ifft_output[self.geometry.fft_size - acc.len()..];
                for ((a, &y), &w) in acc.iter_mut().zip(tail).zip(&self.scaled_window) {
                    *a += y * w;
                }
            }
            self.ready[channel].copy_from_slice(&acc[..hop]);
            acc.copy_within(hop.., 0);
            let n = acc.len();
            acc[n - hop..].fill(0.0);
        }
    }

    /// Publishes the next hop without adding a frame (used before the first frame is due).
    pub fn advance_silent(&mut self) {
        let hop = self.geometry.hop;
        for (acc, ready) in self.accumulator.iter_mut().zip(&mut self.ready) {
            ready.copy_from_slice(&acc[..hop]);
            acc.copy_within(hop.., 0);
            let n = acc.len();
            acc[n - hop..].fill(0.0);
        }
    }

    /// The finished samples of `channel` for positions `offset..offset + len` of this hop.
    pub fn read(&self, channel: usize, offset: usize, len: usize) -> &[f32] {
        &self.ready[channel][offset..offset + len]
    }

    /// The finished hop of every channel (`channels × hop` samples), published by the last
    /// [`OverlapAdd::add_frame`] and not yet played: the place to limit it.
    pub fn finished_mut(&mut self) -> &mut [Vec<f32>] {
        &mut self.ready
    }

    /// Clears all pending output.
    pub fn reset(&mut self) {
        for v in self.accumulator.iter_mut().chain(self.ready.iter_mut()) {
            v.fill(0.0);
        }
    }
}
