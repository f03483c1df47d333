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
            let inference = if stats.is_none() {
                "no engine running".to_owned()
            } else if snapshot.processed_frames == 0 {
                format!("waiting for audio (hop {hop_ms:.1} ms)")
            } else {
                format!(
                    "{:.0} µs per frame, max {:.0} µs (hop {hop_ms:.1} ms)",
                    snapshot.mean_inference_us,
                    snapshot.max_inference_ns as f32 / 1000.0
                )
            };
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
