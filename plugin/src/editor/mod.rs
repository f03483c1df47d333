//! Chameleon's editor (egui through nice-plug-egui).
//!
//! One screen, in cards: the A/B morph, the XY pad, the output stage, the live view and the
//! engine status with the model picker. Controls edit host parameters through gestures
//! ([`widgets`]), so automation and the editor always agree. The live view reads the
//! [`crate::live_feed::LiveFeed`] rings; the status reads [`EngineStatus`]. Neither takes a lock the audio
//! thread could hold.
//!
//! [`EditorView`] draws into any [`egui::Ui`] with any [`GuiContext`], so the headless tests
//! drive the same code the plugin window runs.

pub mod level_meter;
pub mod model_picker;
pub mod persisted_size;
pub mod preset_bar;
pub mod spectrogram;
pub mod spectrum;
pub mod status_panel;
pub mod theme;
pub mod widgets;
pub mod xy_pad;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use egui::{Align2, Pos2, Rect, RichText, Ui, UiBuilder, Vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::LogicalSize;
use nice_plug::prelude::{Enum, EnumParam, Param, ParamSetter};
use nice_plug_egui::{
    create_egui_editor, resizable_window::ResizableWindow, EguiEditorState, EguiNiceSettings,
    NiceEguiApp, RepaintNotifier,
};

use crate::params::{ChameleonParams, EditorSize};
use crate::status::EngineStatus;
use crate::style_names::StyleNames;

use self::level_meter::LevelReadout;
use self::model_picker::ModelPicker;
use self::persisted_size::PersistedSizeEditor;
use self::preset_bar::PresetBar;
use self::spectrogram::LiveView;
use self::status_panel::{latency_mode_name, CounterBaseline};

/// Smallest editor size, in logical pixels.
pub const MIN_SIZE: (f32, f32) = (820.0, 560.0);
/// Height of the header bar, in logical pixels.
const HEADER_H: f32 = 52.0;
/// Height of the preset bar under the header, in logical pixels.
const PRESET_BAR_H: f32 = 32.0;

/// What the editor shares with the plugin.
#[derive(Clone)]
pub struct EditorShared {
    /// The host parameters and persisted state.
    pub params: Arc<ChameleonParams>,
    /// The engine status and the live-view feed.
    pub status: Arc<EngineStatus>,
    /// The loaded model's style names.
    pub names: Arc<StyleNames>,
}

/// Level meter state: peaks with a fall-back, in dBFS.
#[derive(Default)]
struct Meters {
    input_db: f32,
    output_db: f32,
    level: LevelReadout,
}

/// Everything the editor draws, independent of the window it draws in.
pub struct EditorView {
    shared: EditorShared,
    live: LiveView,
    picker: ModelPicker,
    presets: PresetBar,
    baseline: CounterBaseline,
    meters: Meters,
    themed: bool,
}

impl EditorView {
    /// A view of the plugin whose parts are `shared`.
    pub fn new(shared: EditorShared) -> Self {
        Self {
            shared,
            live: LiveView::default(),
            picker: ModelPicker::default(),
            presets: PresetBar::default(),
            baseline: CounterBaseline::default(),
            meters: Meters {
                input_db: -96.0,
                output_db: -96.0,
                level: LevelReadout::default(),
            },
            themed: false,
        }
    }

    /// The model picker (for tests and the path field).
    pub fn picker_mut(&mut self) -> &mut ModelPicker {
        &mut self.picker
    }

    /// The preset bar (for tests).
    pub fn presets_mut(&mut self) -> &mut PresetBar {
        &mut self.presets
    }

    /// The live view's displayed output levels, in dBFS per bin.
    pub fn output_levels(&self) -> &[f32] {
        self.live.output_levels()
    }

    /// Draws one frame of the editor into `ui`, editing parameters through `gui`.
    pub fn ui(&mut self, ui: &mut Ui, gui: &GuiContext) {
        if !self.themed {
            theme::apply(ui.ctx());
            self.themed = true;
        }
        let setter = gui.param_setter();
        let status = Arc::clone(&self.shared.status);
        let sr = status.sample_rate.load(Ordering::Relaxed);
        let now = ui.input(|i| i.time);
        self.live.update(&status.live, sr, now);
        self.update_meters(ui.input(|i| i.stable_dt));

        let full = ui.max_rect();
        ui.painter().rect_filled(full, 0.0, theme::BG);
        let header = Rect::from_min_size(full.min, Vec2::new(full.width(), HEADER_H));
        self.header(ui, header, &setter);
        let bar = Rect::from_min_size(
            Pos2::new(full.left() + theme::GAP + 4.0, header.bottom()),
            Vec2::new(full.width() - 2.0 * theme::GAP - 8.0, PRESET_BAR_H),
        );
        let (params, names) = (
            Arc::clone(&self.shared.params),
            Arc::clone(&self.shared.names),
        );
        ui.scope_builder(
            UiBuilder::new()
                .max_rect(bar)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
            |ui| self.presets.show(ui, gui, &params, &names),
        );

        let g = theme::GAP;
        let body = Rect::from_min_max(
            Pos2::new(full.left() + g, bar.bottom() + g),
            Pos2::new(full.right() - g, full.bottom() - g),
        );
        let top_h = ((body.height() - g) * 0.44).clamp(292.0, 420.0);
        let w = body.width() - 2.0 * g;
        let (morph_w, pad_w) = (w * 0.33, w * 0.37);
        let out_w = w - morph_w - pad_w;
        let morph = Rect::from_min_size(body.min, Vec2::new(morph_w, top_h));
        let pad = Rect::from_min_size(
            Pos2::new(morph.right() + g, body.top()),
            Vec2::new(pad_w, top_h),
        );
        let output = Rect::from_min_size(
            Pos2::new(pad.right() + g, body.top()),
            Vec2::new(out_w, top_h),
        );
        let bottom_top = body.top() + top_h + g;
        let engine_w = ((body.width() - g) * 0.48).max(380.0);
        let live = Rect::from_min_max(
            Pos2::new(body.left(), bottom_top),
            Pos2::new(body.right() - engine_w - g, body.bottom()),
        );
        let engine = Rect::from_min_max(Pos2::new(live.right() + g, bottom_top), body.max);

        let params = Arc::clone(&self.shared.params);
        let none = |_: &mut Ui| {};
        self.card(ui, morph, "Morph A to B", none, |view, ui| {
            view.morph_card(ui, &setter)
        });
        self.card(
            ui,
            pad,
            "XY pad",
            |ui| {
                widgets::toggle(ui, &setter, &params.xy_enabled, "Pad on", theme::ACCENT);
            },
            |view, ui| view.pad_card(ui, &setter),
        );
        self.card(
            ui,
            output,
            "Output",
            |ui| {
                widgets::toggle(
                    ui,
                    &setter,
                    &params.level_match,
                    "Level match",
                    theme::ACCENT,
                );
            },
            |view, ui| view.output_card(ui, &setter),
        );
        self.card(ui, live, "Live", none, |view, ui| view.live.show(ui, sr));
        self.card(
            ui,
            engine,
            "Engine",
            |ui| {
                device_picker(ui, &setter, &params);
                ui.add_space(8.0);
                latency_mode_picker(ui, &setter, &params);
            },
            |view, ui| view.engine_card(ui),
        );

        // The live view moves with the audio: draw at screen rate while the window is open.
        ui.ctx().request_repaint();
    }

    fn update_meters(&mut self, dt: f32) {
        let Some(stats) = self.shared.status.stats() else {
            return;
        };
        let fall = 30.0 * dt.clamp(0.0, 0.25);
        let to_db = |x: f32| (20.0 * x.max(1e-6).log10()).max(-96.0);
        let input = to_db(stats.input_peak.load(Ordering::Relaxed));
        let output = to_db(stats.output_peak.load(Ordering::Relaxed));
        self.meters.input_db = input.max(self.meters.input_db - fall);
        self.meters.output_db = output.max(self.meters.output_db - fall);
        self.meters.level.update(&stats, dt);
    }

    /// The level-safety readings shown in the Output card.
    pub fn level_readout(&self) -> LevelReadout {
        self.meters.level
    }

    /// Draws a card in `rect`: a title row with `action` at its right, and `contents` below.
    fn card(
        &mut self,
        ui: &mut Ui,
        rect: Rect,
        title: &str,
        action: impl FnOnce(&mut Ui),
        contents: impl FnOnce(&mut Self, &mut Ui),
    ) {
        ui.scope_builder(UiBuilder::new().max_rect(rect), |ui| {
            theme::card().show(ui, |ui| {
                let inner = rect.size() - Vec2::splat(2.0 * (theme::GAP + 2.0));
                ui.set_min_size(inner);
                ui.set_max_size(inner);
                ui.allocate_ui_with_layout(
                    Vec2::new(inner.x, 24.0),
                    egui::Layout::left_to_right(egui::Align::Center),
                    |ui| {
                        theme::section_title(ui, title);
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), action);
                    },
                );
                ui.add_space(4.0);
                contents(self, ui);
            });
        });
    }

    fn header(&mut self, ui: &mut Ui, rect: Rect, setter: &ParamSetter) {
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, theme::CARD);
        painter.line_segment(
            [rect.left_bottom(), rect.right_bottom()],
            egui::Stroke::new(1.0, theme::LINE),
        );
        let mid = rect.center().y;
        painter.circle_filled(Pos2::new(rect.left() + 22.0, mid), 7.0, theme::ACCENT);
        painter.circle_filled(Pos2::new(rect.left() + 22.0, mid), 3.0, theme::CARD);
        let title = painter.text(
            Pos2::new(rect.left() + 38.0, mid),
            Align2::LEFT_CENTER,
            "CHAMELEON",
            egui::FontId::proportional(19.0),
            theme::TEXT,
        );
        painter.text(
            Pos2::new(title.right() + 12.0, mid + 1.0),
            Align2::LEFT_CENTER,
            "neural style transfer",
            theme::value_font(),
            theme::MUTED,
        );

        let params = &self.shared.params;
        let status = &self.shared.status;
        let info = status.info();
        let healthy = info.reason.is_none();
        let chips = [
            (
                status_panel::model_text(&info),
                if healthy { theme::ACCENT } else { theme::WARN },
            ),
            (info.provider.clone(), theme::MUTED),
            (
                format!(
                    "{} {:.1} ms",
                    latency_mode_name(info.latency_mode),
                    status.latency_ms()
                ),
                theme::MUTED,
            ),
        ];
        let right = Rect::from_min_max(
            Pos2::new(rect.left() + 320.0, rect.top()),
            Pos2::new(rect.right() - 14.0, rect.bottom()),
        );
        ui.scope_builder(
            UiBuilder::new()
                .max_rect(right)
                .layout(egui::Layout::right_to_left(egui::Align::Center)),
            |ui| {
                widgets::toggle(ui, setter, &params.bypass, "Bypass", theme::ERROR);
                ui.add_space(6.0);
                for (chip, colour) in chips.iter().rev() {
                    chip_label(ui, chip, *colour);
                }
            },
        );
    }

    fn morph_card(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let params = Arc::clone(&self.shared.params);
        let names = Arc::clone(&self.shared.names);
        let xy = params.xy_enabled.value();
        let picker_w = ((ui.available_width() - 16.0) / 2.0 - 8.0).max(80.0);
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.label(RichText::new("A").color(theme::INPUT).strong());
                widgets::style_picker(ui, setter, &params.style_a, &names, picker_w);
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                ui.vertical(|ui| {
                    ui.label(RichText::new("B").color(theme::ACCENT).strong());
                    widgets::style_picker(ui, setter, &params.style_b, &names, picker_w);
                });
            });
        });
        let avail = ui.available_size();
        let diameter = (avail.y - 72.0).min(avail.x * 0.6).clamp(70.0, 190.0);
        ui.vertical_centered(|ui| {
            ui.add_space(((avail.y - diameter - 48.0) / 2.0).max(0.0));
            widgets::knob(ui, setter, &params.morph, "Morph", diameter, theme::ACCENT);
            if xy {
                ui.label(
                    RichText::new("The XY pad is driving the styles")
                        .color(theme::WARN)
                        .size(11.0),
                );
            }
        });
    }

    fn pad_card(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let params = Arc::clone(&self.shared.params);
        let names = Arc::clone(&self.shared.names);
        let x = params.pad_x.modulated_plain_value();
        let y = params.pad_y.modulated_plain_value();
        let weights = xy_pad::corner_weights(x, y);
        let avail = ui.available_size();
        let list_w = 124.0;
        let side = avail.y.min(avail.x - list_w - theme::GAP).max(80.0);
        ui.horizontal_top(|ui| {
            let response = xy_pad::xy_pad(ui, setter, &params, side);
            if (response.drag_started() || response.clicked()) && !params.xy_enabled.value() {
                widgets::set_once(setter, &params.xy_enabled, 1.0);
            }
            ui.add_space(theme::GAP - ui.spacing().item_spacing.x);
            ui.vertical(|ui| {
                // Corners listed as they sit on the pad: top row first.
                let corners = [
                    ("Top left", &params.corner_tl, weights[2]),
                    ("Top right", &params.corner_tr, weights[3]),
                    ("Bottom left", &params.corner_bl, weights[0]),
                    ("Bottom right", &params.corner_br, weights[1]),
                ];
                let row_h = (side / 4.0).max(40.0);
                for (caption, param, weight) in corners {
                    ui.allocate_ui_with_layout(
                        Vec2::new(list_w, row_h),
                        egui::Layout::top_down(egui::Align::Min),
                        |ui| {
                            ui.horizontal(|ui| {
                                ui.label(
                                    RichText::new(caption.to_uppercase())
                                        .font(theme::section_font())
                                        .color(theme::MUTED),
                                );
                                ui.with_layout(
                                    egui::Layout::right_to_left(egui::Align::Center),
                                    |ui| {
                                        let colour = if weight > 0.25 {
                                            theme::ACCENT
                                        } else {
                                            theme::MUTED
                                        };
                                        ui.label(
                                            RichText::new(format!("{:.0}%", weight * 100.0))
                                                .font(theme::section_font())
                                                .color(colour),
                                        );
                                    },
                                );
                            });
                            widgets::style_picker(ui, setter, param, &names, list_w - 24.0);
                        },
                    );
                }
            });
        });
    }

    fn output_card(&mut self, ui: &mut Ui, setter: &ParamSetter) {
        let params = Arc::clone(&self.shared.params);
        let avail = ui.available_size();
        let diameter = ((avail.x - 24.0) / 2.0)
            .min(avail.y - 150.0)
            .clamp(56.0, 120.0);
        ui.horizontal(|ui| {
            let spare = (avail.x - 2.0 * diameter.max(60.0) - 12.0).max(0.0);
            ui.add_space(spare / 2.0);
            widgets::knob(ui, setter, &params.mix, "Mix", diameter, theme::ACCENT);
            ui.add_space(12.0);
            widgets::knob(
                ui,
                setter,
                &params.output_gain,
                "Gain",
                diameter,
                theme::INPUT,
            );
        });
        ui.add_space(10.0);
        self.meter(ui, "IN", self.meters.input_db, theme::INPUT);
        self.meter(ui, "OUT", self.meters.output_db, theme::ACCENT);
        self.meters.level.show(ui, params.level_match.value());
    }

    fn meter(&self, ui: &mut Ui, label: &str, db: f32, colour: egui::Color32) {
        ui.horizontal(|ui| {
            let rect = widgets::meter_well(ui, label);
            let painter = ui.painter();
            let t = ((db + 60.0) / 60.0).clamp(0.0, 1.0);
            let lit = Rect::from_min_size(rect.min, Vec2::new(rect.width() * t, rect.height()));
            let fill = if db > -1.0 { theme::ERROR } else { colour };
            painter.rect_filled(lit, 3.0, fill);
            let text = if db <= -95.0 {
                "-inf dB".to_owned()
            } else {
                format!("{db:.1} dB")
            };
            ui.label(RichText::new(text).size(11.0).color(theme::MUTED));
        });
    }

    fn engine_card(&mut self, ui: &mut Ui) {
        let shared = self.shared.clone();
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                // Problems first: they say why the engine is not the one asked for.
                status_panel::show_problems(ui, &shared.status);
                status_panel::show(ui, &shared.status, &mut self.baseline);
                ui.add_space(6.0);
                self.picker.show(ui, &shared.params, &shared.status);
            });
    }
}

/// A small rounded label for the header.
fn chip_label(ui: &mut Ui, text: &str, dot: egui::Color32) {
    let galley = ui.painter().layout_no_wrap(
        text.to_owned(),
        egui::FontId::proportional(12.0),
        theme::TEXT,
    );
    let size = Vec2::new(galley.size().x + 30.0, 24.0);
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, text));
    let painter = ui.painter();
    painter.rect(
        rect,
        12.0,
        theme::WELL,
        egui::Stroke::new(1.0, theme::LINE),
        egui::StrokeKind::Inside,
    );
    painter.circle_filled(Pos2::new(rect.left() + 12.0, rect.center().y), 3.5, dot);
    painter.galley(
        Pos2::new(rect.left() + 21.0, rect.center().y - galley.size().y / 2.0),
        galley,
        theme::TEXT,
    );
}

/// The compute-device drop-down.
fn device_picker(ui: &mut Ui, setter: &ParamSetter, params: &ChameleonParams) {
    enum_picker(ui, setter, &params.device, "chameleon-device", "Device");
}

/// The latency-mode drop-down (Studio / Live).
fn latency_mode_picker(ui: &mut Ui, setter: &ParamSetter, params: &ChameleonParams) {
    enum_picker(
        ui,
        setter,
        &params.latency_mode,
        "chameleon-latency-mode",
        "Mode",
    );
}

/// A drop-down for an enum parameter, labelled `label` to its right (right-to-left layout).
fn enum_picker<T: Enum + PartialEq + 'static>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &EnumParam<T>,
    id: &str,
    label: &str,
) {
    let current = param.value().to_index();
    egui::ComboBox::from_id_salt(id)
        .width(70.0)
        .selected_text(T::variants()[current])
        .show_ui(ui, |ui| {
            for (i, name) in T::variants().iter().enumerate() {
                if ui.selectable_label(current == i, *name).clicked() && current != i {
                    widgets::set_once(setter, param, param.preview_normalized(T::from_index(i)));
                }
            }
        });
    ui.label(RichText::new(label).color(theme::MUTED).size(12.0));
}

/// The editor window's app: the view, the host context and the persisted size.
pub struct ChameleonEditor {
    view: EditorView,
    gui: Option<GuiContext>,
    size: Arc<EditorSize>,
}

impl NiceEguiApp for ChameleonEditor {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        self.gui = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui) = self.gui.clone() else {
            return;
        };
        let view = &mut self.view;
        ResizableWindow::new("chameleon-editor")
            .min_size(Vec2::new(MIN_SIZE.0, MIN_SIZE.1))
            .show(ui, |ui| view.ui(ui, &gui));
    }

    fn resized(&mut self, new_size: nice_plug_egui::baseview::WindowSize) {
        let logical = new_size.logical;
        self.size
            .store(logical.width.round() as u32, logical.height.round() as u32);
    }
}

/// Creates the editor for a plugin whose parts are `shared`, opening at the persisted size
/// (also after a project with another size is loaded). The live-view feed runs while its
/// window is open.
pub fn create(shared: EditorShared) -> Option<PersistedSizeEditor> {
    let size = Arc::clone(&shared.params.editor_size);
    let (w, h) = size.get();
    let egui_state = EguiEditorState::from_size(LogicalSize::new(w as f32, h as f32), 1.0);
    shared.status.live.attach(Arc::clone(&egui_state));
    let app = ChameleonEditor {
        view: EditorView::new(shared),
        gui: None,
        size: Arc::clone(&size),
    };
    let settings = EguiNiceSettings::default()
        .with_tile("Chameleon")
        .with_resize_hint(
            nice_plug::editor::ResizeHint::resizable()
                .with_min_logical_size(LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1)),
        );
    let egui = create_egui_editor(
        Arc::clone(&egui_state),
        RepaintNotifier::new(),
        settings,
        app,
    )?;
    Some(PersistedSizeEditor::new(egui, egui_state, size))
}
