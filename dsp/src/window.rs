//! Analysis/synthesis windows with exact overlap-add normalisation.
//!
//! Chameleon analyses with a periodic square-root Hann window and resynthesises with the
//! same window. Their product is a periodic Hann window, whose shifted copies sum to a
//! constant for a hop of 1/2 or 1/4 of the window, so an unmodified spectrum is rebuilt
//! exactly once the constant is divided out.

use std::f64::consts::PI;

/// The window shape named in a model's metadata (`chameleon.window`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowKind {
    /// Periodic square-root Hann, used for both analysis and synthesis.
    SqrtHann,
}

impl WindowKind {
    /// The identifier used in model metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowKind::SqrtHann => "sqrt_hann",
        }
    }

    /// Parses a metadata identifier.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "sqrt_hann" => Some(WindowKind::SqrtHann),
            _ => None,
        }
    }
}

/// Periodic square-root Hann window of `len` samples (`w[n] = sin(pi n / len)`).
pub fn sqrt_hann(len: usize) -> Vec<f32> {
    (0..len)
        .map(|n| (PI * n as f64 / len as f64).sin() as f32)
        .collect()
}

/// The factor that makes analysis × synthesis windows overlap-add to exactly one.
///
/// Returns `1 / sum_k(analysis[n + k hop] * synthesis[n + k hop])`, checked to be the same
/// for every `n` within `1e-9` (relative). Returns `None` when the windows do not overlap-add
/// to a constant for this hop.
pub fn overlap_add_gain(analysis: &[f32], synthesis: &[f32], hop: usize) -> Option<f64> {
    let len = analysis.len();
    if hop == 0 || !len.is_multiple_of(hop) || synthesis.len() != len {
        return None;
    }
    let sums: Vec<f64> = (0..hop)
        .map(|n| {
            (n..len)
                .step_by(hop)
                .map(|i| analysis[i] as f64 * synthesis[i] as f64)
                .sum()
        })
        .collect();
    let first = sums[0];
    if first <= 0.0 || sums.iter().any(|s| ((s - first) / first).abs() > 1e-6) {
        return None;
    }
    Some(1.0 / first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqrt_hann_overlap_adds_to_a_constant_at_half_and_quarter_hops() {
        for len in [256, 1024, 4096, 600] {
            let w = sqrt_hann(len);
            let half = overlap_add_gain(&w, &w, len / 2).unwrap();
            let quarter = overlap_add_gain(&w, &w, len / 4).unwrap();
            assert!((half - 1.0).abs() < 1e-6, "half hop gain {half}");
            assert!((quarter - 0.5).abs() < 1e-6, "quarter hop gain {quarter}");
        }
    }

    #[test]
    fn a_hop_that_does_not_divide_the_window_is_refused() {
        let w = sqrt_hann(1000);
        assert!(overlap_add_gain(&w, &w, 300).is_none());
        assert!(overlap_add_gain(&w, &w, 0).is_none());
    }
}
