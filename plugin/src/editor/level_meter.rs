//! The output card's level-safety readout: what level match is doing and how hard the output
//! guard is limiting, from the engine's published gains
//! ([`EngineStats`](chameleon_dsp::EngineStats)).

use std::sync::atomic::Ordering;

use chameleon_dsp::EngineStats;
use egui::{Rect, RichText, Ui};

use super::{theme, widgets};

/// Guard and ceiling reduction below which the readout says the output is being limited, in dB.
pub const LIMITING_DB: f32 = -0.5;
/// A level-match cut below which the readout says the output is being limited, in dB: the model
/// is then far louder than its input, even though level match, not the guard, brings it down.
pub const LOUD_MODEL_DB: f32 = -12.0;
/// Deepest reduction the meter shows, in dB.
const METER_RANGE_DB: f32 = 24.0;
/// How fast the shown reduction returns to 0, in dB per second.
const RECOVERY_DB_PER_S: f32 = 12.0;

/// Held readings for display.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct LevelReadout {
    /// Gain reduction of level match (when it cuts), the guard and the peak limiter together,
    /// in dB (≤ 0), held and recovering at [`RECOVERY_DB_PER_S`].
    pub reduction_db: f32,
    /// The guard's and the peak limiter's part of it, held the same way.
    pub guard_db: f32,
    /// Level match's gain, in dB.
    pub level_match_db: f32,
}

impl LevelReadout {
    /// Takes the engine's latest gains; `dt` is the time since the last update, in seconds.
    pub fn update(&mut self, stats: &EngineStats, dt: f32) {
        let guard = stats.guard_reduction_db.load(Ordering::Relaxed)
            + stats.peak_reduction_db.load(Ordering::Relaxed);
        self.level_match_db = stats.level_match_db.load(Ordering::Relaxed);
        let total = guard + self.level_match_db.min(0.0);
        let recovery = RECOVERY_DB_PER_S * dt.clamp(0.0, 0.25);
        let hold = |shown: f32, now: f32| now.min((shown + recovery).min(0.0)).max(-96.0);
        self.guard_db = hold(self.guard_db, guard);
        self.reduction_db = hold(self.reduction_db, total);
    }

    /// Whether the output is being limited now: the guard or the ceiling acts, or level match
    /// has to cut a model far louder than its input.
    pub fn limiting(&self) -> bool {
        self.guard_db < LIMITING_DB || self.level_match_db < LOUD_MODEL_DB
    }

    /// One line in plain words, `None` while nothing acts.
    pub fn text(&self, level_match_on: bool) -> Option<String> {
        if self.limiting() {
            return Some(format!(
                "Output limited {:.1} dB: the model is much louder than its input",
                self.reduction_db
            ));
        }
        if level_match_on && self.level_match_db.abs() >= 0.1 {
            return Some(format!("Level match {:+.1} dB", self.level_match_db));
        }
        None
    }

    /// Draws the gain-reduction meter (filling from the right) and the line of text.
    pub fn show(&self, ui: &mut Ui, level_match_on: bool) {
        ui.horizontal(|ui| {
            let rect = widgets::meter_well(ui, "GR");
            let painter = ui.painter();
            let t = (-self.reduction_db / METER_RANGE_DB).clamp(0.0, 1.0);
            let lit = Rect::from_min_max(
                egui::pos2(rect.right() - rect.width() * t, rect.top()),
                rect.max,
            );
            painter.rect_filled(lit, 3.0, theme::WARN);
            ui.label(
                RichText::new(format!("{:.1} dB", self.reduction_db))
                    .size(11.0)
                    .color(theme::MUTED),
            );
        });
        if let Some(text) = self.text(level_match_on) {
            let colour = if self.limiting() {
                theme::WARN
            } else {
                theme::MUTED
            };
            ui.label(RichText::new(text).size(11.0).color(colour));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readout_holds_a_reduction_then_recovers_and_says_so() {
        let stats = EngineStats::default();
        let mut readout = LevelReadout::default();
        readout.update(&stats, 0.016);
        assert_eq!(readout.text(true), None);
        stats.guard_reduction_db.store(-10.0, Ordering::Relaxed);
        stats.peak_reduction_db.store(-2.0, Ordering::Relaxed);
        readout.update(&stats, 0.016);
        assert_eq!(readout.reduction_db, -12.0);
        assert!(readout.text(true).unwrap().contains("limited -12.0 dB"));
        stats.guard_reduction_db.store(0.0, Ordering::Relaxed);
        stats.peak_reduction_db.store(0.0, Ordering::Relaxed);
        readout.update(&stats, 0.25);
        assert_eq!(readout.reduction_db, -9.0);
        for _ in 0..8 {
            readout.update(&stats, 0.25);
        }
        assert_eq!(readout.reduction_db, 0.0);
        // A small level-match cut is shown as such, and counts in the meter.
        stats.level_match_db.store(-3.5, Ordering::Relaxed);
        readout.update(&stats, 0.016);
        assert_eq!(readout.text(true).as_deref(), Some("Level match -3.5 dB"));
        assert_eq!(readout.reduction_db, -3.5);
        assert_eq!(readout.text(false), None);
        // A model far too loud that level match alone brings down is still "limited".
        stats.level_match_db.store(-39.0, Ordering::Relaxed);
        readout.update(&stats, 0.016);
        assert!(readout.text(true).unwrap().contains("limited -39.0 dB"));
    }
}
