//! The output level of a run against its input: everything finite, and no louder than the
//! engine's level guard lets any model make it.
//!
//! Runs here move parameters at random (level match among them, through the mix and styles),
//! so the bound is the one that holds with level match off: clip RMS at most +6 dB
//! ([`chameleon_level_check::bounds::LEVEL_MATCH_OFF`]).

/// Output over input RMS a run may reach, dB.
pub const MAX_GAIN_DB: f64 = chameleon_level_check::bounds::LEVEL_MATCH_OFF.clip_max_db;

/// Accumulates the energy of a run's input and output blocks.
#[derive(Debug, Clone)]
pub struct LevelCheck {
    input_energy: f64,
    output_energy: f64,
    all_finite: bool,
}

impl Default for LevelCheck {
    fn default() -> Self {
        Self {
            input_energy: 0.0,
            output_energy: 0.0,
            all_finite: true,
        }
    }
}

impl LevelCheck {
    /// Adds one processed block: its input channels and the plugin's output channels.
    pub fn add(&mut self, input: &[&[f32]], output: &[Vec<f32>]) {
        for channel in input {
            self.input_energy += channel.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        }
        for channel in output {
            self.all_finite &= channel.iter().all(|x| x.is_finite());
            self.output_energy += channel.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        }
    }

    /// Output over input RMS over the whole run, dB (−inf for a silent output).
    pub fn gain_db(&self) -> f64 {
        10.0 * (self.output_energy / self.input_energy.max(1e-30)).log10()
    }

    /// Every output sample finite, and the run's gain within [`MAX_GAIN_DB`].
    pub fn ok(&self) -> bool {
        self.all_finite && self.gain_db() <= MAX_GAIN_DB
    }
}
