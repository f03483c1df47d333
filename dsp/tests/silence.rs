//! Silent hops never wake the worker: they play unprocessed, exactly as the worker would
//! return them, and cost no transforms when the input is digital silence.

mod common;

use chameleon_dsp::{Controls, LatencyMode, ProcessingMode, StftGeometry};
use common::*;

#[test]
fn silent_hops_skip_the_worker_and_sound_resumes_processed() {
    for mode in [LatencyMode::Studio, LatencyMode::Live] {
        let mut config =
            chameleon_dsp::EngineConfig::for_mode(mode, 48_000.0, 2, StftGeometry::default(), 256)
                .unwrap();
        config.mode = ProcessingMode::offline();
        let mut engine =
            chameleon_dsp::Engine::new(config, Box::new(ScriptedModel::new(0.5))).unwrap();
        engine.set_controls(&Controls::single(0, 1).with_level_match(false));
        engine.snap_controls();
        let silence = vec![vec![0.0; 24_000], vec![0.0; 24_000]];
        let out = run_blocks(&mut engine, &silence, &[256]);
        assert!(
            out.iter().flatten().all(|&x| x == 0.0),
            "{mode:?}: silence stays silent"
        );
        let s = engine.stats().snapshot();
        assert_eq!(
            s.processed_frames, 0,
            "{mode:?}: the worker ran on silence: {s:?}"
        );
        assert!(s.silent_frames > 80, "{mode:?}: silent hops counted: {s:?}");
        assert_eq!(s.missed_frames, 0, "{mode:?}: silence is no miss: {s:?}");

        let tone = vec![
            sine(24_000, 440.0, 48_000.0, 0.5),
            sine(24_000, 440.0, 48_000.0, 0.5),
        ];
        let out = run_blocks(&mut engine, &tone, &[256]);
        let s = engine.stats().snapshot();
        assert!(
            s.processed_frames > 80,
            "{mode:?}: sound is processed again: {s:?}"
        );
        let latency = engine.latency_samples();
        let tail = &out[0][latency + 12_000..latency + 20_000];
        let rms = (tail.iter().map(|x| x * x).sum::<f32>() / tail.len() as f32).sqrt();
        let expected = 0.5 * 0.5 / 2f32.sqrt();
        assert!(
            (rms / expected - 1.0).abs() < 0.05,
            "{mode:?}: model level {rms} vs {expected}"
        );
    }
}
