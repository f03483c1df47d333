//! ONNX Runtime discovery and process-wide initialisation.
//!
//! Chameleon loads the ONNX Runtime shared library at run time (`ort`'s `load-dynamic`), so the
//! plugin and the render CLI build and start without it and fall back to the built-in model when
//! it is missing. ONNX Runtime allows one environment per process and several plugin instances
//! share one host process, so the loaded runtime lives in a process-wide cell: the first
//! successful [`ensure_runtime`] wins and every later call returns the same [`Runtime`].
//!
//! # Where the library is looked for, in order
//!
//! 1. the environment variable [`DYLIB_ENV`] (`CHAMELEON_ORT_DYLIB`): a library file or a
//!    folder holding one; a relative path is taken relative to the current directory;
//! 2. the folders the caller passes (the plugin passes its bundle's binary folder, the render CLI
//!    its executable's folder and the repository's `target/onnxruntime/`); a relative folder is
//!    taken relative to the host executable's folder;
//! 3. the user install folder, [`user_install_dir`] (`$XDG_DATA_HOME/chameleon/onnxruntime/`,
//!    by default `~/.local/share/chameleon/onnxruntime/`).
//!
//! Nothing here panics on a bad library: a missing file, a library that is not ONNX Runtime, or
//! one older than [`MIN_ORT_VERSION`] gives a [`RuntimeError`] that says what to do.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Environment variable naming the ONNX Runtime library (or a folder holding it).
pub const DYLIB_ENV: &str = "CHAMELEON_ORT_DYLIB";

/// The ONNX Runtime version `cargo xtask fetch-onnxruntime` installs and the engine is tested with.
pub const PINNED_ORT_VERSION: &str = "1.31.1";

/// The DirectML build of ONNX Runtime that Windows bundles carry (`onnxruntime-directml`, the
/// newest DirectML build on PyPI).
pub const DIRECTML_ORT_VERSION: &str = "1.24.4";

/// Oldest ONNX Runtime release the engine accepts (its C API level must be at least this minor).
/// Windows builds use C API level 24 so that the DirectML build loads.
pub const MIN_ORT_VERSION: &str = if cfg!(windows) { "1.24.0" } else { "1.31.0" };

/// What to tell people when no usable runtime was found.
pub const INSTALL_HINT: &str = if cfg!(windows) {
    "run `cargo xtask fetch-onnxruntime --target windows` in the Chameleon source tree and \
     install the Windows bundle, or copy onnxruntime.dll (version 1.24 or newer, with \
     DirectML.dll for the DirectML build) into the user install folder \
     %LOCALAPPDATA%\\Chameleon\\onnxruntime or next to the plugin binary, or point \
     CHAMELEON_ORT_DYLIB at it"
} else {
    "run `cargo xtask fetch-onnxruntime` in the Chameleon source tree, \
     or copy libonnxruntime (version 1.31 or newer) next to the plugin binary or into the user \
     install folder, or point CHAMELEON_ORT_DYLIB at it"
};

/// A loaded ONNX Runtime, shared by everything in the process.
pub struct Runtime {
    environment: ort::environment::Environment,
    path: PathBuf,
    version: String,
}

impl Runtime {
    /// The ONNX Runtime environment sessions are created in.
    pub fn environment(&self) -> &ort::environment::Environment {
        &self.environment
    }

    /// Absolute path of the loaded library.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The library's version string, e.g. `1.31.1`.
    pub fn version(&self) -> &str {
        &self.version
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("path", &self.path)
            .field("version", &self.version)
            .finish()
    }
}

/// Where a candidate library path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateSource {
    /// The [`DYLIB_ENV`] environment variable.
    Environment,
    /// A folder the caller passed.
    SearchDir,
    /// The user install folder.
    UserInstall,
}

impl fmt::Display for CandidateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CandidateSource::Environment => "environment variable CHAMELEON_ORT_DYLIB",
            CandidateSource::SearchDir => "search folder",
            CandidateSource::UserInstall => "user install folder",
        })
    }
}

/// Why ONNX Runtime is not available.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeError {
    /// One plain-words sentence on what went wrong.
    pub summary: String,
    /// Every library file that was tried, with why it was not usable.
    pub tried: Vec<(PathBuf, String)>,
    /// Folders that were searched and held no library.
    pub searched: Vec<PathBuf>,
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)?;
        for (path, why) in &self.tried {
            write!(f, "; {}: {why}", path.display())?;
        }
        if !self.searched.is_empty() {
            let folders: Vec<String> = self
                .searched
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            write!(f, "; searched {}", folders.join(", "))?;
        }
        write!(f, ". To fix: {INSTALL_HINT}.")
    }
}

impl std::error::Error for RuntimeError {}

/// The state of ONNX Runtime in this process, for the editor and the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeStatus {
    /// Nobody has asked for the runtime yet.
    NotLoaded,
    /// Loaded and usable.
    Ready {
        /// Absolute path of the library.
        path: PathBuf,
        /// Its version string.
        version: String,
    },
    /// The last attempt failed; neural models are unavailable and the built-in model runs.
    Unavailable(RuntimeError),
}

impl fmt::Display for RuntimeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeStatus::NotLoaded => f.write_str("ONNX Runtime not loaded yet"),
            RuntimeStatus::Ready { path, version } => {
                write!(f, "ONNX Runtime {version} ({})", path.display())
            }
            RuntimeStatus::Unavailable(e) => write!(f, "ONNX Runtime unavailable: {e}"),
        }
    }
}

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
/// Serialises load attempts and remembers the last failure for [`runtime_status`].
static LAST_ERROR: Mutex<Option<RuntimeError>> = Mutex::new(None);

/// The runtime, if one has been loaded in this process.
pub fn runtime() -> Option<&'static Runtime> {
    RUNTIME.get()
}

/// What the process knows about ONNX Runtime right now; never loads anything.
pub fn runtime_status() -> RuntimeStatus {
    if let Some(rt) = RUNTIME.get() {
        return RuntimeStatus::Ready {
            path: rt.path.clone(),
            version: rt.version.clone(),
        };
    }
    match LAST_ERROR.lock() {
        Ok(guard) => match guard.as_ref() {
            Some(e) => RuntimeStatus::Unavailable(e.clone()),
            None => RuntimeStatus::NotLoaded,
        },
        Err(_) => RuntimeStatus::NotLoaded,
    }
}

/// Returns the process's runtime, loading it first if needed from the places listed in the
/// module documentation, with `search_dirs` as the caller's folders (in order).
///
/// Safe to call from several threads and plugin instances: the first success is kept for the
/// life of the process. A failure is not cached; a later call with other folders tries again.
/// Call it off the audio thread (it may read the file system and load a library).
pub fn ensure_runtime(search_dirs: &[PathBuf]) -> Result<&'static Runtime, RuntimeError> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let mut last = LAST_ERROR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let (candidates, searched) = candidates(search_dirs);
    let mut tried = Vec::new();
    for (path, source) in candidates {
        if tried.iter().any(|(p, _): &(PathBuf, String)| *p == path) {
            continue;
        }
        match load(&path) {
            Ok(runtime) => {
                *last = None;
                // NOTE: the lock is held, so nobody else can have set the cell meanwhile.
                return Ok(RUNTIME.get_or_init(|| runtime));
            }
            Err(why) => tried.push((path, format!("{why} (found through the {source})"))),
        }
    }
    let summary = if tried.is_empty() {
        "no ONNX Runtime library was found".to_owned()
    } else {
        "no usable ONNX Runtime library was found".to_owned()
    };
    let error = RuntimeError {
        summary,
        tried,
        searched,
    };
    *last = Some(error.clone());
    Err(error)
}

/// Chameleon's per-user data folder (models, presets, ONNX Runtime):
/// `$XDG_DATA_HOME/chameleon` (default `~/.local/share/chameleon`) on Linux,
/// `%LOCALAPPDATA%\\Chameleon` on Windows, `~/Library/Application Support/Chameleon` on macOS.
pub fn user_data_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        non_empty("LOCALAPPDATA").map(|d| d.join("Chameleon"))
    } else if cfg!(target_os = "macos") {
        non_empty("HOME").map(|h| {
            h.join("Library")
                .join("Application Support")
                .join("Chameleon")
        })
    } else {
        non_empty("XDG_DATA_HOME")
            .filter(|d| d.is_absolute())
            .or_else(|| non_empty("HOME").map(|h| h.join(".local").join("share")))
            .map(|d| d.join("chameleon"))
    }
}

/// The user install folder for ONNX Runtime: `onnxruntime/` in [`user_data_dir`].
pub fn user_install_dir() -> Option<PathBuf> {
    user_data_dir().map(|d| d.join("onnxruntime"))
}

/// Whether `name` looks like an ONNX Runtime core library file for this platform
/// (`libonnxruntime.so`, `libonnxruntime.so.1.31.1`, `onnxruntime.dll`, `libonnxruntime.dylib`,
/// `libonnxruntime.1.31.1.dylib`). Provider libraries do not match.
pub fn is_library_name(name: &str) -> bool {
    if cfg!(windows) {
        name.eq_ignore_ascii_case("onnxruntime.dll")
    } else if cfg!(target_os = "macos") {
        name.starts_with("libonnxruntime.")
            && name.ends_with(".dylib")
            && name["libonnxruntime.".len()..name.len() - ".dylib".len()]
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.')
    } else {
        name == "libonnxruntime.so"
            || name
                .strip_prefix("libonnxruntime.so.")
                .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
    }
}

/// The library files in `dir`, the pinned version first, then the others by name.
pub fn libraries_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_str().is_some_and(is_library_name))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.sort_by_key(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        !name.contains(PINNED_ORT_VERSION)
    });
    found
}

/// The library files to try, in order, and the folders searched.
fn candidates(search_dirs: &[PathBuf]) -> (Vec<(PathBuf, CandidateSource)>, Vec<PathBuf>) {
    let mut out = Vec::new();
    let mut searched = Vec::new();
    if let Some(value) = std::env::var_os(DYLIB_ENV).filter(|v| !v.is_empty()) {
        let path = std::path::absolute(PathBuf::from(&value)).unwrap_or_else(|_| value.into());
        if path.is_dir() {
            let found = libraries_in(&path);
            if found.is_empty() {
                searched.push(path);
            }
            out.extend(found.into_iter().map(|p| (p, CandidateSource::Environment)));
        } else {
            // A missing file is still tried, so the error names it.
            out.push((path, CandidateSource::Environment));
        }
    }
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    let mut dirs: Vec<(PathBuf, CandidateSource)> = search_dirs
        .iter()
        .filter_map(|d| {
            if d.is_absolute() {
                Some(d.clone())
            } else {
                exe_dir.as_ref().map(|e| e.join(d))
            }
        })
        .map(|d| (d, CandidateSource::SearchDir))
        .collect();
    if let Some(user) = user_install_dir() {
        dirs.push((user, CandidateSource::UserInstall));
    }
    for (dir, source) in dirs {
        let found = libraries_in(&dir);
        if found.is_empty() {
            searched.push(dir);
        }
        out.extend(found.into_iter().map(|p| (p, source)));
    }
    (out, searched)
}

/// Loads the library at `path` and creates the process's environment.
fn load(path: &Path) -> Result<Runtime, String> {
    if !path.exists() {
        return Err("no such file".to_owned());
    }
    let version = library_version(path)?;
    check_version(&version)?;
    crate::library_preload::keep_loaded_with_siblings(path)?;
    // NOTE: `ort` keeps the first library it loads successfully for the life of the process.
    // A library that failed above was never handed to it, so a later good one can still load.
    let loaded = std::panic::catch_unwind(|| -> Result<ort::environment::Environment, String> {
        let builder = ort::init_from(path).map_err(|e| describe_load_error(&e))?;
        builder
            .with_name("chameleon")
            .with_telemetry(false)
            .build()
            .map_err(|e| format!("ONNX Runtime could not start: {e}"))
    });
    let environment = loaded.map_err(|_| "ONNX Runtime failed while starting".to_owned())??;
    Ok(Runtime {
        environment,
        path: path.to_path_buf(),
        version,
    })
}

fn describe_load_error(error: &ort::LoadDynamicError) -> String {
    match error {
        ort::LoadDynamicError::Dlopen { error, .. } => format!("could not be loaded ({error})"),
        ort::LoadDynamicError::MissingApi { .. } => {
            "is not an ONNX Runtime library (it does not export OrtGetApiBase)".to_owned()
        }
        ort::LoadDynamicError::InvalidVersionString => {
            "reports a malformed version string".to_owned()
        }
        ort::LoadDynamicError::BadVersion { version_str, .. } => {
            format!(
                "is ONNX Runtime {version_str}, older than the {MIN_ORT_VERSION} Chameleon needs"
            )
        }
    }
}

/// Reads the version string of the ONNX Runtime library at `path` without initialising it.
fn library_version(path: &Path) -> Result<String, String> {
    // SAFETY: loading a shared library runs its initialisers; the path was chosen by the user
    // or the installer as an ONNX Runtime library. It is unloaded again when `lib` drops.
    let lib = unsafe { libloading::Library::new(path) }
        .map_err(|e| format!("could not be loaded ({e})"))?;
    // SAFETY: `OrtGetApiBase` takes no arguments and returns a pointer to a static struct in
    // every ONNX Runtime release; the symbol's type is that of the C API.
    let get_base = unsafe {
        lib.get::<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase>(b"OrtGetApiBase\0")
    }
    .map_err(|_| "is not an ONNX Runtime library (it does not export OrtGetApiBase)".to_owned())?;
    // SAFETY: see above; the returned struct lives as long as the library.
    let base = unsafe { get_base() };
    if base.is_null() {
        return Err(
            "is not a usable ONNX Runtime library (OrtGetApiBase returned null)".to_owned(),
        );
    }
    // SAFETY: `base` is non-null and points into the loaded library, which is alive here;
    // `GetVersionString` returns a NUL-terminated static string.
    let version = unsafe {
        let ptr = ((*base).GetVersionString)();
        if ptr.is_null() {
            return Err("reports no version".to_owned());
        }
        std::ffi::CStr::from_ptr(ptr).to_string_lossy().into_owned()
    };
    Ok(version)
}

/// Checks that an ONNX Runtime version string (`1.31.1`) is at least [`MIN_ORT_VERSION`].
pub fn check_version(version: &str) -> Result<(), String> {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    };
    let (Some(have), Some(need)) = (parse(version), parse(MIN_ORT_VERSION)) else {
        return Err(format!("reports an unreadable version `{version}`"));
    };
    if have.0 != need.0 {
        return Err(format!(
            "is ONNX Runtime {version}, a major version Chameleon does not support (it needs 1.x, \
             {MIN_ORT_VERSION} or newer)"
        ));
    }
    if have < need {
        return Err(format!(
            "is ONNX Runtime {version}, older than the {MIN_ORT_VERSION} Chameleon needs"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_check_accepts_new_and_refuses_old_or_odd_versions() {
        assert!(check_version("1.31.1").is_ok());
        assert!(check_version("1.31.0").is_ok());
        assert!(check_version("1.40.0").is_ok());
        let old = check_version("1.20.1").unwrap_err();
        assert!(old.contains("older than"), "{old}");
        assert!(check_version("2.0.0").is_err());
        assert!(check_version("").is_err());
        assert!(check_version("one.two").is_err());
    }

    #[test]
    fn library_names_match_the_core_library_only() {
        if cfg!(target_os = "linux") {
            assert!(is_library_name("libonnxruntime.so"));
            assert!(is_library_name("libonnxruntime.so.1.31.1"));
            assert!(!is_library_name("libonnxruntime_providers_cuda.so"));
            assert!(!is_library_name("libonnxruntime.so.1.31.1.sha256"));
            assert!(!is_library_name("libonnxruntime.so."));
        }
    }
}
