//! Fault tests with a working ONNX Runtime: bad model files give one clear error and never a
//! panic; models that misbehave at run time leave the engine passing the dry signal.

mod onnx_common;

use std::time::{Duration, Instant};

use chameleon_dsp::model::loader::{
    inspect_model, load_onnx_model, load_onnx_model_from_bytes, read_model_file, LoadError,
    MAX_MODEL_BYTES,
};
use chameleon_dsp::model::Device;
use chameleon_dsp::{Controls, Engine, EngineConfig, ProcessingMode, StftGeometry};
use onnx_common::{golden_model, repo_root, require_runtime, runtime_dirs};

fn load_bytes(bytes: &[u8]) -> Result<(), LoadError> {
    load_onnx_model_from_bytes(bytes, Device::Cpu, &runtime_dirs()).map(|_| ())
}

fn sine(len: usize, freq: f32, rate: f32) -> Vec<f32> {
    (0..len)
        .map(|i| 0.5 * (std::f32::consts::TAU * freq * i as f32 / rate).sin())
        .collect()
}

#[test]
fn truncated_and_corrupt_files_are_refused_with_a_message() {
    require_runtime();
    let good = std::fs::read(golden_model("golden_mask")).unwrap();
    assert!(load_bytes(&good).is_ok());
    for cut in [1, 10, good.len() / 3, good.len() / 2, good.len() - 1] {
        let e = load_bytes(&good[..cut]).expect_err("a truncated file must be refused");
        assert!(!e.to_string().is_empty());
    }
    let e = load_bytes(&good[..good.len() / 2]).unwrap_err();
    assert!(matches!(e, LoadError::NotOnnx(_)), "{e}");
    assert!(e.to_string().contains("not a valid ONNX model"), "{e}");
    let e = load_bytes(b"").unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = load_bytes(b"this is a text file, not a model").unwrap_err();
    assert!(matches!(e, LoadError::NotOnnx(_)), "{e}");
    // Corrupt the graph but keep the metadata readable: ONNX Runtime refuses it.
    let mut corrupt = good.clone();
    let at = corrupt
        .windows(7)
        .position(|w| w == b"Sigmoid")
        .expect("the golden model has a Sigmoid node");
    corrupt[at + 6] = b'x';
    let e = load_bytes(&corrupt).unwrap_err();
    assert!(matches!(e, LoadError::Session(_)), "{e}");
    assert!(e.to_string().contains("Sigmoix"), "{e}");
}

#[test]
fn wrong_tensor_shapes_are_refused() {
    require_runtime();
    let e = load_onnx_model(&golden_model("wrong_shape"), Device::Cpu, &runtime_dirs())
        .err()
        .unwrap();
    let text = e.to_string();
    assert!(matches!(e, LoadError::Tensors(_)), "{text}");
    assert!(
        text.contains("`mask` axis 1 is 100") && text.contains("129"),
        "{text}"
    );
}

#[test]
fn missing_metadata_and_custom_operators_are_refused_before_onnx_runtime() {
    let bytes = std::fs::read(golden_model("no_metadata")).unwrap();
    let e = inspect_model(&bytes).unwrap_err();
    assert!(e.to_string().contains("not a Chameleon model"), "{e}");
    let bytes = std::fs::read(golden_model("custom_op")).unwrap();
    let e = inspect_model(&bytes).unwrap_err();
    assert!(matches!(e, LoadError::Operators(_)), "{e}");
    assert!(e.to_string().contains("com.example.custom"), "{e}");
}

#[test]
fn missing_and_oversized_files_are_refused() {
    let e = read_model_file(&repo_root().join("no/such/model.onnx")).unwrap_err();
    assert!(
        matches!(e, LoadError::Io { .. }) && e.to_string().contains("could not read"),
        "{e}"
    );
    let path = std::env::temp_dir().join(format!("chameleon-huge-{}.onnx", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    // A sparse file: no disk space used.
    file.set_len(MAX_MODEL_BYTES + 1).unwrap();
    drop(file);
    let e = read_model_file(&path).unwrap_err();
    let _ = std::fs::remove_file(&path);
    assert!(matches!(e, LoadError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("256 MiB limit"), "{e}");
}

#[test]
fn a_model_that_outputs_nan_fails_its_frames_and_the_engine_passes_dry() {
    require_runtime();
    let model = load_onnx_model(&golden_model("nan_output"), Device::Cpu, &runtime_dirs()).unwrap();
    let rate = 48000.0;
    let mut config = EngineConfig::realtime(rate, 1, StftGeometry::default(), 256);
    config.mode = ProcessingMode::offline();
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    engine.set_controls(&Controls::single(0, 1));
    let input = sine(48000, 440.0, rate);
    let mut output = input.clone();
    for block in output.chunks_mut(256) {
        engine.process(&mut [block]);
    }
    let latency = engine.latency_samples();
    let stats = engine.stats().snapshot();
    assert!(stats.failed_frames > 100, "{stats:?}");
    assert_eq!(stats.processed_frames, 0, "{stats:?}");
    assert!(engine
        .stats()
        .last_error()
        .unwrap_or_default()
        .contains("NaN"));
    // Dry: the input delayed by the latency.
    let worst = output[latency..]
        .iter()
        .zip(&input)
        .map(|(y, x)| (y - x).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst < 1e-4,
        "output differs from the delayed input by {worst}"
    );
}

#[test]
fn a_working_model_changes_the_signal_through_the_engine() {
    // The counterpart of the NaN test: the same setup with a half-gain model is not dry.
    require_runtime();
    let model = load_onnx_model(&golden_model("half_gain"), Device::Cpu, &runtime_dirs()).unwrap();
    let rate = 48000.0;
    let mut config = EngineConfig::realtime(rate, 2, StftGeometry::default(), 256);
    config.mode = ProcessingMode::offline();
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    // Level match off: the model's own -6 dB is what must come out.
    engine.set_controls(&Controls::single(0, 1).with_level_match(false));
    engine.snap_controls();
    let input = sine(24000, 440.0, rate);
    let (mut left, mut right) = (input.clone(), input.clone());
    for (l, r) in left.chunks_mut(256).zip(right.chunks_mut(256)) {
        engine.process(&mut [l, r]);
    }
    let latency = engine.latency_samples();
    let tail = 12000;
    for out in [&left, &right] {
        let worst = out[latency + tail..]
            .iter()
            .zip(&input[tail..])
            .map(|(y, x)| (y - 0.5 * x).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "expected half the input, off by {worst}");
    }
}

#[test]
fn a_model_too_slow_for_real_time_counts_misses_and_passes_dry() {
    require_runtime();
    // About 0.4 G multiply-adds per hop: tens to hundreds of milliseconds on one core, far
    // more than the 5.3 ms hop even on a fast machine.
    let model = load_onnx_model(&golden_model("too_slow"), Device::Cpu, &runtime_dirs()).unwrap();
    let rate = 48000.0;
    let config = EngineConfig::realtime(rate, 1, StftGeometry::default(), 256);
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    engine.set_controls(&Controls::single(0, 1));
    let input = sine(48000, 440.0, rate);
    let mut output = input.clone();
    let block_time = Duration::from_secs_f64(256.0 / rate as f64);
    let start = Instant::now();
    for (i, block) in output.chunks_mut(256).enumerate() {
        engine.process(&mut [block]);
        let due = start + block_time * (i as u32 + 1);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let stats = engine.stats().snapshot();
    assert!(output.iter().all(|x| x.is_finite()));
    assert!(
        stats.missed_frames > 0,
        "a model taking {} us per 5.3 ms hop must miss deadlines: {stats:?}",
        stats.mean_inference_us
    );
    // Misses resynthesise the dry spectrum, so most of the output is the delayed input.
    let latency = engine.latency_samples();
    let close = output[latency..]
        .iter()
        .zip(&input)
        .filter(|(y, x)| (*y - *x).abs() < 1e-3)
        .count();
    let share = close as f32 / (output.len() - latency) as f32;
    assert!(share > 0.5, "only {share} of the output is dry: {stats:?}");
}
