//! Ensemble voices: a section's partials beat as a section of players' do.
//!
//! A string section or a choir is never in tune with itself: each player's partials sit a few
//! cents from the others', so their sum beats slowly, higher partials faster, and the two ears
//! hear different beats. A model that re-weights one source's partials plays them as one
//! player. Model format version 5 lets a model give each style an ensemble depth
//! (`chameleon.ensemble`, 0 to 1, see `docs/model-format.md`); the model runner then passes
//! each output spectrum through [`Ensemble::apply`] after generated phase
//! ([`crate::generated_phase`]):
//!
//! - Every bin gets [`VOICE_CENTS`]`.len()` copies of itself. Copy `k` turns by
//!   `f_bin · (2^(c_k / 1200) − 1)` cycles per second (`f_bin` the bin's centre frequency,
//!   `c_k = VOICE_CENTS[k]`): a partial in the bin beats against it at the rate a player
//!   detuned by `c_k` cents would.
//! - Copy `k` of bin `b` on channel `ch` starts at `frac(b · GOLDEN + k / voices + ch ·
//!   CHANNEL_OFFSET)` turns, so neither neighbouring bins nor copies nor the two channels of a
//!   stereo pair beat together; a stereo pair gains width. The phase at hop `t` (the engine's
//!   hop count since its last reset, so that a passage played again from its start plays
//!   again the same) is the start plus `t` hops' turns.
//! - Copies belong to held partials, not to onsets: a copy of a click or a hammer is the same
//!   energy smeared over the whole analysis window, heard before the click and louder than it.
//!   A follower per bin rises towards the bin's power as a one-pole filter with the time
//!   constant [`SWELL_MS`] and falls with it at once; the bin's copies are weighted by
//!   `s = follower / power` (1 for a steady or falling bin, near 0 on an onset).
//! - The copies are weighted by `g = s · d · VOICE_GAIN`, `d` the style mix's depth (the style
//!   weights' mean of the styles' depths), and the bin is divided by `sqrt(1 + voices · g²)`,
//!   which keeps its mean power.
//!
//! The copies' phases depend only on the hop's number; the followers start from zero, and
//! again after a reset or a hop the model did not run (a silent or late hop). A depth of 0
//! leaves the spectrum exactly as it was. The Python reference engine
//! (`training/chameleon_training/ensemble.py`) computes the same.

use std::f32::consts::TAU;

use crate::rise_follower::{follow, RiseFollowers};
use crate::Complex32;

/// Detune of each copy, in cents.
pub const VOICE_CENTS: [f64; 3] = [7.0, -11.0, 4.0];
/// Gain of each copy at depth 1.
pub const VOICE_GAIN: f32 = 0.6;
/// Start phase step from bin to bin, in turns (the golden ratio's fraction).
const GOLDEN: f64 = 0.618_033_988_749_894_9;
/// Start phase offset between channels, in turns.
const CHANNEL_OFFSET: f64 = 0.37;
/// Time constant, in milliseconds, over which a new partial's copies swell in.
pub const SWELL_MS: f32 = 100.0;

/// Ensemble voices for the output spectra of one engine. Allocation-free after
/// [`Ensemble::new`].
pub struct Ensemble {
    /// Each style's depth (0 to 1), in the model's style order.
    depths: Vec<f32>,
    /// The style mix's depth.
    depth: f32,
    /// `[voices, bins]`: each copy's start phase on channel 0, in turns.
    start: Vec<f64>,
    /// `[voices, bins]`: each copy's turn per hop.
    step: Vec<f64>,
    bins: usize,
    /// The followers' share of a rise taken per hop.
    coefficient: f32,
    /// Each channel's followers of the bin powers.
    followers: RiseFollowers,
}

impl Ensemble {
    /// Ensemble voices for `channels` channels of spectra with `bins` bins of an FFT of
    /// `fft_size` samples analysed every `hop` samples at `sample_rate` Hz, for a model whose
    /// styles have the ensemble depths `depths`.
    pub fn new(
        channels: usize,
        bins: usize,
        fft_size: usize,
        hop: usize,
        sample_rate: f32,
        depths: &[f32],
    ) -> Self {
        let voices = VOICE_CENTS.len();
        let mut start = Vec::with_capacity(voices * bins);
        let mut step = Vec::with_capacity(voices * bins);
        for (k, cents) in VOICE_CENTS.iter().enumerate() {
            let detune = (cents / 1200.0).exp2() - 1.0;
            for b in 0..bins {
                start.push((b as f64 * GOLDEN + k as f64 / voices as f64).rem_euclid(1.0));
                // f_bin · detune · hop / rate = b · detune · hop / fft_size turns per hop.
                step.push(b as f64 * detune * hop as f64 / fft_size.max(1) as f64);
            }
        }
        Self {
            depths: depths.to_vec(),
            // All weight on the first style until the first hop sets the mix.
            depth: Self::clamp(depths.first().copied().unwrap_or(0.0)),
            start,
            step,
            bins,
            coefficient: 1.0 - (-(hop as f32) / (sample_rate * SWELL_MS * 1e-3)).exp(),
            followers: RiseFollowers::new(channels, bins),
        }
    }

    fn clamp(depth: f32) -> f32 {
        if depth.is_finite() {
            depth.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Sets the style mix: `weights` are the normalised style weights the model sees.
    pub fn set_weights(&mut self, weights: &[f32]) {
        let depth: f32 = self.depths.iter().zip(weights).map(|(d, w)| d * w).sum();
        self.depth = Self::clamp(depth);
    }

    /// The style mix's depth (0 to 1).
    pub fn depth(&self) -> f32 {
        self.depth
    }

    /// Forgets every channel's followers (transport jump, reset).
    pub fn reset(&mut self) {
        self.followers.reset();
    }

    /// Adds the copies to `output` (channel `channel`'s spectrum for hop `seq`, counted since
    /// the engine's last reset), as the module describes.
    pub fn apply(&mut self, channel: usize, seq: u64, output: &mut [Complex32]) {
        let Some(followers) = self.followers.for_hop(channel, seq) else {
            return;
        };
        if self.depth <= 0.0 {
            return;
        }
        let voices = VOICE_CENTS.len();
        let a = self.coefficient;
        let offset = channel as f64 * CHANNEL_OFFSET;
        let hops = seq as f64;
        let n = output.len().min(self.bins);
        for (b, (y, f)) in output[..n].iter_mut().zip(followers.iter_mut()).enumerate() {
            let held = follow(f, y.norm_sqr(), a);
            let gain = held * self.depth * VOICE_GAIN;
            let mut sum = Complex32::new(0.0, 0.0);
            for k in 0..voices {
                let i = k * self.bins + b;
                // The phase in turns, reduced in f64 before it becomes an angle, so that a long
                // stream keeps its precision.
                let turns = (self.start[i] + offset + (hops * self.step[i]).fract()).fract();
                let (sin, cos) = (TAU * turns as f32).sin_cos();
                sum += Complex32::new(cos, sin);
            }
            let norm = 1.0 / (1.0 + voices as f32 * gain * gain).sqrt();
            *y *= (Complex32::new(1.0, 0.0) + sum * gain) * norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BINS: usize = 513;

    fn ensemble(channels: usize, depths: &[f32]) -> Ensemble {
        Ensemble::new(channels, BINS, 1024, 256, 48_000.0, depths)
    }

    fn flat() -> Vec<Complex32> {
        vec![Complex32::new(1.0, 0.0); BINS]
    }

    /// How far the bin that moved most lies from the flat spectrum's 1.
    fn most_moved(y: &[Complex32]) -> f32 {
        y.iter()
            .map(|x| (x - Complex32::new(1.0, 0.0)).norm())
            .fold(0.0f32, f32::max)
    }

    #[test]
    fn no_depth_passes_everything_and_a_mix_takes_the_mean_depth() {
        let mut e = ensemble(1, &[0.0, 1.0]);
        let mut y = flat();
        e.apply(0, 7, &mut y);
        assert_eq!(y, flat());
        e.set_weights(&[0.5, 0.5]);
        assert_eq!(e.depth(), 0.5);
        e.set_weights(&[0.0, f32::NAN]);
        assert_eq!(e.depth(), 0.0);
    }

    #[test]
    fn a_held_bin_keeps_its_mean_power_and_beats() {
        let mut e = ensemble(1, &[1.0]);
        // Bin 100 (4.7 kHz at 48 kHz): the 4-cent copy beats about every 0.9 s (170 hops).
        let hops = 20_000u64;
        let mut power = 0.0f64;
        let (mut lo, mut hi) = (f32::MAX, 0.0f32);
        for seq in 0..hops {
            let mut y = flat();
            e.apply(0, seq, &mut y);
            if seq < 200 {
                continue;
            }
            let p = y[100].norm_sqr();
            power += f64::from(p);
            lo = lo.min(p);
            hi = hi.max(p);
        }
        let mean = power / (hops - 200) as f64;
        assert!((mean - 1.0).abs() < 0.05, "mean power {mean}");
        assert!(hi > 2.0 * lo, "it beats: {lo}..{hi}");
    }

    #[test]
    fn an_onset_gets_no_copies_until_it_is_held() {
        let mut e = ensemble(1, &[1.0]);
        // The first hop of a note: the follower has taken one hop's share of the rise.
        let mut y = flat();
        e.apply(0, 0, &mut y);
        let first = most_moved(&y);
        assert!(first < 0.15, "{first}");
        // Half a second on, the copies are in.
        for seq in 1..100 {
            e.apply(0, seq, &mut flat());
        }
        let mut y = flat();
        e.apply(0, 100, &mut y);
        let later = most_moved(&y);
        assert!(later > 0.5, "{later}");
        // A skipped hop, or a reset, starts the followers again.
        let mut y = flat();
        e.apply(0, 105, &mut y);
        assert!(most_moved(&y) < 0.15);
        e.reset();
        let mut y = flat();
        e.apply(0, 106, &mut y);
        assert!(most_moved(&y) < 0.15);
    }

    #[test]
    fn the_dc_bin_and_the_channels_differ_as_described() {
        let mut e = ensemble(2, &[1.0]);
        for seq in 0..200 {
            e.apply(0, seq, &mut flat());
            e.apply(1, seq, &mut flat());
        }
        // Bin 0 never turns: the same factor at every hop.
        let mut a = flat();
        let mut b = flat();
        e.apply(0, 200, &mut a);
        e.apply(0, 201, &mut b);
        assert!((a[0] - b[0]).norm() < 1e-4);
        // The two channels of a pair get other factors.
        let mut left = flat();
        let mut right = flat();
        e.apply(0, 202, &mut left);
        e.apply(1, 202, &mut right);
        let differ = left
            .iter()
            .zip(&right)
            .filter(|(l, r)| (*l - *r).norm() > 0.1)
            .count();
        assert!(differ > BINS / 2, "{differ} bins differ");
        // Output bins beyond the prepared ones pass; no value becomes non-finite.
        let mut long = vec![Complex32::new(1.0, 0.0); BINS + 4];
        e.apply(0, u64::MAX, &mut long);
        assert!(long.iter().all(|x| x.re.is_finite() && x.im.is_finite()));
        assert_eq!(long[BINS + 2], Complex32::new(1.0, 0.0));
        let mut bad = vec![Complex32::new(f32::NAN, 0.0); BINS];
        e.apply(0, 0, &mut bad);
        let mut after = flat();
        e.apply(0, 1, &mut after);
        assert!(after.iter().all(|x| x.re.is_finite()));
    }
}
