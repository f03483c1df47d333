//! Model format metadata (versions 1 to 5): the `chameleon.*` keys of an ONNX model's
//! `metadata_props` (specified in `docs/model-format.md`), parsed and validated in one pass that
//! reports every problem at once. Version 2 adds one key, `chameleon.phase`; version 3 adds the
//! Live correction (`chameleon.live_correction_hz` and `chameleon.live_correction_db`, see
//! [`crate::live_correction`]); version 4 adds the styles' attack times (`chameleon.attack_ms`,
//! see [`crate::attack_softener`]); version 5 adds the styles' ensemble depths
//! (`chameleon.ensemble`, see [`crate::ensemble`]). A file of an earlier version reads exactly
//! as before.

use std::fmt;

use crate::attack_softener::MAX_ATTACK_MS;
use crate::controls::MAX_STYLES;
use crate::geometry::StftGeometry;
use crate::live_correction::LiveCorrection;
use crate::model::{ModelDescription, StyleInfo};
use crate::window::WindowKind;

/// The newest format version this engine reads.
pub const FORMAT_VERSION: u32 = 5;
/// The oldest format version this engine reads.
pub const MIN_FORMAT_VERSION: u32 = 1;
/// Prefix of every key this format defines.
pub const KEY_PREFIX: &str = "chameleon.";
/// Lowest model sample rate accepted, in Hz.
pub const MIN_SAMPLE_RATE: f32 = 8_000.0;
/// Highest model sample rate accepted, in Hz.
pub const MAX_SAMPLE_RATE: f32 = 384_000.0;
/// Most context frames a model may ask for.
pub const MAX_CONTEXT_FRAMES: usize = 256;
/// Widest recurrent state a model may carry, in values per channel.
pub const MAX_STATE_SIZE: usize = 1 << 16;
/// Longest extra latency a model may declare, in seconds of its own sample rate.
pub const MAX_EXTRA_LATENCY_SECONDS: f32 = 1.0;

/// Every key of the format, required ones first (`chameleon.phase` only from version 2 on, the
/// Live correction only from version 3 on, the attack times only from version 4 on, the
/// ensemble depths only from version 5 on).
pub const KNOWN_KEYS: &[&str] = &[
    "chameleon.format_version",
    "chameleon.sample_rate",
    "chameleon.fft_size",
    "chameleon.hop",
    "chameleon.window",
    "chameleon.context_frames",
    "chameleon.feature",
    "chameleon.magnitude_scale",
    "chameleon.feature_floor",
    "chameleon.output",
    "chameleon.styles",
    "chameleon.style_names",
    "chameleon.model_name",
    "chameleon.model_version",
    "chameleon.author",
    "chameleon.license",
    "chameleon.extra_latency_samples",
    "chameleon.state_size",
    "chameleon.phase",
    "chameleon.live_correction_hz",
    "chameleon.live_correction_db",
    "chameleon.attack_ms",
    "chameleon.ensemble",
];

/// Number of required keys at the start of [`KNOWN_KEYS`].
const REQUIRED_KEYS: usize = 14;

/// What the model's output tensor(s) mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `mask`: a real gain per bin, `Y = mask · X`.
    Mask,
    /// `magnitude`: a target magnitude per bin, keeping the input phase.
    Magnitude,
    /// `mask` and `noise`: a gain per bin plus a random-phase component of magnitude `noise`.
    MaskNoise,
}

impl OutputKind {
    /// The identifier used in metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Mask => "mask",
            OutputKind::Magnitude => "magnitude",
            OutputKind::MaskNoise => "mask_noise",
        }
    }

    /// Parses a metadata identifier.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "mask" => Some(OutputKind::Mask),
            "magnitude" => Some(OutputKind::Magnitude),
            "mask_noise" => Some(OutputKind::MaskNoise),
            _ => None,
        }
    }

    /// The output tensor names this kind requires, in order.
    pub fn tensor_names(self) -> &'static [&'static str] {
        match self {
            OutputKind::Mask => &["mask"],
            OutputKind::Magnitude => &["magnitude"],
            OutputKind::MaskNoise => &["mask", "noise"],
        }
    }
}

/// Where the phase of the output comes from (`chameleon.phase`, format version 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhaseKind {
    /// `input`: every bin keeps the input's phase (version 1 behaviour).
    #[default]
    Input,
    /// `generated`: where the output is much louder than the input in a bin (energy the input
    /// does not have), the phase is propagated from the output's own previous frames
    /// ([`crate::generated_phase`]).
    Generated,
}

impl PhaseKind {
    /// The identifier used in metadata.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseKind::Input => "input",
            PhaseKind::Generated => "generated",
        }
    }

    /// Parses a metadata identifier.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "input" => Some(PhaseKind::Input),
            "generated" => Some(PhaseKind::Generated),
            _ => None,
        }
    }
}

/// The feature the model is fed (`chameleon.feature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// `ln(magnitude_scale · |X| + feature_floor)`.
    LogMagnitude,
}

/// Validated model-format metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMetadata {
    /// The file's format version ([`MIN_FORMAT_VERSION`]..=[`FORMAT_VERSION`]).
    pub format_version: u32,
    /// Where the output's phase comes from (always [`PhaseKind::Input`] in version 1).
    pub phase: PhaseKind,
    /// Sample rate the model was made for, in Hz.
    pub sample_rate: f32,
    /// FFT size and hop at `sample_rate`, in samples.
    pub geometry: StftGeometry,
    /// Analysis/synthesis window.
    pub window: WindowKind,
    /// Feature frames per inference (the current one and `context_frames - 1` before it).
    pub context_frames: usize,
    /// Feature kind.
    pub feature: FeatureKind,
    /// Multiplies `|X|` (unnormalised FFT units) before the log.
    pub magnitude_scale: f32,
    /// Added before the log; the feature of silence is `ln(feature_floor)`.
    pub feature_floor: f32,
    /// What the output tensors mean.
    pub output: OutputKind,
    /// Styles in the order of the style-weight vector.
    pub styles: Vec<StyleInfo>,
    /// Model name.
    pub model_name: String,
    /// Model version.
    pub model_version: String,
    /// Author, if given.
    pub author: Option<String>,
    /// Licence identifier, if given.
    pub license: Option<String>,
    /// Latency the model adds beyond the STFT, in samples at `sample_rate`.
    pub extra_latency_samples: usize,
    /// Recurrent state width per channel; 0 for none.
    pub state_size: usize,
    /// The Live correction (format version 3), if the file carries one.
    pub live_correction: Option<LiveCorrection>,
    /// Each style's attack time in milliseconds, in style order (format version 4), if the
    /// file carries them.
    pub attack_ms: Option<Vec<f32>>,
    /// Each style's ensemble depth (0 to 1), in style order (format version 5), if the file
    /// carries them.
    pub ensemble: Option<Vec<f32>>,
}

/// Everything wrong with a model's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataError {
    /// One sentence per problem.
    pub problems: Vec<String>,
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [] => f.write_str("the model metadata is invalid"),
            [one] => write!(f, "the model metadata is invalid: {one}"),
            many => write!(
                f,
                "the model metadata has {} problems: {}",
                many.len(),
                many.join("; ")
            ),
        }
    }
}

impl std::error::Error for MetadataError {}

/// Collects problems while reading keys.
struct Props<'a> {
    props: &'a [(String, String)],
    problems: Vec<String>,
}

impl<'a> Props<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.props
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn required(&mut self, key: &str) -> Option<&'a str> {
        let value = self.get(key);
        if value.is_none() {
            self.problems
                .push(format!("required key `{key}` is missing"));
        }
        value
    }

    fn number<T: std::str::FromStr>(&mut self, key: &str, value: Option<&str>) -> Option<T> {
        let value = value?;
        match value.trim().parse::<T>() {
            Ok(v) => Some(v),
            Err(_) => {
                self.problems.push(format!(
                    "`{key}` is `{}`, which is not a valid number",
                    short(value)
                ));
                None
            }
        }
    }

    fn required_number<T: std::str::FromStr>(&mut self, key: &str) -> Option<T> {
        let value = self.required(key);
        self.number(key, value)
    }

    fn problem(&mut self, message: String) {
        self.problems.push(message);
    }
}

/// At most 40 characters of `value`, for messages.
fn short(value: &str) -> String {
    if value.chars().count() <= 40 {
        value.to_owned()
    } else {
        let cut: String = value.chars().take(40).collect();
        format!("{cut}…")
    }
}

fn is_style_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl ModelMetadata {
    /// Parses and validates `metadata_props` (`(key, value)` pairs in file order).
    /// Keys outside the `chameleon.` namespace are ignored. Every problem found is reported.
    pub fn from_props(props: &[(String, String)]) -> Result<Self, MetadataError> {
        let mut p = Props {
            props,
            problems: Vec::new(),
        };
        if !props.iter().any(|(k, _)| k.starts_with(KEY_PREFIX)) {
            return Err(MetadataError {
                problems: vec![
                    "the file has no `chameleon.*` metadata, so it is not a Chameleon model \
                     (see docs/model-format.md)"
                        .to_owned(),
                ],
            });
        }
        for (i, (key, _)) in props.iter().enumerate() {
            if !key.starts_with(KEY_PREFIX) {
                continue;
            }
            if !KNOWN_KEYS.contains(&key.as_str()) {
                p.problem(format!(
                    "unknown key `{}` (it may belong to a newer format version)",
                    short(key)
                ));
            } else if props[..i].iter().any(|(k, _)| k == key) {
                p.problem(format!("key `{key}` appears more than once"));
            }
        }

        let version: Option<u32> = p.required_number("chameleon.format_version");
        if let Some(v) = version {
            if !(MIN_FORMAT_VERSION..=FORMAT_VERSION).contains(&v) {
                p.problem(format!(
                    "format version {v} is not supported (this engine reads versions \
                     {MIN_FORMAT_VERSION} to {FORMAT_VERSION})"
                ));
            }
        }
        let phase = match p.get("chameleon.phase") {
            None => PhaseKind::Input,
            Some(_) if version == Some(1) => {
                p.problem("`chameleon.phase` needs format version 2".to_owned());
                PhaseKind::Input
            }
            Some(v) => PhaseKind::parse(v.trim()).unwrap_or_else(|| {
                p.problem(format!(
                    "phase `{}` is not supported (expected `input` or `generated`)",
                    short(v)
                ));
                PhaseKind::Input
            }),
        };

        let sample_rate: Option<f32> = p.required_number("chameleon.sample_rate");
        if let Some(sr) = sample_rate {
            if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sr) {
                p.problem(format!(
                    "sample rate {sr} Hz is outside {MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE} Hz"
                ));
            }
        }
        let fft_size: Option<usize> = p.required_number("chameleon.fft_size");
        let hop: Option<usize> = p.required_number("chameleon.hop");
        let geometry = match (fft_size, hop) {
            (Some(n), Some(h)) => match StftGeometry::new(n, h) {
                Ok(g) => Some(g),
                Err(e) => {
                    p.problem(e.to_string());
                    None
                }
            },
            _ => None,
        };

        let window = p.required("chameleon.window").and_then(|w| {
            let kind = WindowKind::parse(w);
            if kind.is_none() {
                p.problem(format!(
                    "window `{}` is not supported (version 1 knows `sqrt_hann`)",
                    short(w)
                ));
            }
            kind
        });

        let context_frames: Option<usize> = p.required_number("chameleon.context_frames");
        if let Some(c) = context_frames {
            if c == 0 || c > MAX_CONTEXT_FRAMES {
                p.problem(format!(
                    "context of {c} frames is outside 1..={MAX_CONTEXT_FRAMES}"
                ));
            }
        }

        let feature = p.required("chameleon.feature").and_then(|f| {
            if f == "log_magnitude" {
                Some(FeatureKind::LogMagnitude)
            } else {
                p.problem(format!(
                    "feature `{}` is not supported (version 1 knows `log_magnitude`)",
                    short(f)
                ));
                None
            }
        });

        let magnitude_scale: Option<f32> = p.required_number("chameleon.magnitude_scale");
        if let Some(s) = magnitude_scale {
            if !(s.is_finite() && s > 0.0) {
                p.problem(format!("magnitude scale {s} must be finite and above 0"));
            }
        }
        let feature_floor: Option<f32> = p.required_number("chameleon.feature_floor");
        if let Some(f) = feature_floor {
            if !(f.is_finite() && f > 0.0) {
                p.problem(format!("feature floor {f} must be finite and above 0"));
            }
        }

        let output = p.required("chameleon.output").and_then(|o| {
            let kind = OutputKind::parse(o);
            if kind.is_none() {
                p.problem(format!(
                    "output `{}` is not supported (use `mask`, `magnitude` or `mask_noise`)",
                    short(o)
                ));
            }
            kind
        });

        let ids: Option<Vec<&str>> = p
            .required("chameleon.styles")
            .map(|s| s.split(',').map(str::trim).collect());
        let names: Option<Vec<&str>> = p
            .required("chameleon.style_names")
            .map(|s| s.split('|').map(str::trim).collect());
        let mut styles = Vec::new();
        if let Some(ids) = &ids {
            if ids.len() > MAX_STYLES {
                p.problem(format!(
                    "{} styles is more than the {MAX_STYLES} supported",
                    ids.len()
                ));
            }
            for (i, id) in ids.iter().enumerate() {
                if !is_style_id(id) {
                    p.problem(format!(
                        "style identifier `{}` must be non-empty and use only a-z, 0-9, `_` and `-`",
                        short(id)
                    ));
                } else if ids[..i].contains(id) {
                    p.problem(format!("style identifier `{id}` appears more than once"));
                }
            }
            if let Some(names) = &names {
                if names.len() != ids.len() {
                    p.problem(format!(
                        "{} style names for {} styles (`chameleon.style_names` needs one `|`-separated name per style)",
                        names.len(),
                        ids.len()
                    ));
                } else {
                    if names.iter().any(|n| n.is_empty()) {
                        p.problem("style display names must not be empty".to_owned());
                    }
                    styles = ids
                        .iter()
                        .zip(names)
                        .map(|(id, name)| StyleInfo::new(id, name))
                        .collect();
                }
            }
        }

        let model_name = p.required("chameleon.model_name").map(str::trim);
        if model_name == Some("") {
            p.problem("model name must not be empty".to_owned());
        }
        let model_version = p.required("chameleon.model_version").map(str::trim);
        if model_version == Some("") {
            p.problem("model version must not be empty".to_owned());
        }
        let author = p.get("chameleon.author").map(|s| s.trim().to_owned());
        let license = p.get("chameleon.license").map(|s| s.trim().to_owned());

        let extra_value = p.get("chameleon.extra_latency_samples");
        let extra_latency_samples: usize = p
            .number("chameleon.extra_latency_samples", extra_value)
            .unwrap_or(0);
        if let Some(sr) = sample_rate {
            let limit = (sr * MAX_EXTRA_LATENCY_SECONDS) as usize;
            if extra_latency_samples > limit {
                p.problem(format!(
                    "extra latency of {extra_latency_samples} samples is more than {limit} ({MAX_EXTRA_LATENCY_SECONDS} s)"
                ));
            }
        }
        let state_value = p.get("chameleon.state_size");
        let state_size: usize = p.number("chameleon.state_size", state_value).unwrap_or(0);
        if state_size > MAX_STATE_SIZE {
            p.problem(format!(
                "state size {state_size} is more than {MAX_STATE_SIZE}"
            ));
        }

        let live_correction = match (
            p.get("chameleon.live_correction_hz"),
            p.get("chameleon.live_correction_db"),
        ) {
            (None, None) => None,
            (Some(_), Some(_)) if version.is_some_and(|v| v < 3) => {
                p.problem("the Live correction needs format version 3".to_owned());
                None
            }
            (Some(hz), Some(db)) => {
                let nyquist = sample_rate.unwrap_or(MAX_SAMPLE_RATE) / 2.0;
                match LiveCorrection::parse(hz, db, styles.len(), nyquist) {
                    Ok(c) => Some(c),
                    Err(e) => {
                        p.problem(format!("Live correction: {e}"));
                        None
                    }
                }
            }
            _ => {
                p.problem(
                    "`chameleon.live_correction_hz` and `chameleon.live_correction_db` go \
                     together"
                        .to_owned(),
                );
                None
            }
        };

        let ensemble = match p.get("chameleon.ensemble") {
            None => None,
            Some(_) if version.is_some_and(|v| v < 5) => {
                p.problem("`chameleon.ensemble` needs format version 5".to_owned());
                None
            }
            Some(v) => match parse_per_style(v, styles.len(), 0.0, 1.0, "a depth in 0..=1") {
                Ok(d) => Some(d),
                Err(e) => {
                    p.problem(format!("ensemble depths: {e}"));
                    None
                }
            },
        };

        let attack_ms = match p.get("chameleon.attack_ms") {
            None => None,
            Some(_) if version.is_some_and(|v| v < 4) => {
                p.problem("`chameleon.attack_ms` needs format version 4".to_owned());
                None
            }
            Some(v) => match parse_per_style(
                v,
                styles.len(),
                0.0,
                MAX_ATTACK_MS,
                &format!("a time in 0..={MAX_ATTACK_MS} ms"),
            ) {
                Ok(a) => Some(a),
                Err(e) => {
                    p.problem(format!("attack times: {e}"));
                    None
                }
            },
        };

        if !p.problems.is_empty() {
            return Err(MetadataError {
                problems: p.problems,
            });
        }
        // Every required value is present and valid here, or a problem would have been recorded.
        let missing = || MetadataError {
            problems: vec!["the model metadata is incomplete".to_owned()],
        };
        Ok(Self {
            format_version: version.ok_or_else(missing)?,
            phase,
            sample_rate: sample_rate.ok_or_else(missing)?,
            geometry: geometry.ok_or_else(missing)?,
            window: window.ok_or_else(missing)?,
            context_frames: context_frames.ok_or_else(missing)?,
            feature: feature.ok_or_else(missing)?,
            magnitude_scale: magnitude_scale.ok_or_else(missing)?,
            feature_floor: feature_floor.ok_or_else(missing)?,
            output: output.ok_or_else(missing)?,
            styles,
            model_name: model_name.ok_or_else(missing)?.to_owned(),
            model_version: model_version.ok_or_else(missing)?.to_owned(),
            author,
            license,
            extra_latency_samples,
            state_size,
            live_correction,
            attack_ms,
            ensemble,
        })
    }

    /// Bins per model frame, `fft_size / 2 + 1`.
    pub fn bins(&self) -> usize {
        self.geometry.bins()
    }

    /// Writes the metadata back as `metadata_props` pairs (as an exporter would).
    pub fn to_props(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("chameleon.format_version", self.format_version.to_string()),
            ("chameleon.sample_rate", self.sample_rate.to_string()),
            ("chameleon.fft_size", self.geometry.fft_size.to_string()),
            ("chameleon.hop", self.geometry.hop.to_string()),
            ("chameleon.window", self.window.as_str().to_owned()),
            ("chameleon.context_frames", self.context_frames.to_string()),
            ("chameleon.feature", "log_magnitude".to_owned()),
            (
                "chameleon.magnitude_scale",
                self.magnitude_scale.to_string(),
            ),
            ("chameleon.feature_floor", self.feature_floor.to_string()),
            ("chameleon.output", self.output.as_str().to_owned()),
            (
                "chameleon.styles",
                self.styles
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                "chameleon.style_names",
                self.styles
                    .iter()
                    .map(|s| s.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join("|"),
            ),
            ("chameleon.model_name", self.model_name.clone()),
            ("chameleon.model_version", self.model_version.clone()),
            (
                "chameleon.extra_latency_samples",
                self.extra_latency_samples.to_string(),
            ),
            ("chameleon.state_size", self.state_size.to_string()),
        ];
        if let Some(a) = &self.author {
            out.push(("chameleon.author", a.clone()));
        }
        if let Some(l) = &self.license {
            out.push(("chameleon.license", l.clone()));
        }
        if self.phase != PhaseKind::Input {
            out.push(("chameleon.phase", self.phase.as_str().to_owned()));
        }
        if let Some(c) = &self.live_correction {
            let (hz, db) = c.to_values();
            out.push(("chameleon.live_correction_hz", hz));
            out.push(("chameleon.live_correction_db", db));
        }
        if let Some(a) = &self.attack_ms {
            let values: Vec<String> = a.iter().map(|v| v.to_string()).collect();
            out.push(("chameleon.attack_ms", values.join(",")));
        }
        if let Some(d) = &self.ensemble {
            let values: Vec<String> = d.iter().map(|v| v.to_string()).collect();
            out.push(("chameleon.ensemble", values.join(",")));
        }
        out.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The description the engine shows for this model, with `provider` as the execution
    /// provider in use.
    pub fn description(&self, provider: &str) -> ModelDescription {
        ModelDescription {
            name: self.model_name.clone(),
            version: self.model_version.clone(),
            styles: self.styles.clone(),
            sample_rate: Some(self.sample_rate),
            fft_size: Some(self.geometry.fft_size),
            hop: Some(self.geometry.hop),
            extra_latency_samples: self.extra_latency_samples,
            provider: provider.to_owned(),
        }
    }
}

/// Parses one comma-separated value per style, each a number in `min..=max` (`what` names
/// such a value in the error): `chameleon.attack_ms`, `chameleon.ensemble`.
fn parse_per_style(
    text: &str,
    styles: usize,
    min: f32,
    max: f32,
    what: &str,
) -> Result<Vec<f32>, String> {
    let values = text
        .split(',')
        .map(|v| {
            let v = v.trim();
            match v.parse::<f32>() {
                Ok(x) if (min..=max).contains(&x) => Ok(x),
                _ => Err(format!("`{}` is not {what}", short(v))),
            }
        })
        .collect::<Result<Vec<f32>, String>>()?;
    if values.len() != styles {
        return Err(format!("{} values for {styles} styles", values.len()));
    }
    Ok(values)
}

/// The `REQUIRED_KEYS` first entries of [`KNOWN_KEYS`] are required.
pub fn required_keys() -> &'static [&'static str] {
    &KNOWN_KEYS[..REQUIRED_KEYS]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Vec<(String, String)> {
        [
            ("chameleon.format_version", "1"),
            ("chameleon.sample_rate", "48000"),
            ("chameleon.fft_size", "1024"),
            ("chameleon.hop", "256"),
            ("chameleon.window", "sqrt_hann"),
            ("chameleon.context_frames", "8"),
            ("chameleon.feature", "log_magnitude"),
            ("chameleon.magnitude_scale", "0.001953125"),
            ("chameleon.feature_floor", "1e-5"),
            ("chameleon.output", "mask"),
            ("chameleon.styles", "strings,brass"),
            ("chameleon.style_names", "String Ensemble|Brass"),
            ("chameleon.model_name", "Test"),
            ("chameleon.model_version", "1.0.0"),
            ("producer.other", "ignored"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn set(props: &mut Vec<(String, String)>, key: &str, value: &str) {
        props.retain(|(k, _)| k != key);
        props.push((key.to_owned(), value.to_owned()));
    }

    #[test]
    fn parses_valid_metadata_and_round_trips() {
        let m = ModelMetadata::from_props(&valid()).unwrap();
        assert_eq!(m.geometry, StftGeometry::new(1024, 256).unwrap());
        assert_eq!(m.styles[1], StyleInfo::new("brass", "Brass"));
        assert_eq!(m.output, OutputKind::Mask);
        assert_eq!(m.extra_latency_samples, 0);
        assert_eq!(ModelMetadata::from_props(&m.to_props()).unwrap(), m);
    }

    #[test]
    fn reports_every_problem_in_one_message() {
        let mut p = valid();
        set(&mut p, "chameleon.fft_size", "1000");
        set(&mut p, "chameleon.style_names", "Only one");
        set(&mut p, "chameleon.output", "spectrogram");
        set(&mut p, "chameleon.future_key", "x");
        p.retain(|(k, _)| k != "chameleon.model_name");
        let e = ModelMetadata::from_props(&p).unwrap_err();
        assert_eq!(e.problems.len(), 5, "{e}");
        let text = e.to_string();
        for needle in [
            "FFT size 1000",
            "1 style names for 2 styles",
            "spectrogram",
            "future_key",
            "model_name",
        ] {
            assert!(text.contains(needle), "missing `{needle}` in: {text}");
        }
    }

    #[test]
    fn refuses_files_without_chameleon_metadata() {
        let e = ModelMetadata::from_props(&[]).unwrap_err();
        assert!(e.to_string().contains("not a Chameleon model"));
    }

    #[test]
    fn refuses_bad_numbers_and_styles() {
        let mut p = valid();
        set(&mut p, "chameleon.sample_rate", "nan");
        set(&mut p, "chameleon.styles", "Strings,brass");
        set(&mut p, "chameleon.context_frames", "0");
        set(&mut p, "chameleon.magnitude_scale", "-1");
        set(
            &mut p,
            "chameleon.format_version",
            &(FORMAT_VERSION + 1).to_string(),
        );
        let e = ModelMetadata::from_props(&p).unwrap_err();
        assert_eq!(e.problems.len(), 5, "{e}");
    }

    #[test]
    fn version_4_carries_attack_times_and_writes_them_back() {
        let mut p = valid();
        set(&mut p, "chameleon.format_version", "4");
        set(&mut p, "chameleon.attack_ms", "120, 0");
        let m = ModelMetadata::from_props(&p).unwrap();
        assert_eq!(m.attack_ms, Some(vec![120.0, 0.0]));
        assert_eq!(ModelMetadata::from_props(&m.to_props()).unwrap(), m);
        assert_eq!(ModelMetadata::from_props(&valid()).unwrap().attack_ms, None);
    }

    #[test]
    fn refuses_attack_times_it_cannot_use() {
        let mut p = valid();
        set(&mut p, "chameleon.format_version", "3");
        set(&mut p, "chameleon.attack_ms", "120,0");
        let e = ModelMetadata::from_props(&p).unwrap_err().to_string();
        assert!(e.contains("needs format version 4"), "{e}");
        set(&mut p, "chameleon.format_version", "4");
        for bad in ["120", "120,0,0", "120,-1", "120,nan", "120,5000", "120,x"] {
            set(&mut p, "chameleon.attack_ms", bad);
            let e = ModelMetadata::from_props(&p).unwrap_err().to_string();
            assert!(e.contains("attack times"), "{bad}: {e}");
        }
    }

    #[test]
    fn version_5_carries_ensemble_depths_and_refuses_bad_ones() {
        let mut p = valid();
        set(&mut p, "chameleon.format_version", "5");
        set(&mut p, "chameleon.ensemble", "1, 0.25");
        let m = ModelMetadata::from_props(&p).unwrap();
        assert_eq!(m.ensemble, Some(vec![1.0, 0.25]));
        assert_eq!(ModelMetadata::from_props(&m.to_props()).unwrap(), m);
        assert_eq!(ModelMetadata::from_props(&valid()).unwrap().ensemble, None);
        set(&mut p, "chameleon.format_version", "4");
        let e = ModelMetadata::from_props(&p).unwrap_err().to_string();
        assert!(e.contains("needs format version 5"), "{e}");
        set(&mut p, "chameleon.format_version", "5");
        for bad in ["1", "1,0,0", "1,-0.1", "1,nan", "1,1.5", "1,x"] {
            set(&mut p, "chameleon.ensemble", bad);
            let e = ModelMetadata::from_props(&p).unwrap_err().to_string();
            assert!(e.contains("ensemble depths"), "{bad}: {e}");
        }
    }

    #[test]
    fn version_3_carries_a_live_correction_and_writes_it_back() {
        let mut p = valid();
        let styles = ModelMetadata::from_props(&p).unwrap().styles.len();
        let rows = vec!["1,-2,3"; styles].join(";");
        set(&mut p, "chameleon.format_version", "3");
        set(&mut p, "chameleon.live_correction_hz", "100,1000,10000");
        set(&mut p, "chameleon.live_correction_db", &rows);
        let m = ModelMetadata::from_props(&p).unwrap();
        let c = m.live_correction.as_ref().expect("a correction");
        assert_eq!(c.gains_db.len(), styles);
        assert_eq!(c.gains_db[0], vec![1.0, -2.0, 3.0]);
        let back = ModelMetadata::from_props(&m.to_props()).unwrap();
        assert_eq!(back.live_correction, m.live_correction);
        assert!(ModelMetadata::from_props(&valid())
            .unwrap()
            .live_correction
            .is_none());
    }

    #[test]
    fn refuses_a_live_correction_it_cannot_use() {
        let mut p = valid();
        let styles = ModelMetadata::from_props(&p).unwrap().styles.len();
        set(&mut p, "chameleon.live_correction_hz", "100,1000");
        set(
            &mut p,
            "chameleon.live_correction_db",
            &vec!["0,0"; styles].join(";"),
        );
        set(&mut p, "chameleon.format_version", "2");
        let e = ModelMetadata::from_props(&p).unwrap_err();
        assert!(e.to_string().contains("needs format version 3"), "{e}");
        set(&mut p, "chameleon.format_version", "3");
        set(&mut p, "chameleon.live_correction_db", "0,0");
        if styles != 1 {
            let e = ModelMetadata::from_props(&p).unwrap_err();
            assert!(e.to_string().contains("rows of gains"), "{e}");
        }
        let mut q = valid();
        set(&mut q, "chameleon.format_version", "3");
        set(&mut q, "chameleon.live_correction_hz", "100,1000");
        let e = ModelMetadata::from_props(&q).unwrap_err();
        assert!(e.to_string().contains("go together"), "{e}");
    }

    #[test]
    fn version_2_adds_the_phase_key_and_version_1_files_read_as_before() {
        let v1 = ModelMetadata::from_props(&valid()).unwrap();
        assert_eq!((v1.format_version, v1.phase), (1, PhaseKind::Input));
        assert!(!v1.to_props().iter().any(|(k, _)| k == "chameleon.phase"));

        let mut p = valid();
        set(&mut p, "chameleon.format_version", "2");
        p.push(("chameleon.phase".to_owned(), "generated".to_owned()));
        let v2 = ModelMetadata::from_props(&p).unwrap();
        assert_eq!((v2.format_version, v2.phase), (2, PhaseKind::Generated));
        assert_eq!(ModelMetadata::from_props(&v2.to_props()).unwrap(), v2);

        let mut old = valid();
        old.push(("chameleon.phase".to_owned(), "generated".to_owned()));
        let e = ModelMetadata::from_props(&old).unwrap_err();
        assert!(e.to_string().contains("needs format version 2"), "{e}");

        set(&mut p, "chameleon.phase", "random");
        let e = ModelMetadata::from_props(&p).unwrap_err();
        assert!(
            e.to_string().contains("phase `random` is not supported"),
            "{e}"
        );
    }
}
