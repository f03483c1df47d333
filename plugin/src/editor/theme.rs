//! The editor's look: one dark palette, one accent, one type scale and one spacing unit.

use egui::{Color32, CornerRadius, FontFamily, FontId, Margin, Stroke, TextStyle, Vec2};

/// Window background.
pub const BG: Color32 = Color32::from_rgb(0x12, 0x15, 0x1a);
/// Card (panel) background.
pub const CARD: Color32 = Color32::from_rgb(0x1b, 0x1f, 0x26);
/// Recessed surfaces: plots, pads, text fields.
pub const WELL: Color32 = Color32::from_rgb(0x0d, 0x10, 0x14);
/// Hairlines and card borders.
pub const LINE: Color32 = Color32::from_rgb(0x2b, 0x31, 0x3b);
/// Primary text.
pub const TEXT: Color32 = Color32::from_rgb(0xe6, 0xe9, 0xee);
/// Secondary text: captions and units.
pub const MUTED: Color32 = Color32::from_rgb(0x8b, 0x93, 0xa1);
/// The accent: the wet signal, active controls.
pub const ACCENT: Color32 = Color32::from_rgb(0x3d, 0xdc, 0x97);
/// A dimmed accent for fills.
pub const ACCENT_DIM: Color32 = Color32::from_rgb(0x1f, 0x6e, 0x4d);
/// The second signal colour: the dry input.
pub const INPUT: Color32 = Color32::from_rgb(0x6c, 0x9b, 0xd2);
/// Warnings (late frames, fallbacks).
pub const WARN: Color32 = Color32::from_rgb(0xf2, 0xb1, 0x34);
/// Errors and bypass.
pub const ERROR: Color32 = Color32::from_rgb(0xef, 0x5b, 0x5b);

/// The spacing unit, in logical points.
pub const GAP: f32 = 10.0;
/// Corner radius of cards, in logical points.
pub const RADIUS: u8 = 8;

/// Font for section titles (small caps style: upper case, tracked by the caller).
pub fn section_font() -> FontId {
    FontId::new(11.0, FontFamily::Proportional)
}

/// Font for big readouts (the morph amount).
pub fn readout_font() -> FontId {
    FontId::new(20.0, FontFamily::Proportional)
}

/// Font for value captions under controls.
pub fn value_font() -> FontId {
    FontId::new(12.0, FontFamily::Proportional)
}

/// Applies the palette, type scale and spacing to every style of `ctx`.
pub fn apply(ctx: &egui::Context) {
    ctx.set_theme(egui::Theme::Dark);
    ctx.all_styles_mut(style);
}

fn style(style: &mut egui::Style) {
    use FontFamily::{Monospace, Proportional};
    style.text_styles = [
        (TextStyle::Heading, FontId::new(18.0, Proportional)),
        (TextStyle::Body, FontId::new(13.0, Proportional)),
        (TextStyle::Button, FontId::new(13.0, Proportional)),
        (TextStyle::Small, FontId::new(11.0, Proportional)),
        (TextStyle::Monospace, FontId::new(12.0, Monospace)),
    ]
    .into();

    let s = &mut style.spacing;
    s.item_spacing = Vec2::new(8.0, 6.0);
    s.button_padding = Vec2::new(10.0, 4.0);
    s.interact_size = Vec2::new(40.0, 24.0);
    s.combo_width = 150.0;
    s.window_margin = Margin::same(GAP as i8);

    let v = &mut style.visuals;
    v.dark_mode = true;
    v.override_text_color = None;
    v.panel_fill = BG;
    v.window_fill = CARD;
    v.window_stroke = Stroke::new(1.0, LINE);
    v.extreme_bg_color = WELL;
    v.faint_bg_color = CARD;
    v.hyperlink_color = ACCENT;
    v.selection.bg_fill = ACCENT_DIM;
    v.selection.stroke = Stroke::new(1.0, ACCENT);
    v.window_corner_radius = CornerRadius::same(RADIUS);
    v.menu_corner_radius = CornerRadius::same(6);

    let radius = CornerRadius::same(5);
    let w = &mut v.widgets;
    w.noninteractive.bg_fill = CARD;
    w.noninteractive.weak_bg_fill = CARD;
    w.noninteractive.bg_stroke = Stroke::new(1.0, LINE);
    w.noninteractive.fg_stroke = Stroke::new(1.0, TEXT);
    w.noninteractive.corner_radius = radius;
    w.inactive.bg_fill = Color32::from_rgb(0x24, 0x29, 0x32);
    w.inactive.weak_bg_fill = Color32::from_rgb(0x24, 0x29, 0x32);
    w.inactive.bg_stroke = Stroke::new(1.0, LINE);
    w.inactive.fg_stroke = Stroke::new(1.0, TEXT);
    w.inactive.corner_radius = radius;
    w.hovered.bg_fill = Color32::from_rgb(0x2c, 0x33, 0x3e);
    w.hovered.weak_bg_fill = Color32::from_rgb(0x2c, 0x33, 0x3e);
    w.hovered.bg_stroke = Stroke::new(1.0, ACCENT_DIM);
    w.hovered.fg_stroke = Stroke::new(1.0, TEXT);
    w.hovered.corner_radius = radius;
    w.active.bg_fill = ACCENT_DIM;
    w.active.weak_bg_fill = ACCENT_DIM;
    w.active.bg_stroke = Stroke::new(1.0, ACCENT);
    w.active.fg_stroke = Stroke::new(1.5, TEXT);
    w.active.corner_radius = radius;
    w.open = w.active;
}

/// A card: the rounded, bordered surface every section sits on.
pub fn card() -> egui::Frame {
    egui::Frame::new()
        .fill(CARD)
        .stroke(Stroke::new(1.0, LINE))
        .corner_radius(CornerRadius::same(RADIUS))
        .inner_margin(Margin::same(GAP as i8 + 2))
}

/// A section title: small, upper case, muted.
pub fn section_title(ui: &mut egui::Ui, title: &str) {
    ui.label(
        egui::RichText::new(title.to_uppercase())
            .font(section_font())
            .color(MUTED)
            .extra_letter_spacing(1.2),
    );
}
