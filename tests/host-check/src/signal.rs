//! The audio the test hosts play while an editor is open, so that its live view has data.

/// A chord with a slow vibrato and a little noise, at about -12 dBFS, at `rate` Hz: samples
/// `start..start + n`.
pub fn test_signal(rate: f64, start: u64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = (start + i as u64) as f64 / rate;
            let vibrato = 1.0 + 0.01 * (2.0 * std::f64::consts::PI * 5.0 * t).sin();
            let tone: f64 = [(220.0, 0.12), (330.0, 0.08), (550.0, 0.05), (1320.0, 0.03)]
                .iter()
                .map(|&(f, a)| a * (2.0 * std::f64::consts::PI * f * vibrato * t).sin())
                .sum();
            // A cheap hash of the sample index as noise.
            let k = (start + i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let noise = ((k >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.02;
            (tone + noise) as f32
        })
        .collect()
}
