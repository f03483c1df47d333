//! Live mode runs the model every half model hop: the runner keeps one context and recurrent
//! state per phase, so each phase's frames see exactly what the model sees at its own hop.

mod onnx_common;

use chameleon_dsp::model::loader::load_onnx_model;
use chameleon_dsp::model::Device;
use chameleon_dsp::{Complex32, Controls, Frame, FrameModel, StftGeometry};
use onnx_common::{golden_model, require_runtime, runtime_dirs};

fn frame(seq: u64, channels: usize, bins: usize, styles: usize) -> Box<Frame> {
    let mut f = Box::new(Frame::new(channels, bins));
    f.seq = seq;
    for (i, x) in f.input.iter_mut().enumerate() {
        let t = (seq as f32 * 0.37 + i as f32 * 0.011).sin();
        *x = Complex32::new(t * (1.0 + seq as f32 * 0.1), t.cos() * 0.5);
    }
    f.controls = Controls::single(0, styles);
    f
}

#[test]
fn each_phase_of_a_live_engine_matches_the_model_at_its_own_hop() {
    require_runtime();
    let path = golden_model("golden_magnitude_state");
    let open = || load_onnx_model(&path, Device::Cpu, &runtime_dirs()).unwrap();
    let mut studio = open();
    let mut live = open();
    let meta = studio.metadata().clone();
    assert!(meta.state_size > 0, "the test needs a recurrent model");
    let rate = meta.sample_rate;
    let channels = 2;
    let bins = meta.geometry.bins();
    let styles = meta.styles.len();
    let g = meta.geometry;
    studio.prepare(g, rate, channels).unwrap();
    let live_geometry = StftGeometry::new(g.fft_size, g.hop / 2).unwrap();
    live.prepare(live_geometry, rate, channels).unwrap();

    // Live frames 0..24: the odd ones are the model's own frames 0..12, the even ones a second,
    // independent chain in between.
    let mut live_frames: Vec<Box<Frame>> =
        (0..24).map(|s| frame(s, channels, bins, styles)).collect();
    live.process(&mut live_frames).unwrap();
    let mut studio_frames: Vec<Box<Frame>> = (0..12)
        .map(|j| {
            let mut f = frame(2 * j + 1, channels, bins, styles);
            f.seq = j;
            f
        })
        .collect();
    studio.process(&mut studio_frames).unwrap();
    for (j, s) in studio_frames.iter().enumerate() {
        let l = &live_frames[2 * j + 1];
        let worst = s
            .output
            .iter()
            .zip(&l.output)
            .map(|(a, b)| (a - b).norm())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-5,
            "model frame {j}: live phase differs by {worst}"
        );
    }
    // The other chain really is separate: feeding all 24 frames through one chain differs.
    let mut single = open();
    single.prepare(g, rate, channels).unwrap();
    let mut one_chain: Vec<Box<Frame>> =
        (0..24).map(|s| frame(s, channels, bins, styles)).collect();
    single.process(&mut one_chain).unwrap();
    let differs = one_chain[23]
        .output
        .iter()
        .zip(&live_frames[23].output)
        .any(|(a, b)| (a - b).norm() > 1e-4);
    assert!(differs, "a single chain should see different context");
}

#[test]
fn a_hop_that_does_not_divide_the_models_is_refused() {
    require_runtime();
    let path = golden_model("golden_magnitude_state");
    let mut model = load_onnx_model(&path, Device::Cpu, &runtime_dirs()).unwrap();
    let meta = model.metadata().clone();
    let g = meta.geometry;
    // A hop longer than the model's cannot be split into phases.
    if let Ok(longer) = StftGeometry::new(g.fft_size, g.hop * 2) {
        let err = model.prepare(longer, meta.sample_rate, 1).unwrap_err();
        assert!(err.to_string().contains("does not divide"), "{err}");
    }
}
