//! The STFT geometry shared by the analysis, the synthesis, the worker and the model.

use std::fmt;

/// Smallest supported FFT size, in samples.
pub const MIN_FFT_SIZE: usize = 64;
/// Largest supported FFT size, in samples.
pub const MAX_FFT_SIZE: usize = 16384;
/// Longest host block the engine accepts in one call, in samples (longer calls are split).
pub const MAX_BLOCK_SIZE: usize = 16384;
/// Most channels one engine processes.
pub const MAX_CHANNELS: usize = 8;

/// FFT size, hop and synthesis span of the streaming STFT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StftGeometry {
    /// Analysis window and FFT length, in samples. Even, divisible by 4, within
    /// [`MIN_FFT_SIZE`]..=[`MAX_FFT_SIZE`].
    pub fft_size: usize,
    /// Distance between frame starts, in samples: `fft_size / 2`, `/ 4` or `/ 8`.
    pub hop: usize,
    /// Length of the synthesis window, in samples: the last `synthesis_len` samples of each
    /// frame are resynthesised. `fft_size` for the symmetric window pair; shorter spans make
    /// a low-delay pair (see [`crate::low_delay_window`]). A multiple of `hop`, at least
    /// `2 × hop`. The algorithmic delay of the STFT is `synthesis_len` samples.
    pub synthesis_len: usize,
}

/// Why a geometry or engine configuration was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum GeometryError {
    /// The FFT size is outside the supported range or not divisible by 4.
    FftSize(usize),
    /// The hop is not half, a quarter or an eighth of the FFT size.
    Hop { fft_size: usize, hop: usize },
    /// The synthesis span is not a multiple of the hop between `2 × hop` and the FFT size.
    SynthesisLen {
        fft_size: usize,
        hop: usize,
        len: usize,
    },
    /// The channel count is zero or above [`MAX_CHANNELS`].
    Channels(usize),
    /// The sample rate is not finite and positive.
    SampleRate(f32),
}

impl fmt::Display for GeometryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeometryError::FftSize(n) => write!(
                f,
                "FFT size {n} is not supported (it must be divisible by 4 and within \
                 {MIN_FFT_SIZE}..={MAX_FFT_SIZE})"
            ),
            GeometryError::Hop { fft_size, hop } => write!(
                f,
                "hop {hop} is not supported for FFT size {fft_size} (use {}, {} or {})",
                fft_size / 2,
                fft_size / 4,
                fft_size / 8
            ),
            GeometryError::SynthesisLen { fft_size, hop, len } => write!(
                f,
                "a synthesis window of {len} samples is not supported for FFT size {fft_size} \
                 and hop {hop} (use a multiple of {hop} from {} to {fft_size})",
                2 * hop
            ),
            GeometryError::Channels(n) => {
                write!(f, "{n} channels is not supported (1..={MAX_CHANNELS})")
            }
            GeometryError::SampleRate(sr) => write!(f, "sample rate {sr} Hz is not usable"),
        }
    }
}

impl std::error::Error for GeometryError {}

impl StftGeometry {
    /// Checks and builds a geometry with the symmetric window pair (`synthesis_len =
    /// fft_size`).
    pub fn new(fft_size: usize, hop: usize) -> Result<Self, GeometryError> {
        if !(MIN_FFT_SIZE..=MAX_FFT_SIZE).contains(&fft_size) || !fft_size.is_multiple_of(4) {
            return Err(GeometryError::FftSize(fft_size));
        }
        if hop == 0 || ![2, 4, 8].contains(&(fft_size / hop)) || !fft_size.is_multiple_of(hop) {
            return Err(GeometryError::Hop { fft_size, hop });
        }
        Ok(Self {
            fft_size,
            hop,
            synthesis_len: fft_size,
        })
    }

    /// The same analysis with a synthesis window of `len` samples (checked).
    pub fn with_synthesis_len(self, len: usize) -> Result<Self, GeometryError> {
        let Self { fft_size, hop, .. } = self;
        if len < 2 * hop || len > fft_size || !len.is_multiple_of(hop) {
            return Err(GeometryError::SynthesisLen { fft_size, hop, len });
        }
        Ok(Self {
            synthesis_len: len,
            ..self
        })
    }

    /// The same analysis window with a hop of `hop` samples (checked), symmetric synthesis.
    pub fn with_hop(self, hop: usize) -> Result<Self, GeometryError> {
        Self::new(self.fft_size, hop)
    }

    /// Whether analysis and synthesis use the same (symmetric) window.
    pub fn is_symmetric(&self) -> bool {
        self.synthesis_len == self.fft_size
    }

    /// Number of spectrum bins, `fft_size / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.fft_size / 2 + 1
    }

    /// The geometry to run at `host_rate` Hz for a model made for `fft_size`/`hop` at
    /// `model_rate` Hz: the window is scaled by the power of two nearest to
    /// `host_rate / model_rate`, so a frame lasts about as long as the model expects and bins
    /// keep about the same spacing in Hz (the model runner maps the remaining difference).
    /// The result is clamped to the supported FFT sizes.
    pub fn for_host_rate(
        fft_size: usize,
        hop: usize,
        model_rate: f32,
        host_rate: f32,
    ) -> Result<Self, GeometryError> {
        let base = Self::new(fft_size, hop)?;
        if !(model_rate.is_finite() && model_rate > 0.0) {
            return Err(GeometryError::SampleRate(model_rate));
        }
        if !(host_rate.is_finite() && host_rate > 0.0) {
            return Err(GeometryError::SampleRate(host_rate));
        }
        let octaves = (host_rate / model_rate).log2().round() as i32;
        let mut fft = base.fft_size;
        let mut hop = base.hop;
        for _ in 0..octaves.abs() {
            let (next_fft, next_hop) = if octaves > 0 {
                (fft * 2, hop * 2)
            } else {
                (fft / 2, hop / 2)
            };
            if Self::new(next_fft, next_hop).is_err() {
                break;
            }
            fft = next_fft;
            hop = next_hop;
        }
        Self::new(fft, hop)
    }

    /// Centre frequency of `bin` in Hz at `sample_rate` Hz.
    pub fn bin_frequency(&self, bin: usize, sample_rate: f32) -> f32 {
        bin as f32 * sample_rate / self.fft_size as f32
    }
}

impl Default for StftGeometry {
    /// 1024-sample window with a 256-sample hop (21.3 ms / 5.3 ms at 48 kHz).
    fn default() -> Self {
        Self {
            fft_size: 1024,
            hop: 256,
            synthesis_len: 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_supported_geometries_and_refuses_others() {
        assert!(StftGeometry::new(1024, 256).is_ok());
        assert!(StftGeometry::new(4096, 2048).is_ok());
        assert!(StftGeometry::new(1024, 128).is_ok());
        assert!(StftGeometry::new(600, 150).is_ok());
        assert!(StftGeometry::new(600, 75).is_ok());
        assert!(StftGeometry::new(1020, 127).is_err());
        assert_eq!(
            StftGeometry::new(1024, 300),
            Err(GeometryError::Hop {
                fft_size: 1024,
                hop: 300
            })
        );
        assert_eq!(
            StftGeometry::new(1 << 20, 1 << 18),
            Err(GeometryError::FftSize(1 << 20))
        );
        assert_eq!(
            StftGeometry::new(1022, 511),
            Err(GeometryError::FftSize(1022))
        );
    }

    #[test]
    fn synthesis_spans_are_multiples_of_the_hop_from_two_hops_to_the_window() {
        let g = StftGeometry::new(1024, 128).unwrap();
        assert!(g.is_symmetric());
        for len in [256, 384, 512, 1024] {
            assert_eq!(g.with_synthesis_len(len).unwrap().synthesis_len, len);
        }
        for len in [0, 128, 300, 1152] {
            assert_eq!(
                g.with_synthesis_len(len),
                Err(GeometryError::SynthesisLen {
                    fft_size: 1024,
                    hop: 128,
                    len
                })
            );
        }
        assert!(!g.with_synthesis_len(256).unwrap().is_symmetric());
    }

    #[test]
    fn host_rate_scales_the_window_by_the_nearest_power_of_two() {
        let g = |sr| StftGeometry::for_host_rate(1024, 256, 48000.0, sr).unwrap();
        assert_eq!(g(48000.0), StftGeometry::new(1024, 256).unwrap());
        assert_eq!(g(44100.0), StftGeometry::new(1024, 256).unwrap());
        assert_eq!(g(96000.0), StftGeometry::new(2048, 512).unwrap());
        assert_eq!(g(192000.0), StftGeometry::new(4096, 1024).unwrap());
        assert_eq!(g(768000.0), StftGeometry::new(16384, 4096).unwrap());
        assert_eq!(g(1000.0), StftGeometry::new(64, 16).unwrap());
        assert!(StftGeometry::for_host_rate(1024, 256, 48000.0, f32::NAN).is_err());
    }
}
