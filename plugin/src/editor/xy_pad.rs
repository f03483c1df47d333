//! The XY morph pad: a square whose four corners hold four styles.
//!
//! The puck's position is the `pad_x` and `pad_y` parameters (0..1, left to right and bottom to
//! top). A drag is one gesture on both, so a host records a performance as two automation lanes
//! and plays it back by moving the puck. The engine turns the position into style weights by
//! bilinear interpolation ([`chameleon_dsp::Controls::corners`]): bottom-left `(1-x)(1-y)`,
//! bottom-right `x(1-y)`, top-left `(1-x)y`, top-right `xy`.

use egui::{Color32, Pos2, Rect, Response, Sense, Stroke, Ui, Vec2, WidgetInfo};
use nice_plug::prelude::{Param, ParamSetter};

use super::theme;
use crate::params::ChameleonParams;

/// Bilinear corner weights `[bottom-left, bottom-right, top-left, top-right]` at `(x, y)`.
pub fn corner_weights(x: f32, y: f32) -> [f32; 4] {
    let (x, y) = (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0));
    [(1.0 - x) * (1.0 - y), x * (1.0 - y), (1.0 - x) * y, x * y]
}

/// Maps a point in `rect` to pad coordinates (0..1, y up).
pub fn to_pad(rect: Rect, pos: Pos2) -> (f32, f32) {
    let x = (pos.x - rect.left()) / rect.width().max(1.0);
    let y = (rect.bottom() - pos.y) / rect.height().max(1.0);
    (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0))
}

/// Maps pad coordinates to a point in `rect`.
pub fn to_screen(rect: Rect, x: f32, y: f32) -> Pos2 {
    Pos2::new(
        rect.left() + x * rect.width(),
        rect.bottom() - y * rect.height(),
    )
}

/// Draws the pad in a square of side `side` and handles drags on it.
pub fn xy_pad(ui: &mut Ui, setter: &ParamSetter, params: &ChameleonParams, side: f32) -> Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::click_and_drag());
    let enabled = params.xy_enabled.value();

    let pointer = response.interact_pointer_pos();
    if response.drag_started() || (response.clicked() && !response.dragged()) {
        setter.begin_set_parameter(&params.pad_x);
        setter.begin_set_parameter(&params.pad_y);
    }
    if let (Some(pos), true) = (
        pointer,
        response.dragged() || response.drag_started() || response.clicked(),
    ) {
        let (x, y) = to_pad(rect, pos);
        setter.set_parameter(&params.pad_x, x);
        setter.set_parameter(&params.pad_y, y);
    }
    if response.drag_stopped() || (response.clicked() && !response.dragged()) {
        setter.end_set_parameter(&params.pad_x);
        setter.end_set_parameter(&params.pad_y);
    }

    let x = params.pad_x.modulated_plain_value();
    let y = params.pad_y.modulated_plain_value();
    response.widget_info(|| {
        WidgetInfo::labeled(
            egui::Role::Slider,
            true,
            format!("XY pad x {x:.2} y {y:.2}"),
        )
    });

    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 6.0, theme::WELL);
    // Grid.
    let grid = Stroke::new(1.0, Color32::from_rgb(0x1d, 0x22, 0x2a));
    for i in 1..4 {
        let t = i as f32 / 4.0;
        painter.line_segment([to_screen(rect, t, 0.0), to_screen(rect, t, 1.0)], grid);
        painter.line_segment([to_screen(rect, 0.0, t), to_screen(rect, 1.0, t)], grid);
    }
    // Corner weights as glows that grow with each corner's share.
    let weights = corner_weights(x, y);
    let corners = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)];
    let accent = if enabled { theme::ACCENT } else { theme::MUTED };
    for (w, (cx, cy)) in weights.iter().zip(corners) {
        let p = to_screen(rect, cx, cy);
        painter.circle_filled(p, 6.0 + 26.0 * w, accent.gamma_multiply(0.08 + 0.25 * w));
    }
    // Crosshair and puck.
    let puck = to_screen(rect, x, y);
    let cross = Stroke::new(1.0, accent.gamma_multiply(0.35));
    painter.line_segment(
        [
            Pos2::new(rect.left(), puck.y),
            Pos2::new(rect.right(), puck.y),
        ],
        cross,
    );
    painter.line_segment(
        [
            Pos2::new(puck.x, rect.top()),
            Pos2::new(puck.x, rect.bottom()),
        ],
        cross,
    );
    painter.circle(
        puck,
        9.0,
        accent.gamma_multiply(0.3),
        Stroke::new(2.0, accent),
    );
    painter.circle_filled(puck, 3.0, accent);
    painter.rect_stroke(
        rect,
        6.0,
        Stroke::new(1.0, theme::LINE),
        egui::StrokeKind::Inside,
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_bilinear_and_sum_to_one() {
        assert_eq!(corner_weights(0.0, 0.0), [1.0, 0.0, 0.0, 0.0]);
        assert_eq!(corner_weights(1.0, 1.0), [0.0, 0.0, 0.0, 1.0]);
        let w = corner_weights(0.25, 0.5);
        assert!((w[0] - 0.375).abs() < 1e-6 && (w[1] - 0.125).abs() < 1e-6);
        assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }

    #[test]
    fn screen_and_pad_coordinates_round_trip_with_y_up() {
        let rect = Rect::from_min_size(Pos2::new(10.0, 20.0), Vec2::splat(100.0));
        assert_eq!(to_pad(rect, rect.left_bottom()), (0.0, 0.0));
        assert_eq!(to_pad(rect, rect.right_top()), (1.0, 1.0));
        let p = to_screen(rect, 0.3, 0.8);
        let (x, y) = to_pad(rect, p);
        assert!((x - 0.3).abs() < 1e-5 && (y - 0.8).abs() < 1e-5);
    }
}
