//! The low-delay window pair: a long analysis window with a short synthesis window.
//!
//! The analysis window stays the periodic square-root Hann of the full FFT length, so the model
//! sees exactly the spectra it was trained on and keeps its frequency resolution. Only the last
//! `len` samples of each resynthesised frame are used: the synthesis window is zero before them
//! and, over them, the periodic Hann window of `len` samples divided by the analysis window.
//! The product of the two windows is then that short Hann window, whose copies overlap-add to a
//! constant at any hop that divides `len / 2`, so an unmodified spectrum is rebuilt exactly.
//!
//! The STFT's algorithmic delay falls from the FFT length to `len` samples: with a 1024-sample
//! analysis window and `len = 256`, from 21.3 ms to 5.3 ms at 48 kHz. The analysis window is
//! never zero inside the span (the span starts at least one sample into the frame), so the
//! division is exact and the synthesis window is bounded (its largest value is about 2.7 for
//! `len = fft / 4` and 5.1 for `len = fft / 8`).
//!
//! With `len` equal to the FFT length the pair is the symmetric square-root Hann pair of
//! [`crate::window`].

use std::f64::consts::PI;

use crate::window::sqrt_hann;

/// The synthesis window for the last `len` samples of a frame of `fft_size` samples analysed
/// with [`sqrt_hann`]`(fft_size)`: `len` values, before any overlap-add normalisation.
///
/// `len` must be within `1..=fft_size`; `len == fft_size` gives the square-root Hann window.
pub fn synthesis_window(fft_size: usize, len: usize) -> Vec<f32> {
    assert!(
        (1..=fft_size).contains(&len),
        "synthesis span {len} outside 1..={fft_size}"
    );
    if len == fft_size {
        return sqrt_hann(fft_size);
    }
    let start = fft_size - len;
    (0..len)
        .map(|m| {
            let hann = (PI * m as f64 / len as f64).sin().powi(2);
            let analysis = (PI * (start + m) as f64 / fft_size as f64).sin();
            (hann / analysis) as f32
        })
        .collect()
}

/// The last `len` samples of the analysis window, the part the synthesis window meets.
pub fn analysis_tail(fft_size: usize, len: usize) -> Vec<f32> {
    let full = sqrt_hann(fft_size);
    full[fft_size - len..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::overlap_add_gain;

    #[test]
    fn the_product_is_a_short_hann_window_that_overlap_adds_to_a_constant() {
        for (fft, len, hop) in [(1024, 256, 128), (1024, 768, 256), (2048, 512, 256)] {
            let s = synthesis_window(fft, len);
            let a = analysis_tail(fft, len);
            for (m, (&x, &y)) in a.iter().zip(&s).enumerate() {
                let hann = (PI * m as f64 / len as f64).sin().powi(2);
                assert!(
                    (x as f64 * y as f64 - hann).abs() < 1e-6,
                    "{fft}/{len} at {m}"
                );
            }
            let gain = overlap_add_gain(&a, &s, hop).expect("constant overlap-add");
            let expected = 2.0 * hop as f64 / len as f64;
            assert!((gain - expected).abs() < 1e-6, "{fft}/{len}/{hop}: {gain}");
        }
    }

    #[test]
    fn the_synthesis_window_stays_bounded() {
        for (fft, len) in [(1024, 128), (1024, 256), (1024, 512), (16384, 2048)] {
            let peak = synthesis_window(fft, len)
                .into_iter()
                .fold(0.0f32, f32::max);
            assert!(peak.is_finite() && peak < 6.0, "{fft}/{len}: {peak}");
        }
        let full = synthesis_window(1024, 1024);
        assert_eq!(full, sqrt_hann(1024));
    }
}
