//! The level bounds every output keeps, with level match on and off.

use crate::measure::LevelChange;

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

/// Where level match falls short of its lower bound (clip RMS at least −2 dB) with the bundled
/// model, and the lower bound it keeps there instead: `(input, style or "" for every style,
/// dB)`; the first row that matches applies. The upper bounds (the safety) hold everywhere. A
/// square wave's edges can turn into clicks above the wave's own peak, so under the peak
/// ceiling the clicks cannot carry the wave's level; the plucked and reed styles decay on
/// drums and sweeps faster than level match follows; a held DC step has almost nothing but its
/// onset for the model to voice; and a model that spreads each click of an impulse train over
/// a few milliseconds loses that spread to the short-term guard, which holds the wet signal to
/// the silence between the clicks. docs/LEVEL-SAFETY.md lists them as weak rows.
pub const KNOWN_SHORT: &[(&str, &str, f64)] = &[
    ("square 110 Hz", "", -3.0),
    ("drum loop", "nylon_guitar", -3.0),
    ("sweep -12 dBFS", "nylon_guitar", -3.0),
    ("sweep -1 dBFS", "nylon_guitar", -3.0),
    ("DC step", "", -3.0),
    ("impulse train", "", -4.5),
];

impl Bounds {
    /// The bounds for level match `on` or off, with the lower bound of [`KNOWN_SHORT`] where
    /// `input` and `style` are listed there.
    pub fn for_input(on: bool, input: &str, style: &str) -> Bounds {
        let mut bounds = Bounds::for_level_match(on);
        if on {
            let known = KNOWN_SHORT
                .iter()
                .find(|(i, s, _)| *i == input && (s.is_empty() || *s == style));
            if let Some((_, _, floor)) = known {
                bounds.clip_min_db = Some(*floor);
            }
        }
        bounds
    }

    /// The bounds for level match `on` or off.
    pub fn for_level_match(on: bool) -> Bounds {
        if on {
            LEVEL_MATCH_ON
        } else {
            LEVEL_MATCH_OFF
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
}
