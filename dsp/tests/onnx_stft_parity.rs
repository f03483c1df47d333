//! Python's STFT framing (training/golden/make_golden.py, written from docs/model-format.md)
//! and Rust's streaming analyser agree.

mod onnx_common;

use chameleon_dsp::stft::StftAnalyzer;
use chameleon_dsp::{Complex32, StftGeometry};
use onnx_common::{floats, golden_json};

#[test]
fn streaming_analysis_matches_the_documented_framing() {
    let data = golden_json("stft_reference.json");
    let n = data["fft_size"].as_u64().unwrap() as usize;
    let h = data["hop"].as_u64().unwrap() as usize;
    let signal = floats(&data["signal"]);
    let frames = data["frames"].as_array().unwrap();
    assert_eq!(frames.len(), signal.len() / h);

    let mut analyzer = StftAnalyzer::new(StftGeometry::new(n, h).unwrap(), 1);
    let mut spectrum = vec![Complex32::new(0.0, 0.0); n / 2 + 1];
    let mut worst = 0.0f32;
    let mut peak = 0.0f32;
    for (k, frame) in frames.iter().enumerate() {
        // Feed the hop in two uneven pieces, as a host block boundary would.
        let hop = &signal[k * h..(k + 1) * h];
        analyzer.write(0, 0, &hop[..h / 3]);
        analyzer.write(0, h / 3, &hop[h / 3..]);
        analyzer.analyse(&mut spectrum);
        let (re, im) = (floats(&frame["re"]), floats(&frame["im"]));
        for (x, (a, b)) in spectrum.iter().zip(re.iter().zip(&im)) {
            let want = Complex32::new(*a, *b);
            worst = worst.max((x - want).norm());
            peak = peak.max(want.norm());
        }
    }
    assert!(peak > 10.0, "the reference has real content");
    // Single-precision FFT against numpy's double precision: 1e-5 of the peak magnitude.
    assert!(worst <= 1e-5 * peak, "worst error {worst} (peak {peak})");
}
