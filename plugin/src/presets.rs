//! Presets: named settings of the sound parameters, stored as versioned JSON files
//! (`NAME.chpreset`; the format is described in `docs/PRESETS.md`).
//!
//! A preset sets the parameters that shape the sound (styles, morph, XY pad, mix, output gain,
//! level match) by their stable parameter IDs. It leaves alone what belongs to the session or the
//! machine: bypass, the compute device, the latency mode and the model file. Styles are named by
//! the model's style identifiers (`"strings"`), so a preset keeps its meaning when a model lists
//! its styles in another order; a 0-based slot number is accepted too.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chameleon_dsp::model::loader::{inspect_model, read_model_file};
use chameleon_dsp::model::StyleInfo;
use nice_plug::plugin::ParamValue;
use serde::{Deserialize, Serialize};

use crate::model_choice::{bundled_model_path, ModelChoice};
use crate::style_names::StyleNames;

/// The preset format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// File extension of preset files (without the dot).
pub const EXTENSION: &str = "chpreset";

/// One factory preset file, compiled in: its file name and contents.
macro_rules! factory {
    ($name:literal) => {
        (
            concat!($name, ".chpreset"),
            include_str!(concat!("../../assets/presets/", $name, ".chpreset")),
        )
    };
}

/// The factory presets, compiled in: (file name, contents). The same files are installed in
/// [`factory_preset_dir`].
pub const FACTORY: &[(&str, &str)] = &[
    factory!("string-ensemble"),
    factory!("solo-violin"),
    factory!("solo-cello"),
    factory!("trumpet"),
    factory!("flute"),
    factory!("clarinet"),
    factory!("church-organ"),
    factory!("choir-aahs"),
    factory!("nylon-guitar"),
    factory!("strings-to-choir"),
    factory!("flute-to-clarinet"),
    factory!("cello-to-violin"),
    factory!("trumpet-to-organ"),
    factory!("guitar-to-strings"),
    factory!("orchestra-pad"),
    factory!("chamber-corner"),
    factory!("winds-and-organ"),
];

/// A style, by the model's identifier or by 0-based slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StyleRef {
    /// A style identifier of the model (`"strings"`) or its display name.
    Id(String),
    /// A 0-based style slot.
    Slot(i32),
}

impl StyleRef {
    /// The slot this names, looked up with `find` (identifier or display name to slot) for
    /// names; `None` when the model has no such style.
    pub fn resolve(&self, find: &dyn Fn(&str) -> Option<i32>) -> Option<i32> {
        match self {
            StyleRef::Id(id) => find(id),
            StyleRef::Slot(slot) => Some(*slot),
        }
    }
}

impl fmt::Display for StyleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StyleRef::Id(id) => f.write_str(id),
            StyleRef::Slot(slot) => write!(f, "slot {slot}"),
        }
    }
}

/// The parameter values a preset sets, by parameter ID. Missing entries take the parameter's
/// default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PresetParams {
    /// `style_a`.
    pub style_a: StyleRef,
    /// `style_b`.
    pub style_b: StyleRef,
    /// `morph`, 0 (style A) to 1 (style B).
    pub morph: f32,
    /// `mix`, 0 (dry) to 1 (wet).
    pub mix: f32,
    /// `output_gain`, in dB (−24 to +24).
    pub output_gain: f32,
    /// `level_match`.
    pub level_match: bool,
    /// `xy_enabled`: the XY pad replaces style A, style B and the morph.
    pub xy_enabled: bool,
    /// `pad_x`, 0 to 1.
    pub pad_x: f32,
    /// `pad_y`, 0 to 1.
    pub pad_y: f32,
    /// `corner_bl`.
    pub corner_bl: StyleRef,
    /// `corner_br`.
    pub corner_br: StyleRef,
    /// `corner_tl`.
    pub corner_tl: StyleRef,
    /// `corner_tr`.
    pub corner_tr: StyleRef,
}

impl Default for PresetParams {
    /// The plugin's parameter defaults.
    fn default() -> Self {
        Self {
            style_a: StyleRef::Slot(0),
            style_b: StyleRef::Slot(1),
            morph: 0.0,
            mix: 1.0,
            output_gain: 0.0,
            level_match: true,
            xy_enabled: false,
            pad_x: 0.5,
            pad_y: 0.5,
            corner_bl: StyleRef::Slot(0),
            corner_br: StyleRef::Slot(1),
            corner_tl: StyleRef::Slot(2),
            corner_tr: StyleRef::Slot(3),
        }
    }
}

impl PresetParams {
    /// The style parameters with their IDs, in a fixed order.
    pub fn styles(&self) -> [(&'static str, &StyleRef); 6] {
        [
            ("style_a", &self.style_a),
            ("style_b", &self.style_b),
            ("corner_bl", &self.corner_bl),
            ("corner_br", &self.corner_br),
            ("corner_tl", &self.corner_tl),
            ("corner_tr", &self.corner_tr),
        ]
    }

    /// The style parameters with their IDs, mutable, in the order of [`PresetParams::styles`].
    pub fn styles_mut(&mut self) -> [(&'static str, &mut StyleRef); 6] {
        [
            ("style_a", &mut self.style_a),
            ("style_b", &mut self.style_b),
            ("corner_bl", &mut self.corner_bl),
            ("corner_br", &mut self.corner_br),
            ("corner_tl", &mut self.corner_tl),
            ("corner_tr", &mut self.corner_tr),
        ]
    }

    /// The continuous parameters with their IDs and allowed ranges.
    fn ranges(&self) -> [(&'static str, f32, f32, f32); 5] {
        [
            ("morph", self.morph, 0.0, 1.0),
            ("mix", self.mix, 0.0, 1.0),
            ("output_gain", self.output_gain, -24.0, 24.0),
            ("pad_x", self.pad_x, 0.0, 1.0),
            ("pad_y", self.pad_y, 0.0, 1.0),
        ]
    }
}

/// A preset: a name, a category, a description and the values it sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Format version; [`FORMAT_VERSION`] for files this build writes.
    pub chameleon_preset: u32,
    /// Name shown in preset browsers.
    pub name: String,
    /// Category shown in preset browsers (the factory uses "Styles", "Morphs", "XY Scenes").
    pub category: String,
    /// One or two sentences on what it sounds like.
    #[serde(default)]
    pub description: String,
    /// The parameter values.
    #[serde(default)]
    pub params: PresetParams,
}

/// Why a preset could not be read or used; `Display` is one sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetError(pub String);

impl fmt::Display for PresetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PresetError {}

impl Preset {
    /// Reads a preset from its JSON text, checking the version, the names and the value ranges.
    pub fn parse(text: &str) -> Result<Self, PresetError> {
        let preset: Preset = serde_json::from_str(text)
            .map_err(|e| PresetError(format!("not a Chameleon preset: {e}")))?;
        if preset.chameleon_preset == 0 || preset.chameleon_preset > FORMAT_VERSION {
            return Err(PresetError(format!(
                "preset format version {} is not supported (this build reads 1 to \
                 {FORMAT_VERSION})",
                preset.chameleon_preset
            )));
        }
        if preset.name.trim().is_empty() {
            return Err(PresetError("the preset has no name".to_owned()));
        }
        for (id, value, min, max) in preset.params.ranges() {
            if !value.is_finite() || value < min || value > max {
                return Err(PresetError(format!(
                    "{id} is {value}, outside {min} to {max}"
                )));
            }
        }
        for (id, style) in preset.params.styles() {
            if let StyleRef::Slot(slot) = style {
                if *slot < 0 {
                    return Err(PresetError(format!("{id} names slot {slot}, below 0")));
                }
            }
        }
        Ok(preset)
    }

    /// Reads a preset file.
    pub fn load(path: &Path) -> Result<Self, PresetError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| PresetError(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| PresetError(format!("{}: {e}", path.display())))
    }

    /// The preset as JSON text, the way preset files are written.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The style slots of [`PresetParams::styles`], in the same order, looked up with `find`;
    /// an error names the first style the model does not have.
    pub fn resolve_styles(
        &self,
        find: &dyn Fn(&str) -> Option<i32>,
    ) -> Result<[i32; 6], PresetError> {
        let mut slots = [0; 6];
        for (slot, (id, style)) in slots.iter_mut().zip(self.params.styles()) {
            *slot = style.resolve(find).ok_or_else(|| {
                PresetError(format!(
                    "the preset \"{}\" sets {id} to the style {style}, which this model does not \
                     have",
                    self.name
                ))
            })?;
        }
        Ok(slots)
    }
}

impl Preset {
    /// The parameter values this preset sets, by parameter ID, as nice-plug state values, with
    /// its styles at `slots` (from [`Preset::resolve_styles`]).
    pub fn param_values(&self, slots: [i32; 6]) -> Vec<(&'static str, ParamValue)> {
        let p = &self.params;
        let mut values: Vec<(&'static str, ParamValue)> = p
            .styles()
            .iter()
            .zip(slots)
            .map(|((id, _), slot)| (*id, ParamValue::I32(slot)))
            .collect();
        values.extend(
            p.ranges()
                .iter()
                .map(|(id, value, _, _)| (*id, ParamValue::F32(*value))),
        );
        values.push(("level_match", ParamValue::Bool(p.level_match)));
        values.push(("xy_enabled", ParamValue::Bool(p.xy_enabled)));
        values
    }
}

/// A style lookup: identifier or display name to slot.
pub type StyleLookup = Box<dyn Fn(&str) -> Option<i32>>;

/// Finds style slots for a preset: by the style names of the model that runs, or, before a
/// model has run (no engine built yet), by those in the metadata of the model file `choice`
/// names (the bundled default when it names none), read without ONNX Runtime.
pub fn style_lookup(names: &StyleNames, choice: &ModelChoice) -> StyleLookup {
    let styles: Arc<Vec<StyleInfo>> = if names.is_empty() {
        let path = match &choice.path {
            Some(p) => Some(PathBuf::from(p)),
            None => bundled_model_path(),
        };
        Arc::new(
            path.and_then(|p| read_model_file(&p).ok())
                .and_then(|bytes| inspect_model(&bytes).ok())
                .map(|meta| meta.description("").styles)
                .unwrap_or_default(),
        )
    } else {
        names.load()
    };
    Box::new(move |text: &str| {
        styles
            .iter()
            .position(|s| {
                s.id.eq_ignore_ascii_case(text) || s.display_name.eq_ignore_ascii_case(text)
            })
            .and_then(|i| i32::try_from(i).ok())
    })
}

/// Where a preset comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PresetSource {
    /// Compiled into the plugin ([`FACTORY`]), by file name.
    Factory(&'static str),
    /// A file in the user preset folder.
    User(PathBuf),
}

/// A preset and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PresetEntry {
    /// Where it came from.
    pub source: PresetSource,
    /// The preset.
    pub preset: Preset,
}

/// The factory presets. They are checked by the tests, so none fails to parse in a release.
pub fn factory_presets() -> Vec<PresetEntry> {
    FACTORY
        .iter()
        .filter_map(|(file, text)| {
            Preset::parse(text).ok().map(|preset| PresetEntry {
                source: PresetSource::Factory(file),
                preset,
            })
        })
        .collect()
}

/// The installed copies of the factory presets: `factory-presets/` in the user data folder
/// (`cargo xtask install` and the Windows `install.cmd` put them there).
pub fn factory_preset_dir() -> Option<PathBuf> {
    crate::model_choice::data_dir().map(|d| d.join("factory-presets"))
}

/// The user preset folder: `presets/` in the user data folder
/// (`~/.local/share/chameleon/presets/`, `%LOCALAPPDATA%\Chameleon\presets\`,
/// `~/Library/Application Support/Chameleon/presets/`).
pub fn user_preset_dir() -> Option<PathBuf> {
    crate::model_choice::data_dir().map(|d| d.join("presets"))
}

/// The presets in `dir` (not its subfolders), sorted by file name, with the files that could not
/// be read and why.
pub fn presets_in(dir: &Path) -> (Vec<PresetEntry>, Vec<PresetError>) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == EXTENSION))
        .collect();
    files.sort();
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        match Preset::load(&path) {
            Ok(preset) => found.push(PresetEntry {
                source: PresetSource::User(path),
                preset,
            }),
            Err(e) => errors.push(e),
        }
    }
    (found, errors)
}

/// Finds a preset by file path, factory file name (with or without the extension) or name
/// (case-insensitive), looking at the factory presets, then the user folder.
pub fn find(name: &str) -> Result<PresetEntry, PresetError> {
    let path = Path::new(name);
    if path.is_file() {
        return Preset::load(path).map(|preset| PresetEntry {
            source: PresetSource::User(path.to_path_buf()),
            preset,
        });
    }
    let stem = name.strip_suffix(".chpreset").unwrap_or(name);
    let mut all = factory_presets();
    if let Some(dir) = user_preset_dir() {
        all.extend(presets_in(&dir).0);
    }
    all.into_iter()
        .find(|entry| {
            let file_matches = match &entry.source {
                PresetSource::Factory(file) => file.strip_suffix(".chpreset") == Some(stem),
                PresetSource::User(p) => p.file_stem().is_some_and(|s| s == stem),
            };
            file_matches || entry.preset.name.eq_ignore_ascii_case(name.trim())
        })
        .ok_or_else(|| {
            PresetError(format!(
                "no preset named \"{name}\" (see chameleon-render --list-presets)"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factory_preset_parses_and_names_its_file() {
        assert_eq!(factory_presets().len(), FACTORY.len());
        for (file, text) in FACTORY {
            let preset = Preset::parse(text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(preset.chameleon_preset, FORMAT_VERSION, "{file}");
            let slug: String = preset.name.to_lowercase().replace(' ', "-");
            assert_eq!(
                format!("{slug}.chpreset"),
                *file,
                "file name follows the preset name"
            );
            assert!(!preset.description.is_empty(), "{file} has a description");
        }
    }

    #[test]
    fn a_preset_survives_a_round_trip_through_its_json() {
        let preset = Preset::parse(FACTORY[9].1).unwrap();
        assert_eq!(Preset::parse(&preset.to_json()).unwrap(), preset);
    }

    #[test]
    fn bad_presets_are_refused_with_a_reason() {
        let cases = [
            ("{", "not a Chameleon preset"),
            (
                r#"{"chameleon_preset": 2, "name": "x", "category": "c"}"#,
                "version 2",
            ),
            (
                r#"{"chameleon_preset": 1, "name": " ", "category": "c"}"#,
                "no name",
            ),
            (
                r#"{"chameleon_preset": 1, "name": "x", "category": "c", "params": {"mix": 1.5}}"#,
                "mix is 1.5",
            ),
            (
                r#"{"chameleon_preset": 1, "name": "x", "category": "c", "params": {"bypass": true}}"#,
                "unknown field `bypass`",
            ),
            (
                r#"{"chameleon_preset": 1, "name": "x", "category": "c", "params": {"style_a": -1}}"#,
                "below 0",
            ),
        ];
        for (text, expected) in cases {
            let error = Preset::parse(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn missing_values_take_the_parameter_defaults() {
        let preset =
            Preset::parse(r#"{"chameleon_preset": 1, "name": "x", "category": "c"}"#).unwrap();
        assert_eq!(preset.params, PresetParams::default());
    }

    #[test]
    fn styles_resolve_by_identifier_or_slot_and_unknown_ones_are_named() {
        let find = |s: &str| {
            ["strings", "choir"]
                .iter()
                .position(|n| *n == s)
                .map(|i| i as i32)
        };
        let mut preset = Preset::parse(FACTORY[0].1).unwrap();
        preset.params.style_b = StyleRef::Slot(7);
        preset.params.corner_bl = StyleRef::Id("choir".to_owned());
        preset.params.corner_br = StyleRef::Slot(0);
        preset.params.corner_tl = StyleRef::Slot(0);
        preset.params.corner_tr = StyleRef::Slot(0);
        assert_eq!(preset.resolve_styles(&find).unwrap(), [0, 7, 1, 0, 0, 0]);
        preset.params.corner_tr = StyleRef::Id("kazoo".to_owned());
        let error = preset.resolve_styles(&find).unwrap_err().to_string();
        assert!(
            error.contains("corner_tr") && error.contains("kazoo"),
            "{error}"
        );
    }

    #[test]
    fn presets_are_found_by_file_name_or_name() {
        assert_eq!(find("orchestra-pad").unwrap().preset.name, "Orchestra Pad");
        assert_eq!(find("Strings to Choir").unwrap().preset.params.morph, 0.5);
        assert!(find("no such preset")
            .unwrap_err()
            .0
            .contains("--list-presets"));
    }
}
