//! Prints the level-safety table of a `chameleon-render` binary: for each hostile input and the
//! demo clip, the clip RMS change, the worst 400 ms window and the sample peaks over every style
//! of the model.
//!
//! ```text
//! cargo run --release -p chameleon-level-check --bin level-report -- \
//!     [--render target/release/chameleon-render] [--model assets/models/chameleon-styles.onnx] \
//!     [--level-match on|off] [--raw-model] [--seconds 3] [--per-style]
//! ```
//!
//! `--per-style` adds, under each input's row, the clip RMS change of every style.
//!
//! `--raw-model` measures the model's own output, with the renderer's whole output guard off
//! (what the model does before the engine's level safety; never what a listener hears).
//!
//! Without `--level-match` the renderer's default is used (and no flag is passed, so older
//! renderers without the option can be measured too).

use std::path::{Path, PathBuf};
use std::process::Command;

use chameleon_level_check::measure::{compare, LevelChange};
use chameleon_level_check::signals::{hostile, Signal};

const RATE: u32 = 48_000;

struct Options {
    render: PathBuf,
    model: PathBuf,
    level_match: Option<String>,
    raw_model: bool,
    per_style: bool,
    seconds: f32,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        render: PathBuf::from("target/release/chameleon-render"),
        model: PathBuf::from("assets/models/chameleon-styles.onnx"),
        level_match: None,
        raw_model: false,
        per_style: false,
        seconds: 3.0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--render" => options.render = PathBuf::from(value()?),
            "--model" => options.model = PathBuf::from(value()?),
            "--level-match" => options.level_match = Some(value()?),
            "--raw-model" => options.raw_model = true,
            "--per-style" => options.per_style = true,
            "--seconds" => {
                options.seconds = value()?
                    .parse()
                    .map_err(|_| "--seconds takes a number".to_owned())?
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(options)
}

fn write_wav(path: &Path, channels: &[Vec<f32>]) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(|e| e.to_string())?;
    for i in 0..channels[0].len() {
        for c in channels {
            w.write_sample(c[i]).map_err(|e| e.to_string())?;
        }
    }
    w.finalize().map_err(|e| e.to_string())
}

fn read_wav(path: &Path) -> Result<Vec<Vec<f32>>, String> {
    let mut r = hound::WavReader::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let channels = r.spec().channels as usize;
    let samples: Vec<f32> = match r.spec().sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(|s| s.unwrap_or(0.0)).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (r.spec().bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap_or(0) as f32 * scale)
                .collect()
        }
    };
    Ok((0..channels)
        .map(|c| samples.iter().skip(c).step_by(channels).copied().collect())
        .collect())
}

fn styles(options: &Options) -> Result<Vec<String>, String> {
    let out = Command::new(&options.render)
        .args(["--list-styles", "--json", "--model"])
        .arg(&options.model)
        .output()
        .map_err(|e| format!("{}: {e}", options.render.display()))?;
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("--list-styles: {e}"))?;
    let list = json["styles"].as_array().cloned().unwrap_or_default();
    Ok(list
        .iter()
        .filter_map(|s| s["id"].as_str().or(s.as_str()).map(str::to_owned))
        .filter(|s| s != "identity")
        .collect())
}

fn render(options: &Options, input: &Path, output: &Path, style: &str) -> Result<(), String> {
    let mut cmd = Command::new(&options.render);
    cmd.arg(input)
        .arg(output)
        .args(["--style", style, "--model"])
        .arg(&options.model);
    if let Some(lm) = &options.level_match {
        cmd.args(["--level-match", lm]);
    }
    if options.raw_model {
        cmd.arg("--raw-model");
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let options = parse()?;
    let dir = std::env::temp_dir().join(format!("chameleon-level-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let styles = styles(&options)?;
    let mut inputs: Vec<(String, Vec<Vec<f32>>)> = hostile(RATE as f32, options.seconds)
        .into_iter()
        .map(|Signal { name, samples, .. }| (name.to_owned(), vec![samples]))
        .collect();
    inputs.push((
        "demo clip (music)".to_owned(),
        read_wav(Path::new("assets/demo/demo.wav"))?,
    ));
    println!(
        "| input | clip RMS, out vs in (dB) | worst 400 ms window (dB) | sample peak in → out |"
    );
    println!("| --- | ---: | ---: | --- |");
    for (name, input) in &inputs {
        let src = dir.join("in.wav");
        let dst = dir.join("out.wav");
        write_wav(&src, input)?;
        let mut changes: Vec<LevelChange> = Vec::new();
        for style in &styles {
            render(&options, &src, &dst, style)?;
            let output = read_wav(&dst)?;
            let i: Vec<&[f32]> = input.iter().map(Vec::as_slice).collect();
            let o: Vec<&[f32]> = output.iter().map(Vec::as_slice).collect();
            changes.push(compare(&i, &o, f64::from(RATE)));
        }
        let lo = changes
            .iter()
            .map(|c| c.clip_db)
            .fold(f64::INFINITY, f64::min);
        let hi = changes
            .iter()
            .map(|c| c.clip_db)
            .fold(f64::NEG_INFINITY, f64::max);
        let window = changes
            .iter()
            .map(|c| c.worst_window_db)
            .fold(f64::NEG_INFINITY, f64::max);
        let peak = changes.iter().map(|c| c.output_peak).fold(0.0, f64::max);
        println!(
            "| {name} | {lo:+.1} to {hi:+.1} | {window:+.1} | {:.2} → {peak:.2} |",
            changes[0].input_peak
        );
        if options.per_style {
            let each: Vec<String> = styles
                .iter()
                .zip(&changes)
                .map(|(style, c)| format!("{style} {:+.1}", c.clip_db))
                .collect();
            println!("|   per style: {} | | | |", each.join(", "));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
