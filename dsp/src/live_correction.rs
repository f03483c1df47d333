//! Live correction: a per-style equaliser that the model file carries for the Live mode.
//!
//! Live resynthesises only the last quarter of each frame ([`crate::latency_mode`]), and that
//! short span plays the model's per-bin gains with a different balance than the long span the
//! model was trained through: measured on training pieces against the true target renders,
//! Live's output of the bundled model lacks 1 to 8 dB in the bands between 9 and 15 kHz for
//! eight of its nine styles, and strays by up to 4 dB elsewhere, differently for each style.
//! A model file of format version 3 may carry that measured difference (`chameleon.live_correction_hz` and `chameleon.live_correction_db`,
//! see `docs/model-format.md`; `training/eval/fit_live_correction.py` measures it through
//! this engine). Where [`applies_at`] says so, each output spectrum is then multiplied by the
//! style mix's correction: per style, decibels at band centres, interpolated linearly over
//! log frequency to every bin (held flat outside the outermost centres), blended in decibels
//! by the same normalised style weights the model sees, and converted to an amplitude gain.
//!
//! Studio plays the model as it was trained and never applies it. The Python reference engine
//! (`training/chameleon_training/live_correction.py`) computes the same.

use crate::geometry::StftGeometry;
use crate::Complex32;

/// Most band centres a correction may have.
pub const MAX_BANDS: usize = 64;
/// Largest correction a band may ask for, in dB either way.
pub const MAX_GAIN_DB: f32 = 24.0;

/// Whether the Live correction applies at an engine geometry: when the synthesis span is at
/// most half the frame (Live), where [`crate::generated_phase`] does not run either.
pub fn applies_at(geometry: StftGeometry) -> bool {
    !crate::generated_phase::runs_at(geometry)
}

/// A model file's Live correction: per style, a gain in dB at each band centre.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveCorrection {
    /// Band centres in Hz, ascending, each above 0.
    pub centres_hz: Vec<f32>,
    /// One row per style (in the model's style order), one dB value per centre.
    pub gains_db: Vec<Vec<f32>>,
}

impl LiveCorrection {
    /// Parses the two metadata values: `centres` as comma-separated Hz, `gains` as one
    /// `;`-separated row per style of comma-separated dB. `styles` is the model's style count
    /// and `nyquist_hz` half its sample rate.
    pub fn parse(
        centres: &str,
        gains: &str,
        styles: usize,
        nyquist_hz: f32,
    ) -> Result<Self, String> {
        let numbers = |s: &str| -> Result<Vec<f32>, String> {
            s.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<f32>()
                        .map_err(|_| format!("`{}` is not a number", v.trim()))
                })
                .collect()
        };
        let centres_hz = numbers(centres)?;
        if centres_hz.is_empty() || centres_hz.len() > MAX_BANDS {
            return Err(format!(
                "{} band centres (1 to {MAX_BANDS} expected)",
                centres_hz.len()
            ));
        }
        let ascending = centres_hz.windows(2).all(|w| w[0] < w[1]);
        let in_range = centres_hz
            .iter()
            .all(|&f| f.is_finite() && f > 0.0 && f <= nyquist_hz);
        if !ascending || !in_range {
            return Err(format!(
                "band centres must rise strictly and lie in (0, {nyquist_hz}] Hz"
            ));
        }
        let gains_db: Vec<Vec<f32>> = gains.split(';').map(numbers).collect::<Result<_, _>>()?;
        if gains_db.len() != styles {
            return Err(format!(
                "{} rows of gains for {styles} styles (one `;`-separated row per style)",
                gains_db.len()
            ));
        }
        for (i, row) in gains_db.iter().enumerate() {
            if row.len() != centres_hz.len() {
                return Err(format!(
                    "style {i} has {} gains for {} band centres",
                    row.len(),
                    centres_hz.len()
                ));
            }
            if row.iter().any(|g| !g.is_finite() || g.abs() > MAX_GAIN_DB) {
                return Err(format!("style {i} has a gain outside ±{MAX_GAIN_DB} dB"));
            }
        }
        Ok(Self {
            centres_hz,
            gains_db,
        })
    }

    /// The two metadata values [`LiveCorrection::parse`] reads.
    pub fn to_values(&self) -> (String, String) {
        let join = |v: &[f32]| {
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let rows: Vec<String> = self.gains_db.iter().map(|r| join(r)).collect();
        (join(&self.centres_hz), rows.join(";"))
    }

    /// Style `style`'s correction in dB at `freq_hz`: linear over log frequency between the
    /// centres, flat outside them.
    pub fn gain_db_at(&self, style: usize, freq_hz: f32) -> f32 {
        let row = &self.gains_db[style];
        let c = &self.centres_hz;
        let last = c.len() - 1;
        if freq_hz <= c[0] {
            return row[0];
        }
        if freq_hz >= c[last] {
            return row[last];
        }
        let upper = c.partition_point(|&f| f <= freq_hz).min(last);
        let lower = upper - 1;
        let t = (freq_hz.ln() - c[lower].ln()) / (c[upper].ln() - c[lower].ln());
        row[lower] + t * (row[upper] - row[lower])
    }

    /// The per-bin tables for an engine frame of `fft_size` samples at `sample_rate` Hz.
    pub fn for_bins(&self, fft_size: usize, sample_rate: f32) -> BinCorrection {
        let bins = fft_size / 2 + 1;
        let styles = self.gains_db.len();
        let mut gains_db = Vec::with_capacity(styles * bins);
        for s in 0..styles {
            for k in 0..bins {
                let freq = k as f32 * sample_rate / fft_size as f32;
                gains_db.push(self.gain_db_at(s, freq));
            }
        }
        BinCorrection {
            bins,
            gains_db,
            gain: vec![1.0; bins],
        }
    }
}

/// A [`LiveCorrection`] on one engine's bins, ready for the worker thread.
#[derive(Debug, Clone)]
pub struct BinCorrection {
    bins: usize,
    /// `[styles × bins]` dB.
    gains_db: Vec<f32>,
    /// The current style mix's amplitude gain per bin.
    gain: Vec<f32>,
}

impl BinCorrection {
    /// Sets the gain per bin for normalised style `weights` (one per style; missing ones
    /// count as 0). Allocation-free.
    pub fn set_weights(&mut self, weights: &[f32]) {
        // NOTE: `gain` first holds the blended dB, then the amplitude gain.
        self.gain.fill(0.0);
        for (row, &w) in self.gains_db.chunks(self.bins).zip(weights) {
            for (g, &db) in self.gain.iter_mut().zip(row) {
                *g += w * db;
            }
        }
        for g in &mut self.gain {
            *g = (*g * (std::f32::consts::LN_10 / 20.0)).exp();
        }
    }

    /// Multiplies one channel's spectrum by the gain of the last [`BinCorrection::set_weights`].
    pub fn apply(&self, spectrum: &mut [Complex32]) {
        for (x, &g) in spectrum.iter_mut().zip(&self.gain) {
            *x *= g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> LiveCorrection {
        LiveCorrection::parse("100, 1000, 10000", "0,6,-6; 3,3,3", 2, 24_000.0).unwrap()
    }

    #[test]
    fn parses_and_writes_back_the_same_values() {
        let c = example();
        assert_eq!(c.centres_hz, vec![100.0, 1000.0, 10_000.0]);
        assert_eq!(c.gains_db[1], vec![3.0, 3.0, 3.0]);
        let (hz, db) = c.to_values();
        assert_eq!(LiveCorrection::parse(&hz, &db, 2, 24_000.0).unwrap(), c);
    }

    #[test]
    fn rejects_what_it_cannot_play() {
        for (hz, db, why) in [
            ("100,50", "0,0", "falling centres"),
            ("100,30000", "0,0", "a centre above Nyquist"),
            ("100,1000", "0,0", "one row for two styles"),
            ("100,1000", "0,0;0", "a short row"),
            ("100,1000", "0,30;0,0", "a gain past the limit"),
            ("100,1000", "0,NaN;0,0", "a NaN gain"),
            ("100,x", "0,0;0,0", "a word"),
        ] {
            let styles = 2;
            assert!(
                LiveCorrection::parse(hz, db, styles, 24_000.0).is_err(),
                "{why} was accepted"
            );
        }
    }

    #[test]
    fn interpolates_over_log_frequency_and_holds_the_ends() {
        let c = example();
        assert_eq!(c.gain_db_at(0, 20.0), 0.0);
        assert_eq!(c.gain_db_at(0, 20_000.0), -6.0);
        assert!((c.gain_db_at(0, 1000.0) - 6.0).abs() < 1e-5);
        // 316 Hz is halfway between 100 and 1000 Hz on a log axis.
        assert!((c.gain_db_at(0, 316.227_77) - 3.0).abs() < 1e-3);
    }

    #[test]
    fn blends_styles_in_decibels() {
        let c = example();
        let mut bins = c.for_bins(1024, 48_000.0);
        bins.set_weights(&[0.5, 0.5]);
        // Bin 213 is 9984 Hz: style 0 about -6 dB, style 1 +3 dB, so about -1.5 dB.
        let mut x = vec![Complex32::new(1.0, -1.0); 513];
        bins.apply(&mut x);
        let want = 10f32.powf((0.5 * c.gain_db_at(0, 9984.375) + 1.5) / 20.0);
        assert!((x[213].re - want).abs() < 1e-5 && (x[213].im + want).abs() < 1e-5);
        bins.set_weights(&[0.0, 1.0]);
        let mut y = vec![Complex32::new(1.0, 0.0); 513];
        bins.apply(&mut y);
        let three_db = 10f32.powf(3.0 / 20.0);
        assert!(y.iter().all(|v| (v.re - three_db).abs() < 1e-5));
    }

    #[test]
    fn applies_only_where_the_synthesis_span_is_short() {
        let live = StftGeometry::new(1024, 128)
            .unwrap()
            .with_synthesis_len(256)
            .unwrap();
        let studio = StftGeometry::new(1024, 256)
            .unwrap()
            .with_synthesis_len(768)
            .unwrap();
        assert!(applies_at(live));
        assert!(!applies_at(studio));
    }
}
