//! Where the plugin's own shared library lives, so files installed next to it (ONNX Runtime)
//! are found whatever host loaded it.

use std::path::PathBuf;

/// The folder holding the library or executable this code is part of (the `.clap` file's
/// folder, the VST3 bundle's `Contents/x86_64-linux/` or `Contents/x86_64-win/`, or the
/// standalone's folder).
pub fn binary_dir() -> Option<PathBuf> {
    match own_module_path() {
        Some(path) => path.parent().map(PathBuf::from),
        None => std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(PathBuf::from)),
    }
}

/// The file this code was loaded from, asked of the dynamic loader with the address of a
/// function in it (`dladdr`).
#[cfg(unix)]
fn own_module_path() -> Option<PathBuf> {
    use std::ffi::CStr;

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
        return None;
    }
    // SAFETY: checked non-null above; see the previous comment for its lifetime.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    let path = PathBuf::from(name.to_string_lossy().into_owned());
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The file this code was loaded from, asked of the Windows loader with the address of a
/// function in it (`GetModuleHandleExW`, then `GetModuleFileNameW`).
#[cfg(windows)]
fn own_module_path() -> Option<PathBuf> {
    use std::ffi::OsString;
    use std::os::windows::ffi::OsStringExt;
    use windows_sys::Win32::Foundation::HMODULE;
    use windows_sys::Win32::System::LibraryLoader::{
        GetModuleFileNameW, GetModuleHandleExW, GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
        GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
    };

    /// Longest path the wide Windows API returns, in UTF-16 units.
    const MAX_WIDE_PATH: usize = 32_768;

    let mut module: HMODULE = std::ptr::null_mut();
    let address = binary_dir as fn() -> Option<PathBuf> as *const u16;
    // SAFETY: with FROM_ADDRESS the second argument is an address inside a loaded module (this
    // function's), not a string; UNCHANGED_REFCOUNT means no handle has to be released.
    // `module` lives on this stack frame.
    let found = unsafe {
        GetModuleHandleExW(
            GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
            address,
            &mut module,
        )
    };
    if found == 0 || module.is_null() {
        return None;
    }
    let mut name = vec![0u16; MAX_WIDE_PATH];
    // SAFETY: `module` is this library's handle, valid while its code runs; the buffer holds
    // `name.len()` units and the call writes at most that many.
    let written = unsafe { GetModuleFileNameW(module, name.as_mut_ptr(), name.len() as u32) };
    let written = written as usize;
    if written == 0 || written >= name.len() {
        return None;
    }
    Some(PathBuf::from(OsString::from_wide(&name[..written])))
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_folder_that_exists() {
        let dir = super::binary_dir().expect("a folder");
        assert!(dir.is_dir(), "{}", dir.display());
    }

    #[test]
    fn the_loader_names_the_file_this_code_runs_from() {
        let path = super::own_module_path().expect("the loader knows this code's file");
        assert!(path.is_file(), "{}", path.display());
    }
}
