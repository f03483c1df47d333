//! The audio-side calls never allocate or free memory.

mod common;

use assert_no_alloc::{assert_no_alloc, reset_violation_count, violation_count, AllocDisabler};
use chameleon_dsp::{Controls, ProcessingMode, StftGeometry};
use common::*;

#[global_allocator]
static ALLOCATOR: AllocDisabler = AllocDisabler;

#[test]
fn the_checker_catches_a_deliberate_allocation() {
    reset_violation_count();
    let v = assert_no_alloc(|| vec![1u8; 16]);
    assert_eq!(v.len(), 16);
    assert!(violation_count() > 0, "the allocation checker must fire");
    reset_violation_count();
}

#[test]
fn process_set_controls_and_reset_do_not_allocate() {
    for (geometry, budget) in [
        (StftGeometry::default(), 3),
        (StftGeometry::new(4096, 2048).unwrap(), 2),
        // The Live mode's low-delay pair.
        (
            StftGeometry::new(1024, 128)
                .and_then(|g| g.with_synthesis_len(256))
                .unwrap(),
            1,
        ),
    ] {
        let mut engine = builtin_engine(geometry, 2, budget, ProcessingMode::Realtime);
        let mut left = noise(40_000, 1, 0.5);
        let mut right = noise(40_000, 2, 0.5);
        reset_violation_count();
        let mut position = 0;
        let sizes = [1usize, 64, 333, 4096, 16384, 0, 7];
        let mut i = 0;
        while position < left.len() {
            let n = sizes[i % sizes.len()].min(left.len() - position);
            i += 1;
            let (l, r) = (
                &mut left[position..position + n],
                &mut right[position..position + n],
            );
            assert_no_alloc(|| {
                engine
                    .set_controls(&Controls::morph(1, 2, (i % 10) as f32 / 10.0, 5).with_mix(0.7));
                engine.process(&mut [l, r]);
                if i % 50 == 0 {
                    engine.reset();
                }
            });
            position += n;
        }
        assert_eq!(violation_count(), 0, "the audio side allocated");
    }
}
