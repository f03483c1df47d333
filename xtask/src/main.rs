//! Project tasks: `cargo xtask <command>`.
//!
//! - `install [--debug] [--standalone] [--no-fetch]`: bundles the plugin, places ONNX Runtime and the
//!   bundled models where the plugin finds them, and copies the bundles into `~/.clap` and
//!   `~/.vst3`;
//! - `fetch-onnxruntime [--gpu] [--runtime-only] [--target linux|windows|macos]`: downloads ONNX Runtime
//!   into `target/onnxruntime/`;
//! - `bundle-windows [--release|--debug|--profile NAME] [--no-standalone] [--no-fetch]`:
//!   cross-builds the Windows bundles and executables into `target/bundled/windows/`;
//! - everything else (`bundle chameleon --release`, ...) goes to `nice_plug_xtask`.

mod bundle_windows;
mod cargo;
mod fetch_onnxruntime;
mod files;
mod install;
mod vst3_presets;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("install") => install::run(&args[1..]),
        Some("fetch-onnxruntime") => fetch_onnxruntime::run(&args[1..]),
        Some("bundle-windows") => bundle_windows::run(&args[1..]),
        _ => nice_plug_xtask::main().map_err(|e| format!("{e:#}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
