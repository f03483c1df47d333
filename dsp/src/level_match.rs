//! Level match: keeps the wet signal's short-term level near the input's without touching the
//! level or the dynamics of normal material.
//!
//! It works on each finished hop of resynthesised wet samples, before the short-term guard
//! ([`crate::level_guard`]) and the peak ceiling ([`crate::peak_limiter`]), comparing hop
//! energies (`Σx²` over the hop's samples and channels) with those of the dry samples each hop
//! plays beside. Two parts make its gain:
//!
//! - **Feed-forward.** Followers with a [`LEVEL_MATCH_SECONDS`] time constant measure the wet
//!   hops (before any gain) against the dry hops. A difference within
//!   ±[`LEVEL_MATCH_DEADBAND_DB`] is left alone. Beyond it the correction grows faster than the
//!   difference, until from ±[`LEVEL_MATCH_FULL_DB`] on the wet is put at
//!   ±[`LEVEL_MATCH_TARGET_DB`] of the dry level.
//! - **Make-up.** The guard and the sample-peak ceiling can only turn the wet down, so a wet
//!   signal that level match brings up may still end quieter than it should (a peaky output
//!   of a square wave, say). The hops as they finally play are measured against the dry hops,
//!   and while the feed-forward corrects in full (a difference of [`LEVEL_MATCH_FULL_DB`] or
//!   more) the shortfall is made up slowly (time constant [`MAKEUP_SECONDS`], at most
//!   [`MAKEUP_MAX_DB`]). Otherwise it returns to 0, so normal material never gets it.
//!
//! The total boosts by at most [`LEVEL_MATCH_MAX_BOOST_DB`] and cuts by at most
//! [`LEVEL_MATCH_MAX_CUT_DB`]; inside the deadband the gain is exactly 1. Dry hops more than
//! [`GATE_DB`] under the level followed so far (gaps between notes, the silence after an
//! impulse) are skipped: what the model lets ring there says nothing about its level, and the
//! short-term guard holds it.

use crate::level_follower::LevelFollower;
use crate::level_guard::SILENCE_ENERGY_PER_SAMPLE;

/// Time constant of the level followers, in seconds.
pub const LEVEL_MATCH_SECONDS: f32 = 0.7;
/// Wet-over-dry differences within ± this many dB are not corrected.
pub const LEVEL_MATCH_DEADBAND_DB: f32 = 2.5;
/// From ± this difference on, in dB, the wet is put at ±[`LEVEL_MATCH_TARGET_DB`].
pub const LEVEL_MATCH_FULL_DB: f32 = 3.5;
/// Where level match puts a wet level that differs by [`LEVEL_MATCH_FULL_DB`] or more, in dB.
pub const LEVEL_MATCH_TARGET_DB: f32 = 1.0;
/// Largest boost level match applies, in dB.
pub const LEVEL_MATCH_MAX_BOOST_DB: f32 = 40.0;
/// Largest cut level match applies, in dB (below this the guard still holds).
pub const LEVEL_MATCH_MAX_CUT_DB: f32 = 60.0;
/// Dry hops more than this many dB under the dry level followed so far are gaps: they move
/// neither the followers nor the gains.
pub const GATE_DB: f32 = 20.0;
/// Time constant of the make-up gain, in seconds.
pub const MAKEUP_SECONDS: f32 = 0.3;
/// Largest make-up gain, in dB.
pub const MAKEUP_MAX_DB: f32 = 12.0;

/// Level match for one engine. Allocation-free; one call of each kind per hop.
pub struct LevelMatch {
    /// Hop energy below which the followers count silence and the gains hold.
    floor: f32,
    dry: LevelFollower,
    wet: LevelFollower,
    dry_played: LevelFollower,
    wet_played: LevelFollower,
    /// Where the played hop should be relative to the dry, in dB (the feed-forward's aim).
    aim_db: f32,
    /// Whether the feed-forward is correcting in full (beyond [`LEVEL_MATCH_FULL_DB`]); only
    /// then is a shortfall made up.
    correcting: bool,
    feed_forward_db: f32,
    makeup_db: f32,
    makeup_rate: f32,
}

impl LevelMatch {
    /// Level match for hops of `hop_seconds` seconds holding `samples_per_hop` samples over all
    /// channels.
    pub fn new(hop_seconds: f32, samples_per_hop: usize) -> Self {
        let hop_seconds = if hop_seconds.is_finite() && hop_seconds > 0.0 {
            hop_seconds
        } else {
            256.0 / 48000.0
        };
        let follower = LevelFollower::symmetric(hop_seconds, LEVEL_MATCH_SECONDS);
        Self {
            floor: SILENCE_ENERGY_PER_SAMPLE * samples_per_hop.max(1) as f32,
            dry: follower,
            wet: follower,
            dry_played: follower,
            wet_played: follower,
            aim_db: 0.0,
            correcting: false,
            feed_forward_db: 0.0,
            makeup_db: 0.0,
            makeup_rate: 1.0 - (-hop_seconds / MAKEUP_SECONDS).exp(),
        }
    }

    /// Forgets all levels (transport jump).
    pub fn reset(&mut self) {
        for f in [
            &mut self.dry,
            &mut self.wet,
            &mut self.dry_played,
            &mut self.wet_played,
        ] {
            f.reset();
        }
        self.aim_db = 0.0;
        self.correcting = false;
        self.feed_forward_db = 0.0;
        self.makeup_db = 0.0;
    }

    /// The gain in force, in dB.
    pub fn gain_db(&self) -> f32 {
        (self.feed_forward_db + self.makeup_db)
            .clamp(-LEVEL_MATCH_MAX_CUT_DB, LEVEL_MATCH_MAX_BOOST_DB)
    }

    /// The gain (linear) for one wet hop, from the dry hop's energy and the wet hop's before
    /// any gain, both `Σx²`. Exactly 1 when `on` is false or nothing needs correcting.
    pub fn gain(&mut self, dry_energy: f32, wet_energy: f32, on: bool) -> f32 {
        let dry_energy = finite_or_zero(dry_energy);
        // Gaps in the input (between notes, after an impulse) say nothing about the model's
        // level; what rings on there is the guard's business.
        if self.gated(dry_energy, self.dry.level()) {
            return self.current_gain(on);
        }
        let dry = self.dry.follow(dry_energy);
        let wet = self.wet.follow(finite_or_zero(wet_energy));
        if !on {
            self.correcting = false;
            self.feed_forward_db = 0.0;
            self.makeup_db = 0.0;
            return 1.0;
        }
        if dry >= self.floor && wet >= self.floor {
            let difference = 10.0 * (wet / dry).log10();
            let aim = corridor_position(difference);
            self.aim_db = aim;
            self.correcting = difference.abs() >= LEVEL_MATCH_FULL_DB;
            self.feed_forward_db = aim - difference;
        }
        self.current_gain(on)
    }

    fn current_gain(&self, on: bool) -> f32 {
        let total = self.gain_db();
        if !on || total == 0.0 {
            1.0
        } else {
            10f32.powf(total / 20.0)
        }
    }

    /// Whether a dry hop is too quiet to count: under the silence floor, or more than
    /// [`GATE_DB`] under the dry level followed so far.
    fn gated(&self, dry_energy: f32, followed: f32) -> bool {
        dry_energy < self.floor || dry_energy < followed * 10f32.powf(-GATE_DB / 10.0)
    }

    /// Measures a hop as it plays (after the guard and the ceiling) against its dry hop, both
    /// `Σx²`, and moves the make-up gain.
    pub fn observe_played(&mut self, dry_energy: f32, played_energy: f32) {
        let dry_energy = finite_or_zero(dry_energy);
        if self.gated(dry_energy, self.dry_played.level()) {
            return;
        }
        let dry = self.dry_played.follow(dry_energy);
        let wet = self.wet_played.follow(finite_or_zero(played_energy));
        let target = if !self.correcting {
            0.0
        } else if dry >= self.floor && wet >= self.floor {
            let shortfall = self.aim_db - 10.0 * (wet / dry).log10();
            (self.makeup_db + shortfall).clamp(0.0, MAKEUP_MAX_DB)
        } else {
            self.makeup_db
        };
        self.makeup_db += (target - self.makeup_db) * self.makeup_rate;
        if !self.correcting && self.makeup_db.abs() < 1e-3 {
            self.makeup_db = 0.0;
        }
    }
}

/// Where level match puts a wet level `difference` dB from the dry level: unchanged within the
/// deadband, at the target from the full-correction point on, linear in between.
fn corridor_position(difference: f32) -> f32 {
    let size = difference.abs();
    if size <= LEVEL_MATCH_DEADBAND_DB {
        return difference;
    }
    let placed = if size >= LEVEL_MATCH_FULL_DB {
        LEVEL_MATCH_TARGET_DB
    } else {
        let t = (size - LEVEL_MATCH_DEADBAND_DB) / (LEVEL_MATCH_FULL_DB - LEVEL_MATCH_DEADBAND_DB);
        LEVEL_MATCH_DEADBAND_DB + (LEVEL_MATCH_TARGET_DB - LEVEL_MATCH_DEADBAND_DB) * t
    };
    placed.copysign(difference)
}

fn finite_or_zero(x: f32) -> f32 {
    if x.is_finite() {
        x.max(0.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> LevelMatch {
        LevelMatch::new(256.0 / 48000.0, 512)
    }

    /// Runs `hops` hops of a wet hop `ratio` times the dry one's energy; the played hop keeps
    /// `loss` of the gained wet energy. Returns the last gain in dB.
    fn run(m: &mut LevelMatch, ratio: f32, loss: f32, hops: usize) -> f32 {
        let mut gain = 1.0;
        for _ in 0..hops {
            gain = m.gain(1.0, ratio, true);
            m.observe_played(1.0, ratio * gain * gain * loss);
        }
        20.0 * gain.log10()
    }

    #[test]
    fn small_differences_are_left_exactly_alone() {
        let mut m = matcher();
        for _ in 0..500 {
            assert_eq!(m.gain(1.0, 10f32.powf(0.19), true), 1.0);
            m.observe_played(1.0, 1.5);
        }
        assert_eq!(m.gain_db(), 0.0);
    }

    #[test]
    fn large_differences_are_brought_to_the_target() {
        let mut m = matcher();
        let db = run(&mut m, 100.0, 1.0, 600);
        assert!((db + 20.0 - LEVEL_MATCH_TARGET_DB).abs() < 0.05, "{db}");
        let mut m = matcher();
        let db = run(&mut m, 0.01, 1.0, 600);
        assert!((db - 20.0 + LEVEL_MATCH_TARGET_DB).abs() < 0.05, "{db}");
        let mut m = matcher();
        assert!((run(&mut m, 1e-5, 1.0, 600) - LEVEL_MATCH_MAX_BOOST_DB).abs() < 0.05);
    }

    #[test]
    fn makeup_recovers_what_the_ceiling_takes_and_returns_when_done() {
        let mut m = matcher();
        // The wet is 12 dB quiet and the ceiling takes another 4 dB of whatever comes through.
        let loss = 10f32.powf(-0.4);
        let db = run(&mut m, 10f32.powf(-1.2), loss, 2000);
        assert!(
            (db - (12.0 - LEVEL_MATCH_TARGET_DB + 4.0)).abs() < 0.2,
            "{db}"
        );
        // The input's level returns to normal: no correction, and the make-up goes.
        run(&mut m, 1.0, 1.0, 2000);
        assert_eq!(m.gain_db(), 0.0);
    }

    #[test]
    fn off_means_unity_and_the_corridor_is_continuous() {
        let mut m = matcher();
        run(&mut m, 100.0, 1.0, 100);
        assert_eq!(m.gain(1.0, 100.0, false), 1.0);
        let mut last = 0.0;
        for i in -600..=600 {
            let d = i as f32 / 100.0;
            let p = corridor_position(d);
            assert_eq!(p, -corridor_position(-d));
            if i > -600 {
                assert!((p - last).abs() < 0.02, "jump at {d}");
            }
            last = p;
        }
    }
}
