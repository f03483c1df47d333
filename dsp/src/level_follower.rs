//! A hop-rate energy follower: a one-pole smoother with its own attack and release time
//! constants, used by level match and the short-term guard.

/// Follows an energy once per hop.
#[derive(Debug, Clone, Copy)]
pub struct LevelFollower {
    attack: f32,
    release: f32,
    level: f32,
}

impl LevelFollower {
    /// A follower for hops of `hop_seconds` seconds rising with an `attack_seconds` and
    /// falling with a `release_seconds` time constant, starting at 0.
    pub fn new(hop_seconds: f32, attack_seconds: f32, release_seconds: f32) -> Self {
        let coefficient = |tau: f32| 1.0 - (-hop_seconds / tau.max(1e-6)).exp();
        Self {
            attack: coefficient(attack_seconds),
            release: coefficient(release_seconds),
            level: 0.0,
        }
    }

    /// A follower with one time constant both ways.
    pub fn symmetric(hop_seconds: f32, seconds: f32) -> Self {
        Self::new(hop_seconds, seconds, seconds)
    }

    /// Moves towards `energy` by one hop and returns the new level.
    pub fn follow(&mut self, energy: f32) -> f32 {
        let c = if energy > self.level {
            self.attack
        } else {
            self.release
        };
        self.level += (energy - self.level) * c;
        self.level
    }

    /// The current level.
    pub fn level(&self) -> f32 {
        self.level
    }

    /// Back to 0.
    pub fn reset(&mut self) {
        self.level = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_rises_and_falls_with_its_own_time_constants() {
        let hop = 0.01;
        let mut f = LevelFollower::new(hop, 0.01, 0.1);
        f.follow(1.0);
        assert!((f.level() - (1.0 - (-1.0f32).exp())).abs() < 1e-6);
        for _ in 0..100 {
            f.follow(1.0);
        }
        let top = f.level();
        f.follow(0.0);
        assert!((f.level() - top * (-0.1f32).exp()).abs() < 1e-6);
        f.reset();
        assert_eq!(f.level(), 0.0);
        let mut s = LevelFollower::symmetric(hop, 0.1);
        s.follow(1.0);
        assert!((s.level() - (1.0 - (-0.1f32).exp())).abs() < 1e-6);
    }
}
