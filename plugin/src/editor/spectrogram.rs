//! The live view: input and output spectra overlaid, and a scrolling spectrogram of each, fed
//! by [`LiveFeed`] and refreshed every frame the editor draws.

use egui::{
    Align2, Color32, ColorImage, Pos2, Rect, Sense, Shape, Stroke, TextureHandle, TextureOptions,
    Ui, Vec2,
};

use super::spectrum::{Analyser, BINS, FLOOR_DB};
use super::theme;
use crate::live_feed::LiveFeed;

/// Columns (time steps) of history in each spectrogram: about 4 s at 60 frames per second.
pub const HISTORY: usize = 240;
/// Top of the spectrum plot's range, in dBFS.
const TOP_DB: f32 = 0.0;

/// One scrolling spectrogram image and its texture.
struct Strip {
    image: ColorImage,
    texture: Option<TextureHandle>,
    name: &'static str,
}

impl Strip {
    fn new(name: &'static str) -> Self {
        Self {
            image: ColorImage::filled([HISTORY, BINS], theme::WELL),
            texture: None,
            name,
        }
    }

    /// Scrolls one column left and writes `levels` (dBFS, low to high) as the newest column.
    fn push(&mut self, levels: &[f32], tint: Color32) {
        let [w, h] = self.image.size;
        for row in 0..h {
            let line = &mut self.image.pixels[row * w..(row + 1) * w];
            line.copy_within(1.., 0);
            // Row 0 is the top of the image: the highest bin.
            let level = levels.get(h - 1 - row).copied().unwrap_or(FLOOR_DB);
            line[w - 1] = heat(level, tint);
        }
    }

    fn texture(&mut self, ctx: &egui::Context) -> &TextureHandle {
        match &mut self.texture {
            Some(t) => {
                t.set(self.image.clone(), TextureOptions::LINEAR);
            }
            None => {
                self.texture =
                    Some(ctx.load_texture(self.name, self.image.clone(), TextureOptions::LINEAR));
            }
        }
        self.texture.as_ref().expect("set above")
    }
}

/// Maps a level in dBFS to a colour: the background at the floor, `tint` in the middle, near
/// white at full scale.
fn heat(db: f32, tint: Color32) -> Color32 {
    let t = ((db - FLOOR_DB) / (TOP_DB - FLOOR_DB)).clamp(0.0, 1.0);
    let t = t * t;
    let lerp = |a: Color32, b: Color32, k: f32| {
        let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * k).round() as u8;
        Color32::from_rgb(mix(a.r(), b.r()), mix(a.g(), b.g()), mix(a.b(), b.b()))
    };
    if t < 0.6 {
        lerp(theme::WELL, tint, t / 0.6)
    } else {
        lerp(tint, Color32::from_rgb(0xf4, 0xf7, 0xe8), (t - 0.6) / 0.4)
    }
}

/// The live view's state: analysers and spectrogram images for input and output.
pub struct LiveView {
    input: Analyser,
    output: Analyser,
    input_strip: Strip,
    output_strip: Strip,
    last_time: Option<f64>,
}

impl Default for LiveView {
    fn default() -> Self {
        Self {
            input: Analyser::default(),
            output: Analyser::default(),
            input_strip: Strip::new("chameleon-input-spectrogram"),
            output_strip: Strip::new("chameleon-output-spectrogram"),
            last_time: None,
        }
    }
}

impl LiveView {
    /// The displayed output levels, in dBFS per bin (for tests).
    pub fn output_levels(&self) -> &[f32] {
        self.output.levels()
    }

    /// Reads the feed and updates the analysers and spectrograms (once per frame).
    pub fn update(&mut self, feed: &LiveFeed, sample_rate: f32, now: f64) {
        let dt = self.last_time.map_or(0.0, |t| (now - t) as f32);
        self.last_time = Some(now);
        let sr = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        if self.input.has_news(&feed.input) || self.output.has_news(&feed.output) {
            self.input.update(&feed.input, sr, dt);
            self.output.update(&feed.output, sr, dt);
            self.input_strip.push(self.input.levels(), theme::INPUT);
            self.output_strip.push(self.output.levels(), theme::ACCENT);
        }
    }

    /// Draws the spectra plot and the two spectrograms into the space `ui` offers.
    pub fn show(&mut self, ui: &mut Ui, sample_rate: f32) {
        let sr = if sample_rate > 0.0 {
            sample_rate
        } else {
            48_000.0
        };
        let full = ui.available_rect_before_wrap();
        let (full, _) = ui.allocate_exact_size(full.size(), Sense::hover());
        let strip_h = ((full.height() - 8.0) * 0.22).clamp(24.0, 90.0);
        let plot = Rect::from_min_max(
            full.min,
            Pos2::new(full.right(), full.bottom() - 2.0 * strip_h - 8.0),
        );
        let strip_in = Rect::from_min_size(
            Pos2::new(full.left(), plot.bottom() + 4.0),
            Vec2::new(full.width(), strip_h),
        );
        let strip_out = strip_in.translate(Vec2::new(0.0, strip_h + 4.0));

        self.draw_plot(ui, plot, sr);
        let ctx = ui.ctx().clone();
        let painter = ui.painter_at(full);
        for (rect, strip, label, colour) in [
            (strip_in, &mut self.input_strip, "IN", theme::INPUT),
            (strip_out, &mut self.output_strip, "OUT", theme::ACCENT),
        ] {
            let texture = strip.texture(&ctx);
            painter.image(
                texture.id(),
                rect,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
            painter.rect_stroke(
                rect,
                4.0,
                Stroke::new(1.0, theme::LINE),
                egui::StrokeKind::Inside,
            );
            painter.text(
                rect.left_top() + Vec2::new(6.0, 4.0),
                Align2::LEFT_TOP,
                label,
                theme::section_font(),
                colour,
            );
        }
    }

    fn draw_plot(&self, ui: &Ui, rect: Rect, sr: f32) {
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 4.0, theme::WELL);
        let x_of = |hz: f32| {
            let nyquist = (sr / 2.0).max(super::spectrum::MIN_HZ * 2.0);
            let t = (hz / super::spectrum::MIN_HZ).ln() / (nyquist / super::spectrum::MIN_HZ).ln();
            rect.left() + t * rect.width()
        };
        let y_of = |db: f32| {
            let t = ((db - FLOOR_DB) / (TOP_DB - FLOOR_DB)).clamp(0.0, 1.0);
            rect.bottom() - t * rect.height()
        };
        let grid = Stroke::new(1.0, Color32::from_rgb(0x1d, 0x22, 0x2a));
        for (hz, label) in [(100.0, "100"), (1000.0, "1k"), (10_000.0, "10k")] {
            let x = x_of(hz);
            if x > rect.left() && x < rect.right() {
                painter.line_segment(
                    [Pos2::new(x, rect.top()), Pos2::new(x, rect.bottom())],
                    grid,
                );
                painter.text(
                    Pos2::new(x + 3.0, rect.bottom() - 3.0),
                    Align2::LEFT_BOTTOM,
                    label,
                    theme::section_font(),
                    theme::MUTED,
                );
            }
        }
        for db in [-24.0, -48.0, -72.0] {
            let y = y_of(db);
            painter.line_segment(
                [Pos2::new(rect.left(), y), Pos2::new(rect.right(), y)],
                grid,
            );
            painter.text(
                Pos2::new(rect.right() - 4.0, y - 2.0),
                Align2::RIGHT_BOTTOM,
                format!("{db:.0} dB"),
                theme::section_font(),
                theme::MUTED,
            );
        }
        let points = |levels: &[f32]| -> Vec<Pos2> {
            levels
                .iter()
                .enumerate()
                .map(|(b, &db)| {
                    let t = (b as f32 + 0.5) / BINS as f32;
                    Pos2::new(rect.left() + t * rect.width(), y_of(db))
                })
                .collect()
        };
        // Input: a translucent filled area.
        let input = points(self.input.levels());
        let mut mesh = egui::Mesh::default();
        let fill = theme::INPUT.gamma_multiply(0.22);
        for (i, p) in input.iter().enumerate() {
            mesh.colored_vertex(*p, fill);
            mesh.colored_vertex(Pos2::new(p.x, rect.bottom()), fill);
            if i > 0 {
                let k = (2 * i) as u32;
                mesh.add_triangle(k - 2, k - 1, k);
                mesh.add_triangle(k - 1, k + 1, k);
            }
        }
        painter.add(Shape::mesh(mesh));
        painter.add(Shape::line(
            input,
            Stroke::new(1.0, theme::INPUT.gamma_multiply(0.8)),
        ));
        // Output: the accent line on top.
        painter.add(Shape::line(
            points(self.output.levels()),
            Stroke::new(1.8, theme::ACCENT),
        ));
        painter.text(
            rect.left_top() + Vec2::new(8.0, 6.0),
            Align2::LEFT_TOP,
            "INPUT",
            theme::section_font(),
            theme::INPUT,
        );
        painter.text(
            rect.left_top() + Vec2::new(60.0, 6.0),
            Align2::LEFT_TOP,
            "OUTPUT",
            theme::section_font(),
            theme::ACCENT,
        );
        painter.rect_stroke(
            rect,
            4.0,
            Stroke::new(1.0, theme::LINE),
            egui::StrokeKind::Inside,
        );
    }
}
