//! Running cargo from a task.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// Runs `cargo ARGS` (the cargo that runs this task) in `root`; an error names the command.
pub fn run_cargo<A: AsRef<OsStr>>(root: &Path, args: &[A]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .args(args)
        .current_dir(root)
        .status()
        .map_err(|e| format!("could not run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        let shown: Vec<String> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        Err(format!("`cargo {}` failed ({status})", shown.join(" ")))
    }
}
