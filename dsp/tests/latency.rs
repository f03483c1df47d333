//! The reported latency is where an impulse comes out, and the dry path is delayed to match.

mod common;

use chameleon_dsp::{
    budget_for_block, Controls, Engine, EngineConfig, LatencyMode, ProcessingMode,
    SpectralShapeModel, StftGeometry,
};
use common::*;

/// Asserts that an impulse through `engine` (identity style) comes out exactly `latency`
/// samples later and alone.
fn assert_impulse_lands_on_latency(engine: &mut Engine, block: usize, label: &str) {
    engine.set_controls(&Controls::single(0, 5));
    engine.snap_controls();
    let latency = engine.latency_samples();
    let mut input = vec![0.0; 6000];
    input[123] = 1.0;
    let output = run_blocks(engine, &[input], &[block]);
    let peak = output[0]
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map(|(i, _)| i)
        .unwrap();
    assert_eq!(peak, 123 + latency, "{label}");
    assert!((output[0][peak] - 1.0).abs() < 1e-5, "{label}");
    let residue = output[0]
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != peak)
        .map(|(_, x)| x.abs())
        .fold(0.0, f32::max);
    assert!(
        residue < 1e-5,
        "{label}: energy outside the impulse: {residue}"
    );
}

#[test]
fn an_impulse_lands_on_the_latency_in_both_modes_at_every_rate() {
    for mode in [LatencyMode::Studio, LatencyMode::Live] {
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            for block in [1, 64, 256, 1024] {
                let model = StftGeometry::for_host_rate(1024, 256, 48_000.0, rate).unwrap();
                let mut config = EngineConfig::for_mode(mode, rate, 1, model, block).unwrap();
                config.mode = ProcessingMode::offline();
                let g = config.geometry;
                let expected = g.synthesis_len + config.budget_hops * g.hop;
                let mut engine = Engine::new(config, Box::new(SpectralShapeModel::new())).unwrap();
                assert_eq!(engine.latency_samples(), expected, "latency formula");
                let label = format!("{mode:?} {rate} Hz, blocks of {block}");
                assert_impulse_lands_on_latency(&mut engine, block, &label);
            }
        }
    }
}

#[test]
fn an_impulse_lands_exactly_on_the_reported_latency() {
    for (fft, hop, budget) in [(1024, 256, 3), (512, 256, 1), (2048, 512, 5), (256, 64, 9)] {
        let geometry = StftGeometry::new(fft, hop).unwrap();
        let mut engine = builtin_engine(geometry, 1, budget, ProcessingMode::offline());
        assert_eq!(
            engine.latency_samples(),
            fft + budget * hop,
            "latency formula"
        );
        let label = format!("fft {fft} hop {hop} budget {budget}");
        assert_impulse_lands_on_latency(&mut engine, 97, &label);
    }
}

#[test]
fn the_budget_covers_one_host_block_in_whole_hops() {
    assert_eq!(budget_for_block(256, 256), 1);
    assert_eq!(budget_for_block(1, 256), 1);
    assert_eq!(budget_for_block(257, 256), 2);
    assert_eq!(budget_for_block(1024, 256), 4);
    assert_eq!(budget_for_block(16384, 256), 8);
    assert_eq!(budget_for_block(64, 128), 1);
}

#[test]
fn mix_zero_and_identity_null_in_live_mode() {
    let model = StftGeometry::default();
    let mut config = EngineConfig::for_mode(LatencyMode::Live, 48_000.0, 2, model, 64).unwrap();
    config.mode = ProcessingMode::offline();
    for mix in [0.0, 0.5, 1.0] {
        let mut engine = Engine::new(config, Box::new(SpectralShapeModel::new())).unwrap();
        engine.set_controls(&Controls::single(0, 5).with_mix(mix));
        engine.snap_controls();
        let input = vec![noise(20_000, 5, 0.5), noise(20_000, 6, 0.5)];
        let output = run_blocks(&mut engine, &input, &[64, 1, 333]);
        for (i, o) in input.iter().zip(&output) {
            let error = max_error_after_latency(i, o, engine.latency_samples());
            assert!(error < 1e-5, "mix {mix}: null residue {error}");
        }
    }
}

#[test]
fn mix_zero_returns_the_input_delayed_exactly_whatever_the_style() {
    let mut engine = builtin_engine(StftGeometry::default(), 2, 3, ProcessingMode::Realtime);
    // "telephone" changes the wet signal a lot; at mix 0 none of it may leak.
    engine.set_controls(&Controls::single(3, 5).with_mix(0.0));
    engine.snap_controls();
    let input = vec![noise(20_000, 1, 0.5), noise(20_000, 2, 0.5)];
    let output = run_blocks(&mut engine, &input, &[64, 1000, 3]);
    let latency = engine.latency_samples();
    for (i, o) in input.iter().zip(&output) {
        assert_eq!(
            &o[latency..latency + i.len()],
            &i[..],
            "dry path must be bit-exact"
        );
        assert!(o[..latency].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn any_mix_of_the_identity_style_nulls_against_the_delayed_input() {
    for mix in [0.25, 0.5, 0.8] {
        let mut engine = builtin_engine(StftGeometry::default(), 1, 3, ProcessingMode::offline());
        engine.set_controls(&Controls::single(0, 5).with_mix(mix));
        engine.snap_controls();
        let input = vec![noise(20_000, 3, 0.8)];
        let output = run_blocks(&mut engine, &input, &[512]);
        let error = max_error_after_latency(&input[0], &output[0], engine.latency_samples());
        assert!(error < 1e-5, "mix {mix}: null residue {error}");
    }
}

#[test]
fn a_shaping_style_changes_the_wet_signal() {
    let mut engine = builtin_engine(StftGeometry::default(), 1, 3, ProcessingMode::offline());
    engine.set_controls(&Controls::single(3, 5));
    engine.snap_controls();
    let input = vec![noise(20_000, 4, 0.5)];
    let output = run_blocks(&mut engine, &input, &[512]);
    let error = max_error_after_latency(&input[0], &output[0], engine.latency_samples());
    assert!(
        error > 0.05,
        "telephone style should differ from the input, error {error}"
    );
}
