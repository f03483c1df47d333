//! The wet path's short-term guard: however loud a model is, the wet signal cannot get much
//! louder than the dry signal it replaces.
//!
//! It acts on each finished hop of resynthesised wet samples, a hop before it plays, so it
//! sees the hop it turns down and adds no latency ([`crate::hop_gain`] ramps the gain). The
//! levels compared are hop energies (`Σx²` over the hop's samples and channels) of the wet hop
//! and of the dry samples it plays beside (the latency-aligned input). Followers with a
//! [`GUARD_ATTACK_SECONDS`] attack and a [`GUARD_RELEASE_SECONDS`] release follow both; the
//! wet hop is scaled so that the wet follower is at most the headroom above the dry follower
//! ([`GUARD_DB_MATCHED`] with level match on, [`GUARD_DB_UNMATCHED`] with it off), and so that
//! the hop itself is at most [`GUARD_BURST_EXTRA_DB`] more above the louder of the dry hop and
//! the dry follower, which stops a burst in the hop it starts. The wet follower reads the wet
//! level before the guard's own gain, so the guard is no feedback loop.
//!
//! The levels are measured over windows of about [`GUARD_WINDOW_SECONDS`] whatever the hop:
//! with a shorter hop (the Live latency mode) each level is the mean hop energy over the last
//! few hops, so a click's energy counts as the same short-term level in every mode and the
//! followers' release allows the same tail.
//!
//! The resynthesis spreads each frame over its whole synthesis window, so the wet signal of an
//! onset (a click, a drum hit) starts up to a window before the onset plays in the dry signal.
//! The dry level the guard allows against therefore also looks ahead: each upcoming dry hop
//! within the synthesis window lends the hop now its energy as if the dry follower had risen to
//! it early, falling backwards with the release time constant ([`LevelGuard::ahead_level`]).
//! The allowance around an onset is then symmetric, and a model's pre-onset spread is not cut
//! to the silence before the onset.
//!
//! A wet hop no louder than the headroom allows (the identity style, a fallback) gets a gain
//! of exactly 1, so the reconstruction stays bit-exact.

use crate::level_follower::LevelFollower;

/// Attack time constant of the guard's followers, in seconds.
pub const GUARD_ATTACK_SECONDS: f32 = 0.002;
/// Release time constant of the guard's followers, in seconds.
pub const GUARD_RELEASE_SECONDS: f32 = 0.01;
/// Most the short-term wet level may exceed the dry level with level match on, in dB.
pub const GUARD_DB_MATCHED: f32 = 2.5;
/// Most the short-term wet level may exceed the dry level with level match off, in dB.
pub const GUARD_DB_UNMATCHED: f32 = 4.5;
/// How much more than the guard's headroom one hop may exceed the dry level, in dB.
pub const GUARD_BURST_EXTRA_DB: f32 = 3.0;
/// Length of the window the guard measures levels over, in seconds (256 samples at 48 kHz).
pub const GUARD_WINDOW_SECONDS: f32 = 256.0 / 48000.0;
/// Most hops one level window spans.
const MAX_WINDOW_HOPS: usize = 4;
/// Mean energy per sample below which a hop counts as silence (−100 dBFS).
pub const SILENCE_ENERGY_PER_SAMPLE: f32 = 1e-10;

/// The short-term guard for one engine. Allocation-free; one call per hop.
pub struct LevelGuard {
    /// Energy below which a hop is treated as silence.
    floor: f32,
    dry: LevelFollower,
    wet: LevelFollower,
    /// Hops per level window, `1..=MAX_WINDOW_HOPS`.
    window_hops: usize,
    /// The last hop energies, dry and wet (ring of `window_hops`).
    recent_dry: [f32; MAX_WINDOW_HOPS],
    recent_wet: [f32; MAX_WINDOW_HOPS],
    /// Next slot of the rings.
    slot: usize,
    /// How much of an upcoming hop's energy one hop of look-ahead keeps (the release's decay
    /// per hop).
    ahead_decay: f32,
}

impl LevelGuard {
    /// Followers for hops of `hop_seconds` seconds holding `samples_per_hop` samples over all
    /// channels.
    pub fn new(hop_seconds: f32, samples_per_hop: usize) -> Self {
        let hop_seconds = if hop_seconds.is_finite() && hop_seconds > 0.0 {
            hop_seconds
        } else {
            256.0 / 48000.0
        };
        let follower = LevelFollower::new(hop_seconds, GUARD_ATTACK_SECONDS, GUARD_RELEASE_SECONDS);
        let window_hops =
            ((GUARD_WINDOW_SECONDS / hop_seconds).round() as usize).clamp(1, MAX_WINDOW_HOPS);
        Self {
            floor: SILENCE_ENERGY_PER_SAMPLE * samples_per_hop.max(1) as f32,
            dry: follower,
            wet: follower,
            window_hops,
            recent_dry: [0.0; MAX_WINDOW_HOPS],
            recent_wet: [0.0; MAX_WINDOW_HOPS],
            slot: 0,
            ahead_decay: (-hop_seconds / GUARD_RELEASE_SECONDS).exp(),
        }
    }

    /// The dry level the upcoming dry hops lend the hop now, from their energies (`Σx²`,
    /// nearest first, the first one hop after the hop now): the largest of each hop's
    /// contribution to a level window, times the release's decay once per hop it lies ahead.
    pub fn ahead_level(&self, upcoming: impl IntoIterator<Item = f32>) -> f32 {
        let per_window = 1.0 / self.window_hops as f32;
        let mut weight = per_window;
        let mut level = 0.0f32;
        for energy in upcoming {
            weight *= self.ahead_decay;
            level = level.max(finite_or_zero(energy) * weight);
        }
        level
    }

    /// Forgets all levels (transport jump).
    pub fn reset(&mut self) {
        self.dry.reset();
        self.wet.reset();
        self.recent_dry = [0.0; MAX_WINDOW_HOPS];
        self.recent_wet = [0.0; MAX_WINDOW_HOPS];
        self.slot = 0;
    }

    /// Mean hop energy over the level window, including `dry` and `wet` (this hop's).
    fn windowed(&mut self, dry: f32, wet: f32) -> (f32, f32) {
        if self.window_hops == 1 {
            return (dry, wet);
        }
        self.recent_dry[self.slot] = dry;
        self.recent_wet[self.slot] = wet;
        self.slot = (self.slot + 1) % self.window_hops;
        let n = self.window_hops as f32;
        let mean = |r: &[f32]| r.iter().sum::<f32>() / n;
        (
            mean(&self.recent_dry[..self.window_hops]),
            mean(&self.recent_wet[..self.window_hops]),
        )
    }

    /// The guard's gain (linear, at most 1) for one wet hop, from the dry hop's energy and the
    /// wet hop's as it would play (after level match), both `Σx²`, and the dry level the
    /// upcoming hops lend it ([`Self::ahead_level`]; 0 for none). `matched` selects the
    /// headroom for level match on or off. A non-finite wet energy gets a gain of 0.
    pub fn gain(
        &mut self,
        dry_energy: f32,
        ahead_level: f32,
        wet_energy: f32,
        matched: bool,
    ) -> f32 {
        if !wet_energy.is_finite() {
            return 0.0;
        }
        let (dry, wet_energy) = self.windowed(finite_or_zero(dry_energy), wet_energy);
        let dry_level = self
            .dry
            .follow(dry)
            .max(finite_or_zero(ahead_level))
            .max(self.floor);
        let wet_level = self.wet.follow(wet_energy);
        let headroom_db = if matched {
            GUARD_DB_MATCHED
        } else {
            GUARD_DB_UNMATCHED
        };
        let allowed = db_to_power(headroom_db) * dry_level;
        let allowed_hop = db_to_power(headroom_db + GUARD_BURST_EXTRA_DB) * dry_level.max(dry);
        let mut power = 1.0f32;
        if wet_level > allowed {
            power = allowed / wet_level;
        }
        if wet_energy > allowed_hop {
            power = power.min(allowed_hop / wet_energy);
        }
        if power < 1.0 {
            power.sqrt()
        } else {
            1.0
        }
    }
}

/// Energy `Σx²` of a hop over all its channels.
pub fn hop_energy(channels: &[Vec<f32>]) -> f32 {
    channels
        .iter()
        .map(|c| c.iter().map(|x| x * x).sum::<f32>())
        .sum()
}

fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x.max(0.0)
    } else {
        0.0
    }
}

fn db_to_power(db: f32) -> f32 {
    10f32.powf(db / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOP_SECONDS: f32 = 256.0 / 48000.0;

    fn run(guard: &mut LevelGuard, dry: f32, wet: f32, hops: usize, matched: bool) -> f32 {
        let mut gain = 1.0;
        for _ in 0..hops {
            gain = guard.gain(dry, 0.0, wet, matched);
        }
        gain
    }

    fn out_db(wet: f32, gain: f32) -> f32 {
        10.0 * (wet * gain * gain).log10()
    }

    #[test]
    fn a_wet_hop_at_the_dry_level_is_left_exactly_alone() {
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        for matched in [true, false] {
            assert_eq!(run(&mut guard, 3.0, 3.0, 400, matched), 1.0);
            // 2.3 dB louder is within either headroom.
            assert_eq!(run(&mut guard, 3.0, 3.0 * 1.7, 400, matched), 1.0);
        }
    }

    #[test]
    fn the_guard_stops_a_burst_in_its_first_hop_and_holds_the_short_term_level() {
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        run(&mut guard, 1.0, 1.0, 100, false);
        let first = guard.gain(1.0, 0.0, 10_000.0, false);
        let limit = GUARD_DB_UNMATCHED + GUARD_BURST_EXTRA_DB;
        assert!(out_db(10_000.0, first) <= limit + 0.01);
        let later = run(&mut guard, 1.0, 10_000.0, 100, false);
        assert!((out_db(10_000.0, later) - GUARD_DB_UNMATCHED).abs() < 0.01);
        let matched = run(&mut guard, 1.0, 10_000.0, 100, true);
        assert!((out_db(10_000.0, matched) - GUARD_DB_MATCHED).abs() < 0.01);
    }

    #[test]
    fn a_tail_after_the_input_stops_follows_the_input_down() {
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        run(&mut guard, 1.0, 1.0, 100, false);
        // The dry stops; the wet rings on at its old level. 150 ms later it is 15 dB down.
        let gain = run(&mut guard, 1e-6, 1.0, 28, false);
        assert!(out_db(1.0, gain) < -15.0, "{}", out_db(1.0, gain));
    }

    #[test]
    fn the_wet_before_an_onset_may_rise_towards_it_and_no_further() {
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        run(&mut guard, 0.0, 0.0, 50, true);
        // A click of energy 1 lies two hops ahead; the wet hop now already carries some of it.
        let decay = (-HOP_SECONDS / GUARD_RELEASE_SECONDS).exp();
        let ahead = guard.ahead_level([0.0, 1.0, 0.0]);
        assert!((ahead - decay * decay).abs() < 1e-6, "{ahead}");
        let lent = decay * decay * db_to_power(GUARD_DB_MATCHED);
        assert_eq!(guard.gain(0.0, ahead, lent * 0.99, true), 1.0);
        // More than the onset lends is turned down to it; with nothing ahead, to the silence.
        let gain = guard.gain(0.0, ahead, 1.0, true);
        assert!(out_db(1.0, gain) <= 10.0 * lent.log10() + GUARD_BURST_EXTRA_DB + 0.01);
        let gain = run(&mut guard, 0.0, 1.0, 1, true);
        assert!(
            out_db(1.0, gain) < 10.0 * lent.log10(),
            "a hop later, with no onset ahead"
        );
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        run(&mut guard, 0.0, 0.0, 50, true);
        assert!(guard.gain(0.0, guard.ahead_level([0.0; 3]), 0.01, true) < 0.01);
    }

    #[test]
    fn non_finite_wet_energy_is_silenced_and_silence_is_not_boosted() {
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        assert_eq!(guard.gain(1.0, 0.0, f32::INFINITY, true), 0.0);
        let mut guard = LevelGuard::new(HOP_SECONDS, 512);
        // Wet out of silence is held to the silence floor plus the headroom.
        assert!(run(&mut guard, 0.0, 1.0, 50, false) < 0.01);
    }
}
