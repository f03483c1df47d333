//! `chameleon-render` end to end: the binary, real WAV files, its stable interface.

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "common/render_run.rs"]
mod render_run;
use render_run::{json, run_with_data_home};

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("chameleon-render-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn noise(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 1.6
        })
        .collect()
}

fn write_noise(path: &Path, channels: u16, frames: usize, rate: u32) -> Vec<Vec<f32>> {
    let data: Vec<Vec<f32>> = (0..channels)
        .map(|c| noise(frames, 11 + c as u32))
        .collect();
    chameleon::render::write_wav(path, &data, rate).unwrap();
    data
}

fn run(args: &[&str]) -> Output {
    run_with_data_home(args, Path::new("/nonexistent"))
}

#[test]
fn mix_zero_returns_the_input_sample_for_sample() {
    let dir = scratch_dir("mix0");
    let (input, out) = (dir.join("in.wav"), dir.join("out.wav"));
    let data = write_noise(&input, 2, 30_000, 48_000);
    let report = json(&run(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--mix",
        "0",
        "--json",
    ]));
    for key in [
        "latency_samples",
        "sample_rate",
        "channels",
        "frames",
        "missed_frames",
        "seconds",
        "realtime_factor",
        "model",
        "styles",
    ] {
        assert!(report.get(key).is_some(), "missing key {key} in {report}");
    }
    assert_eq!(report["frames"], 30_000);
    assert_eq!(report["channels"], 2);
    let (rendered, rate) = chameleon::render::read_wav(&out).unwrap();
    assert_eq!(rate, 48_000);
    assert_eq!(rendered, data, "mix 0 must return the input exactly");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_identity_style_returns_the_input() {
    let dir = scratch_dir("identity");
    let (input, out) = (dir.join("in.wav"), dir.join("out.wav"));
    let data = write_noise(&input, 1, 40_000, 44_100);
    let report = json(&run(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--style",
        "identity",
        "--block",
        "333",
        "--json",
    ]));
    assert_eq!(report["missed_frames"], 0);
    let (rendered, _) = chameleon::render::read_wav(&out).unwrap();
    assert_eq!(rendered[0].len(), data[0].len());
    let error = rendered[0]
        .iter()
        .zip(&data[0])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(error < 1e-5, "identity render differs by {error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn keep_latency_delays_the_output_by_the_reported_latency() {
    let dir = scratch_dir("keep");
    let (input, out) = (dir.join("in.wav"), dir.join("out.wav"));
    let data = write_noise(&input, 1, 10_000, 48_000);
    let report = json(&run(&[
        input.to_str().unwrap(),
        out.to_str().unwrap(),
        "--mix",
        "0",
        "--keep-latency",
        "--json",
    ]));
    let latency = report["latency_samples"].as_u64().unwrap() as usize;
    let (rendered, _) = chameleon::render::read_wav(&out).unwrap();
    assert_eq!(rendered[0].len(), data[0].len() + latency);
    assert!(rendered[0][..latency].iter().all(|&x| x == 0.0));
    assert_eq!(&rendered[0][latency..], &data[0][..]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn styles_are_listed() {
    // Whichever model is the default (the bundled one, or the built-in styles without ONNX
    // Runtime), the listing names its styles and always offers `identity`.
    let output = run(&["--list-styles", "--json"]);
    let listing = json(&output);
    let ids: Vec<&str> = listing["styles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"identity"), "{ids:?}");
    assert!(ids.len() >= 3, "{ids:?}");
    assert!(listing["model"].as_str().is_some_and(|m| !m.is_empty()));
}

#[test]
fn bad_input_gives_a_one_line_error_and_a_non_zero_exit() {
    let dir = scratch_dir("bad");
    let good = dir.join("in.wav");
    write_noise(&good, 1, 1000, 48_000);
    let not_wav = dir.join("not.wav");
    std::fs::write(&not_wav, b"definitely not RIFF").unwrap();
    let corrupt_model = dir.join("model.onnx");
    std::fs::write(&corrupt_model, [0xffu8; 64]).unwrap();
    let out = dir.join("out.wav");
    let (good, out) = (good.to_str().unwrap(), out.to_str().unwrap());
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["/nonexistent/in.wav", out], "cannot read"),
        (vec![not_wav.to_str().unwrap(), out], "WAV"),
        (vec![good, out, "--style", "kazoo"], "unknown style 'kazoo'"),
        (
            vec![good, out, "--model", corrupt_model.to_str().unwrap()],
            "not a valid ONNX",
        ),
        (
            vec![good, out, "--model", "/nonexistent/m.onnx"],
            "could not read model file",
        ),
        (
            vec![good, out, "--mix", "2"],
            "--mix takes a number from 0 to 1",
        ),
        (vec![good, out, "--block", "0"], "--block takes"),
        (vec![good, out, "--device", "tpu"], "tpu"),
        (vec![good], "expected INPUT.wav and OUTPUT.wav"),
    ];
    for (args, expected) in cases {
        let output = run(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{args:?}: expected '{expected}' in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let error_lines = stderr.lines().filter(|l| !l.contains("warning:")).count();
        // One line of error; a missing file name also prints the usage.
        let expected_lines = if expected.starts_with("expected") {
            1 + chameleon::render::USAGE.lines().count()
        } else {
            1
        };
        assert_eq!(error_lines, expected_lines, "{stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
