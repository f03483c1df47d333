//! The host parameters and the persisted non-parameter state.
//!
//! # Parameter IDs (stable; never change once shipped)
//!
//! | ID            | Kind  | Range / values           | Meaning                                          |
//! |---------------|-------|--------------------------|--------------------------------------------------|
//! | `style_a`     | int   | 0..=31, style names      | style at `morph = 0`                             |
//! | `style_b`     | int   | 0..=31, style names      | style at `morph = 1`                             |
//! | `morph`       | float | 0..=1 (%)                | A → B blend, read once per hop, smoothed per hop |
//! | `mix`         | float | 0..=1 (%)                | dry/wet, latency-aligned, glides per sample      |
//! | `output_gain` | float | −24..=+24 dB             | output level, smoothed per sample (20 ms)        |
//! | `bypass`      | bool  | host bypass              | glides mix to dry and gain to 0 dB (20 ms); the latency is kept |
//! | `level_match` | bool  | on (default) / off       | keeps the wet level near the input's (see `chameleon_dsp::level_match`); the output guard holds either way |
//! | `device`      | enum  | Auto / CPU / GPU         | compute device used when an ONNX model is loaded |
//! | `latency_mode`| enum  | Studio (default) / Live  | not automatable; Studio 26.7 ms at 48 kHz and blocks up to 512, Live 8 ms at blocks up to 128 (see `chameleon_dsp::latency_mode`); a change rebuilds the engine, re-reports the latency and crossfades |
//! | `xy_enabled`  | bool  |                          | the XY pad drives the style blend instead of A/B/morph |
//! | `pad_x`       | float | 0..=1                    | XY pad position, left → right                    |
//! | `pad_y`       | float | 0..=1                    | XY pad position, bottom → top                    |
//! | `corner_bl`   | int   | 0..=31, style names      | style at the pad's bottom-left corner            |
//! | `corner_br`   | int   | 0..=31, style names      | style at the bottom-right corner                 |
//! | `corner_tl`   | int   | 0..=31, style names      | style at the top-left corner                     |
//! | `corner_tr`   | int   | 0..=31, style names      | style at the top-right corner                    |
//!
//! # XY pad mapping
//!
//! With `xy_enabled` on, the style weights are the bilinear blend of the four corner styles at
//! (`pad_x`, `pad_y`): bottom-left `(1−x)(1−y)`, bottom-right `x(1−y)`, top-left `(1−x)y`,
//! top-right `xy` ([`chameleon_dsp::Controls::corners`]). `pad_x` and `pad_y` are ordinary
//! automatable parameters, so a host records a pad gesture as two automation lanes. With
//! `xy_enabled` off, `style_a`, `style_b` and `morph` decide the blend.
//!
//! # Style slots
//!
//! Style parameters are slots `0..MAX_STYLES`; their text is the loaded model's display name
//! ([`StyleNames`]). A slot beyond the model's style count plays the model's last style and says
//! so in its text.
//!
//! # Persisted state
//!
//! Besides the parameters, a project stores the chosen model file with its size and
//! modification time ([`ModelChoice`]) and the editor size in logical pixels ([`EditorSize`]).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chameleon_dsp::{LatencyMode, MAX_STYLES};
use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model_choice::ModelChoice;
use crate::state_change::StateChangeNotice;
use crate::style_names::StyleNames;

/// Smoothing time of the output gain and the bypass glide, in milliseconds.
pub const GAIN_SMOOTHING_MS: f32 = 20.0;

/// Where the model runs when it is an ONNX model.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// GPU when one is available, else CPU.
    #[id = "auto"]
    #[name = "Auto"]
    Auto,
    /// CPU only.
    #[id = "cpu"]
    #[name = "CPU"]
    Cpu,
    /// GPU (CUDA or DirectML); falls back to CPU with a reason when none is usable.
    #[id = "gpu"]
    #[name = "GPU"]
    Gpu,
}

impl Device {
    /// The name used on the command line and in model options (`auto`, `cpu`, `gpu`).
    pub fn id(self) -> &'static str {
        match self {
            Device::Auto => "auto",
            Device::Cpu => "cpu",
            Device::Gpu => "gpu",
        }
    }
}

/// The latency mode as a host parameter (see [`chameleon_dsp::LatencyMode`]).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyModeParam {
    /// The model's own hop, three quarters of its window resynthesised, two hops of worker
    /// budget at least; 26.7 ms at 48 kHz.
    #[id = "studio"]
    #[name = "Studio"]
    Studio,
    /// The low-delay window pair; 8 ms at 48 kHz and small blocks.
    #[id = "live"]
    #[name = "Live"]
    Live,
}

impl From<LatencyModeParam> for LatencyMode {
    fn from(mode: LatencyModeParam) -> Self {
        match mode {
            LatencyModeParam::Studio => LatencyMode::Studio,
            LatencyModeParam::Live => LatencyMode::Live,
        }
    }
}

impl From<LatencyMode> for LatencyModeParam {
    fn from(mode: LatencyMode) -> Self {
        match mode {
            LatencyMode::Studio => LatencyModeParam::Studio,
            LatencyMode::Live => LatencyModeParam::Live,
        }
    }
}

/// The persisted model choice. Setting it (a state load, or the editor choosing a file) bumps a
/// generation counter that the model loader watches.
#[derive(Default)]
pub struct ModelSlot {
    choice: Mutex<ModelChoice>,
    generation: AtomicU64,
}

impl ModelSlot {
    /// The current choice (never call on the audio thread).
    pub fn get(&self) -> ModelChoice {
        self.choice.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Incremented on every change.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Chooses another model (never call on the audio thread).
    pub fn choose(&self, choice: ModelChoice) {
        if let Ok(mut slot) = self.choice.lock() {
            *slot = choice;
        }
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl PersistentField<'_, ModelChoice> for Arc<ModelSlot> {
    fn set(&self, new_value: ModelChoice) {
        self.choose(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&ModelChoice) -> R,
    {
        match self.choice.lock() {
            Ok(choice) => f(&choice),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }
}

/// Editor size in logical pixels, persisted with the project.
pub struct EditorSize {
    width: AtomicU32,
    height: AtomicU32,
}

impl EditorSize {
    /// Default editor width, in logical pixels.
    pub const DEFAULT_WIDTH: u32 = 980;
    /// Default editor height, in logical pixels.
    pub const DEFAULT_HEIGHT: u32 = 720;

    /// The size `(width, height)` in logical pixels.
    pub fn get(&self) -> (u32, u32) {
        (
            self.width.load(Ordering::Relaxed),
            self.height.load(Ordering::Relaxed),
        )
    }

    /// Records a new size in logical pixels (clamped to 200..=8192).
    pub fn store(&self, width: u32, height: u32) {
        self.width.store(width.clamp(200, 8192), Ordering::Relaxed);
        self.height
            .store(height.clamp(200, 8192), Ordering::Relaxed);
    }
}

impl Default for EditorSize {
    fn default() -> Self {
        Self {
            width: AtomicU32::new(Self::DEFAULT_WIDTH),
            height: AtomicU32::new(Self::DEFAULT_HEIGHT),
        }
    }
}

/// The persisted form of [`EditorSize`], in logical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersistedSize {
    /// Width in logical pixels.
    pub width: u32,
    /// Height in logical pixels.
    pub height: u32,
}

impl PersistentField<'_, PersistedSize> for Arc<EditorSize> {
    fn set(&self, size: PersistedSize) {
        self.store(size.width, size.height);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&PersistedSize) -> R,
    {
        let (width, height) = self.get();
        f(&PersistedSize { width, height })
    }
}

/// All of Chameleon's parameters and persisted fields.
#[derive(Params)]
pub struct ChameleonParams {
    /// The model file in use (`None` path: the bundled default).
    #[persist = "model"]
    pub model: Arc<ModelSlot>,
    /// Editor size in logical pixels.
    #[persist = "editor-size"]
    pub editor_size: Arc<EditorSize>,
    /// Tells the host when the state changed outside the parameters (not a parameter).
    pub state_change: Arc<StateChangeNotice>,

    /// Style at `morph = 0`.
    #[id = "style_a"]
    pub style_a: IntParam,
    /// Style at `morph = 1`.
    #[id = "style_b"]
    pub style_b: IntParam,
    /// Blend from style A (0) to style B (1).
    #[id = "morph"]
    pub morph: FloatParam,
    /// Dry/wet mix, 0 (dry) to 1 (wet).
    #[id = "mix"]
    pub mix: FloatParam,
    /// Output gain in dB, smoothed per sample.
    #[id = "output_gain"]
    pub output_gain: FloatParam,
    /// Host bypass: glides to the latency-aligned dry signal.
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// Keep the wet level near the input's ([`chameleon_dsp::level_guard`]).
    #[id = "level_match"]
    pub level_match: BoolParam,
    /// Compute device for ONNX models.
    #[id = "device"]
    pub device: EnumParam<Device>,
    /// Studio or Live latency; not automatable, saved with the project.
    #[id = "latency_mode"]
    pub latency_mode: EnumParam<LatencyModeParam>,

    /// Whether the XY pad drives the style blend.
    #[id = "xy_enabled"]
    pub xy_enabled: BoolParam,
    /// XY pad position, 0 (left) to 1 (right).
    #[id = "pad_x"]
    pub pad_x: FloatParam,
    /// XY pad position, 0 (bottom) to 1 (top).
    #[id = "pad_y"]
    pub pad_y: FloatParam,
    /// Style at the pad's bottom-left corner.
    #[id = "corner_bl"]
    pub corner_bl: IntParam,
    /// Style at the pad's bottom-right corner.
    #[id = "corner_br"]
    pub corner_br: IntParam,
    /// Style at the pad's top-left corner.
    #[id = "corner_tl"]
    pub corner_tl: IntParam,
    /// Style at the pad's top-right corner.
    #[id = "corner_tr"]
    pub corner_tr: IntParam,
}

/// A style-slot parameter whose text is the loaded model's style name.
fn style_param(name: &str, default: i32, names: &Arc<StyleNames>) -> IntParam {
    let to_text = Arc::clone(names);
    let from_text = Arc::clone(names);
    IntParam::new(
        name,
        default,
        IntRange::Linear {
            min: 0,
            max: MAX_STYLES as i32 - 1,
        },
    )
    .with_value_to_string(Arc::new(move |v| to_text.display(v)))
    .with_string_to_value(Arc::new(move |s| {
        from_text
            .parse(s)
            .map(|v| v.clamp(0, MAX_STYLES as i32 - 1))
    }))
}

/// A 0..=1 parameter shown as a percentage.
fn unit_param(name: &str, default: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max: 1.0 })
        .with_unit(" %")
        .with_value_to_string(formatters::v2s_f32_percentage(1))
        .with_string_to_value(formatters::s2v_f32_percentage())
}

impl ChameleonParams {
    /// Parameters at their defaults, with style texts read from `names`.
    pub fn new(names: &Arc<StyleNames>) -> Self {
        Self {
            model: Arc::new(ModelSlot::default()),
            editor_size: Arc::new(EditorSize::default()),
            state_change: Arc::new(StateChangeNotice::default()),
            style_a: style_param("Style A", 0, names),
            style_b: style_param("Style B", 1, names),
            morph: unit_param("Morph", 0.0),
            mix: unit_param("Mix", 1.0),
            output_gain: FloatParam::new(
                "Output Gain",
                0.0,
                FloatRange::Linear {
                    min: -24.0,
                    max: 24.0,
                },
            )
            .with_unit(" dB")
            .with_step_size(0.1)
            .with_smoother(SmoothingStyle::Linear(GAIN_SMOOTHING_MS))
            .with_value_to_string(formatters::v2s_f32_rounded(1)),
            bypass: BoolParam::new("Bypass", false)
                .make_bypass()
                .with_value_to_string(formatters::v2s_bool_bypass())
                .with_string_to_value(formatters::s2v_bool_bypass()),
            level_match: BoolParam::new("Level Match", true),
            device: EnumParam::new("Device", Device::Auto).non_automatable(),
            latency_mode: EnumParam::new("Latency Mode", LatencyModeParam::Studio)
                .non_automatable(),
            xy_enabled: BoolParam::new("XY Pad", false),
            pad_x: FloatParam::new("Pad X", 0.5, FloatRange::Linear { min: 0.0, max: 1.0 })
                .with_value_to_string(formatters::v2s_f32_rounded(3)),
            pad_y: FloatParam::new("Pad Y", 0.5, FloatRange::Linear { min: 0.0, max: 1.0 })
                .with_value_to_string(formatters::v2s_f32_rounded(3)),
            corner_bl: style_param("Corner Bottom-Left", 0, names),
            corner_br: style_param("Corner Bottom-Right", 1, names),
            corner_tl: style_param("Corner Top-Left", 2, names),
            corner_tr: style_param("Corner Top-Right", 3, names),
        }
    }

    /// The four pad corners, `[bottom-left, bottom-right, top-left, top-right]`, as style slots.
    pub fn corners(&self) -> [usize; 4] {
        [
            &self.corner_bl,
            &self.corner_br,
            &self.corner_tl,
            &self.corner_tr,
        ]
        .map(|p| p.value().max(0) as usize)
    }
}
