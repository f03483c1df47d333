//! Audio-side cost of the engine per host block, and STFT + overlap-add throughput side by side
//! with nice-plug-core's `StftHelper` doing the same identity processing.
//!
//! Run: `cargo bench -p chameleon-dsp --bench stft`

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chameleon_dsp::overlap_add::OverlapAdd;
use chameleon_dsp::stft::StftAnalyzer;
use chameleon_dsp::{Complex32, Controls, Engine, EngineConfig, SpectralShapeModel, StftGeometry};
use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use nice_plug_core::buffer::Buffer;
use nice_plug_core::util::StftHelper;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

const RATE: f32 = 48000.0;
const FFT: usize = 1024;
const OVERLAP: usize = 4;
const SECOND: usize = 48000;
const HOST_BLOCK: usize = 256;

fn noise(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32) - 0.5
        })
        .collect()
}

/// Chameleon's analysis + resynthesis with an identity spectrum, no worker.
struct ChameleonStft {
    analyzer: StftAnalyzer,
    synthesis: OverlapAdd,
    spectrum: Vec<Complex32>,
    hop: usize,
    fill: usize,
}

impl ChameleonStft {
    fn new(channels: usize) -> Self {
        let geometry = StftGeometry::new(FFT, FFT / OVERLAP).unwrap();
        Self {
            analyzer: StftAnalyzer::new(geometry, channels),
            synthesis: OverlapAdd::new(geometry, channels),
            spectrum: vec![Complex32::new(0.0, 0.0); channels * geometry.bins()],
            hop: geometry.hop,
            fill: 0,
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let len = channels[0].len();
        let mut position = 0;
        while position < len {
            let n = (self.hop - self.fill).min(len - position);
            for (c, buffer) in channels.iter_mut().enumerate() {
                let segment = &mut buffer[position..position + n];
                self.analyzer.write(c, self.fill, segment);
                segment.copy_from_slice(self.synthesis.read(c, self.fill, n));
            }
            self.fill += n;
            position += n;
            if self.fill == self.hop {
                self.fill = 0;
                self.analyzer.analyse(&mut self.spectrum);
                self.synthesis.add_frame(&self.spectrum);
            }
        }
    }
}

/// nice-plug-core's StftHelper with the same window, FFT size, overlap and identity spectrum.
struct HelperStft {
    helper: StftHelper,
    window: Vec<f32>,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    spectrum: Vec<Complex32>,
    scratch: Vec<Complex32>,
}

impl HelperStft {
    fn new(channels: usize) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(FFT);
        let inverse = planner.plan_fft_inverse(FFT);
        let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
        let gain = 1.0 / (FFT as f32 * OVERLAP as f32 / 2.0);
        Self {
            helper: StftHelper::new(channels, FFT, 0),
            window: (0..FFT)
                .map(|n| (std::f32::consts::PI * n as f32 / FFT as f32).sin() * gain.sqrt())
                .collect(),
            forward,
            inverse,
            spectrum: vec![Complex32::new(0.0, 0.0); FFT / 2 + 1],
            scratch: vec![Complex32::new(0.0, 0.0); scratch_len],
        }
    }

    fn process(&mut self, channels: &mut [&mut [f32]]) {
        let Self {
            helper,
            window,
            forward,
            inverse,
            spectrum,
            scratch,
        } = self;
        // StftHelper takes a host `Buffer`; wrapping the block costs one two-pointer Vec.
        let len = channels.first().map_or(0, |c| c.len());
        let mut buffer = Buffer::default();
        // SAFETY: the slices outlive `buffer`, which is dropped at the end of this call, and all
        // channels have `len` samples.
        unsafe {
            buffer.set_slices(len, |slices| {
                slices.extend(channels.iter_mut().map(|c| &mut **c));
            });
        }
        helper.process_overlap_add(&mut buffer, OVERLAP, |_, block| {
            for (x, w) in block.iter_mut().zip(window.iter()) {
                *x *= w;
            }
            let _ = forward.process_with_scratch(block, spectrum, scratch);
            spectrum[0].im = 0.0;
            spectrum[FFT / 2].im = 0.0;
            let _ = inverse.process_with_scratch(spectrum, block, scratch);
            for (x, w) in block.iter_mut().zip(window.iter()) {
                *x *= w;
            }
        });
    }
}

fn engine_for_block(block: usize) -> Engine {
    let config = EngineConfig::realtime(
        RATE,
        2,
        StftGeometry::new(FFT, FFT / OVERLAP).unwrap(),
        block,
    );
    let mut engine = Engine::new(config, Box::new(SpectralShapeModel::new())).unwrap();
    engine.set_controls(&Controls::single(0, 5));
    engine
}

fn engine_per_block(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine_process_stereo");
    for block in [64usize, 256, 1024] {
        let mut engine = engine_for_block(block);
        let mut left = noise(block, 1);
        let mut right = noise(block, 2);
        group.throughput(Throughput::Elements(block as u64));
        group.bench_with_input(BenchmarkId::from_parameter(block), &block, |b, _| {
            b.iter(|| engine.process(&mut [&mut left[..], &mut right[..]]));
        });
    }
    group.finish();
}

fn stft_ola_one_second(c: &mut Criterion) {
    let mut group = c.benchmark_group("stft_ola_identity_stereo_1s");
    group.throughput(Throughput::Elements(SECOND as u64));
    let input = [noise(SECOND, 3), noise(SECOND, 4)];
    let mut chameleon = ChameleonStft::new(2);
    let mut helper = HelperStft::new(2);
    group.bench_function("chameleon", |b| {
        b.iter(|| run_second(&input, |ch| chameleon.process(ch)));
    });
    group.bench_function("nice_plug_stft_helper", |b| {
        b.iter(|| run_second(&input, |ch| helper.process(ch)));
    });
    group.finish();
}

fn run_second(input: &[Vec<f32>; 2], mut process: impl FnMut(&mut [&mut [f32]])) {
    let mut left = input[0].clone();
    let mut right = input[1].clone();
    for (l, r) in left
        .chunks_mut(HOST_BLOCK)
        .zip(right.chunks_mut(HOST_BLOCK))
    {
        process(&mut [l, r]);
    }
    black_box((&left, &right));
}

/// Prints the Chameleon / StftHelper time ratio for one second of stereo audio (lower is faster).
fn print_ratio() {
    let input = [noise(SECOND, 3), noise(SECOND, 4)];
    let mut chameleon = ChameleonStft::new(2);
    let mut helper = HelperStft::new(2);
    let measure = |f: &mut dyn FnMut()| {
        let mut best = Duration::MAX;
        for _ in 0..30 {
            let t = Instant::now();
            f();
            best = best.min(t.elapsed());
        }
        best
    };
    let ours = measure(&mut || run_second(&input, |ch| chameleon.process(ch)));
    let theirs = measure(&mut || run_second(&input, |ch| helper.process(ch)));
    println!(
        "stft_ola ratio (chameleon / StftHelper, best of 30, 1 s stereo, FFT {FFT}, overlap {OVERLAP}): \
         {:.3} ({:.3} ms vs {:.3} ms)",
        ours.as_secs_f64() / theirs.as_secs_f64(),
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3
    );
}

criterion_group!(benches, engine_per_block, stft_ola_one_second);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    print_ratio();
}
