//! `cargo xtask bundle-windows [--release | --debug | --profile NAME] [--no-standalone] [--no-fetch]`:
//! cross-builds Chameleon for 64-bit Windows (`x86_64-pc-windows-gnu`, linked by mingw-w64) and
//! lays out everything a Windows user installs in `target/bundled/windows/`:
//!
//! | File                                                | Installed to (by `install.cmd`)          |
//! |-----------------------------------------------------|------------------------------------------|
//! | `Chameleon.clap`                                    | `%COMMONPROGRAMFILES%\CLAP\`              |
//! | `Chameleon.vst3\Contents\x86_64-win\Chameleon.vst3` | `%COMMONPROGRAMFILES%\VST3\`              |
//! | `Chameleon.vst3\Contents\x86_64-win\*.dll`          | (inside the VST3 bundle)                  |
//! | `onnxruntime\*.dll`                                 | `%LOCALAPPDATA%\Chameleon\onnxruntime\`   |
//! | `models\*.onnx`                                     | `%LOCALAPPDATA%\Chameleon\models\`        |
//! | `presets\*.chpreset`                                | `%LOCALAPPDATA%\Chameleon\factory-presets\` |
//! | `vst3-presets\CATEGORY\*.vstpreset`                 | `Documents\VST3 Presets\Chameleon Audio\Chameleon\` |
//! | `chameleon-render.exe`, `chameleon-standalone.exe`  | `%LOCALAPPDATA%\Programs\Chameleon\`      |
//! | `install.cmd`                                       | run it; `install.cmd /user` installs the plugins per user under `%LOCALAPPDATA%\Programs\Common\` |
//!
//! The ONNX Runtime files are the DirectML build (`onnxruntime.dll` 1.24.4 with `DirectML.dll`
//! and `onnxruntime_providers_shared.dll`), fetched and checked by
//! `cargo xtask fetch-onnxruntime --target windows` first unless `--no-fetch` is given. The CLAP
//! is one file, so it finds ONNX Runtime in the user data folder; the VST3 carries its own copy.
//! Without them the plugins still load and play the built-in styles.
//!
//! Needs the `x86_64-pc-windows-gnu` Rust target and Debian's `gcc-mingw-w64-x86-64`
//! (`scripts/setup-windows.sh` installs both).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cargo::run_cargo;
use crate::fetch_onnxruntime::WINDOWS_DIRECTML_DIR;
use crate::files::{copy_file, copy_tree, workspace_root};

/// The Rust target triple of the Windows build.
pub const TARGET: &str = "x86_64-pc-windows-gnu";
/// The linker `.cargo/config.toml` names for [`TARGET`].
const LINKER: &str = "x86_64-w64-mingw32-gcc";
/// Bundle name (see `bundler.toml`).
const BUNDLE: &str = "Chameleon";
/// Package that holds the plugin.
const PACKAGE: &str = "chameleon";
/// Where the layout goes, under the target folder.
pub const OUT_DIR: &str = "bundled/windows";

/// Options of `cargo xtask bundle-windows`.
struct Options {
    /// Cargo profile name (`release`, `dev` or a custom one).
    profile: String,
    standalone: bool,
    fetch: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let usage = "usage: cargo xtask bundle-windows [--release | --debug | --profile NAME] \
                 [--no-standalone] [--no-fetch]";
    let mut options = Options {
        profile: "release".to_owned(),
        standalone: true,
        fetch: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--release" => options.profile = "release".to_owned(),
            "--debug" => options.profile = "dev".to_owned(),
            "--profile" => {
                options.profile = args
                    .next()
                    .ok_or_else(|| format!("--profile needs a name\n{usage}"))?
                    .clone();
            }
            "--no-standalone" => options.standalone = false,
            "--no-fetch" => options.fetch = false,
            "-h" | "--help" => {
                println!("{usage}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown option {other}\n{usage}")),
        }
    }
    Ok(options)
}

/// The folder cargo writes a profile's output to (`dev` builds go to `debug/`).
fn profile_dir(profile: &str) -> &str {
    if profile == "dev" {
        "debug"
    } else {
        profile
    }
}

/// Says what to install when the cross toolchain is missing.
fn check_toolchain() -> Result<(), String> {
    let linker = Command::new(LINKER).arg("--version").output();
    if !linker.is_ok_and(|o| o.status.success()) {
        return Err(format!(
            "the Windows linker {LINKER} is missing; run `bash scripts/setup-windows.sh` \
             (Debian package gcc-mingw-w64-x86-64)"
        ));
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if let Ok(out) = installed {
        if !String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l == TARGET)
        {
            return Err(format!(
                "the Rust target {TARGET} is missing; run `rustup target add {TARGET}` \
                 (or `bash scripts/setup-windows.sh`)"
            ));
        }
    }
    Ok(())
}

fn cargo_build(root: &Path, profile: &str, extra: &[&str]) -> Result<(), String> {
    let mut args = vec![
        "build",
        "--target",
        TARGET,
        "--profile",
        profile,
        "-p",
        PACKAGE,
    ];
    args.extend_from_slice(extra);
    run_cargo(root, &args)
}

/// The DirectML build's files in `target/onnxruntime/windows/directml/`.
fn runtime_files(target: &Path) -> Vec<PathBuf> {
    let dir = target.join("onnxruntime").join(WINDOWS_DIRECTML_DIR);
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("dll")))
        .collect();
    found.sort();
    found
}

/// Runs `cargo xtask bundle-windows`.
pub fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    check_toolchain()?;
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    if options.fetch {
        crate::fetch_onnxruntime::run(&["--target".to_owned(), "windows".to_owned()])?;
    }
    // NOTE: one build for all three: a second one with the `standalone` feature would rebuild
    // half the dependency tree with other features (about 6 minutes on 2 cores).
    let mut build = vec!["--lib", "--bin", "chameleon-render"];
    if options.standalone {
        build.extend(["--bin", "chameleon-standalone", "--features", "standalone"]);
    }
    cargo_build(&root, &options.profile, &build)?;

    let built = target.join(TARGET).join(profile_dir(&options.profile));
    let out = target.join(OUT_DIR);
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| format!("cannot replace {}: {e}", out.display()))?;
    }
    let vst3_binary_dir = out.join(format!("{BUNDLE}.vst3/Contents/x86_64-win"));
    let library = built.join(format!("{PACKAGE}.dll"));
    copy_file(&library, &out, &format!("{BUNDLE}.clap"))?;
    copy_file(&library, &vst3_binary_dir, &format!("{BUNDLE}.vst3"))?;
    let mut executables = vec!["chameleon-render.exe"];
    if options.standalone {
        executables.push("chameleon-standalone.exe");
    }
    for exe in executables {
        copy_file(&built.join(exe), &out, exe)?;
    }

    let runtime = runtime_files(&target);
    if runtime.is_empty() {
        eprintln!(
            "note: no ONNX Runtime for Windows in target/onnxruntime/{WINDOWS_DIRECTML_DIR}; run \
             `cargo xtask fetch-onnxruntime --target windows`. The bundles play the built-in \
             styles without it."
        );
    }
    for dll in &runtime {
        let name = dll.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        copy_file(dll, &vst3_binary_dir, name)?;
        copy_file(dll, &out.join("onnxruntime"), name)?;
    }
    let mut models = 0;
    for entry in fs::read_dir(root.join("assets/models"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "onnx") {
            let name = entry.file_name();
            copy_file(&path, &out.join("models"), &name.to_string_lossy())?;
            models += 1;
        }
    }
    copy_tree(&root.join("assets/presets"), &out.join("presets"))?;
    crate::vst3_presets::write(&root, true, &out.join("vst3-presets"), true)?;
    copy_tree(&root.join("assets/windows"), &out)?;
    println!(
        "Windows bundles in {} ({} ONNX Runtime file(s), {models} model(s)); run install.cmd \
         there on Windows",
        out.display(),
        runtime.len()
    );
    Ok(())
}
