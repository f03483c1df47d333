//! The persisted model choice: which file, and enough identity to notice that it changed.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

/// File name of the bundled default model.
pub const DEFAULT_MODEL_FILE: &str = "chameleon-styles.onnx";

/// The model a project uses. A `None` path means the bundled default model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelChoice {
    /// Absolute path of the model file, or `None` for the bundled default.
    pub path: Option<String>,
    /// File size in bytes when it was chosen.
    pub size: Option<u64>,
    /// File modification time when it was chosen, in milliseconds since the Unix epoch.
    pub modified_ms: Option<u64>,
}

/// Size and modification time of a file, as stored in [`ModelChoice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileIdentity {
    /// Size in bytes.
    pub size: u64,
    /// Modification time in milliseconds since the Unix epoch (0 when unknown).
    pub modified_ms: u64,
}

impl FileIdentity {
    /// Reads the identity of `path`, or `None` if it cannot be read.
    pub fn of(path: &Path) -> Option<Self> {
        let meta = std::fs::metadata(path).ok()?;
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Some(Self {
            size: meta.len(),
            modified_ms,
        })
    }
}

impl ModelChoice {
    /// The bundled default model.
    pub fn bundled() -> Self {
        Self::default()
    }

    /// A specific file, with its current identity.
    pub fn file(path: &Path) -> Self {
        let identity = FileIdentity::of(path);
        Self {
            path: Some(path.to_string_lossy().into_owned()),
            size: identity.map(|i| i.size),
            modified_ms: identity.map(|i| i.modified_ms),
        }
    }

    /// Whether the file on disk differs from the one that was chosen (size or time changed).
    /// `false` for the bundled default or when no identity was stored.
    pub fn changed_on_disk(&self) -> bool {
        let (Some(path), Some(size)) = (&self.path, self.size) else {
            return false;
        };
        match FileIdentity::of(Path::new(path)) {
            Some(now) => now.size != size || self.modified_ms.is_some_and(|m| m != now.modified_ms),
            None => false,
        }
    }
}

/// Chameleon's per-user data folder ([`chameleon_dsp::runtime::user_data_dir`]):
/// `~/.local/share/chameleon` on Linux, `%LOCALAPPDATA%\\Chameleon` on Windows,
/// `~/Library/Application Support/Chameleon` on macOS.
pub fn data_dir() -> Option<PathBuf> {
    chameleon_dsp::runtime::user_data_dir()
}

/// Folders searched for models, in order: `$CHAMELEON_MODEL_DIR`, then `models/` in
/// [`data_dir`].
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os("CHAMELEON_MODEL_DIR").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(dir));
    }
    if let Some(dir) = data_dir() {
        dirs.push(dir.join("models"));
    }
    dirs
}

/// The bundled default model file, if it is installed.
pub fn bundled_model_path() -> Option<PathBuf> {
    model_dirs()
        .into_iter()
        .map(|d| d.join(DEFAULT_MODEL_FILE))
        .find(|p| p.is_file())
}

/// Every `.onnx` file in the model folders, sorted, without duplicates.
pub fn available_models() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = model_dirs()
        .into_iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|entries| entries.filter_map(Result::ok).map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("onnx"))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_notices_a_changed_file() {
        let dir = std::env::temp_dir().join(format!("chameleon-choice-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("m.onnx");
        std::fs::write(&path, b"abc").unwrap();
        let choice = ModelChoice::file(&path);
        assert!(!choice.changed_on_disk());
        std::fs::write(&path, b"abcdef").unwrap();
        assert!(choice.changed_on_disk());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn choice_round_trips_through_json_and_tolerates_missing_keys() {
        let choice = ModelChoice {
            path: Some("/x/y.onnx".into()),
            size: Some(3),
            modified_ms: None,
        };
        let text = serde_json::to_string(&choice).unwrap();
        assert_eq!(serde_json::from_str::<ModelChoice>(&text).unwrap(), choice);
        assert_eq!(
            serde_json::from_str::<ModelChoice>("{}").unwrap(),
            ModelChoice::default()
        );
    }
}
