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
//!   ±[`LEVEL_MATCH_TARGET_DB`] of the dry level. Followers with a [`LONG_TERM_SECONDS`] time
//!   constant keep the wet's long-term level within ±[`LONG_TERM_BOUND_DB`] of the dry's: a
//!   long-term difference beyond it is moved just back to it, so a model that is a little
//!   quiet or loud throughout is corrected without the short-term ups and downs of music
//!   ever being touched. The larger of the two corrections acts.
//! - **Make-up.** The guard and the sample-peak ceiling can only turn the wet down, so a wet
//!   signal that level match brings up may still end quieter than it should (a peaky output
//!   of a square wave, say). The hops as they finally play are measured against the dry hops
//!   (followers with the make-up's own time constant, [`MAKEUP_SECONDS`]),
//!   and while the feed-forward corrects in full (a difference of [`LEVEL_MATCH_FULL_DB`] or
//!   more) the shortfall is made up slowly (time constant [`MAKEUP_SECONDS`], at most
//!   [`MAKEUP_MAX_DB`]). Otherwise only the part of the shortfall that leaves the played hops
//!   more than [`MAKEUP_FLOOR_DB`] under the dry is made up (a model whose naturally quiet,
//!   peaky output of a DC step or a square wave meets the ceiling); where the guard and the
//!   ceiling take nothing, as on normal material, it returns to 0.
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
/// Time constant of the long-term level followers, in seconds.
pub const LONG_TERM_SECONDS: f32 = 2.0;
/// Most the long-term wet level may differ from the dry level, in dB; beyond it the wet is
/// moved just back to it.
pub const LONG_TERM_BOUND_DB: f32 = 1.75;
/// Wet-over-dry differences within ± this many dB are not corrected.
pub const LEVEL_MATCH_DEADBAND_DB: f32 = 3.0;
/// From ± this difference on, in dB, the wet is put at ±[`LEVEL_MATCH_TARGET_DB`].
pub const LEVEL_MATCH_FULL_DB: f32 = 4.5;
/// Where level match puts a wet level that differs by [`LEVEL_MATCH_FULL_DB`] or more, in dB.
pub const LEVEL_MATCH_TARGET_DB: f32 = 0.5;
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
/// Outside full correction, the make-up only lifts played hops that the guard and the ceiling
/// left more than this many dB under the dry level.
pub const MAKEUP_FLOOR_DB: f32 = 1.75;

/// Level match for one engine. Allocation-free; one call of each kind per hop.
pub struct LevelMatch {
    /// Hop energy below which the followers count silence and the gains hold.
    floor: f32,
    dry: LevelFollower,
    wet: LevelFollower,
    dry_long: LevelFollower,
    wet_long: LevelFollower,
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
        let played = LevelFollower::symmetric(hop_seconds, MAKEUP_SECONDS);
        let long = LevelFollower::symmetric(hop_seconds, LONG_TERM_SECONDS);
        Self {
            floor: SILENCE_ENERGY_PER_SAMPLE * samples_per_hop.max(1) as f32,
            dry: follower,
            wet: follower,
            dry_long: long,
            wet_long: long,
            dry_played: played,
            wet_played: played,
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
            &mut self.dry_long,
            &mut self.wet_long,
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
        let wet_energy = finite_or_zero(wet_energy);
        let dry = self.dry.follow(dry_energy);
        let wet = self.wet.follow(wet_energy);
        let dry_long = self.dry_long.follow(dry_energy);
        let wet_long = self.wet_long.follow(wet_energy);
        if !on {
            self.correcting = false;
            self.feed_forward_db = 0.0;
            self.makeup_db = 0.0;
            return 1.0;
        }
        if let Some(difference) = self.difference_db(wet, dry) {
            let short_term = corridor_position(difference) - difference;
            let long_term = self.difference_db(wet_long, dry_long).map_or(0.0, |long| {
                long.clamp(-LONG_TERM_BOUND_DB, LONG_TERM_BOUND_DB) - long
            });
            // The larger correction of the two acts.
            let correction = if long_term.abs() > short_term.abs() {
                long_term
            } else {
                short_term
            };
            self.aim_db = difference + correction;
            self.correcting = difference.abs() >= LEVEL_MATCH_FULL_DB;
            self.feed_forward_db = correction;
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

    /// How far the level `wet` is over `dry` (both followed energies), in dB; `None` when
    /// either is under the silence floor.
    fn difference_db(&self, wet: f32, dry: f32) -> Option<f32> {
        (dry >= self.floor && wet >= self.floor).then(|| 10.0 * (wet / dry).log10())
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
        let target = if let Some(played_db) = self.difference_db(wet, dry) {
            // What the guard and the ceiling took from the aim; outside full correction, only
            // as far as it leaves the played level under the floor.
            let shortfall = self.aim_db - played_db;
            let needed = if self.correcting {
                shortfall
            } else {
                shortfall.min(-MAKEUP_FLOOR_DB - played_db)
            };
            (self.makeup_db + needed).clamp(0.0, MAKEUP_MAX_DB)
        } else if self.correcting {
            self.makeup_db
        } else {
            0.0
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
            assert_eq!(m.gain(1.0, 10f32.powf(0.12), true), 1.0);
            m.observe_played(1.0, 1.2);
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
    fn a_quiet_wet_that_the_ceiling_takes_more_from_is_lifted_to_the_floor_only() {
        // The wet is 1.7 dB quiet (inside the deadband and the long-term bound) and the
        // ceiling takes another 1.5 dB: that is made up, back to the wet's own level.
        let mut m = matcher();
        let loss = 10f32.powf(-0.15);
        let played = run(&mut m, 10f32.powf(-0.17), loss, 2000) - 3.2;
        assert!((played + 1.7).abs() < 0.1, "played {played} dB");
        // The wet is 0.5 dB quiet: only what takes it under the floor is made up.
        let mut m = matcher();
        let played = run(&mut m, 10f32.powf(-0.05), loss, 2000) - 2.0;
        assert!((played + MAKEUP_FLOOR_DB).abs() < 0.1, "played {played} dB");
        // Nothing taken: a quiet wet inside the deadband is left alone.
        let mut m = matcher();
        assert_eq!(run(&mut m, 10f32.powf(-0.14), 1.0, 2000), 0.0);
    }

    #[test]
    fn a_model_a_little_quiet_throughout_is_moved_just_inside_the_long_term_bound() {
        let mut m = matcher();
        let db = run(&mut m, 10f32.powf(-0.22), 1.0, 3000);
        assert!((db - (2.2 - LONG_TERM_BOUND_DB)).abs() < 0.05, "{db}");
        let mut m = matcher();
        let db = run(&mut m, 10f32.powf(0.22), 1.0, 3000);
        assert!((db + (2.2 - LONG_TERM_BOUND_DB)).abs() < 0.05, "{db}");
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
