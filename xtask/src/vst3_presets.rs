//! The factory presets as VST3 preset files: runs `chameleon-presets vst3` (built for this
//! machine) into a folder.

use std::path::Path;
use std::process::Command;

/// Writes the factory presets as `.vstpreset` files into `out` (`CATEGORY/NAME.vstpreset`),
/// resolved against the bundled model; `windows` writes the class ID as Windows hosts read it.
pub fn write(root: &Path, release: bool, out: &Path, windows: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(&cargo);
    command.args([
        "run",
        "--quiet",
        "-p",
        "chameleon",
        "--bin",
        "chameleon-presets",
    ]);
    if release {
        command.arg("--release");
    }
    command.args(["--", "vst3"]).arg(out);
    command
        .arg("--model")
        .arg(root.join("assets/models/chameleon-styles.onnx"));
    if windows {
        command.arg("--windows");
    }
    let status = command
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("chameleon-presets failed ({status})"))
    }
}
