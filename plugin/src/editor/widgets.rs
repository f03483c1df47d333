//! Controls bound to host parameters.
//!
//! Every edit goes through the [`ParamSetter`] as a gesture (begin, set, end), so the host
//! records it as automation and its automation moves the control back: a control always draws
//! the parameter's current value, never a copy of its own.

use std::f32::consts::PI;

use egui::{Align2, Color32, Pos2, Response, Role, Sense, Shape, Stroke, Ui, Vec2, WidgetInfo};
use nice_plug::prelude::{BoolParam, IntParam, Param, ParamSetter};

use super::theme;
use crate::style_names::StyleNames;

/// Normalised change per point of vertical drag on a knob.
const KNOB_DRAG_PER_POINT: f32 = 1.0 / 220.0;
/// The same with Shift held, for fine moves.
const KNOB_FINE_DRAG_PER_POINT: f32 = 1.0 / 2000.0;
/// Sweep of a knob's arc, in radians (from 7:30 to 4:30 o'clock).
const KNOB_SWEEP: f32 = 1.5 * PI;

/// Sets `param` to `normalized` as one complete gesture (a click or a menu choice).
pub fn set_once<P: Param>(setter: &ParamSetter, param: &P, normalized: f32) {
    setter.begin_set_parameter(param);
    setter.set_parameter_normalized(param, normalized);
    setter.end_set_parameter(param);
}

/// Begins, continues and ends a drag gesture on `param` from `response`, applying
/// `new_normalized` while the drag moves.
pub fn drag_gesture<P: Param>(
    setter: &ParamSetter,
    param: &P,
    response: &Response,
    new_normalized: impl FnOnce() -> Option<f32>,
) {
    if response.drag_started() {
        setter.begin_set_parameter(param);
    }
    if response.dragged() || response.drag_started() {
        if let Some(n) = new_normalized() {
            setter.set_parameter_normalized(param, n.clamp(0.0, 1.0));
        }
    }
    if response.drag_stopped() {
        setter.end_set_parameter(param);
    }
}

/// A rotary knob for a continuous parameter: drag up or down (Shift for fine), double-click to
/// reset. Draws the label above and the parameter's own value text below.
pub fn knob<P: Param>(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &P,
    label: &str,
    diameter: f32,
    colour: Color32,
) -> Response {
    let text_h = 18.0;
    let size = Vec2::new(diameter.max(60.0), diameter + 2.0 * text_h + 4.0);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    let fine = ui.input(|i| i.modifiers.shift);
    let drag = response.drag_delta().y;
    drag_gesture(setter, param, &response, || {
        let per_point = if fine {
            KNOB_FINE_DRAG_PER_POINT
        } else {
            KNOB_DRAG_PER_POINT
        };
        Some(param.unmodulated_normalized_value() - drag * per_point)
    });
    if response.double_clicked() {
        set_once(setter, param, param.default_normalized_value());
    }

    let value = param.modulated_normalized_value();
    let value_text = param.normalized_value_to_string(value, true);
    response.widget_info(|| WidgetInfo::slider(true, f64::from(value), label));

    let painter = ui.painter_at(rect.expand(2.0));
    painter.text(
        Pos2::new(rect.center().x, rect.top()),
        Align2::CENTER_TOP,
        label,
        theme::value_font(),
        theme::MUTED,
    );
    let centre = Pos2::new(rect.center().x, rect.top() + text_h + diameter / 2.0);
    let radius = diameter / 2.0 - 4.0;
    let start = 0.75 * PI;
    let arc = |from: f32, to: f32| -> Vec<Pos2> {
        let steps = ((to - from).abs() / 0.05).ceil().max(2.0) as usize;
        (0..=steps)
            .map(|i| {
                let a = from + (to - from) * i as f32 / steps as f32;
                centre + radius * Vec2::new(a.cos(), a.sin())
            })
            .collect()
    };
    let track_w = (diameter * 0.07).clamp(3.0, 7.0);
    painter.add(Shape::line(
        arc(start, start + KNOB_SWEEP),
        Stroke::new(track_w, theme::LINE),
    ));
    if value > 0.001 {
        painter.add(Shape::line(
            arc(start, start + KNOB_SWEEP * value),
            Stroke::new(track_w, colour),
        ));
    }
    let body = if response.hovered() || response.dragged() {
        Color32::from_rgb(0x2f, 0x36, 0x42)
    } else {
        Color32::from_rgb(0x26, 0x2c, 0x36)
    };
    let inner = radius - track_w - 3.0;
    painter.circle(centre, inner, body, Stroke::new(1.0, theme::LINE));
    let angle = start + KNOB_SWEEP * value;
    let dir = Vec2::new(angle.cos(), angle.sin());
    painter.line_segment(
        [centre + dir * inner * 0.35, centre + dir * inner * 0.9],
        Stroke::new(2.5, theme::TEXT),
    );
    painter.text(
        Pos2::new(rect.center().x, rect.bottom()),
        Align2::CENTER_BOTTOM,
        value_text,
        theme::value_font(),
        theme::TEXT,
    );
    response
}

/// A pill-shaped on/off button for a boolean parameter, lit in `colour` when on.
pub fn toggle(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &BoolParam,
    text: &str,
    colour: Color32,
) -> Response {
    let on = param.value();
    let galley = ui.painter().layout_no_wrap(
        text.to_owned(),
        egui::FontId::proportional(12.0),
        theme::TEXT,
    );
    let size = Vec2::new(galley.size().x + 34.0, 24.0);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click());
    if response.clicked() {
        set_once(setter, param, if on { 0.0 } else { 1.0 });
    }
    response.widget_info(|| WidgetInfo::selected(Role::CheckBox, true, on, text));
    let fill = if on {
        colour.gamma_multiply(0.22)
    } else if response.hovered() {
        Color32::from_rgb(0x2c, 0x33, 0x3e)
    } else {
        Color32::from_rgb(0x24, 0x29, 0x32)
    };
    let stroke = if on { colour } else { theme::LINE };
    let painter = ui.painter();
    painter.rect(
        rect,
        12.0,
        fill,
        Stroke::new(1.0, stroke),
        egui::StrokeKind::Inside,
    );
    let dot = Pos2::new(rect.left() + 13.0, rect.center().y);
    painter.circle_filled(dot, 4.0, if on { colour } else { theme::MUTED });
    painter.galley(
        Pos2::new(rect.left() + 24.0, rect.center().y - galley.size().y / 2.0),
        galley,
        if on { theme::TEXT } else { theme::MUTED },
    );
    response
}

/// A drop-down of the loaded model's styles for a style-slot parameter.
pub fn style_picker(
    ui: &mut Ui,
    setter: &ParamSetter,
    param: &IntParam,
    names: &StyleNames,
    width: f32,
) -> Response {
    let current = param.value();
    let styles = names.load();
    let count = styles.len().max(1);
    let selected = names.display(current);
    let response = egui::ComboBox::from_id_salt(param.name())
        .width(width)
        .truncate()
        .selected_text(egui::RichText::new(selected).color(theme::TEXT))
        .show_ui(ui, |ui| {
            for i in 0..count {
                let text = names.display(i as i32);
                if ui.selectable_label(current == i as i32, text).clicked() && current != i as i32 {
                    set_once(setter, param, param.preview_normalized(i as i32));
                }
            }
        })
        .response;
    // Name the drop-down after its parameter, for screen readers and tests.
    response.widget_info(|| {
        let mut info = WidgetInfo::labeled(Role::ComboBox, true, param.name());
        info.current_text_value = Some(names.display(current));
        info
    });
    response.on_hover_text(param.name())
}

/// A meter row's caption and empty well, 8 points high, leaving room for a value label after
/// it. Returns the well's rectangle for the caller to fill. Call inside a horizontal layout.
pub fn meter_well(ui: &mut Ui, caption: &str) -> egui::Rect {
    ui.add_sized(
        [30.0, 14.0],
        egui::Label::new(
            egui::RichText::new(caption)
                .font(theme::section_font())
                .color(theme::MUTED),
        ),
    );
    let width = (ui.available_width() - 58.0).max(40.0);
    let (rect, _) = ui.allocate_exact_size(Vec2::new(width, 8.0), Sense::hover());
    ui.painter().rect_filled(rect, 3.0, theme::WELL);
    rect
}
