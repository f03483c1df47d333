//! Control values read once per hop: the style blend and the dry/wet mix.

/// Most styles a model may hold.
pub const MAX_STYLES: usize = 32;

/// The controls in force for one hop. Every constructor gives a fully wet mix with level
/// match on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Controls {
    /// Weight of each style, `0..=1`, summing to 1 over the first `style_count` entries.
    pub style_weights: [f32; MAX_STYLES],
    /// Number of meaningful entries in `style_weights`.
    pub style_count: usize,
    /// Dry/wet mix, `0` (dry only) to `1` (wet only).
    pub mix: f32,
    /// Keep the wet level near the input's ([`crate::level_match`]); the short-term guard
    /// and the peak ceiling hold either way.
    pub level_match: bool,
}

impl Default for Controls {
    /// All weight on style 0, fully wet.
    fn default() -> Self {
        Self::single(0, 1)
    }
}

impl Controls {
    /// All weight on `style` of `style_count` styles, fully wet.
    pub fn single(style: usize, style_count: usize) -> Self {
        Self::morph(style, style, 0.0, style_count)
    }

    /// A linear morph from `style_a` (at `morph = 0`) to `style_b` (at `morph = 1`), fully wet.
    /// Out-of-range styles are clamped to the last style; `morph` is clamped to `0..=1`.
    pub fn morph(style_a: usize, style_b: usize, morph: f32, style_count: usize) -> Self {
        let style_count = style_count.clamp(1, MAX_STYLES);
        let morph = if morph.is_finite() {
            morph.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut style_weights = [0.0; MAX_STYLES];
        style_weights[style_a.min(style_count - 1)] += 1.0 - morph;
        style_weights[style_b.min(style_count - 1)] += morph;
        Self {
            style_weights,
            style_count,
            mix: 1.0,
            level_match: true,
        }
    }

    /// Bilinear blend of four corner styles, `[bottom-left, bottom-right, top-left, top-right]`,
    /// at pad position `x`, `y` in `0..=1` (clamped), fully wet.
    pub fn corners(corners: [usize; 4], x: f32, y: f32, style_count: usize) -> Self {
        let style_count = style_count.clamp(1, MAX_STYLES);
        let x = if x.is_finite() {
            x.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let y = if y.is_finite() {
            y.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let weights = [(1.0 - x) * (1.0 - y), x * (1.0 - y), (1.0 - x) * y, x * y];
        let mut style_weights = [0.0; MAX_STYLES];
        for (style, w) in corners.into_iter().zip(weights) {
            style_weights[style.min(style_count - 1)] += w;
        }
        Self {
            style_weights,
            style_count,
            mix: 1.0,
            level_match: true,
        }
    }

    /// The same controls with `mix` set (clamped to `0..=1`; non-finite becomes 1).
    pub fn with_mix(mut self, mix: f32) -> Self {
        self.mix = if mix.is_finite() {
            mix.clamp(0.0, 1.0)
        } else {
            1.0
        };
        self
    }

    /// The same controls with level match on or off.
    pub fn with_level_match(mut self, on: bool) -> Self {
        self.level_match = on;
        self
    }

    /// The active style weights.
    pub fn weights(&self) -> &[f32] {
        &self.style_weights[..self.style_count]
    }

    /// Moves the style weights a fraction `amount` (`0..=1`) of the way towards `target`'s.
    pub fn approach(&mut self, target: &Controls, amount: f32) {
        self.style_count = target.style_count;
        for (w, t) in self.style_weights.iter_mut().zip(&target.style_weights) {
            *w += (t - *w) * amount;
        }
        self.mix = target.mix;
        self.level_match = target.level_match;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morph_and_corner_weights_sum_to_one() {
        let c = Controls::morph(1, 3, 0.25, 5);
        assert_eq!(c.weights(), &[0.0, 0.75, 0.0, 0.25, 0.0]);
        let c = Controls::corners([0, 1, 2, 3], 0.5, 0.5, 4);
        assert_eq!(c.weights(), &[0.25; 4]);
        let c = Controls::morph(9, 0, f32::NAN, 3);
        assert_eq!(c.weights(), &[0.0, 0.0, 1.0]);
    }

    #[test]
    fn approach_converges_on_the_target() {
        let mut c = Controls::single(0, 2);
        let t = Controls::single(1, 2);
        for _ in 0..200 {
            c.approach(&t, 0.1);
        }
        assert!((c.weights()[1] - 1.0).abs() < 1e-6);
    }
}
