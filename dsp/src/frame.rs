//! One hop's worth of work travelling between the audio thread and the worker.

use realfft::num_complex::Complex32;

use crate::controls::Controls;

/// What became of a frame on the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStatus {
    /// Waiting for the worker.
    Pending,
    /// `output` holds the model's spectrum.
    Processed,
    /// The input was silent; `output` holds a copy of the input and no inference ran.
    Silent,
    /// The frame was already too late to be used when the worker reached it.
    Skipped,
    /// The model failed or returned unusable values; `output` must not be used.
    Failed,
}

/// Mean energy per bin below which a frame counts as silent (about −140 dBFS for a 1024 FFT):
/// it is resynthesised unprocessed, without waking the worker.
pub const SILENCE_ENERGY: f32 = 1e-8;

/// Mean energy per bin over all channels of a spectrum (`|X|²`, unnormalised FFT units).
pub fn spectrum_energy(spectrum: &[Complex32]) -> f32 {
    let sum: f32 = spectrum.iter().map(|c| c.norm_sqr()).sum();
    sum / spectrum.len().max(1) as f32
}

/// A frame: the spectra of every channel at one hop, the controls in force, and the result.
///
/// Frames are allocated once in a fixed pool and recycled; nothing here is allocated or
/// freed per hop.
pub struct Frame {
    /// Hop number since the engine started, counting from 0.
    pub seq: u64,
    /// Hop number since the engine's last reset (or its start), counting from 0: the clock of
    /// anything that must play a passage the same way each time it is played from its start.
    pub hops_since_reset: u64,
    /// Number of channels in `input` and `output`.
    pub channels: usize,
    /// Bins per channel, `fft_size / 2 + 1`.
    pub bins: usize,
    /// Analysis spectra, channel-major (`channels × bins`).
    pub input: Vec<Complex32>,
    /// Model output spectra, channel-major (`channels × bins`).
    pub output: Vec<Complex32>,
    /// Style blend and mix at this hop.
    pub controls: Controls,
    /// What the worker did with it.
    pub status: FrameStatus,
    /// Which model (counted from 0 by the worker) produced `output`.
    pub model_generation: u32,
    /// Time the model took on this frame, in nanoseconds.
    pub inference_ns: u64,
}

impl Frame {
    /// Allocates a frame for `channels` channels of `bins` bins.
    pub fn new(channels: usize, bins: usize) -> Self {
        Self {
            seq: 0,
            hops_since_reset: 0,
            channels,
            bins,
            input: vec![Complex32::new(0.0, 0.0); channels * bins],
            output: vec![Complex32::new(0.0, 0.0); channels * bins],
            controls: Controls::default(),
            status: FrameStatus::Pending,
            model_generation: 0,
            inference_ns: 0,
        }
    }

    /// The input spectrum of `channel`.
    pub fn input_channel(&self, channel: usize) -> &[Complex32] {
        &self.input[channel * self.bins..(channel + 1) * self.bins]
    }

    /// The input and output spectra of `channel`, for models that fill the output from the input.
    pub fn channel_io(&mut self, channel: usize) -> (&[Complex32], &mut [Complex32]) {
        let range = channel * self.bins..(channel + 1) * self.bins;
        (&self.input[range.clone()], &mut self.output[range])
    }

    /// Mean energy per bin over all channels (`|X|²`, unnormalised FFT units).
    /// Below [`SILENCE_ENERGY`] the frame is silent and passes unprocessed.
    pub fn input_energy(&self) -> f32 {
        spectrum_energy(&self.input)
    }
}
