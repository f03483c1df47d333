//! Attack softening: new partials swell in at the style's attack time instead of striking.
//!
//! A model that re-weights the input's partials keeps the input's onsets: a piano or guitar
//! note re-voiced as strings still starts with a hammer or pluck, a broadband line across the
//! spectrogram, and an outside tagger hears the source instrument in it (`docs/model-tagger.md`).
//! A bowed, blown or sung note starts by swelling in. Model format version 4 lets a model
//! declare an attack time per style (`chameleon.attack_ms`, see `docs/model-format.md`); the
//! model runner then passes each output spectrum through [`AttackSoftener::apply`] before
//! generated phase ([`crate::generated_phase`]) and resynthesis:
//!
//! - Each bin's output power is smoothed over [`SMOOTHING_BINS`] bins either side (a box of
//!   `2 · SMOOTHING_BINS + 1` bins, zeros beyond the spectrum's ends), so a partial and its
//!   window's side lobes move together.
//! - A follower per bin rises towards that power as a one-pole filter with the style mix's
//!   attack time constant, and falls with it at once.
//! - The bin's gain is `sqrt(follower / power)`, never above 1: a rise is played at the
//!   follower's level, anything steady or falling passes unchanged.
//!
//! The attack time of a style mix is the style weights' mean of the styles' attack times (ms);
//! 0 passes the output unchanged. A hop the model did not run (a silent or late hop) counts as
//! silence: the followers start again from zero. Gains only ever lower the output, so the stage
//! cannot make anything louder. The Python reference engine
//! (`training/chameleon_training/attack.py`) computes the same.

use crate::rise_follower::{follow, RiseFollowers};
use crate::Complex32;

/// Bins either side that each bin's power is smoothed over.
pub const SMOOTHING_BINS: usize = 2;
/// Longest attack time a style may declare, in milliseconds.
pub const MAX_ATTACK_MS: f32 = 1000.0;

/// Attack softening of output spectra, for every channel of one engine. Allocation-free after
/// [`AttackSoftener::new`].
pub struct AttackSoftener {
    /// Each style's attack time in milliseconds, in the model's style order.
    attack_ms: Vec<f32>,
    /// Seconds per hop.
    hop_seconds: f32,
    /// This hop's follower coefficient (the share of a rise taken per hop); 1 when the style
    /// mix's attack time is 0.
    coefficient: f32,
    /// Each channel's followers of the smoothed bin powers.
    followers: RiseFollowers,
    /// Scratch: the power of each bin of one channel.
    power: Vec<f32>,
    /// Scratch: the smoothed power of one channel.
    smoothed: Vec<f32>,
}

impl AttackSoftener {
    /// State for `channels` channels of spectra with `bins` bins, analysed every `hop` samples
    /// at `sample_rate` Hz, for a model whose styles have the attack times `attack_ms`.
    pub fn new(
        channels: usize,
        bins: usize,
        hop: usize,
        sample_rate: f32,
        attack_ms: &[f32],
    ) -> Self {
        let hop_seconds = hop as f32 / sample_rate;
        Self {
            attack_ms: attack_ms.to_vec(),
            hop_seconds,
            // All weight on the first style until the first hop sets the mix.
            coefficient: Self::coefficient(attack_ms.first().copied().unwrap_or(0.0), hop_seconds),
            followers: RiseFollowers::new(channels, bins),
            power: vec![0.0; bins],
            smoothed: vec![0.0; bins],
        }
    }

    /// The follower coefficient per hop for an attack time constant of `attack_ms`
    /// milliseconds and hops of `hop_seconds`: `1 - exp(-hop / tau)`, 1 for no attack time.
    pub fn coefficient(attack_ms: f32, hop_seconds: f32) -> f32 {
        if attack_ms > 0.0 && attack_ms.is_finite() {
            1.0 - (-hop_seconds / (attack_ms * 1e-3)).exp()
        } else {
            1.0
        }
    }

    /// Sets the style mix: `weights` are the normalised style weights the model sees.
    pub fn set_weights(&mut self, weights: &[f32]) {
        let ms: f32 = self.attack_ms.iter().zip(weights).map(|(a, w)| a * w).sum();
        self.coefficient = Self::coefficient(ms, self.hop_seconds);
    }

    /// Forgets every channel's history (transport jump, reset).
    pub fn reset(&mut self) {
        self.followers.reset();
    }

    /// Softens the rises of `output` (one channel's spectrum for hop `seq`), as the module
    /// describes.
    pub fn apply(&mut self, channel: usize, seq: u64, output: &mut [Complex32]) {
        let Some(followers) = self.followers.for_hop(channel, seq) else {
            return;
        };
        if self.coefficient >= 1.0 {
            return;
        }
        let n = output.len().min(self.smoothed.len());
        let width = (2 * SMOOTHING_BINS + 1) as f32;
        for (p, y) in self.power[..n].iter_mut().zip(output.iter()) {
            *p = y.norm_sqr();
        }
        for k in 0..n {
            let lo = k.saturating_sub(SMOOTHING_BINS);
            let hi = (k + SMOOTHING_BINS + 1).min(n);
            // NOTE: a direct sum, not a running one: adding and removing a loud bin would leave
            // a rounding residue larger than a quiet neighbour's power.
            let sum: f32 = self.power[lo..hi].iter().sum();
            self.smoothed[k] = sum / width;
        }
        let a = self.coefficient;
        for ((y, f), &p) in output
            .iter_mut()
            .zip(followers.iter_mut())
            .zip(&self.smoothed[..n])
        {
            // A rise plays at the follower's level; a steady or falling bin passes.
            let held = follow(f, p, a);
            if held < 1.0 {
                *y *= held.sqrt();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOP_S: f32 = 256.0 / 48_000.0;

    fn spectrum(level: f32) -> Vec<Complex32> {
        vec![Complex32::new(level, 0.0); 16]
    }

    /// Plays hops `0..hops` of a steady spectrum of level 1 on `channel`, and returns the
    /// middle bin of the next hop.
    fn settle(s: &mut AttackSoftener, channel: usize, hops: u64) -> f32 {
        for seq in 0..hops {
            s.apply(channel, seq, &mut spectrum(1.0));
        }
        let mut y = spectrum(1.0);
        s.apply(channel, hops, &mut y);
        y[8].re
    }

    #[test]
    fn a_step_swells_in_at_the_attack_time_and_then_passes() {
        let mut s = AttackSoftener::new(1, 16, 256, 48_000.0, &[100.0]);
        let a = AttackSoftener::coefficient(100.0, HOP_S);
        let mut follower = 0.0f32;
        for seq in 0..200u64 {
            let mut y = spectrum(1.0);
            s.apply(0, seq, &mut y);
            follower += a * (1.0 - follower);
            // Middle bins see the whole box; their power is 1.
            assert!(
                (y[8].re - follower.sqrt()).abs() < 1e-4,
                "hop {seq}: {}",
                y[8].re
            );
            assert!(y[8].re <= 1.0);
        }
        // After 200 hops (1.07 s, ten time constants) the step passes.
        let mut y = spectrum(1.0);
        s.apply(0, 200, &mut y);
        assert!(y[8].re > 0.999);
        // About 63 % of the power after one time constant (18.75 hops).
        let mut fresh = AttackSoftener::new(1, 16, 256, 48_000.0, &[100.0]);
        let mut last = 0.0;
        for seq in 0..19u64 {
            let mut y = spectrum(1.0);
            fresh.apply(0, seq, &mut y);
            last = y[8].re * y[8].re;
        }
        assert!((0.60..0.68).contains(&last), "{last}");
    }

    #[test]
    fn falls_pass_at_once_and_no_attack_time_passes_everything() {
        let mut s = AttackSoftener::new(1, 16, 256, 48_000.0, &[100.0]);
        assert!(settle(&mut s, 0, 300) > 0.999);
        let mut y = spectrum(0.1);
        s.apply(0, 301, &mut y);
        assert_eq!(y[8].re, 0.1);
        let mut none = AttackSoftener::new(1, 16, 256, 48_000.0, &[0.0, 100.0]);
        let mut y = spectrum(1.0);
        none.apply(0, 0, &mut y);
        assert_eq!(y, spectrum(1.0));
        // A mix takes the weights' mean attack time: half of style 1 is 50 ms.
        none.set_weights(&[0.5, 0.5]);
        assert_eq!(none.coefficient, AttackSoftener::coefficient(50.0, HOP_S));
    }

    #[test]
    fn a_skipped_hop_counts_as_silence_and_a_reset_starts_again() {
        let mut s = AttackSoftener::new(2, 16, 256, 48_000.0, &[50.0]);
        assert!(settle(&mut s, 1, 300) > 0.999);
        let mut y = spectrum(1.0);
        s.apply(1, 305, &mut y);
        assert!(
            y[8].re < 0.4,
            "after a gap the note swells in again: {}",
            y[8].re
        );
        s.reset();
        let mut y = spectrum(1.0);
        s.apply(1, 306, &mut y);
        assert!(y[8].re < 0.4);
        // Channel 0 was never touched by channel 1's history.
        let mut y = spectrum(1.0);
        s.apply(0, 306, &mut y);
        assert!(y[8].re < 0.4);
    }

    #[test]
    fn edge_bins_smooth_over_the_bins_there_are_and_nothing_gets_louder() {
        let mut s = AttackSoftener::new(1, 16, 256, 48_000.0, &[30.0]);
        let mut rng = 1u32;
        for seq in 0..500u64 {
            let mut y: Vec<Complex32> = (0..16)
                .map(|_| {
                    rng = rng.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    Complex32::new((rng >> 8) as f32 / (1u32 << 24) as f32, 0.0)
                })
                .collect();
            let before = y.clone();
            s.apply(0, seq, &mut y);
            for (a, b) in y.iter().zip(&before) {
                assert!(a.norm() <= b.norm() + 1e-6);
                assert!(a.re.is_finite());
            }
        }
        let mut y = vec![Complex32::new(f32::NAN, 0.0); 16];
        s.apply(0, 500, &mut y);
        let mut after = spectrum(1.0);
        s.apply(0, 501, &mut after);
        assert!(after.iter().all(|x| x.re.is_finite()));
    }
}
