//! What a model says about itself.

/// One style a model can produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleInfo {
    /// Stable identifier, used in presets and on the command line (`strings`).
    pub id: String,
    /// Name shown to people (`String Ensemble`).
    pub display_name: String,
}

impl StyleInfo {
    /// A style with an identifier and a display name.
    pub fn new(id: &str, display_name: &str) -> Self {
        Self {
            id: id.to_owned(),
            display_name: display_name.to_owned(),
        }
    }
}

/// Everything the engine, plugin and editor need to know about a loaded model.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDescription {
    /// Model name.
    pub name: String,
    /// Model version string.
    pub version: String,
    /// The styles, in the order of the style-weight vector.
    pub styles: Vec<StyleInfo>,
    /// Sample rate the model was made for, in Hz; `None` if it works at any rate.
    pub sample_rate: Option<f32>,
    /// FFT size and hop the model was made for, at `sample_rate`; `None` if any geometry works.
    pub fft_size: Option<usize>,
    /// Hop in samples at the model's own sample rate; `None` if any hop works.
    pub hop: Option<usize>,
    /// Latency the model adds on top of the STFT and the worker budget, in samples.
    pub extra_latency_samples: usize,
    /// Execution provider in use ("built-in", "CPU", "CUDA", "DirectML").
    pub provider: String,
}

impl ModelDescription {
    /// Index of the style with identifier or display name `name` (case-insensitive).
    pub fn style_index(&self, name: &str) -> Option<usize> {
        self.styles.iter().position(|s| {
            s.id.eq_ignore_ascii_case(name) || s.display_name.eq_ignore_ascii_case(name)
        })
    }
}
