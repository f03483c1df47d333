//! Where the plugin's own shared library lives, so files installed next to it (ONNX Runtime)
//! are found whatever host loaded it.

use std::ffi::CStr;
use std::path::PathBuf;

/// The folder holding the library or executable this code is part of (the `.clap` file's
/// folder, the VST3 bundle's `Contents/x86_64-linux/`, or the standalone's folder).
pub fn binary_dir() -> Option<PathBuf> {
    let mut info = libc::Dl_info {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    let address = binary_dir as fn() -> Option<PathBuf> as *const libc::c_void;
    // SAFETY: `dladdr` only reads the address and writes `info`, which lives on this stack
    // frame; `dli_fname`, when set, points to a NUL-terminated string owned by the loader that
    // stays valid while this library is loaded (it is, since this code is running).
    let found = unsafe { libc::dladdr(address, &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(PathBuf::from));
    }
    // SAFETY: checked non-null above; see the previous comment for its lifetime.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    let path = PathBuf::from(name.to_string_lossy().into_owned());
    let path = std::fs::canonicalize(&path).unwrap_or(path);
    path.parent().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_folder_that_exists() {
        let dir = super::binary_dir().expect("a folder");
        assert!(dir.is_dir(), "{}", dir.display());
    }
}
