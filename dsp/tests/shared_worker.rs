//! The shared worker: engines on one network run their frames in one batch, and get exactly
//! what they would get alone.

mod onnx_common;

use std::sync::{Mutex, MutexGuard};

use chameleon_dsp::model::loader::load_onnx_model;
use chameleon_dsp::model::{Device, OnnxModel};
use chameleon_dsp::{
    inference_pool, Complex32, Controls, Engine, EngineConfig, Frame, FrameModel, ProcessingMode,
    StftGeometry, WorkerPlacement,
};
use onnx_common::{golden_model, require_runtime, runtime_dirs};

/// A frame of hop `seq` whose input depends on `voice`, so every model sees other audio.
fn frame(voice: usize, seq: u64, channels: usize, bins: usize, styles: usize) -> Box<Frame> {
    let mut f = Box::new(Frame::new(channels, bins));
    f.seq = seq;
    for (i, x) in f.input.iter_mut().enumerate() {
        let t = (seq as f32 * 0.37 + i as f32 * 0.011 * (voice + 1) as f32).sin();
        *x = Complex32::new(
            t * (1.0 + seq as f32 * 0.1),
            t.cos() * 0.5 + voice as f32 * 0.1,
        );
    }
    f.controls = Controls::single(voice % styles, styles);
    f
}

fn worst_difference(a: &Frame, b: &Frame) -> f32 {
    a.output
        .iter()
        .zip(&b.output)
        .map(|(x, y)| (x - y).norm() / (1.0 + y.norm()))
        .fold(0.0f32, f32::max)
}

/// Staging is one thread's business per network (the shared worker's); these tests stage by
/// hand on networks the engines' shared worker also uses, so they take turns.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

fn open(name: &str) -> OnnxModel {
    load_onnx_model(&golden_model(name), Device::Cpu, &runtime_dirs()).unwrap()
}

/// Three models of one file, one of them at half the hop (a Live engine) and one mono, staged
/// and run together for 12 hops, against the same models run one frame at a time.
fn batched_equals_alone(name: &str) {
    let _turn = one_at_a_time();
    require_runtime();
    let probe = open(name);
    let meta = probe.metadata().clone();
    let g = meta.geometry;
    let live = StftGeometry::new(g.fft_size, g.hop / 2).unwrap();
    let setups = [(g, 2), (live, 2), (g, 1)];
    let mut batched: Vec<OnnxModel> = Vec::new();
    let mut alone: Vec<OnnxModel> = Vec::new();
    for &(geometry, channels) in &setups {
        for models in [&mut batched, &mut alone] {
            let mut m = open(name);
            m.prepare(geometry, meta.sample_rate, channels).unwrap();
            models.push(m);
        }
    }
    let key = batched[0].batch_key();
    assert!(
        key.is_some(),
        "{name}: a model with a dynamic batch axis batches"
    );
    for m in batched.iter().chain(&alone) {
        assert_eq!(m.batch_key(), key, "{name}: one file, one network");
    }
    let bins = g.bins();
    let styles = meta.styles.len();
    let mut worst = 0.0f32;
    for seq in 0..12 {
        let frames = || -> Vec<Box<Frame>> {
            setups
                .iter()
                .enumerate()
                .map(|(v, &(_, ch))| frame(v, seq, ch, bins, styles))
                .collect()
        };
        let mut staged = frames();
        let mut reference = frames();
        for (m, f) in batched.iter_mut().zip(&staged) {
            m.stage(f).unwrap();
        }
        batched[1].run_staged().unwrap();
        for (m, f) in batched.iter_mut().zip(staged.iter_mut()) {
            m.finish_staged(f).unwrap();
        }
        for (m, f) in alone.iter_mut().zip(reference.iter_mut()) {
            m.process(std::slice::from_mut(f)).unwrap();
        }
        for (s, r) in staged.iter().zip(&reference) {
            assert!(s
                .output
                .iter()
                .all(|c| c.re.is_finite() && c.im.is_finite()));
            assert!(
                s.output.iter().any(|c| c.norm() > 0.0),
                "{name}: the batched run wrote an output"
            );
            worst = worst.max(worst_difference(s, r));
        }
    }
    assert!(
        worst < 1e-5,
        "{name}: batched output differs from the model run alone by {worst:e}"
    );
}

#[test]
fn a_recurrent_model_batched_with_others_gives_what_it_gives_alone() {
    batched_equals_alone("golden_magnitude_state");
}

#[test]
fn a_mask_model_batched_with_others_gives_what_it_gives_alone() {
    batched_equals_alone("golden_mask");
}

#[test]
fn a_noise_model_batched_with_others_gives_what_it_gives_alone() {
    batched_equals_alone("noise_only");
}

#[test]
fn a_frame_staged_for_a_run_that_never_came_is_an_error_not_stale_output() {
    let _turn = one_at_a_time();
    require_runtime();
    let mut a = open("golden_mask");
    let meta = a.metadata().clone();
    a.prepare(meta.geometry, meta.sample_rate, 1).unwrap();
    let mut f = frame(0, 0, 1, meta.geometry.bins(), meta.styles.len());
    assert!(a.finish_staged(&mut f).is_err(), "nothing was staged");
    a.stage(&f).unwrap();
    assert!(
        a.finish_staged(&mut f).is_err(),
        "the rows were staged but never run"
    );
}

/// A signal of `len` samples that differs per `voice`.
fn tone(voice: usize, len: usize, rate: f32) -> Vec<f32> {
    let f = 220.0 * (voice + 1) as f32;
    (0..len)
        .map(|n| {
            let t = n as f32 / rate;
            0.3 * (std::f32::consts::TAU * f * t).sin()
                + 0.1 * (std::f32::consts::TAU * 3.1 * f * t).sin()
        })
        .collect()
}

#[test]
fn engines_on_the_shared_worker_play_what_engines_on_their_own_play() {
    let _turn = one_at_a_time();
    require_runtime();
    let path = golden_model("golden_magnitude_state");
    let meta = open("golden_magnitude_state").metadata().clone();
    let rate = meta.sample_rate;
    let engine = |placement| {
        let model = load_onnx_model(&path, Device::Cpu, &runtime_dirs()).unwrap();
        let mut config = EngineConfig::realtime(rate, 1, meta.geometry, 64);
        config.mode = ProcessingMode::offline();
        config.worker = placement;
        let mut e = Engine::new(config, Box::new(model)).unwrap();
        e.set_controls(&Controls::single(0, meta.styles.len()));
        e
    };
    let voices = 3;
    let mut shared: Vec<Engine> = (0..voices)
        .map(|_| engine(WorkerPlacement::Shared))
        .collect();
    let mut own: Vec<Engine> = (0..voices).map(|_| engine(WorkerPlacement::Own)).collect();
    let before = inference_pool::snapshot();
    assert!(before.threads >= 1 && before.engines >= voices);
    let len = 40 * meta.geometry.hop;
    let inputs: Vec<Vec<f32>> = (0..voices).map(|v| tone(v, len, rate)).collect();
    let mut outputs = vec![vec![vec![0.0f32; len]; voices]; 2];
    for start in (0..len).step_by(64) {
        let end = (start + 64).min(len);
        for (k, engines) in [&mut shared, &mut own].into_iter().enumerate() {
            for (v, e) in engines.iter_mut().enumerate() {
                let out = &mut outputs[k][v][start..end];
                out.copy_from_slice(&inputs[v][start..end]);
                e.process(&mut [out]);
            }
        }
    }
    for v in 0..voices {
        let worst = outputs[0][v]
            .iter()
            .zip(&outputs[1][v])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let energy: f32 = outputs[0][v].iter().map(|x| x * x).sum();
        assert!(energy > 1e-3, "engine {v} played something");
        assert!(
            worst < 1e-4,
            "engine {v}: shared and own workers differ by {worst:e}"
        );
        for e in [&shared[v], &own[v]] {
            let stats = e.stats().snapshot();
            assert_eq!(stats.missed_frames, 0);
            assert_eq!(stats.failed_frames, 0);
            assert!(stats.processed_frames > 30);
        }
    }
    for e in &own {
        assert_eq!(
            e.stats().snapshot().batch_frames,
            1,
            "a thread of its own runs alone"
        );
    }
    let largest_batch = shared
        .iter()
        .map(|e| e.stats().snapshot().batch_frames)
        .max()
        .unwrap_or(0);
    assert!((1..=voices as u32).contains(&largest_batch));
    let after = inference_pool::snapshot();
    assert!(
        after.shared_frames + after.single_frames
            >= before.shared_frames + before.single_frames + (voices as u64) * 30,
        "the shared engines' frames ran on the shared worker"
    );
}
