//! The factory presets as VST3 preset files: runs `chameleon-presets vst3` (built for this
//! machine) into a folder.

use std::ffi::OsStr;
use std::path::Path;

use crate::cargo::run_cargo;

/// Writes the factory presets as `.vstpreset` files into `out` (`CATEGORY/NAME.vstpreset`),
/// resolved against the bundled model; `windows` writes the class ID as Windows hosts read it.
pub fn write(root: &Path, release: bool, out: &Path, windows: bool) -> Result<(), String> {
    let model = root.join("assets/models/chameleon-styles.onnx");
    let mut args: Vec<&OsStr> = [
        "run",
        "--quiet",
        "-p",
        "chameleon",
        "--bin",
        "chameleon-presets",
    ]
    .map(OsStr::new)
    .to_vec();
    if release {
        args.push(OsStr::new("--release"));
    }
    args.extend([OsStr::new("--"), OsStr::new("vst3"), out.as_os_str()]);
    args.extend([OsStr::new("--model"), model.as_os_str()]);
    if windows {
        args.push(OsStr::new("--windows"));
    }
    run_cargo(root, &args)
}
