//! Loading ONNX Runtime so that the libraries it needs from its own folder are found.
//!
//! Windows looks for a DLL's dependencies beside the *host's* executable, in the system folders
//! and on `PATH`, not beside the DLL that needs them. The DirectML build of `onnxruntime.dll`
//! delay-loads `DirectML.dll` from its own folder (a plugin bundle or the user install folder),
//! so before ONNX Runtime starts, both are loaded here by full path
//! (`LOAD_WITH_ALTERED_SEARCH_PATH`) and kept loaded for the life of the process: a later load
//! by bare name then finds the module already in memory. Elsewhere this does nothing, since the
//! Linux and macOS libraries carry their own search paths.

use std::path::Path;

/// Libraries ONNX Runtime may load by bare name, loaded from beside it first when present.
pub const SIBLINGS: &[&str] = &["DirectML.dll"];

/// Keeps the ONNX Runtime library at `library`, and those of [`SIBLINGS`] beside it, loaded for
/// the rest of the process (Windows only). A sibling that is present but cannot be loaded is an
/// error that names it.
#[cfg(windows)]
pub fn keep_loaded_with_siblings(library: &Path) -> Result<(), String> {
    use libloading::os::windows::{Library, LOAD_WITH_ALTERED_SEARCH_PATH};

    let folder = library.parent().unwrap_or(Path::new("."));
    let siblings = SIBLINGS
        .iter()
        .map(|name| folder.join(name))
        .filter(|p| p.is_file());
    for path in siblings.chain(std::iter::once(library.to_path_buf())) {
        // SAFETY: loading a library runs its initialisers; these are ONNX Runtime's own files,
        // found beside the library the user or the installer chose.
        let loaded = unsafe { Library::load_with_flags(&path, LOAD_WITH_ALTERED_SEARCH_PATH) }
            .map_err(|e| format!("could not load {} ({e})", path.display()))?;
        // NOTE: never unloaded: ONNX Runtime stays loaded for the life of the process anyway.
        let _handle = loaded.into_raw();
    }
    Ok(())
}

/// Keeps the ONNX Runtime library loaded with its siblings (Windows only; nothing to do here).
#[cfg(not(windows))]
pub fn keep_loaded_with_siblings(_library: &Path) -> Result<(), String> {
    Ok(())
}
