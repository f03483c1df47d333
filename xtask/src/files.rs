//! File helpers shared by the install and bundle tasks.

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Copies `from` into `to_dir` (created if needed) as `name`, and returns the new path.
/// Replaces rather than overwrites in place: a running host may have the old file mapped.
pub fn copy_file(from: &Path, to_dir: &Path, name: &str) -> Result<PathBuf, String> {
    fs::create_dir_all(to_dir).map_err(|e| format!("cannot create {}: {e}", to_dir.display()))?;
    let to = to_dir.join(name);
    let _ = fs::remove_file(&to);
    fs::copy(from, &to)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    Ok(to)
}

/// Copies `from` into `to_dir` under its own file name.
pub fn copy_file_into(from: &Path, to_dir: &Path) -> Result<PathBuf, String> {
    let name = from
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| format!("{} has no file name", from.display()))?;
    copy_file(from, to_dir, name)
}

/// Copies the folder `from` and everything in it into `to`, which is created if needed; files
/// already in `to` that `from` does not have are kept.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()))?;
        } else {
            copy_file_into(&path, to)?;
        }
    }
    Ok(())
}
