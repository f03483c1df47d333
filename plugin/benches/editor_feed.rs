//! Audio-thread cost of the editor's live-view feed, per 512-sample stereo block at 48 kHz.
//!
//! - `feed/closed`: the editor is closed (the check the audio thread makes every block);
//! - `feed/open`: the editor is open (input and output copied into the rings);
//! - `engine/...`: the built-in engine processing the same block, with the feed closed and
//!   open around it, as the plugin's `process()` does.
//!
//! Run with `cargo bench -j2 -p chameleon --bench editor_feed`.

use std::hint::black_box;

use chameleon::editor::feed::LiveFeed;
use chameleon::engine_builder::{self, EngineSpec};
use chameleon::model_choice::ModelChoice;
use chameleon::params::Device;
use criterion::{criterion_group, criterion_main, Criterion};

const BLOCK: usize = 512;

fn signal(n: usize, phase: f32) -> Vec<f32> {
    (0..n)
        .map(|i| (0.03 * i as f32 + phase).sin() * 0.5)
        .collect()
}

fn feed(c: &mut Criterion) {
    let feed = LiveFeed::default();
    let mut left = signal(BLOCK, 0.0);
    let mut right = signal(BLOCK, 1.0);
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
    // A missing file makes the model source fall back to the built-in styles, whatever models
    // and runtime are installed, so the numbers compare across machines.
    let choice = ModelChoice {
        path: Some("/nonexistent/chameleon-bench.onnx".into()),
        ..ModelChoice::default()
    };
    let spec = EngineSpec {
        sample_rate: 48_000.0,
        channels: 2,
        max_block: BLOCK,
        offline: false,
    };
    let mut built = engine_builder::build(spec, &choice, Device::Cpu, 1);
    let feed = LiveFeed::default();
    let mut left = signal(BLOCK, 0.0);
    let mut right = signal(BLOCK, 1.0);
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
