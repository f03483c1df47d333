//! The engine status: what runs, how fast, how late, and what is wrong in plain words.

use std::sync::atomic::Ordering;

use chameleon_dsp::{LatencyMode, StatsSnapshot};
use egui::{Color32, RichText, Ui};

use super::theme;
use crate::status::{EngineInfo, EngineKind, EngineStatus};

/// Counters at the moment the user pressed "Reset", so the panel can count from there.
#[derive(Debug, Default, Clone, Copy)]
pub struct CounterBaseline {
    /// Engine builds when the baseline was taken (a new engine restarts its counters).
    builds: u64,
    missed: u64,
    failed: u64,
}

impl CounterBaseline {
    /// Late (missed) and failed frames since the baseline, for the engine whose counters are
    /// `stats` and which is build number `builds`.
    pub fn since(&self, stats: &StatsSnapshot, builds: u64) -> (u64, u64) {
        if builds != self.builds {
            return (stats.missed_frames, stats.failed_frames);
        }
        (
            stats.missed_frames.saturating_sub(self.missed),
            stats.failed_frames.saturating_sub(self.failed),
        )
    }

    /// A baseline at the current counters.
    pub fn now(stats: &StatsSnapshot, builds: u64) -> Self {
        Self {
            builds,
            missed: stats.missed_frames,
            failed: stats.failed_frames,
        }
    }
}

/// Plain words for the engine kind.
pub fn kind_text(kind: EngineKind) -> &'static str {
    match kind {
        EngineKind::Inactive => "Not running (the host has not started audio)",
        EngineKind::Neural => "Neural model",
        EngineKind::BuiltIn => "Built-in spectral styles",
        EngineKind::Dry => "Dry (passing audio through)",
    }
}

/// The latency mode as the editor names it.
pub fn latency_mode_name(mode: LatencyMode) -> &'static str {
    match mode {
        LatencyMode::Studio => "Studio",
        LatencyMode::Live => "Live",
    }
}

/// The model line: name and version, or what plays instead.
pub fn model_text(info: &EngineInfo) -> String {
    match (info.model_name.is_empty(), info.model_version.is_empty()) {
        (true, _) => kind_text(info.kind).to_owned(),
        (false, true) => info.model_name.clone(),
        (false, false) => format!("{} v{}", info.model_name, info.model_version),
    }
}

/// The inference line: time per frame, and how many instances shared the run (the shared
/// worker batches the frames of every instance playing the same model file). `snapshot` is
/// `None` while no engine runs; `hop_ms` is the hop in milliseconds.
pub fn inference_text(snapshot: Option<&StatsSnapshot>, hop_ms: f32) -> String {
    let Some(s) = snapshot else {
        return "no engine running".to_owned();
    };
    if s.processed_frames == 0 {
        return format!("waiting for audio (hop {hop_ms:.1} ms)");
    }
    let shared = match s.batch_frames {
        0 | 1 => String::new(),
        n => format!(
            ", batched with {} other instance{}",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    format!(
        "{:.0} µs per frame, max {:.0} µs (hop {hop_ms:.1} ms){shared}",
        s.mean_inference_us,
        s.max_inference_ns as f32 / 1000.0
    )
}

/// Every problem worth showing, in plain words with what to do about it.
pub fn problems(info: &EngineInfo, worker_error: Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(reason) = &info.reason {
        out.push(reason.clone());
    }
    if let Some(err) = worker_error {
        out.push(format!(
            "The model failed while running ({err}). Those frames play dry. Try the CPU \
             device, or load another model."
        ));
    }
    out
}

fn row(ui: &mut Ui, key: &str, value: impl Into<RichText>) {
    ui.label(RichText::new(key).color(theme::MUTED));
    let value: RichText = value.into();
    let full = value.text().to_owned();
    // Long values (a model's style list) are cut to the card; the full text is on hover.
    ui.add(egui::Label::new(value.color(theme::TEXT)).truncate())
        .on_hover_text(full);
    ui.end_row();
}

/// Draws the status grid and the problem box. `baseline` is reset by the panel's button.
pub fn show(ui: &mut Ui, status: &EngineStatus, baseline: &mut CounterBaseline) {
    let info = status.info();
    let stats = status.stats();
    let snapshot = stats.as_ref().map(|s| s.snapshot()).unwrap_or_default();
    let builds = status.engine_builds.load(Ordering::Relaxed);
    let sr = status.sample_rate.load(Ordering::Relaxed);

    egui::Grid::new("chameleon-status")
        .num_columns(2)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            row(ui, "Model", model_text(&info));
            let styles = info
                .styles
                .iter()
                .map(|s| s.display_name.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            row(
                ui,
                "Styles",
                if styles.is_empty() {
                    "none".to_owned()
                } else {
                    format!("{} ({styles})", info.styles.len())
                },
            );
            row(ui, "Provider", info.provider.clone());
            let latency = status.latency_samples.load(Ordering::Relaxed);
            row(
                ui,
                "Latency",
                format!(
                    "{latency} samples / {:.1} ms ({})",
                    status.latency_ms(),
                    latency_mode_name(info.latency_mode)
                ),
            );
            let hop_ms = if sr > 0.0 && info.hop > 0 {
                info.hop as f32 * 1000.0 / sr
            } else {
                0.0
            };
            let inference = inference_text(stats.is_some().then_some(&snapshot), hop_ms);
            row(ui, "Inference", inference);

            ui.label(RichText::new("Late frames").color(theme::MUTED));
            ui.horizontal(|ui| {
                let (missed, failed) = baseline.since(&snapshot, builds);
                let colour = if missed + failed > 0 {
                    theme::WARN
                } else {
                    theme::TEXT
                };
                let text = if failed > 0 {
                    format!("{missed} late, {failed} failed")
                } else {
                    format!("{missed}")
                };
                ui.label(RichText::new(text).color(colour));
                if ui.small_button("Reset").clicked() {
                    *baseline = CounterBaseline::now(&snapshot, builds);
                }
            });
            ui.end_row();
        });
}

/// Draws a box for each problem the engine reports.
pub fn show_problems(ui: &mut Ui, status: &EngineStatus) {
    let info = status.info();
    let worker_error = status.stats().and_then(|s| s.last_error());
    for problem in problems(&info, worker_error) {
        egui::Frame::new()
            .fill(Color32::from_rgb(0x33, 0x27, 0x12))
            .stroke(egui::Stroke::new(1.0, theme::WARN.gamma_multiply(0.6)))
            .corner_radius(egui::CornerRadius::same(5))
            .inner_margin(egui::Margin::same(6))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(RichText::new(problem).color(theme::WARN).size(11.5));
            });
        ui.add_space(4.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inference_line_says_when_instances_share_a_run() {
        assert_eq!(inference_text(None, 5.3), "no engine running");
        let mut s = StatsSnapshot::default();
        assert_eq!(
            inference_text(Some(&s), 5.3),
            "waiting for audio (hop 5.3 ms)"
        );
        s.processed_frames = 10;
        s.mean_inference_us = 74.4;
        s.max_inference_ns = 310_000;
        s.batch_frames = 1;
        assert_eq!(
            inference_text(Some(&s), 5.33),
            "74 µs per frame, max 310 µs (hop 5.3 ms)"
        );
        s.batch_frames = 2;
        assert!(inference_text(Some(&s), 5.33).ends_with(", batched with 1 other instance"));
        s.batch_frames = 8;
        assert!(inference_text(Some(&s), 5.33).ends_with(", batched with 7 other instances"));
    }
}
