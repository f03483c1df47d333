//! Finds and opens the model a project asks for, falling back to the built-in styles with a
//! plain-words reason when it cannot.

use std::path::{Path, PathBuf};

use chameleon_dsp::{FrameModel, SpectralShapeModel};

use crate::model_choice::{bundled_model_path, ModelChoice, DEFAULT_MODEL_FILE};
use crate::params::Device;
use crate::status::EngineKind;

/// A model ready to be prepared by an engine.
pub struct OpenedModel {
    /// The model.
    pub model: Box<dyn FrameModel>,
    /// Neural or built-in.
    pub kind: EngineKind,
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    /// Why this is not the model that was asked for; `None` when it is.
    pub reason: Option<String>,
}

impl OpenedModel {
    /// The built-in model, with `reason` for using it.
    pub fn built_in(reason: Option<String>) -> Self {
        Self {
            model: Box::new(SpectralShapeModel::new()),
            kind: EngineKind::BuiltIn,
            path: None,
            reason,
        }
    }
}

/// Folders searched for ONNX Runtime (after `CHAMELEON_ORT_DYLIB`, before the user install
/// folder): the folder of the plugin binary itself.
pub fn runtime_search_dirs() -> Vec<PathBuf> {
    crate::plugin_path::binary_dir().into_iter().collect()
}

/// Opens an ONNX model file on `device`.
fn open_onnx(path: &Path, device: Device) -> Result<Box<dyn FrameModel>, String> {
    let device = match device {
        Device::Auto => chameleon_dsp::model::Device::Auto,
        Device::Cpu => chameleon_dsp::model::Device::Cpu,
        Device::Gpu => chameleon_dsp::model::Device::Gpu,
    };
    chameleon_dsp::model::load_model(path, device, &runtime_search_dirs())
        .map_err(|e| e.to_string())
}

/// Opens the model `choice` names (the bundled default when it names none). Never fails: when
/// the file is missing or broken, or ONNX Runtime is unusable, the built-in model is returned
/// with the reason.
pub fn open(choice: &ModelChoice, device: Device) -> OpenedModel {
    let path = match &choice.path {
        Some(p) => PathBuf::from(p),
        None => match bundled_model_path() {
            Some(p) => p,
            None => {
                return OpenedModel::built_in(Some(format!(
                    "The bundled model ({DEFAULT_MODEL_FILE}) is not installed, so the built-in \
                     styles play. Run `cargo xtask install` to install it."
                )))
            }
        },
    };
    if !path.is_file() {
        return OpenedModel::built_in(Some(format!(
            "The model file {} was not found, so the built-in styles play. Choose another model \
             or restore the file.",
            path.display()
        )));
    }
    let changed = choice.changed_on_disk();
    match open_onnx(&path, device) {
        Ok(model) => OpenedModel {
            model,
            kind: EngineKind::Neural,
            path: Some(path),
            reason: changed.then(|| {
                "The model file changed on disk since this project was saved; the new file is \
                 in use."
                    .to_owned()
            }),
        },
        Err(e) => OpenedModel::built_in(Some(format!(
            "The model could not be loaded, so the built-in styles play: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_gives_the_built_in_model_and_says_why() {
        let choice = ModelChoice {
            path: Some("/nonexistent/chameleon/model.onnx".into()),
            ..ModelChoice::default()
        };
        let opened = open(&choice, Device::Auto);
        assert_eq!(opened.kind, EngineKind::BuiltIn);
        let reason = opened.reason.unwrap();
        assert!(
            reason.contains("/nonexistent/chameleon/model.onnx"),
            "{reason}"
        );
        assert!(reason.contains("not found"), "{reason}");
    }

    #[test]
    fn a_broken_file_gives_the_built_in_model_and_says_why() {
        let dir = std::env::temp_dir().join(format!("chameleon-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("broken.onnx");
        std::fs::write(&path, b"not a model").unwrap();
        let opened = open(&ModelChoice::file(&path), Device::Cpu);
        assert_eq!(opened.kind, EngineKind::BuiltIn);
        assert!(opened.reason.unwrap().contains("could not be loaded"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
