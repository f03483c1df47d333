//! Pixels read back from the X server, and the comparisons the checks make on them.

use std::collections::{HashMap, HashSet};

/// An RGB image.
pub(crate) struct Image {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) rgb: Vec<[u8; 3]>,
}

/// A rectangle of pixels, `x0..x1` by `y0..y1`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    pub(crate) x0: u32,
    pub(crate) y0: u32,
    pub(crate) x1: u32,
    pub(crate) y1: u32,
}

impl Image {
    pub(crate) fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        self.rgb[(y * self.width + x) as usize]
    }

    pub(crate) fn distinct_colours(&self) -> usize {
        self.rgb.iter().collect::<HashSet<_>>().len()
    }

    /// The share of pixels that have the most common colour.
    pub(crate) fn dominant_share(&self) -> f64 {
        let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
        for p in &self.rgb {
            *counts.entry(*p).or_default() += 1;
        }
        counts.values().max().copied().unwrap_or(0) as f64 / self.rgb.len().max(1) as f64
    }

    /// How many pixels of `region` differ between `self` and `other` (same size).
    pub(crate) fn changed(&self, other: &Image, region: Region) -> usize {
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
    pub(crate) fn diff_from_shrunk(&self, other: &Image, rows: u32, k: u32) -> f64 {
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

    pub(crate) fn save_png(&self, path: &str) -> Result<(), String> {
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
