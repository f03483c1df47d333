//! The shared worker's thread lives exactly as long as the engines on it, and a model that
//! cannot batch keeps a thread of its own. One test, so no other engine of this process
//! changes the counts it reads.

mod onnx_common;

use chameleon_dsp::model::loader::load_onnx_model;
use chameleon_dsp::model::{Device, FaultPlan, FaultyModel};
use chameleon_dsp::{
    inference_pool, Controls, Engine, EngineConfig, FrameModel, SpectralShapeModel, StftGeometry,
};
use onnx_common::{golden_model, require_runtime, runtime_dirs};

fn engine(model: Box<dyn FrameModel>, channels: usize) -> Engine {
    let d = model.description();
    let g = StftGeometry::new(d.fft_size.unwrap_or(1024), d.hop.unwrap_or(256)).unwrap();
    let rate = d.sample_rate.unwrap_or(48000.0);
    let config = EngineConfig::realtime(rate, channels, g, 256);
    Engine::new(config, model).unwrap()
}

#[test]
fn the_shared_worker_starts_with_the_first_engine_and_stops_with_the_last() {
    require_runtime();
    let load =
        || load_onnx_model(&golden_model("golden_mask"), Device::Cpu, &runtime_dirs()).unwrap();
    assert_eq!(inference_pool::snapshot().threads, 0);
    let builtin = engine(Box::new(SpectralShapeModel::new()), 2);
    assert_eq!(
        inference_pool::snapshot().threads,
        0,
        "the built-in model does not batch and keeps a thread of its own"
    );
    let plan = FaultPlan::parse("panic/3").unwrap();
    let faulty = engine(Box::new(FaultyModel::new(Box::new(load()), plan)), 2);
    assert_eq!(
        inference_pool::snapshot().threads,
        0,
        "a fault-injected model runs alone"
    );

    let mut engines: Vec<Engine> = (0..3)
        .map(|i| engine(Box::new(load()), 1 + i % 2))
        .collect();
    let s = inference_pool::snapshot();
    assert_eq!(
        (s.threads, s.engines),
        (1, 3),
        "one network, one shared thread"
    );

    // The engines on the shared thread process and come back.
    let mut block = vec![0.0f32; 256];
    for (n, x) in block.iter_mut().enumerate() {
        *x = 0.2 * (n as f32 * 0.05).sin();
    }
    let controls = Controls::single(0, 1);
    for e in engines.iter_mut() {
        e.set_controls(&controls);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while engines
        .iter()
        .any(|e| e.stats().snapshot().processed_frames < 8)
        && std::time::Instant::now() < deadline
    {
        for e in engines.iter_mut() {
            let mut left = block.clone();
            let mut right = block.clone();
            let channels = e.config().channels;
            let mut buffers: Vec<&mut [f32]> = vec![&mut left, &mut right];
            e.process(&mut buffers[..channels]);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    for e in &engines {
        assert!(
            e.stats().snapshot().processed_frames >= 8,
            "every engine got frames back"
        );
    }

    engines.pop();
    assert_eq!(inference_pool::snapshot().engines, 2);
    assert_eq!(inference_pool::snapshot().threads, 1);
    engines.clear();
    assert_eq!(
        inference_pool::snapshot(),
        inference_pool::PoolSnapshot {
            threads: 0,
            engines: 0,
            ..inference_pool::snapshot()
        },
        "the last engine to leave stops and joins the thread"
    );
    let again = engine(Box::new(load()), 2);
    assert_eq!(
        inference_pool::snapshot().threads,
        1,
        "a new engine starts it again"
    );
    drop((again, builtin, faulty));
    assert_eq!(inference_pool::snapshot().threads, 0);
}
