//! `cargo xtask install`: bundle, then install the bundles, ONNX Runtime and the models for
//! the current user.
//!
//! | What                        | Where                                                    |
//! |-----------------------------|----------------------------------------------------------|
//! | `Chameleon.clap`            | `~/.clap/`                                               |
//! | `Chameleon.vst3`            | `~/.vst3/`                                               |
//! | `libonnxruntime.so*`        | inside the VST3 bundle, and `~/.local/share/chameleon/onnxruntime/` (where the CLAP finds it) |
//! | `assets/models/*.onnx`      | `~/.local/share/chameleon/models/`                       |
//! | `assets/presets/*.chpreset` | `~/.local/share/chameleon/factory-presets/` (user presets go in `presets/`) |
//! | the same, as `.vstpreset`   | `~/.vst3/presets/Chameleon Audio/Chameleon/CATEGORY/`    |
//! | `chameleon-standalone`      | `~/.local/bin/` (with `--standalone`)                    |
//!
//! `$XDG_DATA_HOME` replaces `~/.local/share` when set. ONNX Runtime is fetched into
//! `target/onnxruntime/` first (`cargo xtask fetch-onnxruntime --runtime-only`; skipped with
//! `--no-fetch`) and copied from there; without it the plugins still install and play the
//! built-in styles.

use std::fs;
use std::path::{Path, PathBuf};

use crate::cargo::run_cargo;
use crate::files::{copy_file_into, copy_tree, workspace_root};

/// Bundle name (see `bundler.toml`).
const BUNDLE: &str = "Chameleon";
/// Package that holds the plugin.
const PACKAGE: &str = "chameleon";
/// The plugin's folder under a VST3 preset root (vendor, then plugin name).
pub const VST3_PRESET_FOLDER: &str = "presets/Chameleon Audio/Chameleon";

/// Options of `cargo xtask install`.
struct Options {
    release: bool,
    standalone: bool,
    no_fetch: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        release: true,
        standalone: false,
        no_fetch: false,
    };
    for arg in args {
        match arg.as_str() {
            "--debug" => options.release = false,
            "--standalone" => options.standalone = true,
            "--no-fetch" => options.no_fetch = true,
            other => {
                return Err(format!(
                    "unknown option {other}\nusage: cargo xtask install [--debug] [--standalone] [--no-fetch]"
                ))
            }
        }
    }
    Ok(options)
}

fn home() -> Result<PathBuf, String> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| "HOME is not set".to_owned())
}

/// `$XDG_DATA_HOME/chameleon` or `~/.local/share/chameleon`.
fn data_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("chameleon"));
    }
    Ok(home()?.join(".local/share/chameleon"))
}

/// Replaces the folder `to` with a copy of `from`.
fn replace_tree(from: &Path, to: &Path) -> Result<(), String> {
    if to.exists() {
        fs::remove_dir_all(to).map_err(|e| format!("cannot replace {}: {e}", to.display()))?;
    }
    copy_tree(from, to)
}

/// The ONNX Runtime library files (`libonnxruntime.so*`) in `dir`.
fn runtime_libraries(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("libonnxruntime"))
        })
        .collect();
    found.sort();
    found
}

/// Runs `cargo xtask install`.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    if !cfg!(target_os = "linux") {
        return Err(
            "`cargo xtask install` installs on Linux. For Windows, build with \
             `cargo xtask bundle-windows` and run install.cmd; for macOS, see docs/PLATFORMS.md"
                .to_owned(),
        );
    }
    let root = workspace_root();
    let profile = if options.release { "release" } else { "debug" };

    let mut bundle_args = vec![
        "run",
        "--package",
        "xtask",
        "--release",
        "--",
        "bundle",
        PACKAGE,
    ];
    if options.release {
        bundle_args.push("--release");
    }
    run_cargo(&root, &bundle_args)?;
    if !options.no_fetch {
        crate::fetch_onnxruntime::run(&["--runtime-only".to_owned()])?;
    }
    if options.standalone {
        let mut build = vec![
            "build",
            "--package",
            PACKAGE,
            "--bin",
            "chameleon-standalone",
            "--features",
            "standalone",
        ];
        if options.release {
            build.push("--release");
        }
        run_cargo(&root, &build)?;
    }

    let bundled = root.join("target/bundled");
    let clap = bundled.join(format!("{BUNDLE}.clap"));
    let vst3 = bundled.join(format!("{BUNDLE}.vst3"));
    let vst3_binary_dir = vst3.join("Contents/x86_64-linux");
    for path in [&clap, &vst3_binary_dir] {
        if !path.exists() {
            return Err(format!(
                "the bundle step did not produce {}",
                path.display()
            ));
        }
    }

    let data = data_dir()?;
    let runtime_dir = root.join("target/onnxruntime");
    let libraries = runtime_libraries(&runtime_dir);
    if libraries.is_empty() {
        eprintln!(
            "note: no ONNX Runtime in {}; run `cargo xtask fetch-onnxruntime` for the neural \
             models. The plugins install anyway and play the built-in styles.",
            runtime_dir.display()
        );
    }
    for lib in &libraries {
        copy_file_into(lib, &vst3_binary_dir)?;
        copy_file_into(lib, &bundled)?;
        copy_file_into(lib, &data.join("onnxruntime"))?;
    }

    let models_src = root.join("assets/models");
    let mut models = 0;
    for entry in fs::read_dir(&models_src).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "onnx") {
            copy_file_into(&path, &data.join("models"))?;
            models += 1;
        }
    }

    let mut presets = 0;
    for entry in fs::read_dir(root.join("assets/presets"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "chpreset") {
            copy_file_into(&path, &data.join("factory-presets"))?;
            presets += 1;
        }
    }

    let home = home()?;
    let clap_dir = home.join(".clap");
    let vst3_dir = home.join(".vst3");
    let installed_clap = copy_file_into(&clap, &clap_dir)?;
    // The CLAP finds ONNX Runtime in the user data folder: hosts scan ~/.clap for plugins, so
    // nothing else belongs there. Remove the copies earlier versions put there.
    for stale in runtime_libraries(&clap_dir) {
        fs::remove_file(&stale).map_err(|e| format!("cannot remove {}: {e}", stale.display()))?;
        println!(
            "removed {} (ONNX Runtime now lives in {})",
            stale.display(),
            data.display()
        );
    }
    let installed_vst3 = vst3_dir.join(format!("{BUNDLE}.vst3"));
    replace_tree(&vst3, &installed_vst3)?;
    // The factory presets as .vstpreset files, in the standard VST3 user preset folder.
    let vst3_presets = vst3_dir.join(VST3_PRESET_FOLDER);
    crate::vst3_presets::write(&root, options.release, &vst3_presets, false)?;
    println!("installed {}", installed_clap.display());
    println!("installed {}", installed_vst3.display());
    println!(
        "installed the VST3 factory presets in {}",
        vst3_presets.display()
    );
    println!(
        "installed {} ONNX Runtime file(s), {models} model(s) and {presets} factory preset(s) \
         under {}",
        libraries.len(),
        data.display()
    );
    if options.standalone {
        let bin = root
            .join("target")
            .join(profile)
            .join("chameleon-standalone");
        let installed = copy_file_into(&bin, &home.join(".local/bin"))?;
        println!("installed {}", installed.display());
    }
    Ok(())
}
