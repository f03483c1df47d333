//! Hostile input never crashes the engine or escapes as NaN, Inf or runaway levels.

mod common;

use chameleon_dsp::{
    Controls, Engine, EngineConfig, ProcessingMode, SpectralShapeModel, StftGeometry,
};
use common::*;

fn finite_and_bounded(output: &[Vec<f32>], bound: f32) {
    for channel in output {
        for &x in channel {
            assert!(x.is_finite(), "non-finite output");
            assert!(x.abs() <= bound, "output {x} beyond {bound}");
        }
    }
}

fn run_signal(signal: Vec<f32>, style: usize) -> Vec<Vec<f32>> {
    let mut engine = builtin_engine(StftGeometry::default(), 1, 3, ProcessingMode::offline());
    engine.set_controls(&Controls::single(style, 5));
    run_blocks(&mut engine, &[signal], &[128, 1, 4000])
}

#[test]
fn silence_gives_exact_silence() {
    let output = run_signal(vec![0.0; 20_000], 1);
    assert!(output[0].iter().all(|&x| x == 0.0));
}

#[test]
fn full_scale_noise_and_dc_stay_bounded() {
    // +24 dB is the most a style may add; the built-in styles add at most +7 dB.
    finite_and_bounded(&run_signal(noise(30_000, 3, 1.0), 2), 4.0);
    finite_and_bounded(&run_signal(vec![1.0; 30_000], 1), 4.0);
    finite_and_bounded(&run_signal(vec![-1.0; 30_000], 3), 4.0);
}

#[test]
fn extreme_and_non_finite_samples_never_escape() {
    let mut signal = noise(30_000, 4, 0.5);
    for (i, x) in signal.iter_mut().enumerate().skip(50).step_by(1013) {
        *x = [
            f32::MAX,
            f32::MIN,
            1e30,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ][i % 6];
    }
    let output = run_signal(signal, 1);
    assert!(output[0].iter().all(|x| x.is_finite()));
}

#[test]
fn every_sample_rate_from_1_khz_to_768_khz_builds_and_processes() {
    for rate in [
        1_000.0, 8_000.0, 22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0, 384_000.0,
        768_000.0,
    ] {
        let geometry = StftGeometry::for_host_rate(1024, 256, 48_000.0, rate).unwrap();
        for max_block in [1, 64, 16384] {
            let config = EngineConfig::realtime(rate, 2, geometry, max_block);
            let mut engine = Engine::new(config, Box::new(SpectralShapeModel::new()))
                .unwrap_or_else(|e| panic!("{rate} Hz, block {max_block}: {e}"));
            engine.set_controls(&Controls::single(2, 5));
            let input = vec![noise(9_000, 1, 0.5), noise(9_000, 2, 0.5)];
            let output = run_blocks(&mut engine, &input, &[max_block.min(4096)]);
            finite_and_bounded(&output, 2.0);
        }
    }
}

#[test]
fn zero_length_blocks_and_missing_channels_are_harmless() {
    let mut engine = builtin_engine(StftGeometry::default(), 2, 3, ProcessingMode::Realtime);
    engine.process(&mut []);
    engine.process(&mut [&mut [], &mut []]);
    let mut mono = noise(5000, 1, 0.5);
    engine.process(&mut [&mut mono[..]]);
    assert!(mono.iter().all(|x| x.is_finite()));
    let mut extra = [noise(300, 1, 0.5), noise(300, 2, 0.5), noise(300, 3, 0.5)];
    let [a, b, c] = &mut extra;
    engine.process(&mut [&mut a[..], &mut b[..], &mut c[..]]);
    assert_eq!(
        extra[2],
        noise(300, 3, 0.5),
        "channels beyond the configured count are untouched"
    );
}

#[test]
fn invalid_configurations_are_refused_with_a_reason() {
    let model = || Box::new(SpectralShapeModel::new());
    let base = EngineConfig::realtime(48_000.0, 2, StftGeometry::default(), 512);
    let cases = [
        (
            EngineConfig {
                channels: 0,
                ..base
            },
            "channels",
        ),
        (
            EngineConfig {
                channels: 99,
                ..base
            },
            "channels",
        ),
        (
            EngineConfig {
                sample_rate: f32::NAN,
                ..base
            },
            "sample rate",
        ),
        (
            EngineConfig {
                sample_rate: -1.0,
                ..base
            },
            "sample rate",
        ),
        (
            EngineConfig {
                budget_hops: 0,
                ..base
            },
            "budget",
        ),
        (
            EngineConfig {
                budget_hops: 10_000,
                ..base
            },
            "budget",
        ),
        (
            EngineConfig {
                geometry: StftGeometry {
                    fft_size: 1 << 20,
                    hop: 1 << 18,
                    synthesis_len: 1 << 20,
                },
                ..base
            },
            "FFT size",
        ),
        (
            EngineConfig {
                geometry: StftGeometry {
                    fft_size: 1024,
                    hop: 100,
                    synthesis_len: 1024,
                },
                ..base
            },
            "hop",
        ),
        (
            EngineConfig {
                geometry: StftGeometry {
                    fft_size: 1024,
                    hop: 128,
                    synthesis_len: 200,
                },
                ..base
            },
            "synthesis window",
        ),
    ];
    for (config, expected) in cases {
        let error = Engine::new(config, model())
            .err()
            .expect("refused")
            .to_string();
        assert!(
            error.contains(expected),
            "expected '{expected}' in '{error}'"
        );
    }
}
