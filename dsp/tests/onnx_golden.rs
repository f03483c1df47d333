//! Golden tests: models built in Python (training/golden/make_golden.py) with reference outputs
//! computed by ONNX's reference evaluator; the Rust engine must reproduce them within 1e-5.

mod onnx_common;

use chameleon_dsp::model::loader::load_onnx_model;
use chameleon_dsp::model::Device;
use chameleon_dsp::{Complex32, Controls, Frame, FrameModel, StftGeometry};
use onnx_common::{floats, golden_json, golden_model, require_runtime, runtime_dirs};

/// Runs the frames of `data` through `model` in batches of `batch` and compares outputs.
fn check_golden(name: &str, batch: usize) {
    require_runtime();
    let data = golden_json(&format!("{name}.json"));
    let mut model = load_onnx_model(&golden_model(name), Device::Cpu, &runtime_dirs())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(model.description().provider, "CPU");
    let channels = data["channels"].as_u64().unwrap() as usize;
    let bins = data["bins"].as_u64().unwrap() as usize;
    let rate = data["sample_rate"].as_f64().unwrap() as f32;
    let meta = model.metadata().clone();
    model.prepare(meta.geometry, rate, channels).unwrap();
    let styles = meta.styles.len();

    let refs = data["frames"].as_array().unwrap();
    let mut worst = 0.0f32;
    for chunk in refs.chunks(batch) {
        let mut frames: Vec<Box<Frame>> = chunk
            .iter()
            .map(|r| {
                let mut f = Box::new(Frame::new(channels, bins));
                let (re, im) = (floats(&r["input_re"]), floats(&r["input_im"]));
                for (x, (a, b)) in f.input.iter_mut().zip(re.iter().zip(&im)) {
                    *x = Complex32::new(*a, *b);
                }
                let w = floats(&r["style"]);
                let mut c = Controls::single(0, styles);
                c.style_weights[..styles].copy_from_slice(&w);
                f.controls = c;
                f
            })
            .collect();
        model.process(&mut frames).unwrap();
        for (f, r) in frames.iter().zip(chunk) {
            let (re, im) = (floats(&r["output_re"]), floats(&r["output_im"]));
            for (y, (a, b)) in f.output.iter().zip(re.iter().zip(&im)) {
                let want = Complex32::new(*a, *b);
                let err = (y - want).norm() / want.norm().max(1.0);
                worst = worst.max(err);
            }
        }
    }
    eprintln!("{name}: worst relative error {worst:e}");
    assert!(
        worst <= 1e-5,
        "{name}: worst relative error {worst:e} exceeds 1e-5"
    );
}

#[test]
fn mask_model_matches_the_python_reference() {
    check_golden("golden_mask", 1);
}

#[test]
fn mask_model_matches_when_frames_arrive_in_batches() {
    check_golden("golden_mask", 3);
}

#[test]
fn recurrent_magnitude_model_matches_the_python_reference() {
    check_golden("golden_magnitude_state", 2);
}

#[test]
fn metadata_reaches_the_description() {
    require_runtime();
    let model = load_onnx_model(
        &golden_model("golden_magnitude_state"),
        Device::Auto,
        &runtime_dirs(),
    )
    .unwrap();
    let d = model.description();
    assert_eq!(d.name, "Golden magnitude with state");
    assert_eq!(d.styles.len(), 2);
    assert_eq!(d.style_index("hard"), Some(1));
    assert_eq!(d.extra_latency_samples, 32);
    assert_eq!(
        (d.fft_size, d.hop, d.sample_rate),
        (Some(256), Some(128), Some(16000.0))
    );
    // The CPU-only runtime has no GPU provider, so Auto settles on the CPU.
    assert_eq!(d.provider, "CPU");
}

#[test]
fn gpu_device_without_a_gpu_provider_is_a_clear_error() {
    require_runtime();
    let e = load_onnx_model(&golden_model("golden_mask"), Device::Gpu, &runtime_dirs())
        .err()
        .expect("the CPU build of ONNX Runtime has no GPU provider");
    let text = e.to_string();
    assert!(
        text.contains("no GPU provider") && text.contains("auto"),
        "{text}"
    );
}

#[test]
fn noise_output_has_the_declared_magnitude_and_is_deterministic() {
    require_runtime();
    let mut model =
        load_onnx_model(&golden_model("noise_only"), Device::Cpu, &runtime_dirs()).unwrap();
    let meta = model.metadata().clone();
    model.prepare(meta.geometry, meta.sample_rate, 1).unwrap();
    let run = |model: &mut chameleon_dsp::model::OnnxModel| {
        let mut frames = vec![Box::new(Frame::new(1, meta.bins()))];
        frames[0].input.fill(Complex32::new(1.0, 0.0));
        model.process(&mut frames).unwrap();
        frames[0].output.clone()
    };
    let first = run(&mut model);
    let expected = 0.25 / meta.magnitude_scale;
    for y in &first {
        assert!(
            (y.norm() - expected).abs() < 1e-3 * expected,
            "|Y| = {}",
            y.norm()
        );
    }
    let second = run(&mut model);
    assert_ne!(first, second, "the phase changes from hop to hop");
    model.reset();
    assert_eq!(run(&mut model), first, "reset restarts the same noise");
}

#[test]
fn constant_gain_survives_frequency_mapping_at_other_rates() {
    require_runtime();
    // half_gain is made for 1024/256 at 48 kHz; run it at 44.1 kHz (same geometry, bins 8 %
    // apart) and at 96 kHz (2048/512, half the bins above the model's Nyquist).
    for rate in [44100.0f32, 96000.0, 22050.0] {
        let mut model =
            load_onnx_model(&golden_model("half_gain"), Device::Cpu, &runtime_dirs()).unwrap();
        let geometry = StftGeometry::for_host_rate(1024, 256, 48000.0, rate).unwrap();
        model.prepare(geometry, rate, 2).unwrap();
        let mut frames = vec![Box::new(Frame::new(2, geometry.bins()))];
        for (i, x) in frames[0].input.iter_mut().enumerate() {
            *x = Complex32::new((i % 7) as f32, -((i % 3) as f32));
        }
        model.process(&mut frames).unwrap();
        for (y, x) in frames[0].output.iter().zip(&frames[0].input) {
            assert!((y - x * 0.5).norm() < 1e-6, "at {rate} Hz: {y} vs {x}");
        }
    }
}

#[test]
fn the_bundled_model_loads_and_runs_at_common_host_rates() {
    require_runtime();
    let path = onnx_common::repo_root().join("assets/models/chameleon-styles.onnx");
    let mut model = load_onnx_model(&path, Device::Auto, &runtime_dirs())
        .unwrap_or_else(|e| panic!("the bundled model must load: {e}"));
    let meta = model.metadata().clone();
    assert!(meta.styles.len() >= 2, "{:?}", meta.styles);
    for rate in [44100.0f32, 48000.0, 96000.0] {
        let geometry = StftGeometry::for_host_rate(
            meta.geometry.fft_size,
            meta.geometry.hop,
            meta.sample_rate,
            rate,
        )
        .unwrap();
        model.prepare(geometry, rate, 2).unwrap();
        let mut frames: Vec<Box<Frame>> = (0..3)
            .map(|i| {
                let mut f = Box::new(Frame::new(2, geometry.bins()));
                for (j, x) in f.input.iter_mut().enumerate() {
                    *x = Complex32::new(((i + j) % 11) as f32, ((j % 5) as f32) - 2.0);
                }
                f.controls = Controls::morph(0, 1, 0.5, meta.styles.len());
                f
            })
            .collect();
        model.process(&mut frames).unwrap();
        for f in &frames {
            assert!(f
                .output
                .iter()
                .all(|y| y.re.is_finite() && y.im.is_finite()));
            assert!(f.output.iter().any(|y| y.norm() > 0.0));
        }
    }
}
