//! Per-hop inference time of an ONNX style model on one CPU thread, as the worker runs it.
//!
//! ```text
//! cargo bench -p chameleon-dsp --bench inference -- [MODEL.onnx ...] [--channels N] [--hops N] [--device cpu|auto|gpu] [--latency-mode studio|live]
//! ```
//!
//! Without a model path it measures `assets/models/chameleon-styles.onnx` when present and the
//! golden test model. Each hop is one `FrameModel::process` call on one frame holding all
//! channels (features, inference, output mapping). Prints p50/p99/p99.9/max per hop and the
//! real-time factor: mean time per hop divided by the hop's duration at the model's sample
//! rate (the share of one core an instance needs). `--latency-mode live` prepares the model at
//! the Live engine geometry (hop `fft / 8`, the model in two phases, no generated
//! phase), whose hops are half as long.
//!
//! Then, as the shared worker runs many instances of one model (`--instances 4,8,16` by
//! default): each hop stages one frame of each instance, runs the shared network once and
//! writes every instance's output; it prints the time per hop for all of them and per instance.

use std::path::PathBuf;
use std::time::Instant;

use chameleon_dsp::geometry::StftGeometry;
use chameleon_dsp::latency_mode::LatencyMode;
use chameleon_dsp::model::loader::{load_onnx_model, read_model_file};
use chameleon_dsp::model::metadata::ModelMetadata;
use chameleon_dsp::model::onnx::session::create_session;
use chameleon_dsp::model::Device;
use chameleon_dsp::runtime::Runtime;
use chameleon_dsp::{Complex32, Controls, Frame, FrameModel};
use ort::value::{Tensor, TensorRef};

/// The engine geometry of `mode` for the model at its own rate (host blocks of 64 samples).
fn engine_geometry(meta: &ModelMetadata, mode: LatencyMode) -> StftGeometry {
    mode.plan(meta.geometry, 64)
        .map(|(geometry, _)| geometry)
        .unwrap_or(meta.geometry)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Median of `f` over `n` calls after 50 warm-up calls, in microseconds.
fn median_us(n: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..50 {
        f();
    }
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let began = Instant::now();
            f();
            began.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Compares `Session::run` with borrowed inputs (what the engine does) against I/O binding with
/// pre-allocated inputs and outputs, on the session alone.
fn compare_io_binding(
    runtime: &Runtime,
    path: &std::path::Path,
    meta: &ModelMetadata,
    channels: usize,
    device: Device,
) {
    let Ok(bytes) = read_model_file(path) else {
        return;
    };
    let Ok((mut session, _)) = create_session(runtime, &bytes, device) else {
        return;
    };
    let bins = meta.bins();
    let feats = vec![-3.0f32; channels * meta.context_frames * bins];
    let style = vec![1.0 / meta.styles.len() as f32; channels * meta.styles.len()];
    let state = vec![0.0f32; channels * meta.state_size];
    let fshape = [channels, meta.context_frames, bins];
    let sshape = [channels, meta.styles.len()];
    let stshape = [channels, meta.state_size];
    let outputs: Vec<(&str, usize)> = meta
        .output
        .tensor_names()
        .iter()
        .map(|n| (*n, bins))
        .chain((meta.state_size > 0).then_some(("state_out", meta.state_size)))
        .collect();
    let mut sink = vec![0.0f32; channels * bins];
    let plain = median_us(2000, || {
        let mut inputs = ort::inputs![
            "features" => TensorRef::from_array_view((fshape, &feats[..])).unwrap(),
            "style" => TensorRef::from_array_view((sshape, &style[..])).unwrap(),
        ];
        if meta.state_size > 0 {
            inputs.push((
                "state_in".into(),
                TensorRef::from_array_view((stshape, &state[..]))
                    .unwrap()
                    .into(),
            ));
        }
        let out = session.run(inputs).unwrap();
        let (_, data) = out[0].try_extract_tensor::<f32>().unwrap();
        let n = sink.len();
        sink.copy_from_slice(&data[..n]);
    });
    let mut binding = session.create_binding().unwrap();
    let mut feat_t = Tensor::from_array((fshape, feats.clone())).unwrap();
    let style_t = Tensor::from_array((sshape, style.clone())).unwrap();
    let state_t = Tensor::from_array((stshape, state.clone())).unwrap();
    for (name, width) in &outputs {
        let t = Tensor::<f32>::new(session.allocator(), [channels, *width]).unwrap();
        binding.bind_output(*name, t).unwrap();
    }
    let bound = median_us(2000, || {
        // The engine writes new features every hop, then the input is bound again.
        feat_t.extract_tensor_mut().1[0] = -3.0;
        binding.bind_input("features", &feat_t).unwrap();
        binding.bind_input("style", &style_t).unwrap();
        if meta.state_size > 0 {
            binding.bind_input("state_in", &state_t).unwrap();
        }
        let out = session.run_binding(&binding).unwrap();
        let (_, data) = out[0].try_extract_tensor::<f32>().unwrap();
        let n = sink.len();
        sink.copy_from_slice(&data[..n]);
    });
    println!("  session alone: run() {plain:.1} us, I/O binding {bound:.1} us (medians)");
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap_or(root);
    let mut models = Vec::new();
    let mut channels = 2usize;
    let mut hops = 3000usize;
    let mut device = Device::Cpu;
    let mut instances = vec![4usize, 8, 16];
    let mut mode = LatencyMode::Studio;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => {}
            "--channels" => channels = args.next().and_then(|v| v.parse().ok()).unwrap_or(2),
            "--instances" => {
                instances = args
                    .next()
                    .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
                    .unwrap_or_default()
            }
            "--latency-mode" => {
                mode = args
                    .next()
                    .and_then(|v| LatencyMode::parse(&v))
                    .unwrap_or(LatencyMode::Studio)
            }
            "--hops" => hops = args.next().and_then(|v| v.parse().ok()).unwrap_or(3000),
            "--device" => {
                device = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(Device::Cpu)
            }
            other if !other.starts_with('-') => {
                // cargo runs benches in the package folder; accept paths from the workspace root.
                let p = PathBuf::from(other);
                models.push(if p.is_relative() && !p.exists() {
                    root.join(p)
                } else {
                    p
                });
            }
            _ => {}
        }
    }
    if models.is_empty() {
        let bundled = root.join("assets/models/chameleon-styles.onnx");
        if bundled.is_file() {
            models.push(bundled);
        }
        models.push(root.join("training/golden/models/golden_mask.onnx"));
    }
    let search = vec![root.join("target/onnxruntime")];
    let runtime = match chameleon_dsp::runtime::ensure_runtime(&search) {
        Ok(rt) => {
            println!("ONNX Runtime {} ({})", rt.version(), rt.path().display());
            rt
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };

    for path in models {
        let mut model = match load_onnx_model(&path, device, &search) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                continue;
            }
        };
        let meta = model.metadata().clone();
        let geometry = engine_geometry(&meta, mode);
        if let Err(e) = model.prepare(geometry, meta.sample_rate, channels) {
            eprintln!("{}: {e}", path.display());
            continue;
        }
        let bins = meta.bins();
        let styles = meta.styles.len();
        let mut frames = vec![Box::new(Frame::new(channels, bins))];
        let mut seed = 0x1234_5678u32;
        let mut times = Vec::with_capacity(hops);
        for hop in 0..hops + 100 {
            frames[0].seq = hop as u64;
            for x in frames[0].input.iter_mut() {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let a = (seed >> 8) as f32 / (1u32 << 24) as f32;
                *x = Complex32::new(a * 10.0, (1.0 - a) * 3.0);
            }
            frames[0].controls = Controls::morph(0, styles - 1, (hop % 100) as f32 / 100.0, styles);
            let began = Instant::now();
            if let Err(e) = model.process(&mut frames) {
                eprintln!("{}: {e}", path.display());
                break;
            }
            if hop >= 100 {
                times.push(began.elapsed().as_secs_f64() * 1e6);
            }
        }
        if times.is_empty() {
            continue;
        }
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        times.sort_by(f64::total_cmp);
        let hop_us = geometry.hop as f64 / meta.sample_rate as f64 * 1e6;
        println!(
            "{} [{}; {} ch, {}/{} @ {} Hz ({}), context {}, {}; {} hops]",
            path.file_name().unwrap_or_default().to_string_lossy(),
            model.description().provider,
            channels,
            geometry.fft_size,
            geometry.hop,
            meta.sample_rate,
            mode.as_str(),
            meta.context_frames,
            meta.output.as_str(),
            times.len()
        );
        println!(
            "  per hop: mean {mean:.1} us, p50 {:.1} us, p99 {:.1} us, p99.9 {:.1} us, max {:.1} us",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            percentile(&times, 0.999),
            times[times.len() - 1]
        );
        println!(
            "  hop lasts {hop_us:.0} us: real-time factor {:.4} (mean), {:.4} (p99.9); about {:.0} instances per core",
            mean / hop_us,
            percentile(&times, 0.999) / hop_us,
            hop_us / mean
        );
        let infer_only = median_us(2000, || {
            let _ = model.run_inference();
        });
        println!("  of which the session run on the engine's buffers: {infer_only:.1} us (median)");
        compare_io_binding(runtime, &path, &meta, channels, device);
        for &n in &instances {
            shared_batch(&path, &search, device, channels, n, hops / 3, mode);
        }
    }
}

/// `n` instances of the model at `path` on one shared network: per hop, stage one frame of
/// each, run once, finish each (what the shared worker does).
fn shared_batch(
    path: &std::path::Path,
    search: &[PathBuf],
    device: Device,
    channels: usize,
    n: usize,
    hops: usize,
    mode: LatencyMode,
) {
    let mut models = Vec::with_capacity(n);
    for _ in 0..n {
        let Ok(mut m) = load_onnx_model(path, device, search) else {
            return;
        };
        let meta = m.metadata().clone();
        if m.prepare(engine_geometry(&meta, mode), meta.sample_rate, channels)
            .is_err()
        {
            return;
        }
        models.push(m);
    }
    let Some(meta) = models.first().map(|m| m.metadata().clone()) else {
        return;
    };
    let bins = meta.bins();
    let styles = meta.styles.len();
    let mut frames: Vec<Box<Frame>> = (0..n)
        .map(|_| Box::new(Frame::new(channels, bins)))
        .collect();
    let mut seed = 0x8765_4321u32;
    let mut times = Vec::with_capacity(hops);
    for hop in 0..hops + 50 {
        for (i, f) in frames.iter_mut().enumerate() {
            f.seq = hop as u64;
            for x in f.input.iter_mut() {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let a = (seed >> 8) as f32 / (1u32 << 24) as f32;
                *x = Complex32::new(a * 10.0, (1.0 - a) * 3.0);
            }
            f.controls = Controls::single(i % styles, styles);
        }
        let began = Instant::now();
        for (m, f) in models.iter_mut().zip(&frames) {
            m.stage(f).expect("stage");
        }
        models[0].run_staged().expect("shared run");
        for (m, f) in models.iter_mut().zip(frames.iter_mut()) {
            m.finish_staged(f).expect("finish");
        }
        if hop >= 50 {
            times.push(began.elapsed().as_secs_f64() * 1e6);
        }
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let hop_us = engine_geometry(&meta, mode).hop as f64 / meta.sample_rate as f64 * 1e6;
    println!(
        "  shared batch of {n} instances ({} rows): per hop mean {mean:.1} us, p50 {:.1} us, p99 {:.1} us; \
         per instance {:.1} us, real-time factor {:.4} per instance",
        n * channels,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        mean / n as f64,
        mean / n as f64 / hop_us
    );
}
