//! Pixels read back from the X server, the sizes and rectangles the checks speak of, and the
//! comparisons the checks make on them.

use std::collections::{HashMap, HashSet};
use std::fmt;

/// A size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl Size {
    /// A size of `width` by `height` pixels.
    pub const fn new(width: u32, height: u32) -> Self {
        Self { width, height }
    }

    /// This size times `k` each way.
    pub const fn times(self, k: u32) -> Self {
        Self::new(k * self.width, k * self.height)
    }

    /// Whether this size is at least `min` each way.
    pub const fn at_least(self, min: Size) -> bool {
        self.width >= min.width && self.height >= min.height
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// `WxH`, or `none`.
pub fn show_size(size: Option<Size>) -> String {
    size.map_or("none".into(), |s| s.to_string())
}

/// An RGB image.
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The pixels, row by row from the top left.
    pub rgb: Vec<[u8; 3]>,
}

/// A rectangle of pixels, `x0..x1` by `y0..y1`.
#[derive(Debug, Clone, Copy)]
pub struct Region {
    /// Left edge (inclusive).
    pub x0: u32,
    /// Top edge (inclusive).
    pub y0: u32,
    /// Right edge (exclusive).
    pub x1: u32,
    /// Bottom edge (exclusive).
    pub y1: u32,
}

impl Image {
    /// The image's size.
    pub fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }

    /// The pixel at column `x`, row `y`.
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        self.rgb[(y * self.width + x) as usize]
    }

    /// How many different colours the image holds.
    pub fn distinct_colours(&self) -> usize {
        self.rgb.iter().collect::<HashSet<_>>().len()
    }

    /// The share of pixels that have the most common colour.
    pub fn dominant_share(&self) -> f64 {
        let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
        for p in &self.rgb {
            *counts.entry(*p).or_default() += 1;
        }
        counts.values().max().copied().unwrap_or(0) as f64 / self.rgb.len().max(1) as f64
    }

    /// The colours inside `region` (clipped to the image).
    pub fn colours_in(&self, region: Region) -> HashSet<[u8; 3]> {
        let mut seen = HashSet::new();
        for y in region.y0..region.y1.min(self.height) {
            for x in region.x0..region.x1.min(self.width) {
                seen.insert(self.pixel(x, y));
            }
        }
        seen
    }

    /// How many pixels of `region` differ between `self` and `other` (same size; `usize::MAX`
    /// if the sizes differ).
    pub fn changed(&self, other: &Image, region: Region) -> usize {
        if (self.width, self.height) != (other.width, other.height) {
            return usize::MAX;
        }
        let mut n = 0;
        for y in region.y0..region.y1.min(self.height) {
            for x in region.x0..region.x1.min(self.width) {
                n += usize::from(self.pixel(x, y) != other.pixel(x, y));
            }
        }
        n
    }

    /// The mean absolute difference per channel (0 to 255) between the top `rows` rows of
    /// `self` and of `other` shrunk by `k` (each pixel the mean of a `k`×`k` block).
    pub fn diff_from_shrunk(&self, other: &Image, rows: u32, k: u32) -> f64 {
        let w = self.width.min(other.width / k);
        let h = rows.min(self.height).min(other.height / k);
        let mut sum = 0.0;
        for y in 0..h {
            for x in 0..w {
                let a = self.pixel(x, y);
                for (c, &value) in a.iter().enumerate() {
                    let mut b = 0.0;
                    for dy in 0..k {
                        for dx in 0..k {
                            b += f64::from(other.pixel(k * x + dx, k * y + dy)[c]);
                        }
                    }
                    sum += (f64::from(value) - b / f64::from(k * k)).abs();
                }
            }
        }
        sum / f64::from(3 * w * h).max(1.0)
    }

    /// Writes the image to `path` as an 8-bit RGB PNG.
    pub fn save_png(&self, path: &str) -> Result<(), String> {
        let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(self.rgb.as_flattened())
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` image whose pixel at (x, y) is `f(x, y)`.
    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> Image {
        let rgb = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y));
        Image {
            width: w,
            height: h,
            rgb: rgb.collect(),
        }
    }

    #[test]
    fn a_layout_drawn_at_twice_the_pixels_matches_when_shrunk() {
        let pattern = |x: u32, y: u32| [(x * 20) as u8, (y * 30) as u8, ((x + y) * 7) as u8];
        let small = image(8, 6, pattern);
        let double = image(16, 12, |x, y| pattern(x / 2, y / 2));
        assert_eq!(small.diff_from_shrunk(&double, 6, 2), 0.0);
        assert!(small.diff_from_shrunk(&double, 6, 1) > 10.0);
    }

    #[test]
    fn changed_counts_pixels_in_the_region_only() {
        let a = image(10, 10, |_, _| [0, 0, 0]);
        let b = image(
            10,
            10,
            |x, y| if x < 2 && y < 3 { [1, 0, 0] } else { [0, 0, 0] },
        );
        let all = Region {
            x0: 0,
            y0: 0,
            x1: 10,
            y1: 10,
        };
        let elsewhere = Region { x0: 5, ..all };
        assert_eq!(a.changed(&b, all), 6);
        assert_eq!(a.changed(&b, elsewhere), 0);
        assert_eq!(a.changed(&image(4, 4, |_, _| [0; 3]), all), usize::MAX);
        assert_eq!(b.distinct_colours(), 2);
        assert!((b.dominant_share() - 0.94).abs() < 1e-9);
    }
}
