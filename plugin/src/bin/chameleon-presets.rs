//! `chameleon-presets`: writes the factory presets as VST3 preset files.
//!
//! ```text
//! chameleon-presets vst3 OUT_DIR [--model FILE.onnx] [--windows]
//! ```
//!
//! Writes `OUT_DIR/CATEGORY/NAME.vstpreset` for every factory preset, with its styles resolved
//! against the model file (the bundled default when none is given; read without ONNX Runtime).
//! `--windows` writes the class ID in the byte order Windows hosts read. The installers put the
//! files in the standard VST3 preset folder (`~/.vst3/presets/Chameleon Audio/Chameleon/` on
//! Linux, `Documents\VST3 Presets\Chameleon Audio\Chameleon\` on Windows).

use std::path::PathBuf;
use std::process::ExitCode;

use chameleon::model_choice::ModelChoice;
use chameleon::presets::{factory_presets, style_lookup};
use chameleon::style_names::StyleNames;
use chameleon::vst3_preset::{encode, EXTENSION};

const USAGE: &str = "usage: chameleon-presets vst3 OUT_DIR [--model FILE.onnx] [--windows]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(count) => {
            eprintln!("chameleon-presets: wrote {count} VST3 presets");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chameleon-presets: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<usize, String> {
    let mut args = args.iter();
    if args.next().map(String::as_str) != Some("vst3") {
        return Err(USAGE.to_owned());
    }
    let out = PathBuf::from(args.next().ok_or(USAGE)?);
    let mut choice = ModelChoice::default();
    let mut windows = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" => choice.path = Some(args.next().ok_or(USAGE)?.clone()),
            "--windows" => windows = true,
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if choice.path.is_none() {
        let bundled = chameleon::render::default_model_path()
            .ok_or("the bundled model was not found; pass --model")?;
        choice.path = Some(bundled.display().to_string());
    }
    let lookup = style_lookup(&StyleNames::default(), &choice);
    let mut count = 0;
    for entry in factory_presets() {
        let preset = &entry.preset;
        let slots = preset.resolve_styles(&*lookup).map_err(|e| e.0)?;
        let folder = out.join(&preset.category);
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let path = folder.join(format!("{}.{EXTENSION}", preset.name));
        std::fs::write(&path, encode(preset, slots, windows))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        count += 1;
    }
    Ok(count)
}
