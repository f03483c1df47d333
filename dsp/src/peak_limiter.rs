//! The wet path's sample-peak ceiling: a look-ahead limiter that adds no latency.
//!
//! Each hop of resynthesised wet samples is finished a whole hop before it plays, so the
//! limiter sees the hop at once and can lower its gain ahead of a peak within it. The ceiling
//! follows the input: the largest dry sample peak over the last [`HOLD_SECONDS`] of what has
//! played and the next frame's span of what will play (the caller reads it from the dry delay
//! line), plus a headroom in dB. Neither depends on the latency, so every host block size gives
//! the same output. The gain falls linearly over at most
//! [`ATTACK_SECONDS`] before a peak and recovers with a [`RELEASE_SECONDS`] time constant;
//! only a peak in the first samples of a hop, whose look-ahead lies in the previous hop, makes
//! it fall faster. Channels share one gain, so the stereo image stays put.
//!
//! Samples already below the ceiling with the gain at 1 are not touched, so the identity
//! style stays bit-exact.

/// How long an input peak keeps the ceiling up, in seconds.
pub const HOLD_SECONDS: f32 = 1.0;
/// Longest fall of the gain before a peak, in seconds.
pub const ATTACK_SECONDS: f32 = 0.001;
/// Time constant of the gain's recovery, in seconds.
pub const RELEASE_SECONDS: f32 = 0.02;
/// Headroom of the ceiling over the held input peak with level match on, in dB.
pub const PEAK_HEADROOM_DB_MATCHED: f32 = 5.5;
/// Headroom of the ceiling over the held input peak with level match off, in dB.
pub const PEAK_HEADROOM_DB_UNMATCHED: f32 = 7.9;
/// Ceiling in absolute terms below which the limiter never pushes (about −80 dBFS), so wet
/// content a model makes of near-silence is not amplified by the ceiling's rules either.
const ABSOLUTE_FLOOR: f32 = 1e-4;

/// Look-ahead peak limiter for one engine. Allocates only in [`PeakLimiter::new`].
pub struct PeakLimiter {
    /// Dry sample peaks, one per played hop (ring).
    input_peaks: Vec<f32>,
    next_peak: usize,
    /// One minus the gain at the end of the last hop.
    reduction: f32,
    attack_step: f32,
    /// Per-sample factor on the gain's distance from 1 while it recovers.
    recovery: f32,
    /// Per-sample gain needed by the hop being limited.
    needed: Vec<f32>,
}

impl PeakLimiter {
    /// A limiter for hops of `hop` samples at `sample_rate` Hz.
    pub fn new(hop: usize, sample_rate: f32) -> Self {
        let hop = hop.max(1);
        let sample_rate = if sample_rate.is_finite() && sample_rate > 0.0 {
            sample_rate
        } else {
            48000.0
        };
        let hold_hops = (HOLD_SECONDS * sample_rate / hop as f32).ceil() as usize;
        let attack_samples = (ATTACK_SECONDS * sample_rate).max(1.0);
        Self {
            input_peaks: vec![0.0; hold_hops.max(1)],
            next_peak: 0,
            reduction: 0.0,
            attack_step: 1.0 / attack_samples,
            recovery: (-1.0 / (RELEASE_SECONDS * sample_rate)).exp(),
            needed: vec![1.0; hop],
        }
    }

    /// Records the largest absolute dry sample of the hop about to play.
    pub fn push_played_peak(&mut self, peak: f32) {
        self.input_peaks[self.next_peak] = if peak.is_finite() { peak } else { 0.0 };
        self.next_peak = (self.next_peak + 1) % self.input_peaks.len();
    }

    /// Forgets the input peaks and recovers the gain (transport jump).
    pub fn reset(&mut self) {
        self.input_peaks.fill(0.0);
        self.reduction = 0.0;
    }

    /// The ceiling in force: the held dry peak, or `ahead_peak` (the largest dry sample of the
    /// next frame's span) if larger, raised by `headroom_db`, linear.
    pub fn ceiling(&self, headroom_db: f32, ahead_peak: f32) -> f32 {
        let ahead = if ahead_peak.is_finite() {
            ahead_peak
        } else {
            0.0
        };
        let held = self.input_peaks.iter().fold(ahead, |m, &p| m.max(p));
        (held * 10f32.powf(headroom_db / 20.0)).max(ABSOLUTE_FLOOR)
    }

    /// Limits one finished hop in place (`channels[c]` holds the hop of channel `c`, all the
    /// same length, at most the hop size) under the [`PeakLimiter::ceiling`] for
    /// `headroom_db` and `ahead_peak`. Returns the smallest gain applied (1 if none).
    pub fn process(&mut self, channels: &mut [Vec<f32>], headroom_db: f32, ahead_peak: f32) -> f32 {
        let len = channels
            .iter()
            .map(Vec::len)
            .min()
            .unwrap_or(0)
            .min(self.needed.len());
        if len == 0 {
            return 1.0;
        }
        let ceiling = self.ceiling(headroom_db, ahead_peak);
        let needed = &mut self.needed[..len];
        let mut any = false;
        for (i, need) in needed.iter_mut().enumerate() {
            let peak = channels.iter().fold(0.0f32, |m, c| m.max(c[i].abs()));
            *need = if peak > ceiling {
                any = true;
                ceiling / peak
            } else {
                1.0
            };
        }
        if !any && self.reduction == 0.0 {
            return 1.0;
        }
        // Backwards: the gain may only rise by `attack_step` per sample away from a dip, so
        // it falls at most that fast into one.
        for i in (0..len - 1).rev() {
            needed[i] = needed[i].min(needed[i + 1] + self.attack_step);
        }
        // Forwards: recover slowly, never above what the next samples need. The distance from
        // unity is the state (a gain near 1 in f32 could not creep any closer); within
        // 0.001 dB of unity the gain snaps to exactly 1.
        let mut reduction = self.reduction;
        let mut smallest = 1.0f32;
        for (i, &need) in needed.iter().enumerate() {
            reduction = (reduction * self.recovery).max(1.0 - need);
            if reduction < 1e-4 && need >= 1.0 {
                reduction = 0.0;
                continue;
            }
            let gain = 1.0 - reduction;
            smallest = smallest.min(gain);
            for c in channels.iter_mut() {
                c[i] *= gain;
            }
        }
        self.reduction = reduction;
        smallest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOP: usize = 256;

    fn limiter() -> PeakLimiter {
        PeakLimiter::new(HOP, 48000.0)
    }

    #[test]
    fn samples_under_the_ceiling_are_untouched() {
        let mut l = limiter();
        l.push_played_peak(0.5);
        let hop: Vec<f32> = (0..HOP).map(|i| 0.5 * (i as f32 * 0.1).sin()).collect();
        let mut channels = vec![hop.clone(), hop.clone()];
        assert_eq!(l.process(&mut channels, 0.0, 0.0), 1.0);
        assert_eq!(channels[0], hop);
    }

    #[test]
    fn no_sample_exceeds_the_ceiling_and_the_gain_ramps_in() {
        let mut l = limiter();
        l.push_played_peak(0.1);
        let ceiling = l.ceiling(6.0, 0.0);
        let mut channels = vec![vec![0.05; HOP], vec![0.05; HOP]];
        channels[1][200] = 10.0;
        let smallest = l.process(&mut channels, 6.0, 0.0);
        assert!(smallest < 0.03);
        for c in &channels {
            assert!(c.iter().all(|x| x.abs() <= ceiling * 1.0001));
        }
        // The fall before the peak is a ramp, not a step.
        let steps: Vec<f32> = channels[0]
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .collect();
        let largest_step = steps[..199].iter().fold(0.0f32, |m, &s| m.max(s));
        assert!(largest_step < 0.05 / 40.0, "step {largest_step}");
        // Both channels got the same gain.
        assert_eq!(channels[0][100], channels[1][100]);
    }

    #[test]
    fn the_ceiling_holds_the_input_peak_and_then_forgets_it() {
        let mut l = limiter();
        l.push_played_peak(0.8);
        assert!((l.ceiling(0.0, 0.0) - 0.8).abs() < 1e-6);
        for _ in 0..l.input_peaks.len() {
            l.push_played_peak(0.0);
        }
        assert_eq!(l.ceiling(0.0, 0.0), ABSOLUTE_FLOOR);
        // A peak ahead raises it at once.
        assert!((l.ceiling(0.0, 0.5) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn the_gain_recovers_after_a_peak() {
        let mut l = limiter();
        l.push_played_peak(0.1);
        let mut loud = vec![vec![1.0; HOP]];
        l.process(&mut loud, 0.0, 0.0);
        for _ in 0..200 {
            let mut quiet = vec![vec![0.01; HOP]];
            l.process(&mut quiet, 0.0, 0.0);
        }
        let mut quiet = vec![vec![0.01; HOP]];
        assert_eq!(l.process(&mut quiet, 0.0, 0.0), 1.0);
        assert_eq!(quiet[0][0], 0.01);
    }
}
