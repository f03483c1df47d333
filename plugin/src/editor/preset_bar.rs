//! The preset bar: the factory and user presets by category, previous and next, save-as, and
//! a marker while the parameters differ from the loaded preset.
//!
//! Loading a preset replaces the sound parameters in one state change (the same path as the
//! CLAP `preset-load` extension: [`GuiContext::set_state`] with the preset's values), so hosts
//! see one change and the project is marked as modified. Saving writes `NAME.chpreset` into the
//! user preset folder ([`presets::user_preset_dir`]); the preset's styles are named by the
//! running model's style identifiers.

use std::path::{Path, PathBuf};

use egui::{RichText, Ui};
use nice_plug::context::gui::GuiContext;

use super::theme;
use crate::params::ChameleonParams;
use crate::presets::{self, Preset, PresetEntry, PresetParams, PresetSource, StyleRef};
use crate::style_names::StyleNames;

/// Tolerance when comparing continuous parameter values with a preset's.
const VALUE_TOLERANCE: f32 = 1e-4;

/// The preset bar's state.
#[derive(Default)]
pub struct PresetBar {
    /// Factory presets first, then the user's, each sorted by category and name.
    entries: Vec<PresetEntry>,
    /// User preset files that could not be read, in words.
    problems: Vec<String>,
    /// Whether `entries` has been read.
    listed: bool,
    /// The last preset loaded: its index in `entries` and its values with styles as slots.
    loaded: Option<(usize, PresetParams)>,
    /// The save-as name field.
    name: String,
    /// What the last load or save did.
    message: Option<Result<String, String>>,
}

/// The current sound parameters as preset values, styles as slots.
pub fn current_values(params: &ChameleonParams) -> PresetParams {
    let slot = |p: &nice_plug::prelude::IntParam| StyleRef::Slot(p.value().max(0));
    PresetParams {
        style_a: slot(&params.style_a),
        style_b: slot(&params.style_b),
        morph: params.morph.value(),
        mix: params.mix.value(),
        output_gain: params.output_gain.value(),
        level_match: params.level_match.value(),
        xy_enabled: params.xy_enabled.value(),
        pad_x: params.pad_x.value(),
        pad_y: params.pad_y.value(),
        corner_bl: slot(&params.corner_bl),
        corner_br: slot(&params.corner_br),
        corner_tl: slot(&params.corner_tl),
        corner_tr: slot(&params.corner_tr),
    }
}

/// Whether two sets of values are the same (continuous values within [`VALUE_TOLERANCE`]).
pub fn same_values(a: &PresetParams, b: &PresetParams) -> bool {
    let close = |x: f32, y: f32| (x - y).abs() <= VALUE_TOLERANCE;
    a.style_a == b.style_a
        && a.style_b == b.style_b
        && a.corner_bl == b.corner_bl
        && a.corner_br == b.corner_br
        && a.corner_tl == b.corner_tl
        && a.corner_tr == b.corner_tr
        && a.level_match == b.level_match
        && a.xy_enabled == b.xy_enabled
        && close(a.morph, b.morph)
        && close(a.mix, b.mix)
        && close(a.output_gain, b.output_gain)
        && close(a.pad_x, b.pad_x)
        && close(a.pad_y, b.pad_y)
}

/// A file name for a preset called `name`: lower case, words joined by `-`.
pub fn file_name(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!("{}.{}", words.join("-"), presets::EXTENSION)
}

impl PresetBar {
    /// Reads the factory presets and the user preset folder again.
    pub fn refresh(&mut self) {
        self.refresh_from(presets::user_preset_dir().as_deref());
    }

    /// Reads the factory presets and the presets in `user_dir`.
    pub fn refresh_from(&mut self, user_dir: Option<&Path>) {
        let mut factory = presets::factory_presets();
        let (mut user, errors) = user_dir.map(presets::presets_in).unwrap_or_default();
        let key = |e: &PresetEntry| (e.preset.category.clone(), e.preset.name.to_lowercase());
        factory.sort_by_key(key);
        user.sort_by_key(key);
        self.entries = factory.into_iter().chain(user).collect();
        self.problems = errors.into_iter().map(|e| e.0).collect();
        self.listed = true;
        self.loaded = None;
    }

    /// The presets offered, factory first.
    pub fn entries(&self) -> &[PresetEntry] {
        &self.entries
    }

    /// The loaded preset's name, if one is loaded.
    pub fn loaded_name(&self) -> Option<&str> {
        self.loaded
            .as_ref()
            .map(|(i, _)| self.entries[*i].preset.name.as_str())
    }

    /// Whether the parameters differ from the loaded preset's values.
    pub fn is_modified(&self, params: &ChameleonParams) -> bool {
        self.loaded
            .as_ref()
            .is_some_and(|(_, values)| !same_values(values, &current_values(params)))
    }

    /// What the last load or save did.
    pub fn message(&self) -> Option<&Result<String, String>> {
        self.message.as_ref()
    }

    /// Loads entry `index` into the parameters through `gui` (one state change).
    pub fn load(
        &mut self,
        index: usize,
        gui: &GuiContext,
        params: &ChameleonParams,
        names: &StyleNames,
    ) {
        let Some(entry) = self.entries.get(index) else {
            return;
        };
        let preset = &entry.preset;
        let lookup = presets::style_lookup(names, &params.model.get());
        match preset.resolve_styles(&*lookup) {
            Ok(slots) => {
                let mut state = gui.get_state();
                for (id, value) in preset.param_values(slots) {
                    state.params.insert(id.to_owned(), value);
                }
                gui.set_state(state);
                params.state_change.mark();
                let mut values = preset.params.clone();
                for ((_, style), slot) in values.styles_mut().into_iter().zip(slots) {
                    *style = StyleRef::Slot(slot);
                }
                self.loaded = Some((index, values));
                self.message = Some(Ok(format!("Loaded \"{}\".", preset.name)));
            }
            Err(e) => self.message = Some(Err(e.0)),
        }
    }

    /// Saves the current parameters as a user preset called `name` in `dir`, then lists it.
    pub fn save_as(
        &mut self,
        name: &str,
        dir: &Path,
        params: &ChameleonParams,
        names: &StyleNames,
    ) -> Result<PathBuf, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("Type a name for the preset.".to_owned());
        }
        let mut values = current_values(params);
        let styles = names.load();
        for (_, style) in values.styles_mut() {
            if let StyleRef::Slot(slot) = style {
                if let Some(info) = usize::try_from(*slot).ok().and_then(|s| styles.get(s)) {
                    *style = StyleRef::Id(info.id.clone());
                }
            }
        }
        let preset = Preset {
            chameleon_preset: presets::FORMAT_VERSION,
            name: name.to_owned(),
            category: "User".to_owned(),
            description: String::new(),
            params: values,
        };
        let path = dir.join(file_name(name));
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&path, preset.to_json()))
            .map_err(|e| format!("Could not save {}: {e}.", path.display()))?;
        self.refresh_from(Some(dir));
        self.loaded = self
            .entries
            .iter()
            .position(|e| e.source == PresetSource::User(path.clone()))
            .map(|i| (i, current_values(params)));
        Ok(path)
    }

    /// Draws the bar in one row.
    pub fn show(
        &mut self,
        ui: &mut Ui,
        gui: &GuiContext,
        params: &ChameleonParams,
        names: &StyleNames,
    ) {
        if !self.listed {
            self.refresh();
        }
        ui.horizontal(|ui| {
            ui.label(RichText::new("Preset").color(theme::MUTED).size(12.0));
            let count = self.entries.len();
            let current = self.loaded.as_ref().map(|(i, _)| *i);
            let step = |delta: isize| {
                let from = current.map_or(if delta > 0 { -1 } else { 0 }, |i| i as isize);
                ((from + delta).rem_euclid(count.max(1) as isize)) as usize
            };
            let mut choose = None;
            if ui
                .small_button("<")
                .on_hover_text("Previous preset")
                .clicked()
                && count > 0
            {
                choose = Some(step(-1));
            }
            let modified = self.is_modified(params);
            let shown = match self.loaded_name() {
                Some(name) if modified => format!("{name} *"),
                Some(name) => name.to_owned(),
                None => "(none loaded)".to_owned(),
            };
            egui::ComboBox::from_id_salt("chameleon-presets")
                .width(220.0)
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    let mut heading = String::new();
                    for (i, entry) in self.entries.iter().enumerate() {
                        let group = match entry.source {
                            PresetSource::Factory(_) => {
                                format!("Factory: {}", entry.preset.category)
                            }
                            PresetSource::User(_) => format!("User: {}", entry.preset.category),
                        };
                        if group != heading {
                            ui.label(RichText::new(&group).color(theme::MUTED).size(11.0));
                            heading = group;
                        }
                        let label = ui
                            .selectable_label(current == Some(i), &entry.preset.name)
                            .on_hover_text(&entry.preset.description);
                        if label.clicked() {
                            choose = Some(i);
                        }
                    }
                    if ui.button("Rescan the preset folder").clicked() {
                        self.refresh();
                    }
                });
            if ui.small_button(">").on_hover_text("Next preset").clicked() && count > 0 {
                choose = Some(step(1));
            }
            if modified {
                ui.label(RichText::new("modified").color(theme::WARN).size(12.0));
            }
            if let Some(i) = choose {
                self.load(i, gui, params, names);
            }
            ui.add_space(12.0);
            ui.add(
                egui::TextEdit::singleline(&mut self.name)
                    .hint_text("preset name")
                    .desired_width(140.0),
            );
            if ui.button("Save as").clicked() {
                let name = self.name.clone();
                self.message = Some(match presets::user_preset_dir() {
                    Some(dir) => self
                        .save_as(&name, &dir, params, names)
                        .map(|p| format!("Saved {}.", p.display())),
                    None => Err("There is no user data folder to save presets in.".to_owned()),
                });
            }
            match &self.message {
                Some(Ok(text)) => {
                    ui.label(RichText::new(text).color(theme::MUTED).size(11.0));
                }
                Some(Err(text)) => {
                    ui.label(RichText::new(text).color(theme::WARN).size(11.0));
                }
                None if !self.problems.is_empty() => {
                    ui.label(
                        RichText::new(format!("{} preset file(s) unreadable", self.problems.len()))
                            .color(theme::WARN)
                            .size(11.0),
                    )
                    .on_hover_text(self.problems.join("\n"));
                }
                None => {}
            }
        });
    }
}
