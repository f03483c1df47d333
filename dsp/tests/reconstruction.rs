//! The identity path returns the input delayed by exactly the reported latency.

mod common;

use chameleon_dsp::{Controls, ProcessingMode, StftGeometry};
use common::*;
use proptest::prelude::*;

fn identity_error(
    fft: usize,
    divisor: usize,
    channels: usize,
    blocks: &[usize],
    len: usize,
) -> f32 {
    identity_error_with(
        StftGeometry::new(fft, fft / divisor).unwrap(),
        channels,
        blocks,
        len,
    )
}

/// The same with a low-delay window pair: hop `fft / divisor`, synthesis span `span` hops.
fn low_delay_error(
    fft: usize,
    divisor: usize,
    span: usize,
    channels: usize,
    blocks: &[usize],
    len: usize,
) -> f32 {
    let geometry = StftGeometry::new(fft, fft / divisor)
        .and_then(|g| g.with_synthesis_len(span * fft / divisor))
        .unwrap();
    identity_error_with(geometry, channels, blocks, len)
}

fn identity_error_with(
    geometry: StftGeometry,
    channels: usize,
    blocks: &[usize],
    len: usize,
) -> f32 {
    let mut engine = builtin_engine(geometry, channels, 2, ProcessingMode::offline());
    engine.set_controls(&Controls::single(0, 5));
    engine.snap_controls();
    let input: Vec<Vec<f32>> = (0..channels)
        .map(|c| noise(len, 7 + c as u64, 0.9))
        .collect();
    let output = run_blocks(&mut engine, &input, blocks);
    let latency = engine.latency_samples();
    input
        .iter()
        .zip(&output)
        .map(|(i, o)| max_error_after_latency(i, o, latency))
        .fold(0.0, f32::max)
}

#[test]
fn identity_reconstructs_noise_for_every_supported_geometry() {
    for fft in [256, 512, 1024, 2048, 4096] {
        for divisor in [2, 4] {
            let error = identity_error(fft, divisor, 2, &[1, 7, 256, 333, 16384], 30_000);
            assert!(error < 1e-5, "fft {fft} hop 1/{divisor}: max error {error}");
        }
    }
}

#[test]
fn identity_reconstructs_with_a_non_power_of_two_fft() {
    let error = identity_error(600, 4, 1, &[100, 1, 999], 12_000);
    assert!(error < 1e-5, "max error {error}");
}

#[test]
fn identity_reconstructs_with_single_sample_blocks() {
    let error = identity_error(256, 4, 2, &[1], 4_000);
    assert!(error < 1e-5, "max error {error}");
}

#[test]
fn identity_reconstructs_with_maximum_blocks() {
    let error = identity_error(1024, 4, 2, &[16384], 40_000);
    assert!(error < 1e-5, "max error {error}");
}

#[test]
fn identity_reconstructs_with_the_low_delay_pairs() {
    // The Live pair (hop 1/8, span 2 hops), Studio's shortened span (3 of 4 hops), and others.
    for (fft, divisor, span) in [
        (1024, 8, 2),
        (2048, 8, 2),
        (256, 8, 2),
        (1024, 4, 3),
        (1024, 4, 2),
        (1024, 8, 4),
        (600, 8, 2),
    ] {
        let error = low_delay_error(fft, divisor, span, 2, &[1, 7, 256, 333, 16384], 30_000);
        assert!(
            error < 1e-5,
            "fft {fft} hop 1/{divisor} span {span}: max error {error}"
        );
    }
    for blocks in [&[1][..], &[16384][..], &[64][..]] {
        let error = low_delay_error(1024, 8, 2, 2, blocks, 40_000);
        assert!(error < 1e-5, "blocks {blocks:?}: max error {error}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn identity_reconstructs_for_random_block_sequences(
        fft_log2 in 8usize..=12,
        quarter in any::<bool>(),
        channels in 1usize..=2,
        blocks in prop::collection::vec(1usize..=4096, 1..12),
    ) {
        let fft = 1 << fft_log2;
        let error = identity_error(fft, if quarter { 4 } else { 2 }, channels, &blocks, 12_000);
        prop_assert!(error < 1e-5, "fft {} blocks {:?}: max error {}", fft, blocks, error);
    }

    #[test]
    fn low_delay_identity_reconstructs_for_random_block_sequences(
        fft_log2 in 8usize..=12,
        span in 2usize..=4,
        channels in 1usize..=2,
        blocks in prop::collection::vec(1usize..=4096, 1..12),
    ) {
        let fft = 1 << fft_log2;
        let error = low_delay_error(fft, 8, span, channels, &blocks, 12_000);
        prop_assert!(error < 1e-5, "fft {} span {} blocks {:?}: max error {}", fft, span, blocks, error);
    }
}
