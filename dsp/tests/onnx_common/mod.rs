//! Shared helpers for the ONNX tests: where the runtime and the golden files are.
#![allow(dead_code)]

use std::path::PathBuf;

use chameleon_dsp::runtime::{ensure_runtime, Runtime};

/// The repository root.
pub fn repo_root() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    root.canonicalize().unwrap_or(root)
}

/// Where `cargo xtask fetch-onnxruntime` puts the runtime.
pub fn runtime_dirs() -> Vec<PathBuf> {
    vec![repo_root().join("target").join("onnxruntime")]
}

/// The runtime, or a failure that says how to get it (these tests never skip silently).
pub fn require_runtime() -> &'static Runtime {
    match ensure_runtime(&runtime_dirs()) {
        Ok(rt) => rt,
        Err(e) => panic!(
            "these tests need ONNX Runtime in target/onnxruntime/; run `cargo xtask \
             fetch-onnxruntime` first.\n{e}"
        ),
    }
}

/// A file under training/golden/.
pub fn golden(name: &str) -> PathBuf {
    repo_root().join("training").join("golden").join(name)
}

/// A model under training/golden/models/.
pub fn golden_model(name: &str) -> PathBuf {
    golden("models").join(format!("{name}.onnx"))
}

/// Reads a JSON file under training/golden/.
pub fn golden_json(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(golden(name)).expect("golden data is committed");
    serde_json::from_str(&text).expect("golden data is valid JSON")
}

/// A JSON array of numbers as `f32`s.
pub fn floats(value: &serde_json::Value) -> Vec<f32> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number") as f32)
        .collect()
}
