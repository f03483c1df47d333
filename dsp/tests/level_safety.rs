//! The engine's level guarantee, independent of the model: a model that blasts (+40 dB), one
//! that whispers, and the identity path, on the hostile inputs, with level match on and off.

mod common;

use chameleon_dsp::{Controls, Engine, EngineConfig, LatencyMode, ProcessingMode, StftGeometry};
use chameleon_level_check::bounds::Bounds;
use chameleon_level_check::measure::{compare, LevelChange};
use chameleon_level_check::signals::{hostile, sweep};
use common::*;

const RATE: f32 = 48000.0;

fn engine(gain: f32, channels: usize, rate: f32) -> Engine {
    engine_in(LatencyMode::Studio, gain, channels, rate)
}

fn engine_in(mode: LatencyMode, gain: f32, channels: usize, rate: f32) -> Engine {
    let geometry = StftGeometry::for_host_rate(1024, 256, 48000.0, rate).unwrap();
    let mut config = EngineConfig::for_mode(mode, rate, channels, geometry, 512).unwrap();
    config.mode = ProcessingMode::offline();
    Engine::new(config, Box::new(ScriptedModel::new(gain))).unwrap()
}

/// Runs `input` (planar) through an engine with a model of gain `gain` and returns the
/// latency-aligned output's level change and the output.
fn run(
    gain: f32,
    input: &[Vec<f32>],
    controls: Controls,
    rate: f32,
) -> (LevelChange, Vec<Vec<f32>>) {
    run_in(LatencyMode::Studio, gain, input, controls, rate)
}

fn run_in(
    mode: LatencyMode,
    gain: f32,
    input: &[Vec<f32>],
    controls: Controls,
    rate: f32,
) -> (LevelChange, Vec<Vec<f32>>) {
    let mut e = engine_in(mode, gain, input.len(), rate);
    e.set_controls(&controls);
    e.snap_controls();
    let latency = e.latency_samples();
    let output = run_blocks(&mut e, input, &[512, 37, 1024, 5]);
    let aligned: Vec<Vec<f32>> = output.iter().map(|c| c[latency..].to_vec()).collect();
    let inputs: Vec<&[f32]> = input.iter().map(Vec::as_slice).collect();
    let outputs: Vec<&[f32]> = aligned.iter().map(Vec::as_slice).collect();
    (compare(&inputs, &outputs, f64::from(rate)), aligned)
}

/// A model 40 dB too loud keeps the bounds on every hostile input, level match on and off.
fn hostile_inputs_keep_the_bounds(mode: LatencyMode, channels: usize) {
    for level_match in [true, false] {
        let bounds = Bounds::for_level_match(level_match);
        let controls = Controls::single(0, 1).with_level_match(level_match);
        for signal in hostile(RATE, 2.0) {
            let input = vec![signal.samples.clone(); channels];
            let (change, _) = run_in(mode, 100.0, &input, controls, RATE);
            let broken = bounds.violations(&change);
            assert!(
                broken.is_empty(),
                "{mode:?}, {} with level match {level_match}: {broken:?} ({change:?})",
                signal.name
            );
        }
    }
}

#[test]
fn a_model_forty_db_too_loud_stays_within_the_bounds_on_every_hostile_input() {
    hostile_inputs_keep_the_bounds(LatencyMode::Studio, 2);
}

#[test]
fn the_bounds_hold_in_live_mode() {
    hostile_inputs_keep_the_bounds(LatencyMode::Live, 1);
}

#[test]
fn the_bounds_hold_at_other_rates() {
    for rate in [44100.0, 96000.0] {
        let controls = Controls::single(0, 1).with_level_match(false);
        let input = vec![sweep((rate * 2.0) as usize, rate, 0.25)];
        let (change, _) = run(100.0, &input, controls, rate);
        let broken = Bounds::for_level_match(false).violations(&change);
        assert!(broken.is_empty(), "{rate} Hz: {broken:?}");
    }
}

#[test]
fn level_match_brings_a_quiet_model_back_up_and_a_loud_one_down() {
    let input = vec![noise(96000, 5, 0.3)];
    let on = Controls::single(0, 1);
    // -12 dB: brought up to level match's target under the input.
    let (quiet, _) = run(0.25, &input, on, RATE);
    let target = -f64::from(chameleon_dsp::level_match::LEVEL_MATCH_TARGET_DB);
    assert!((quiet.clip_db - target).abs() < 0.5, "{quiet:?}");
    // -60 dB: boosted by level match's largest boost (40 dB) only.
    let (silent, _) = run(0.001, &input, on, RATE);
    assert!((-20.5..-19.5).contains(&silent.clip_db), "{silent:?}");
    // +12 dB: brought back to within 2 dB.
    let (loud, _) = run(4.0, &input, on, RATE);
    assert!(loud.clip_db.abs() < 2.0, "{loud:?}");
    // Without level match, a -12 dB model stays at -12 dB.
    let (plain, _) = run(0.25, &input, on.with_level_match(false), RATE);
    assert!((plain.clip_db + 12.04).abs() < 0.3, "{plain:?}");
}

#[test]
fn a_model_at_unity_and_mix_zero_are_untouched_bit_for_bit() {
    let input = vec![noise(48000, 9, 0.9), sine(48000, 997.0, RATE, 0.9)];
    // Unity through the guard and the limiter: the reconstruction, exactly as without them.
    let (_, with_guard) = run(1.0, &input, Controls::single(0, 1), RATE);
    let (_, without_match) = run(1.0, &input, wet(), RATE);
    assert_eq!(with_guard, without_match);
    for (i, o) in input.iter().zip(&with_guard) {
        let err = max_error_after_latency(i, o, 0);
        assert!(err < 1e-5, "reconstruction error {err}");
    }
    // Mix 0 with a blasting model: the delayed input, bit for bit.
    let (_, dry) = run(100.0, &input, Controls::single(0, 1).with_mix(0.0), RATE);
    for (i, o) in input.iter().zip(&dry) {
        assert_eq!(&o[..i.len()], &i[..]);
    }
}

#[test]
fn the_engine_reports_limiting_and_level_match_in_its_stats() {
    let mut e = engine(100.0, 1, RATE);
    e.set_controls(&Controls::single(0, 1).with_level_match(false));
    e.snap_controls();
    let input = vec![noise(48000, 3, 0.2)];
    run_blocks(&mut e, &input, &[256]);
    let stats = e.stats();
    assert!(stats.snapshot().limited_frames > 100);
    let reduction = stats
        .guard_reduction_db
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(reduction < -30.0, "guard reduction {reduction} dB");

    let mut e = engine(4.0, 1, RATE);
    e.set_controls(&Controls::single(0, 1));
    e.snap_controls();
    run_blocks(&mut e, &input, &[256]);
    let matched = e
        .stats()
        .level_match_db
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        (-12.5..-10.0).contains(&matched),
        "level match {matched} dB"
    );
}

#[test]
fn with_level_safety_off_the_raw_model_output_comes_through() {
    let input = vec![noise(48000, 4, 0.2)];
    let mut config = EngineConfig::realtime(RATE, 1, StftGeometry::default(), 512);
    config.mode = ProcessingMode::offline();
    config.level_safety = false;
    let mut e = Engine::new(config, Box::new(ScriptedModel::new(100.0))).unwrap();
    e.set_controls(&Controls::single(0, 1));
    e.snap_controls();
    let latency = e.latency_samples();
    let output = run_blocks(&mut e, &input, &[512]);
    let aligned = &output[0][latency + 4096..latency + 40000];
    let err = aligned
        .iter()
        .zip(&input[0][4096..40000])
        .map(|(y, x)| (y - 100.0 * x).abs())
        .fold(0.0f32, f32::max);
    assert!(err < 1e-2, "raw output off by {err}");
    assert_eq!(e.stats().snapshot().limited_frames, 0);
}

#[test]
fn a_reset_engine_starts_exactly_like_a_new_one() {
    // Level match and the guard carry state from hop to hop; after a transport reset they must
    // start over, so a host that resets before a render hears what a fresh engine makes.
    let input = vec![noise(48000, 8, 0.3)];
    let controls = Controls::single(0, 1);
    let fresh = run(4.0, &input, controls, RATE).1;
    let mut e = engine(4.0, 1, RATE);
    e.set_controls(&controls);
    e.snap_controls();
    run_blocks(&mut e, &[noise(30000, 9, 0.05)], &[512]);
    e.reset();
    let latency = e.latency_samples();
    let again = run_blocks(&mut e, &input, &[512, 37, 1024, 5]);
    assert_eq!(&again[0][latency..], &fresh[0][..]);
}
