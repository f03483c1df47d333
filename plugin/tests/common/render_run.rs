//! Running `chameleon-render` in the tests that drive it end to end (`tests/render_cli.rs`,
//! `tests/presets.rs`).

use std::path::Path;
use std::process::{Command, Output};

/// The renderer binary of this build.
pub const RENDER: &str = env!("CARGO_BIN_EXE_chameleon-render");

/// Runs the renderer with `data_home` as `XDG_DATA_HOME` and no model folder, so no installed
/// model, runtime or preset changes what a test sees beyond what it puts there.
pub fn run_with_data_home(args: &[&str], data_home: &Path) -> Output {
    Command::new(RENDER)
        .args(args)
        .env("CHAMELEON_MODEL_DIR", "/nonexistent")
        .env("XDG_DATA_HOME", data_home)
        .output()
        .expect("chameleon-render runs")
}

/// The one JSON object a successful `--json` run prints.
pub fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}
