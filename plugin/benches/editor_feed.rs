//! Audio-thread cost of the editor's live-view feed, per 512-sample stereo block at 48 kHz.
//!
//! - `feed/closed`: the editor is closed (the check the audio thread makes every block);
//! - `feed/open`: the editor is open (input and output copied into the rings);
//! - `engine/...`: the built-in engine processing the same block, with the feed closed and
//!   open around it, as the plugin's `process()` does.
//!
//! Run with `cargo bench -j2 -p chameleon --bench editor_feed`.

use std::hint::black_box;

use chameleon::live_feed::LiveFeed;
use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../tests/common/feed_rig.rs"]
mod feed_rig;
use feed_rig::{builtin_engine, signal};

fn feed(c: &mut Criterion) {
    let feed = LiveFeed::default();
    let mut left = signal(0.0);
    let mut right = signal(1.0);
    let mut group = c.benchmark_group("feed");
    group.bench_function("closed", |b| {
        feed.force_active(false);
        b.iter(|| {
            let io: [&mut [f32]; 2] = [&mut left[..], &mut right[..]];
            feed.capture_input(black_box(&io));
            feed.capture_output(black_box(&io));
        })
    });
    group.bench_function("open", |b| {
        feed.force_active(true);
        b.iter(|| {
            let io: [&mut [f32]; 2] = [&mut left[..], &mut right[..]];
            feed.capture_input(black_box(&io));
            feed.capture_output(black_box(&io));
        })
    });
    group.finish();
}

fn engine(c: &mut Criterion) {
    let mut built = builtin_engine();
    let feed = LiveFeed::default();
    let mut left = signal(0.0);
    let mut right = signal(1.0);
    let mut group = c.benchmark_group("engine");
    for (name, open) in [("feed_closed", false), ("feed_open", true)] {
        feed.force_active(open);
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut io: [&mut [f32]; 2] = [&mut left[..], &mut right[..]];
                feed.capture_input(&io);
                built.processor.process(&mut io);
                feed.capture_output(&io);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, feed, engine);
criterion_main!(benches);
