//! Model choice: the bundled model, the models in the user's model folders, or any file by path.
//!
//! Choosing a model only records the choice ([`crate::params::ModelSlot::choose`]); the model
//! loader builds the engine off the audio thread and publishes the outcome to
//! [`EngineStatus`], whose reason the picker shows when the file was refused.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use egui::{RichText, Ui};

use super::theme;
use crate::model_choice::{available_models, model_dirs, ModelChoice, DEFAULT_MODEL_FILE};
use crate::params::ChameleonParams;
use crate::status::EngineStatus;

/// Checks a path typed by the user before handing it to the loader.
pub fn validate_path(text: &str) -> Result<PathBuf, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Type the path of an .onnx model file.".to_owned());
    }
    let path = PathBuf::from(text);
    if !path.is_absolute() {
        return Err(format!(
            "{text} is not an absolute path. Type the full path, starting with /."
        ));
    }
    if !path.is_file() {
        return Err(format!("There is no file at {text}. Check the path."));
    }
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
    {
        return Err(format!(
            "{text} is not an .onnx file. Chameleon loads models exported as ONNX."
        ));
    }
    Ok(path)
}

/// What the picker knows about the last choice it made.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
    None,
    /// Waiting for the loader: the engine build count when the choice was made.
    Loading {
        path: Option<String>,
        builds: u64,
    },
    /// The loader answered.
    Done(Result<String, String>),
}

/// The model picker's state.
pub struct ModelPicker {
    /// Models found in the model folders, refreshed on demand.
    found: Vec<PathBuf>,
    /// The path field's text.
    pub path_text: String,
    /// Why the typed path was refused before loading, if it was.
    pub path_error: Option<String>,
    pending: Pending,
}

impl Default for ModelPicker {
    fn default() -> Self {
        Self {
            found: available_models(),
            path_text: String::new(),
            path_error: None,
            pending: Pending::None,
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl ModelPicker {
    /// Looks through the model folders again.
    pub fn refresh(&mut self) {
        self.found = available_models();
    }

    /// Records `choice`, tells the host that the project changed, and waits for the loader's
    /// answer.
    fn choose(&mut self, params: &ChameleonParams, status: &EngineStatus, choice: ModelChoice) {
        self.pending = Pending::Loading {
            path: choice.path.clone(),
            builds: status.engine_builds.load(Ordering::Relaxed),
        };
        params.model.choose(choice);
        params.state_change.mark();
    }

    /// Validates the path field and, if it names a model file, chooses it.
    pub fn load_typed_path(&mut self, params: &ChameleonParams, status: &EngineStatus) {
        match validate_path(&self.path_text) {
            Ok(path) => {
                self.path_error = None;
                self.choose(params, status, ModelChoice::file(&path));
            }
            Err(e) => self.path_error = Some(e),
        }
    }

    fn poll(&mut self, status: &EngineStatus) {
        if let Pending::Loading { path, builds } = &self.pending {
            if status.engine_builds.load(Ordering::Relaxed) > *builds {
                let info = status.info();
                let wanted = path.clone();
                let got_it = wanted.is_none() || info.model_path == wanted;
                self.pending = Pending::Done(match (&info.reason, got_it) {
                    (None, true) => {
                        Ok(format!("Loaded {}", super::status_panel::model_text(&info)))
                    }
                    (Some(reason), _) => Err(reason.clone()),
                    (None, false) => Err("The loader picked another model.".to_owned()),
                });
            }
        }
    }

    /// Draws the picker.
    pub fn show(&mut self, ui: &mut Ui, params: &ChameleonParams, status: &EngineStatus) {
        self.poll(status);
        let current = params.model.get();
        let current_text = match &current.path {
            None => format!("Bundled ({DEFAULT_MODEL_FILE})"),
            Some(p) => file_name(Path::new(p)),
        };
        theme::section_title(ui, "Model file");
        ui.horizontal(|ui| {
            let width = (ui.available_width() - 70.0).max(120.0);
            egui::ComboBox::from_id_salt("chameleon-model")
                .width(width)
                .truncate()
                .selected_text(current_text)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_label(
                            current.path.is_none(),
                            format!("Bundled ({DEFAULT_MODEL_FILE})"),
                        )
                        .clicked()
                        && current.path.is_some()
                    {
                        self.choose(params, status, ModelChoice::bundled());
                    }
                    for path in self.found.clone() {
                        let text = path.display().to_string();
                        let selected = current.path.as_deref() == Some(text.as_str());
                        if ui
                            .selectable_label(selected, file_name(&path))
                            .on_hover_text(&text)
                            .clicked()
                            && !selected
                        {
                            self.choose(params, status, ModelChoice::file(&path));
                        }
                    }
                    if self.found.is_empty() {
                        let dirs = model_dirs()
                            .iter()
                            .map(|d| d.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ");
                        ui.label(
                            RichText::new(format!("No models in {dirs}"))
                                .color(theme::MUTED)
                                .size(11.0),
                        );
                    }
                });
            if ui
                .button("Rescan")
                .on_hover_text("Look in the model folders again")
                .clicked()
            {
                self.refresh();
            }
        });
        ui.horizontal(|ui| {
            let width = (ui.available_width() - 70.0).max(120.0);
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.path_text)
                    .hint_text("/path/to/model.onnx")
                    .desired_width(width),
            );
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Load").clicked() || enter {
                self.load_typed_path(params, status);
            }
        });
        let message = if let Some(e) = &self.path_error {
            Some((e.clone(), theme::ERROR))
        } else {
            match &self.pending {
                Pending::None => None,
                Pending::Loading { .. } => Some(("Loading...".to_owned(), theme::MUTED)),
                Pending::Done(Ok(text)) => Some((text.clone(), theme::ACCENT)),
                Pending::Done(Err(text)) => Some((text.clone(), theme::ERROR)),
            }
        };
        if let Some((text, colour)) = message {
            ui.label(RichText::new(text).color(colour).size(12.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_paths_are_checked_before_loading() {
        assert!(validate_path("  ").unwrap_err().contains("Type the path"));
        assert!(validate_path("model.onnx")
            .unwrap_err()
            .contains("absolute"));
        assert!(validate_path("/nonexistent/x.onnx")
            .unwrap_err()
            .contains("no file"));
        let dir = std::env::temp_dir().join(format!("chameleon-picker-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let txt = dir.join("notes.txt");
        std::fs::write(&txt, b"x").unwrap();
        assert!(validate_path(txt.to_str().unwrap())
            .unwrap_err()
            .contains("not an .onnx"));
        let onnx = dir.join("m.onnx");
        std::fs::write(&onnx, b"x").unwrap();
        assert_eq!(validate_path(onnx.to_str().unwrap()).unwrap(), onnx);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
