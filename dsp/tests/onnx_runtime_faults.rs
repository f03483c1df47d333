//! ONNX Runtime discovery faults, in their own process (the runtime is process-wide): a missing
//! library, a library that is not ONNX Runtime and a too-old ONNX Runtime each give a clear
//! error and leave the built-in model working; a good library still loads afterwards.

mod onnx_common;

use std::path::PathBuf;

use chameleon_dsp::model::loader::load_onnx_model;
use chameleon_dsp::model::Device;
use chameleon_dsp::runtime::{ensure_runtime, runtime_status, RuntimeStatus, DYLIB_ENV};
use chameleon_dsp::{Engine, EngineConfig, SpectralShapeModel, StftGeometry};
use onnx_common::{golden_model, repo_root};

fn set_library(path: &std::path::Path) {
    // NOTE: this is the only test in this binary, so nothing else reads the environment.
    std::env::set_var(DYLIB_ENV, path);
}

fn first_existing(paths: &[&str]) -> Option<PathBuf> {
    paths.iter().map(PathBuf::from).find(|p| p.is_file())
}

#[test]
fn bad_libraries_give_clear_errors_and_a_good_one_loads_afterwards() {
    // Keep the user install folder out of the way.
    std::env::set_var(
        "XDG_DATA_HOME",
        repo_root().join("target/no-such-data-home"),
    );
    assert_eq!(runtime_status(), RuntimeStatus::NotLoaded);

    // 1. Missing library.
    set_library(&repo_root().join("target/no-such-dir/libonnxruntime.so"));
    let e = ensure_runtime(&[]).unwrap_err();
    let text = e.to_string();
    eprintln!("{text}");
    assert!(text.contains("no such file"), "{text}");
    assert!(text.contains("cargo xtask fetch-onnxruntime"), "{text}");
    assert!(matches!(runtime_status(), RuntimeStatus::Unavailable(_)));
    let load = load_onnx_model(&golden_model("golden_mask"), Device::Auto, &[])
        .err()
        .unwrap();
    eprintln!("{load}");
    assert!(
        load.to_string()
            .starts_with("neural models need ONNX Runtime"),
        "{load}"
    );
    // The engine still runs with the built-in model.
    let config = EngineConfig::realtime(48000.0, 2, StftGeometry::default(), 512);
    let mut engine = Engine::new(config, Box::new(SpectralShapeModel::new())).unwrap();
    let mut l = vec![0.1f32; 512];
    let mut r = vec![0.1f32; 512];
    engine.process(&mut [&mut l, &mut r]);

    // 2. A shared library that is not ONNX Runtime.
    let libm = first_existing(&[
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/lib64/libm.so.6",
        "/usr/lib/libm.so.6",
    ])
    .expect("libm.so.6 exists on Linux");
    set_library(&libm);
    let text = ensure_runtime(&[]).unwrap_err().to_string();
    eprintln!("{text}");
    assert!(text.contains("not an ONNX Runtime library"), "{text}");

    // 3. An ONNX Runtime that is too old (fetched by `cargo xtask fetch-onnxruntime`).
    let old = repo_root().join("target/onnxruntime/old/libonnxruntime.so.1.20.1");
    assert!(
        old.is_file(),
        "this test needs ONNX Runtime 1.20.1 in target/onnxruntime/old/; run `cargo xtask \
         fetch-onnxruntime` first"
    );
    set_library(&old);
    let text = ensure_runtime(&[]).unwrap_err().to_string();
    eprintln!("{text}");
    assert!(
        text.contains("1.20.1") && text.contains("older than"),
        "{text}"
    );

    // 4. Discovery order: the environment variable, then the caller's folders in order, then
    //    the user install folder. Empty files stand in for libraries here.
    let scratch = repo_root().join(format!("target/runtime-order-{}", std::process::id()));
    let dirs: Vec<PathBuf> = ["a", "b", "data/chameleon/onnxruntime"]
        .iter()
        .map(|d| scratch.join(d))
        .collect();
    for d in &dirs {
        std::fs::create_dir_all(d).unwrap();
        std::fs::write(d.join("libonnxruntime.so.1.31.1"), b"").unwrap();
    }
    std::env::set_var("XDG_DATA_HOME", scratch.join("data"));
    set_library(&scratch.join("missing.so"));
    let e = ensure_runtime(&dirs[..2]).unwrap_err();
    let order: Vec<PathBuf> = e.tried.iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        order,
        vec![
            scratch.join("missing.so"),
            dirs[0].join("libonnxruntime.so.1.31.1"),
            dirs[1].join("libonnxruntime.so.1.31.1"),
            dirs[2].join("libonnxruntime.so.1.31.1"),
        ]
    );
    assert!(e.tried[0].1.contains("CHAMELEON_ORT_DYLIB"), "{e}");
    assert!(e.tried[3].1.contains("user install folder"), "{e}");
    let _ = std::fs::remove_dir_all(&scratch);
    std::env::set_var(
        "XDG_DATA_HOME",
        repo_root().join("target/no-such-data-home"),
    );

    // 5. A folder without a library, then the good library: loading still works after failures.
    set_library(&repo_root().join("target/onnxruntime/old/.."));
    let rt = ensure_runtime(&[]).unwrap_or_else(|e| {
        panic!("run `cargo xtask fetch-onnxruntime` first: {e}");
    });
    assert!(rt.version().starts_with("1.31"), "{}", rt.version());
    assert!(matches!(runtime_status(), RuntimeStatus::Ready { .. }));
    let model = load_onnx_model(&golden_model("golden_mask"), Device::Auto, &[]).unwrap();
    use chameleon_dsp::FrameModel;
    assert_eq!(model.description().provider, "CPU");
}
