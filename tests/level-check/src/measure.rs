//! How much louder an output is than its input: clip RMS, the worst short window and the
//! sample peak, each as output over input in dB.

/// Length of the short windows compared, in seconds.
pub const WINDOW_SECONDS: f64 = 0.4;
/// Step between short windows, in seconds.
pub const WINDOW_STEP_SECONDS: f64 = 0.1;
/// A window's input energy counts as at least this far below the clip's mean, in dB, so that
/// windows of near-silence (before a DC step, between impulses) compare against a floor
/// instead of dividing by nothing.
pub const WINDOW_FLOOR_DB: f64 = 30.0;

/// Output against input over one clip, in dB (output over input).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelChange {
    /// Whole-clip RMS.
    pub clip_db: f64,
    /// The loudest short window relative to the same window of the input.
    pub worst_window_db: f64,
    /// Output sample peak over the input's sample peak.
    pub peak_db: f64,
    /// Input sample peak, linear.
    pub input_peak: f64,
    /// Output sample peak, linear.
    pub output_peak: f64,
    /// Every output sample finite.
    pub finite: bool,
}

fn energy(channels: &[&[f32]], start: usize, end: usize) -> f64 {
    channels
        .iter()
        .map(|c| {
            c[start.min(c.len())..end.min(c.len())]
                .iter()
                .map(|&x| f64::from(x).powi(2))
                .sum::<f64>()
        })
        .sum()
}

fn peak(channels: &[&[f32]]) -> f64 {
    channels
        .iter()
        .flat_map(|c| c.iter())
        .fold(0.0f64, |m, &x| m.max(f64::from(x).abs()))
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.max(1e-30).log10()
}

/// Compares `output` with `input` (both planar, sample-aligned, the same length) at `rate` Hz.
pub fn compare(input: &[&[f32]], output: &[&[f32]], rate: f64) -> LevelChange {
    let len = input.iter().map(|c| c.len()).min().unwrap_or(0);
    let in_total = energy(input, 0, len);
    let out_total = energy(output, 0, len);
    let window = ((WINDOW_SECONDS * rate) as usize).clamp(1, len.max(1));
    let step = ((WINDOW_STEP_SECONDS * rate) as usize).max(1);
    let floor = in_total / len.max(1) as f64 * window as f64 * 10f64.powf(-WINDOW_FLOOR_DB / 10.0);
    let mut worst = f64::NEG_INFINITY;
    let mut start = 0;
    loop {
        let end = (start + window).min(len);
        let ratio = energy(output, start, end) / energy(input, start, end).max(floor).max(1e-30);
        worst = worst.max(db(ratio));
        if end >= len {
            break;
        }
        start += step;
    }
    let input_peak = peak(input);
    let output_peak = peak(output);
    LevelChange {
        clip_db: db(out_total / in_total.max(1e-30)),
        worst_window_db: worst,
        peak_db: 2.0 * db(output_peak / input_peak.max(1e-30)),
        input_peak,
        output_peak,
        finite: output.iter().all(|c| c.iter().all(|x| x.is_finite())),
    }
}

/// The level of every short window of `channels`, in dB (energy per sample), skipping windows
/// more than [`WINDOW_FLOOR_DB`] under the clip's mean.
pub fn window_levels_db(channels: &[&[f32]], rate: f64) -> Vec<f64> {
    let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
    let window = ((WINDOW_SECONDS * rate) as usize).clamp(1, len.max(1));
    let step = ((WINDOW_STEP_SECONDS * rate) as usize).max(1);
    let mean = energy(channels, 0, len) / len.max(1) as f64;
    let floor = mean * 10f64.powf(-WINDOW_FLOOR_DB / 10.0);
    let mut levels = Vec::new();
    let mut start = 0;
    while start + window <= len {
        let level = energy(channels, start, start + window) / window as f64;
        if level >= floor {
            levels.push(db(level));
        }
        start += step;
    }
    levels
}

/// The spread of a clip's dynamics: the standard deviation of its short windows' levels, in dB.
pub fn dynamics_db(channels: &[&[f32]], rate: f64) -> f64 {
    let levels = window_levels_db(channels, rate);
    let n = levels.len().max(1) as f64;
    let mean = levels.iter().sum::<f64>() / n;
    (levels.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_measures_zero_and_a_gain_measures_itself() {
        let x: Vec<f32> = (0..48000)
            .map(|i| ((i as f32) * 0.01).sin() * 0.5)
            .collect();
        let same = compare(&[&x], &[&x], 48000.0);
        assert!(same.clip_db.abs() < 1e-9 && same.worst_window_db.abs() < 1e-9);
        assert!(same.peak_db.abs() < 1e-9);
        let louder: Vec<f32> = x.iter().map(|v| v * 2.0).collect();
        let m = compare(&[&x], &[&louder], 48000.0);
        assert!((m.clip_db - 6.0206).abs() < 1e-3);
        assert!((m.worst_window_db - 6.0206).abs() < 1e-3);
        assert!((m.peak_db - 6.0206).abs() < 1e-3);
    }

    #[test]
    fn dynamics_measure_the_spread_of_window_levels() {
        let steady = vec![0.1f32; 96000];
        assert!(dynamics_db(&[&steady], 48000.0) < 1e-9);
        let mut stepped = steady.clone();
        for v in &mut stepped[48000..] {
            *v = 0.01;
        }
        // Half the windows 20 dB under the other half: a spread of about 10 dB.
        let spread = dynamics_db(&[&stepped], 48000.0);
        assert!((8.0..11.0).contains(&spread), "{spread}");
    }

    #[test]
    fn a_burst_shows_in_the_worst_window_more_than_in_the_clip() {
        let x = vec![0.1f32; 96000];
        let mut y = x.clone();
        for v in &mut y[40000..44000] {
            *v = 1.0;
        }
        let m = compare(&[&x], &[&y], 48000.0);
        assert!(m.worst_window_db > m.clip_db + 3.0);
    }
}
