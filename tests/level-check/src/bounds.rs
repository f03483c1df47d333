//! The level bounds every output keeps, with level match on and off.

use crate::measure::LevelChange;
use crate::signals::Signal;

/// Bounds on a [`LevelChange`], in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Clip RMS may differ from the input's by at most this much up.
    pub clip_max_db: f64,
    /// Clip RMS may be at most this much quieter (`None`: no lower bound).
    pub clip_min_db: Option<f64>,
    /// Most any short window may exceed the input's.
    pub window_max_db: f64,
    /// Most the output's sample peak may exceed the input's.
    pub peak_max_db: f64,
}

/// With level match on: clip RMS within ±2 dB, windows at most +4 dB, peaks at most +6 dB.
pub const LEVEL_MATCH_ON: Bounds = Bounds {
    clip_max_db: 2.0,
    clip_min_db: Some(-2.0),
    window_max_db: 4.0,
    peak_max_db: 6.0,
};

/// With level match off: clip RMS at most +6 dB, windows at most +8 dB, peaks at most +9 dB.
pub const LEVEL_MATCH_OFF: Bounds = Bounds {
    clip_max_db: 6.0,
    clip_min_db: None,
    window_max_db: 8.0,
    peak_max_db: 9.0,
};

impl Bounds {
    /// The bounds for level match `on` or off.
    pub fn for_level_match(on: bool) -> Bounds {
        if on {
            LEVEL_MATCH_ON
        } else {
            LEVEL_MATCH_OFF
        }
    }

    /// These bounds for `input`: without the floor where the input's level is not one a
    /// listener hears ([`Signal::heard_level`]).
    pub fn for_input(self, input: &Signal) -> Bounds {
        if input.heard_level {
            self
        } else {
            Bounds {
                clip_min_db: None,
                ..self
            }
        }
    }

    /// Every bound `change` breaks, in words (empty when it keeps them all).
    pub fn violations(&self, change: &LevelChange) -> Vec<String> {
        let mut broken = Vec::new();
        if !change.finite {
            broken.push("non-finite output".to_owned());
        }
        // NaN readings fail every bound: each test is written as "not within".
        let within = |value: f64, max: f64| value <= max;
        if !within(change.clip_db, self.clip_max_db) {
            broken.push(format!(
                "clip {:+.1} dB > {:+.1}",
                change.clip_db, self.clip_max_db
            ));
        }
        if let Some(min) = self.clip_min_db {
            if !within(min, change.clip_db) {
                broken.push(format!("clip {:+.1} dB < {min:+.1}", change.clip_db));
            }
        }
        if !within(change.worst_window_db, self.window_max_db) {
            broken.push(format!(
                "window {:+.1} dB > {:+.1}",
                change.worst_window_db, self.window_max_db
            ));
        }
        if !within(change.peak_db, self.peak_max_db) {
            broken.push(format!(
                "peak {:+.1} dB > {:+.1}",
                change.peak_db, self.peak_max_db
            ));
        }
        broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(clip: f64, window: f64, peak: f64) -> LevelChange {
        LevelChange {
            clip_db: clip,
            worst_window_db: window,
            peak_db: peak,
            input_peak: 1.0,
            output_peak: 1.0,
            finite: true,
        }
    }

    #[test]
    fn each_bound_can_fail() {
        assert!(LEVEL_MATCH_ON.violations(&change(0.0, 0.0, 0.0)).is_empty());
        assert_eq!(LEVEL_MATCH_ON.violations(&change(2.5, 0.0, 0.0)).len(), 1);
        assert_eq!(LEVEL_MATCH_ON.violations(&change(-2.5, 0.0, 0.0)).len(), 1);
        assert_eq!(LEVEL_MATCH_ON.violations(&change(0.0, 4.5, 0.0)).len(), 1);
        assert_eq!(LEVEL_MATCH_ON.violations(&change(0.0, 0.0, 6.5)).len(), 1);
        assert!(LEVEL_MATCH_OFF
            .violations(&change(-20.0, 7.0, 8.0))
            .is_empty());
        assert_eq!(
            LEVEL_MATCH_OFF
                .violations(&change(f64::NAN, 0.0, 0.0))
                .len(),
            1
        );
    }

    #[test]
    fn only_an_input_whose_level_is_heard_keeps_the_floor() {
        let quiet = change(-2.5, 0.0, 0.0);
        let loud = change(2.5, 0.0, 0.0);
        for input in crate::signals::hostile(48000.0, 0.1) {
            let bounds = LEVEL_MATCH_ON.for_input(&input);
            assert_eq!(
                bounds.violations(&quiet).is_empty(),
                input.name == "DC step",
                "{}",
                input.name
            );
            assert_eq!(bounds.violations(&loud).len(), 1, "{}", input.name);
        }
    }
}
