//! The audio-thread cost of the editor's live-view feed, printed next to the engine's own cost
//! per block (run with `-- --nocapture` to see the numbers). The assertions are about behaviour
//! only: the feed writes while an editor is open and stays idle otherwise. The same numbers,
//! measured with criterion, come from `cargo bench -p chameleon --bench editor_feed`.

use std::time::Instant;

use chameleon::live_feed::LiveFeed;

#[path = "common/feed_rig.rs"]
mod feed_rig;
use feed_rig::{builtin_engine, signal, BLOCK};

const BLOCKS: usize = 20_000;

/// Mean nanoseconds per call of `f` over [`BLOCKS`] calls.
fn ns_per_block(mut f: impl FnMut()) -> f64 {
    for _ in 0..BLOCKS / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..BLOCKS {
        f();
    }
    start.elapsed().as_nanos() as f64 / BLOCKS as f64
}

#[test]
fn live_feed_cost_per_stereo_block() {
    let feed = LiveFeed::default();
    let mut left = signal(0.0);
    let mut right = signal(1.0);

    let closed = ns_per_block(|| {
        let io: [&mut [f32]; 2] = [&mut left[..], &mut right[..]];
        feed.capture_input(std::hint::black_box(&io));
        feed.capture_output(std::hint::black_box(&io));
    });
    assert_eq!(
        feed.input.written(),
        0,
        "a closed editor must cost no copying"
    );

    feed.force_active(true);
    let open = ns_per_block(|| {
        let io: [&mut [f32]; 2] = [&mut left[..], &mut right[..]];
        feed.capture_input(std::hint::black_box(&io));
        feed.capture_output(std::hint::black_box(&io));
    });
    assert_eq!(feed.input.written(), BLOCK * (BLOCKS + BLOCKS / 10));

    // The built-in engine on the same block, for scale.
    let mut built = builtin_engine();
    let engine = ns_per_block(|| {
        let mut io: [&mut [f32]; 2] = [&mut left[..], &mut right[..]];
        built.processor.process(&mut io);
    });

    let block_ns = BLOCK as f64 / 48_000.0 * 1e9;
    println!(
        "live feed per {BLOCK}-sample stereo block at 48 kHz: closed {closed:.1} ns, open \
         {open:.1} ns ({:.4} % of the {:.2} ms block); built-in engine {engine:.0} ns",
        open / block_ns * 100.0,
        block_ns / 1e6
    );
}
