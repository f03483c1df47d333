//! `chameleon-render`: the engine run offline over a WAV file.
//!
//! The command-line interface is kept stable because scripts and tests rely on it:
//!
//! ```text
//! chameleon-render INPUT.wav OUTPUT.wav [--style NAME] [--style-b NAME --morph 0..1]
//!                  [--corners BL,BR,TL,TR [--pad X,Y]] [--mix 0..1] [--level-match on|off]
//!                  [--output-gain DB] [--preset NAME|FILE.chpreset]
//!                  [--model FILE.onnx] [--device auto|cpu|gpu] [--block N]
//!                  [--latency-mode studio|live]
//!                  [--realtime] [--keep-latency] [--raw-model] [--json]
//! chameleon-render --list-styles [--model FILE.onnx] [--json]
//! chameleon-render --list-presets [--json]
//! ```
//!
//! `--preset` sets what the preset sets (styles, morph, XY pad, mix, output gain, level match);
//! options given after it change those values again.
//!
//! Without `--model` the bundled default model is used when it and ONNX Runtime are installed,
//! else the built-in styles (with a warning). The style `identity` is always available: with a
//! model that has no such style it renders through the built-in identity style.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use chameleon_dsp::model::fault::FAULTS_ENV;
use chameleon_dsp::model::{load_model, Device, FaultPlan, FaultyModel};
use chameleon_dsp::{
    Controls, Engine, FrameModel, LatencyMode, ModelDescription, SpectralShapeModel, MAX_CHANNELS,
};
use serde_json::json;

use crate::engine_builder::{engine_config, EngineSpec};
use crate::model_choice::{model_dirs, DEFAULT_MODEL_FILE};
use crate::presets::{self, Preset, StyleRef};

/// Host block size used when `--block` is not given, in samples.
pub const DEFAULT_BLOCK: usize = 512;
/// Style available with every model.
pub const IDENTITY_STYLE: &str = "identity";

/// Parsed command line.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Input WAV (absent with `--list-styles`).
    pub input: Option<PathBuf>,
    /// Output WAV (absent with `--list-styles`).
    pub output: Option<PathBuf>,
    /// Style A, by identifier or display name; `None` means the model's first style.
    pub style: Option<String>,
    /// Style B for a morph; `None` means style A.
    pub style_b: Option<String>,
    /// Morph from A (0) to B (1).
    pub morph: f32,
    /// The XY pad's corner styles `[bottom-left, bottom-right, top-left, top-right]`; when
    /// set they replace style A, style B and the morph.
    pub corners: Option<[String; 4]>,
    /// XY pad position `(x, y)`, each 0 to 1.
    pub pad: (f32, f32),
    /// Dry/wet mix, 0 (dry) to 1 (wet).
    pub mix: f32,
    /// Keep the wet level near the input's (on by default, as in the plugin).
    pub level_match: bool,
    /// Output gain after the dry/wet mix, in dB (−24 to +24), as the plugin's Output Gain.
    pub output_gain_db: f32,
    /// The preset whose values were applied (`--preset`), by name.
    pub preset: Option<String>,
    /// The model's raw output: no level match, guard or peak ceiling. Only for comparing a
    /// model with the training code's reference engine; the plugin has no such setting.
    pub raw_model: bool,
    /// Model file; `None` means the bundled default.
    pub model: Option<PathBuf>,
    /// Execution provider choice.
    pub device: Device,
    /// Host block size in samples, 1..=16384.
    pub block: usize,
    /// Studio or Live latency, as the plugin's `latency_mode`.
    pub latency_mode: LatencyMode,
    /// Pace blocks in real time and never wait for the worker (late frames pass dry).
    pub realtime: bool,
    /// Keep the latency at the start of the output instead of removing it.
    pub keep_latency: bool,
    /// Print one JSON object on stdout.
    pub json: bool,
    /// List the model's styles instead of rendering.
    pub list_styles: bool,
    /// List the presets instead of rendering.
    pub list_presets: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            input: None,
            output: None,
            style: None,
            style_b: None,
            morph: 0.0,
            corners: None,
            pad: (0.5, 0.5),
            mix: 1.0,
            level_match: true,
            output_gain_db: 0.0,
            preset: None,
            raw_model: false,
            model: None,
            device: Device::Auto,
            block: DEFAULT_BLOCK,
            latency_mode: LatencyMode::Studio,
            realtime: false,
            keep_latency: false,
            json: false,
            list_styles: false,
            list_presets: false,
        }
    }
}

/// A render that could not be done; `Display` is one line for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

fn fail<T>(message: impl Into<String>) -> Result<T, RenderError> {
    Err(RenderError(message.into()))
}

/// Usage text.
pub const USAGE: &str = "usage: chameleon-render INPUT.wav OUTPUT.wav [--style NAME] \
[--style-b NAME --morph 0..1] [--corners BL,BR,TL,TR [--pad X,Y]] [--mix 0..1] \
[--level-match on|off] [--output-gain DB] [--preset NAME|FILE.chpreset] [--model FILE.onnx] \
[--device auto|cpu|gpu] [--block N] [--latency-mode studio|live] [--realtime] [--keep-latency] \
[--raw-model] [--json]\n       \
chameleon-render --list-styles [--model FILE.onnx] [--json]\n       \
chameleon-render --list-presets [--json]";

/// Style names as `--style` takes them; a preset's slot number becomes `slot:N`.
fn style_text(style: &StyleRef) -> String {
    match style {
        StyleRef::Id(id) => id.clone(),
        StyleRef::Slot(slot) => format!("{SLOT_PREFIX}{slot}"),
    }
}

/// Prefix of a 0-based style slot given as a style name (from a preset).
const SLOT_PREFIX: &str = "slot:";

fn parse_gain(flag: &str, value: &str) -> Result<f32, RenderError> {
    match f32::from_str(value) {
        Ok(v) if (-24.0..=24.0).contains(&v) => Ok(v),
        _ => fail(format!(
            "{flag} takes a gain from -24 to 24 dB, not '{value}'"
        )),
    }
}

fn parse_unit(flag: &str, value: &str) -> Result<f32, RenderError> {
    match f32::from_str(value) {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => fail(format!("{flag} takes a number from 0 to 1, not '{value}'")),
    }
}

fn parse_switch(flag: &str, value: &str) -> Result<bool, RenderError> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => fail(format!("{flag} takes 'on' or 'off', not '{value}'")),
    }
}

fn parse_corners(value: &str) -> Result<[String; 4], RenderError> {
    let names: Vec<String> = value.split(',').map(|s| s.trim().to_owned()).collect();
    <[String; 4]>::try_from(names).map_err(|_| {
        RenderError(format!(
            "--corners takes four styles, bottom-left,bottom-right,top-left,top-right, not '{value}'"
        ))
    })
}

fn parse_pad(value: &str) -> Result<(f32, f32), RenderError> {
    let bad = || RenderError(format!("--pad takes X,Y, each from 0 to 1, not '{value}'"));
    let (x, y) = value.split_once(',').ok_or_else(bad)?;
    let x = parse_unit("--pad", x.trim()).map_err(|_| bad())?;
    let y = parse_unit("--pad", y.trim()).map_err(|_| bad())?;
    Ok((x, y))
}

impl RenderOptions {
    /// Parses the arguments after the program name.
    pub fn parse(args: &[String]) -> Result<Self, RenderError> {
        let mut options = Self::default();
        let mut positional = Vec::new();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = |flag: &str| {
                iter.next()
                    .cloned()
                    .ok_or_else(|| RenderError(format!("{flag} needs a value")))
            };
            match arg.as_str() {
                "--style" => options.style = Some(value(arg)?),
                "--style-b" => options.style_b = Some(value(arg)?),
                "--morph" => options.morph = parse_unit(arg, &value(arg)?)?,
                "--mix" => options.mix = parse_unit(arg, &value(arg)?)?,
                "--level-match" => options.level_match = parse_switch(arg, &value(arg)?)?,
                "--output-gain" => options.output_gain_db = parse_gain(arg, &value(arg)?)?,
                "--preset" => {
                    let entry = presets::find(&value(arg)?).map_err(|e| RenderError(e.0))?;
                    options.apply_preset(&entry.preset);
                }
                "--list-presets" => options.list_presets = true,
                "--raw-model" => options.raw_model = true,
                "--corners" => options.corners = Some(parse_corners(&value(arg)?)?),
                "--pad" => options.pad = parse_pad(&value(arg)?)?,
                "--model" => options.model = Some(PathBuf::from(value(arg)?)),
                "--device" => options.device = value(arg)?.parse().map_err(RenderError)?,
                "--block" => {
                    let v = value(arg)?;
                    options.block = match v.parse::<usize>() {
                        Ok(n) if (1..=16384).contains(&n) => n,
                        _ => return fail(format!("--block takes 1 to 16384 samples, not '{v}'")),
                    }
                }
                "--latency-mode" => {
                    let v = value(arg)?;
                    options.latency_mode = LatencyMode::parse(&v).ok_or_else(|| {
                        RenderError(format!("--latency-mode takes studio or live, not '{v}'"))
                    })?;
                }
                "--realtime" => options.realtime = true,
                "--keep-latency" => options.keep_latency = true,
                "--json" => options.json = true,
                "--list-styles" => options.list_styles = true,
                "-h" | "--help" => return fail(USAGE),
                flag if flag.starts_with("--") => return fail(format!("unknown option {flag}")),
                _ => positional.push(PathBuf::from(arg)),
            }
        }
        if options.list_styles || options.list_presets {
            if !positional.is_empty() {
                return fail("--list-styles and --list-presets take no input or output file");
            }
            return Ok(options);
        }
        if options.corners.is_some() && (options.style.is_some() || options.style_b.is_some()) {
            return fail("--corners replaces --style and --style-b; give one or the other");
        }
        let [input, output] = <[PathBuf; 2]>::try_from(positional)
            .map_err(|_| RenderError(format!("expected INPUT.wav and OUTPUT.wav\n{USAGE}")))?;
        options.input = Some(input);
        options.output = Some(output);
        Ok(options)
    }

    /// Takes the values `preset` sets: with the XY pad on, its corners and position (style A,
    /// style B and the morph cleared), else its styles and morph (corners cleared).
    pub fn apply_preset(&mut self, preset: &Preset) {
        let p = &preset.params;
        if p.xy_enabled {
            self.corners =
                Some([&p.corner_bl, &p.corner_br, &p.corner_tl, &p.corner_tr].map(style_text));
            self.pad = (p.pad_x, p.pad_y);
            self.style = None;
            self.style_b = None;
            self.morph = 0.0;
        } else {
            self.corners = None;
            self.style = Some(style_text(&p.style_a));
            self.style_b = Some(style_text(&p.style_b));
            self.morph = p.morph;
        }
        self.mix = p.mix;
        self.output_gain_db = p.output_gain;
        self.level_match = p.level_match;
        self.preset = Some(preset.name.clone());
    }
}

/// Folders searched for ONNX Runtime: next to the executable, then `target/onnxruntime/`
/// beside it (a repository build) and under the working folder.
pub fn runtime_search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.join("onnxruntime"));
        if let Some(target) = exe_dir.parent() {
            dirs.push(target.join("onnxruntime"));
        }
        dirs.push(exe_dir);
    }
    if let Ok(cwd) = std::env::current_dir() {
        dirs.push(cwd.join("target").join("onnxruntime"));
    }
    dirs
}

/// The bundled default model: the installed copy, else `assets/models/` of a repository
/// checkout (found from the executable or the working folder).
pub fn default_model_path() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = model_dirs()
        .into_iter()
        .map(|d| d.join(DEFAULT_MODEL_FILE))
        .collect();
    if let Ok(exe) = std::env::current_exe() {
        // target/<profile>/chameleon-render -> repository root.
        if let Some(root) = exe.ancestors().nth(3) {
            candidates.push(root.join("assets").join("models").join(DEFAULT_MODEL_FILE));
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        candidates.push(cwd.join("assets").join("models").join(DEFAULT_MODEL_FILE));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// The model a render uses, and why it is not the one asked for (if so).
pub struct ChosenModel {
    /// The model.
    pub model: Box<dyn FrameModel>,
    /// Its file, if any.
    pub path: Option<PathBuf>,
    /// A warning for people when the default model could not be used.
    pub warning: Option<String>,
}

/// Opens `--model` (an error if it fails) or the default model (falling back to the built-in
/// styles with a warning), wrapped in the fault plan of `CHAMELEON_FAULTS` when that is set.
pub fn choose_model(options: &RenderOptions) -> Result<ChosenModel, RenderError> {
    let mut chosen = open_model(options)?;
    if let Some(plan) = FaultPlan::from_env() {
        let plan = plan.map_err(|e| RenderError(format!("{FAULTS_ENV}: {e}")))?;
        chosen.model = Box::new(FaultyModel::new(chosen.model, plan));
    }
    Ok(chosen)
}

fn open_model(options: &RenderOptions) -> Result<ChosenModel, RenderError> {
    let search = runtime_search_dirs();
    if let Some(path) = &options.model {
        let model =
            load_model(path, options.device, &search).map_err(|e| RenderError(e.to_string()))?;
        return Ok(ChosenModel {
            model,
            path: Some(path.clone()),
            warning: None,
        });
    }
    let built_in = |warning: String| ChosenModel {
        model: Box::new(SpectralShapeModel::new()),
        path: None,
        warning: Some(warning),
    };
    let Some(path) = default_model_path() else {
        return Ok(built_in(format!(
            "the bundled model {DEFAULT_MODEL_FILE} was not found; using the built-in styles"
        )));
    };
    Ok(match load_model(&path, options.device, &search) {
        Ok(model) => ChosenModel {
            model,
            path: Some(path),
            warning: None,
        },
        Err(e) => built_in(format!("{e}; using the built-in styles")),
    })
}

/// What a render did, for `--json` and tests.
#[derive(Debug, Clone)]
pub struct RenderReport {
    /// Total engine latency, in samples.
    pub latency_samples: usize,
    /// The engine's FFT size, hop and synthesis window length, in samples.
    pub fft_size: usize,
    /// See `fft_size`.
    pub hop: usize,
    /// See `fft_size`.
    pub synthesis_len: usize,
    /// Sample rate of input and output, in Hz.
    pub sample_rate: u32,
    /// Channels of input and output.
    pub channels: usize,
    /// Sample frames in the input.
    pub frames: usize,
    /// Hops resynthesised dry because their frame was late.
    pub missed_frames: u64,
    /// Frames the model failed on.
    pub failed_frames: u64,
    /// Hops whose wet output the level guard or the peak limiter turned down.
    pub limited_frames: u64,
    /// Wall-clock time of the render, in seconds.
    pub seconds: f64,
    /// Audio duration divided by wall-clock time.
    pub realtime_factor: f64,
    /// Model name and version.
    pub model: String,
    /// Model file, if any.
    pub model_path: Option<PathBuf>,
    /// Execution provider.
    pub provider: String,
    /// The model's style identifiers.
    pub styles: Vec<String>,
    /// Style A and B identifiers used.
    pub style: (String, String),
    /// A warning when the default model could not be used.
    pub warning: Option<String>,
}

impl RenderReport {
    /// The report as the `--json` object.
    pub fn to_json(&self, options: &RenderOptions) -> serde_json::Value {
        json!({
            "latency_samples": self.latency_samples,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
            "frames": self.frames,
            "missed_frames": self.missed_frames,
            "failed_frames": self.failed_frames,
            "limited_frames": self.limited_frames,
            "seconds": self.seconds,
            "realtime_factor": self.realtime_factor,
            "model": self.model,
            "model_path": self.model_path.as_ref().map(|p| p.display().to_string()),
            "provider": self.provider,
            "device": options.device.as_str(),
            "styles": self.styles,
            "style": self.style.0,
            "style_b": self.style.1,
            "morph": options.morph,
            "mix": options.mix,
            "output_gain_db": options.output_gain_db,
            "preset": options.preset,
            "level_match": options.level_match && !options.raw_model,
            "raw_model": options.raw_model,
            "corners": options.corners,
            "pad": options.corners.as_ref().map(|_| [options.pad.0, options.pad.1]),
            "block": options.block,
            "latency_mode": options.latency_mode.as_str(),
            "fft_size": self.fft_size,
            "hop": self.hop,
            "synthesis_len": self.synthesis_len,
            "mode": if options.realtime { "realtime" } else { "offline" },
            "latency_removed": !options.keep_latency,
            "warning": self.warning,
        })
    }
}

/// Reads a WAV file as one `Vec<f32>` per channel, and its sample rate.
pub fn read_wav(path: &Path) -> Result<(Vec<Vec<f32>>, u32), RenderError> {
    let reader = hound::WavReader::open(path)
        .map_err(|e| RenderError(format!("cannot read {} as WAV: {e}", path.display())))?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    if channels == 0 || channels > MAX_CHANNELS {
        return fail(format!(
            "{} has {channels} channels; 1 to {MAX_CHANNELS} are supported",
            path.display()
        ));
    }
    let bad = |e: hound::Error| RenderError(format!("{} is damaged: {e}", path.display()));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(bad)?
        }
    };
    let frames = interleaved.len() / channels;
    let mut planar = vec![Vec::with_capacity(frames); channels];
    for frame in interleaved.chunks_exact(channels) {
        for (c, &s) in frame.iter().enumerate() {
            planar[c].push(s);
        }
    }
    Ok((planar, spec.sample_rate))
}

/// Writes planar channels as a 32-bit float WAV file.
pub fn write_wav(path: &Path, channels: &[Vec<f32>], sample_rate: u32) -> Result<(), RenderError> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let io = |e: hound::Error| RenderError(format!("cannot write {}: {e}", path.display()));
    let mut writer = hound::WavWriter::create(path, spec).map_err(io)?;
    let frames = channels.first().map_or(0, Vec::len);
    for i in 0..frames {
        for channel in channels {
            writer.write_sample(channel[i]).map_err(io)?;
        }
    }
    writer.finalize().map_err(io)
}

fn style_index(description: &ModelDescription, name: &str) -> Result<usize, RenderError> {
    if let Some(slot) = name.strip_prefix(SLOT_PREFIX) {
        return match slot.parse::<usize>() {
            Ok(i) if i < description.styles.len() => Ok(i),
            _ => fail(format!(
                "the preset names style slot {slot}; this model has {} styles",
                description.styles.len()
            )),
        };
    }
    description.style_index(name).ok_or_else(|| {
        let known: Vec<&str> = description.styles.iter().map(|s| s.id.as_str()).collect();
        RenderError(format!(
            "unknown style '{name}'; this model has: {}",
            known.join(", ")
        ))
    })
}

/// The styles `--list-styles` prints: `(identifier, display name)`, with `identity` always
/// present.
pub fn list_styles(model: &dyn FrameModel) -> Vec<(String, String)> {
    let mut styles: Vec<(String, String)> = model
        .description()
        .styles
        .iter()
        .map(|s| (s.id.clone(), s.display_name.clone()))
        .collect();
    if !styles.iter().any(|(id, _)| id == IDENTITY_STYLE) {
        styles.push((
            IDENTITY_STYLE.to_owned(),
            "Identity (unprocessed)".to_owned(),
        ));
    }
    styles
}

/// Renders `input` (planar) at `sample_rate` Hz with `chosen` as `options` say, calling
/// `progress` with the fraction done. Returns the output (planar) and the report.
pub fn render(
    input: &[Vec<f32>],
    sample_rate: u32,
    chosen: ChosenModel,
    options: &RenderOptions,
    mut progress: impl FnMut(f64),
) -> Result<(Vec<Vec<f32>>, RenderReport), RenderError> {
    let ChosenModel {
        mut model,
        path,
        warning,
    } = chosen;
    let wants = |name: &Option<String>| name.as_deref() == Some(IDENTITY_STYLE);
    let lacks_identity = model.description().style_index(IDENTITY_STYLE).is_none();
    if lacks_identity && (wants(&options.style) || wants(&options.style_b)) {
        if !(wants(&options.style) && (options.style_b.is_none() || wants(&options.style_b))) {
            return fail("'identity' cannot be morphed with a style of another model");
        }
        model = Box::new(SpectralShapeModel::new());
    }
    let description = model.description().clone();
    let first = description
        .styles
        .first()
        .map(|s| s.id.clone())
        .unwrap_or_default();
    let style_a = options.style.clone().unwrap_or(first);
    let style_b = options.style_b.clone().unwrap_or_else(|| style_a.clone());
    let a = style_index(&description, &style_a)?;
    let b = style_index(&description, &style_b)?;

    let channels = input.len();
    let frames = input.first().map_or(0, Vec::len);
    if sample_rate == 0 {
        return fail("the input's sample rate is 0 Hz");
    }
    let spec = EngineSpec {
        sample_rate: sample_rate as f32,
        channels,
        max_block: options.block,
        offline: !options.realtime,
    };
    let mut config =
        engine_config(&description, &spec, options.latency_mode).map_err(RenderError)?;
    config.level_safety = !options.raw_model;
    let mut engine = Engine::new(config, model).map_err(|e| RenderError(e.to_string()))?;
    let style_count = description.styles.len();
    let controls = match &options.corners {
        Some(names) => {
            let mut slots = [0; 4];
            for (slot, name) in slots.iter_mut().zip(names) {
                *slot = style_index(&description, name)?;
            }
            Controls::corners(slots, options.pad.0, options.pad.1, style_count)
        }
        None => Controls::morph(a, b, options.morph, style_count),
    };
    let controls = controls
        .with_mix(options.mix)
        .with_level_match(options.level_match);
    engine.set_controls(&controls);
    engine.snap_controls();
    let latency = engine.latency_samples();

    let total = frames + latency;
    let mut output: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            let mut v = Vec::with_capacity(total);
            v.extend_from_slice(c);
            v.resize(total, 0.0);
            v
        })
        .collect();
    let began = Instant::now();
    let block_time = Duration::from_secs_f64(options.block as f64 / sample_rate as f64);
    let mut position = 0;
    let mut blocks = 0u32;
    while position < total {
        let n = options.block.min(total - position);
        let mut slices: Vec<&mut [f32]> = output
            .iter_mut()
            .map(|c| &mut c[position..position + n])
            .collect();
        engine.process(&mut slices);
        position += n;
        blocks += 1;
        if options.realtime {
            if let Some(wait) = (began + block_time * blocks).checked_duration_since(Instant::now())
            {
                std::thread::sleep(wait);
            }
        }
        progress(position as f64 / total as f64);
    }
    let seconds = began.elapsed().as_secs_f64();
    if options.output_gain_db != 0.0 {
        let gain = 10f32.powf(options.output_gain_db / 20.0);
        for sample in output.iter_mut().flatten() {
            *sample *= gain;
        }
    }
    if !options.keep_latency {
        for channel in &mut output {
            channel.drain(..latency);
        }
    } else {
        for channel in &mut output {
            channel.truncate(total);
        }
    }
    let stats = engine.stats().snapshot();
    let audio_seconds = frames as f64 / sample_rate as f64;
    let geometry = engine.config().geometry;
    let report = RenderReport {
        latency_samples: latency,
        fft_size: geometry.fft_size,
        hop: geometry.hop,
        synthesis_len: geometry.synthesis_len,
        sample_rate,
        channels,
        frames,
        missed_frames: stats.missed_frames,
        failed_frames: stats.failed_frames,
        limited_frames: stats.limited_frames,
        seconds,
        realtime_factor: if seconds > 0.0 {
            audio_seconds / seconds
        } else {
            f64::INFINITY
        },
        model: format!("{} {}", description.name, description.version),
        model_path: path,
        provider: description.provider.clone(),
        styles: description.styles.iter().map(|s| s.id.clone()).collect(),
        style: (style_a, style_b),
        warning,
    };
    Ok((output, report))
}
