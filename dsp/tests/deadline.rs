//! The deadline policy: a late, failing or broken model never breaks the output.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use chameleon_dsp::{Engine, EngineConfig, LatencyMode, ProcessingMode, StftGeometry};
use common::*;

const RATE: f32 = 48000.0;
const BLOCK: usize = 256;

/// Feeds `input` in 256-sample blocks paced at real time; returns the output.
fn run_paced(engine: &mut Engine, input: &[f32]) -> Vec<f32> {
    let mut output = input.to_vec();
    let block_time = Duration::from_secs_f64(BLOCK as f64 / RATE as f64);
    let start = Instant::now();
    for (i, chunk) in output.chunks_mut(BLOCK).enumerate() {
        engine.process(&mut [chunk]);
        let due = start + block_time * (i as u32 + 1);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    output
}

fn engine_with(model: ScriptedModel) -> Engine {
    engine_in(LatencyMode::Studio, model)
}

fn engine_in(mode: LatencyMode, model: ScriptedModel) -> Engine {
    let config = EngineConfig::for_mode(mode, RATE, 1, StftGeometry::default(), BLOCK).unwrap();
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    engine.set_controls(&wet());
    engine.snap_controls();
    engine
}

fn max_step(signal: &[f32]) -> f32 {
    signal
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

fn rms(signal: &[f32]) -> f32 {
    (signal.iter().map(|x| x * x).sum::<f32>() / signal.len() as f32).sqrt()
}

#[test]
fn a_stalling_worker_gives_continuous_output_counts_misses_and_recovers() {
    for mode in [LatencyMode::Studio, LatencyMode::Live] {
        stalls_in(mode);
    }
}

fn stalls_in(mode: LatencyMode) {
    // Halves the level; stalls 50 ms at 0.21, 0.69 and 1.17 s of 1.6 s (Studio hops 40, 130
    // and 220 of 300; Live's hops are half as long).
    let hops_per_studio_hop = if mode == LatencyMode::Live { 2 } else { 1 };
    let mut model = ScriptedModel::new(0.5);
    model.stall = Some((
        90 * hops_per_studio_hop,
        40 * hops_per_studio_hop,
        Duration::from_millis(50),
    ));
    let mut engine = engine_in(mode, model);
    let seconds = 1.6;
    let input = sine((RATE * seconds) as usize, 440.0, RATE, 0.5);
    let output = run_paced(&mut engine, &input);
    let latency = engine.latency_samples();

    assert!(output.iter().all(|x| x.is_finite()));
    let stats = engine.stats().snapshot();
    assert!(
        stats.missed_frames > 0,
        "{mode:?}: stalls must be counted as misses"
    );
    assert!(
        stats.processed_frames > 100,
        "processing must resume: {stats:?}"
    );
    // A 440 Hz sine of amplitude 0.5 moves at most 0.029 per sample; a click would jump far more.
    let input_step = max_step(&input);
    let output_step = max_step(&output[latency..]);
    assert!(
        output_step < input_step * 1.5,
        "{mode:?}: discontinuity: output step {output_step} vs input step {input_step}"
    );
    // The end of the run is processed again (half level), not stuck on the dry fallback.
    let tail = &output[output.len() - 2048..];
    let level = rms(tail) / rms(&input[input.len() - 2048..]);
    assert!(
        (level - 0.5).abs() < 0.05,
        "{mode:?}: tail level ratio {level}"
    );
}

#[test]
fn a_model_slower_than_real_time_falls_back_to_the_dry_signal() {
    for mode in [LatencyMode::Studio, LatencyMode::Live] {
        slow_model_in(mode);
    }
}

fn slow_model_in(mode: LatencyMode) {
    let mut model = ScriptedModel::new(0.5);
    model.per_frame_delay = Duration::from_millis(20);
    let mut engine = engine_in(mode, model);
    let input = sine(48_000, 300.0, RATE, 0.5);
    let output = run_paced(&mut engine, &input);
    let latency = engine.latency_samples();
    let stats = engine.stats().snapshot();
    assert!(
        stats.missed_frames > 50,
        "{mode:?}: most hops must miss: {stats:?}"
    );
    assert!(output.iter().all(|x| x.is_finite()));
    // Mostly dry: level close to the input, and never silence.
    let level = rms(&output[latency..]) / rms(&input[..input.len() - latency]);
    assert!(
        level > 0.8,
        "{mode:?}: fallback must keep the signal, level ratio {level}"
    );
}

#[test]
fn a_model_that_outputs_nan_is_never_heard() {
    let mut model = ScriptedModel::new(1.0);
    model.emit_nan = true;
    let config = EngineConfig {
        mode: ProcessingMode::offline(),
        ..EngineConfig::realtime(RATE, 1, StftGeometry::default(), BLOCK)
    };
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    let input = vec![noise(20_000, 9, 0.5)];
    let output = run_blocks(&mut engine, &input, &[333]);
    assert!(output[0].iter().all(|x| x.is_finite()));
    let error = max_error_after_latency(&input[0], &output[0], engine.latency_samples());
    assert!(
        error < 1e-5,
        "failed frames must resynthesise the dry signal, error {error}"
    );
    assert!(engine.stats().snapshot().failed_frames > 0);
    assert!(engine.stats().last_error().unwrap().contains("NaN"));
}

#[test]
fn non_finite_input_is_never_propagated() {
    let mut engine = builtin_engine(StftGeometry::default(), 1, 3, ProcessingMode::offline());
    let mut input = noise(20_000, 5, 0.5);
    for i in (0..input.len()).step_by(97) {
        input[i] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY][i % 3];
    }
    let output = run_blocks(&mut engine, &[input], &[128]);
    assert!(output[0].iter().all(|x| x.is_finite()));
}

#[test]
fn dropping_the_engine_with_frames_in_flight_joins_the_worker() {
    let mut model = ScriptedModel::new(1.0);
    model.per_frame_delay = Duration::from_millis(30);
    let dropped = model.dropped.clone();
    let mut engine = engine_with(model);
    let mut block = noise(4096, 1, 0.5);
    engine.process(&mut [&mut block[..]]);
    assert!(!dropped.load(Ordering::SeqCst));
    drop(engine);
    assert!(
        dropped.load(Ordering::SeqCst),
        "the worker must be joined and the model dropped when the engine is"
    );
}

#[test]
fn a_swapped_model_takes_over_and_the_old_one_is_dropped_off_the_audio_thread() {
    let old = ScriptedModel::new(1.0);
    let old_dropped = old.dropped.clone();
    let config = EngineConfig {
        mode: ProcessingMode::offline(),
        ..EngineConfig::realtime(RATE, 1, StftGeometry::default(), BLOCK)
    };
    let mut engine = Engine::new(config, Box::new(old)).unwrap();
    engine.set_controls(&wet());
    let input = sine(48_000, 440.0, RATE, 0.5);
    let mut first = input[..24_000].to_vec();
    engine.process(&mut [&mut first[..]]);
    engine
        .replace_model(Box::new(ScriptedModel::new(0.25)))
        .unwrap();
    let mut second = input[24_000..].to_vec();
    engine.process(&mut [&mut second[..]]);
    assert!(old_dropped.load(Ordering::SeqCst));
    let level = rms(&second[second.len() - 4096..]) / rms(&input[input.len() - 4096..]);
    assert!(
        (level - 0.25).abs() < 0.02,
        "new model's gain must be heard, ratio {level}"
    );
    assert!(
        max_step(&second) < max_step(&input) * 1.5,
        "the swap must not click"
    );
}

#[test]
fn a_decaying_signal_never_produces_subnormal_output() {
    // A tone decaying by 60 dB per 0.1 s passes through the subnormal range within seconds.
    let mut engine = builtin_engine(StftGeometry::default(), 2, 3, ProcessingMode::offline());
    engine.set_controls(&chameleon_dsp::Controls::single(1, 5));
    let len = 48_000 * 4;
    let signal: Vec<f32> = sine(len, 220.0, RATE, 0.9)
        .iter()
        .enumerate()
        .map(|(n, x)| x * 10f32.powf(-3.0 * n as f32 / 4800.0))
        .collect();
    let output = run_blocks(&mut engine, &[signal.clone(), signal], &[256]);
    for channel in &output {
        assert!(channel.iter().all(|x| x.is_finite() && !x.is_subnormal()));
    }
    assert!(
        output[0][48_000 * 3..].iter().all(|&x| x == 0.0),
        "the tail decays to exact zero"
    );
}

#[test]
fn injected_errors_nan_and_panics_fall_back_to_dry_and_processing_continues() {
    use chameleon_dsp::model::{FaultPlan, FaultyModel};
    let plan = FaultPlan::parse("error/30+5,nan/30+15,panic/30+25").unwrap();
    let model = FaultyModel::new(Box::new(ScriptedModel::new(0.5)), plan);
    let config = EngineConfig {
        mode: ProcessingMode::offline(),
        ..EngineConfig::realtime(RATE, 1, StftGeometry::default(), BLOCK)
    };
    let mut engine = Engine::new(config, Box::new(model)).unwrap();
    engine.set_controls(&wet());
    let input = sine(48_000, 330.0, RATE, 0.5);
    let output = run_blocks(&mut engine, std::slice::from_ref(&input), &[BLOCK]);
    let stats = engine.stats().snapshot();
    assert!(stats.failed_frames >= 10, "{stats:?}");
    assert!(
        stats.processed_frames > 100,
        "the worker must survive panics: {stats:?}"
    );
    assert!(output[0].iter().all(|x| x.is_finite()));
    assert!(
        max_step(&output[0]) < max_step(&input) * 1.5,
        "fallbacks must not click"
    );
}
