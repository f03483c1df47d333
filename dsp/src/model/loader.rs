//! Loading a model file: read, check, create the session, wrap it as a [`FrameModel`].
//!
//! # Usage
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use chameleon_dsp::model::{load_model, Device};
//! use chameleon_dsp::runtime::{ensure_runtime, runtime_status};
//! use chameleon_dsp::SpectralShapeModel;
//!
//! // Folders to look in for libonnxruntime (after CHAMELEON_ORT_DYLIB, before the user
//! // install folder): the plugin passes its bundle's binary folder, the render CLI its
//! // executable's folder and the repository's `target/onnxruntime/`.
//! let search: Vec<PathBuf> = vec![PathBuf::from("target/onnxruntime")];
//! let device: Device = "auto".parse().unwrap();
//! let model: Box<dyn chameleon_dsp::FrameModel> =
//!     match load_model(Path::new("assets/models/chameleon-styles.onnx"), device, &search) {
//!         Ok(model) => model, // model.description().provider says "CPU", "CUDA", …
//!         Err(e) => {
//!             eprintln!("{e}"); // one plain-words message; fall back to the built-in model
//!             Box::new(SpectralShapeModel::new())
//!         }
//!     };
//! // For a status line: `runtime_status()` (never loads), or `ensure_runtime(&search)`.
//! println!("{}", runtime_status());
//! # let _ = (model, ensure_runtime(&search));
//! ```
//!
//! Load models off the audio thread (this reads files, loads a library and creates a session)
//! and hand the result to the engine, which prepares it and swaps it in on the worker.
//!
//! # Order of checks
//!
//! 1. the file exists and is at most [`MAX_MODEL_BYTES`];
//! 2. it parses as an ONNX model and imports no custom-op domain (see [`ALLOWED_DOMAINS`]),
//!    with a default-domain opset of at least [`MIN_OPSET`];
//! 3. its `chameleon.*` metadata is valid (format v1, `docs/model-format.md`);
//! 4. ONNX Runtime is available ([`ensure_runtime`](crate::runtime::ensure_runtime));
//! 5. a session can be created on the chosen [`Device`];
//! 6. its input and output tensors match the metadata.
//!
//! Steps 5 and 6 run once per process for the same bytes and device: later loads share the
//! first session ([`crate::model::onnx::network`]).
//!
//! Steps 1–3 need no ONNX Runtime, so [`inspect_model`] works without it.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::metadata::{MetadataError, ModelMetadata};
use crate::model::onnx::io::check_io;
use crate::model::onnx::network::shared_network;
use crate::model::onnx::proto::read_model_summary;
use crate::model::onnx::session::create_session;
use crate::model::onnx::{Device, OnnxModel};
use crate::model::FrameModel;
use crate::runtime::{ensure_runtime, RuntimeError};

/// Largest model file accepted, in bytes (256 MiB).
pub const MAX_MODEL_BYTES: u64 = 256 * 1024 * 1024;

/// Operator-set domains a model may import: standard ONNX, ONNX-ML, and ONNX Runtime's own
/// built-in contrib operators. Anything else would need a custom-op library, which Chameleon
/// never loads (models are data, not code).
pub const ALLOWED_DOMAINS: &[&str] = &["", "ai.onnx", "ai.onnx.ml", "com.microsoft"];

/// Oldest default-domain opset accepted.
pub const MIN_OPSET: i64 = 17;

/// Why a model could not be loaded. `Display` gives one message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be read.
    Io {
        /// The model file.
        path: PathBuf,
        /// What the operating system said.
        message: String,
    },
    /// The file is larger than [`MAX_MODEL_BYTES`].
    TooLarge {
        /// Its size in bytes.
        size: u64,
    },
    /// The bytes are not a readable ONNX model.
    NotOnnx(String),
    /// The model imports operator sets Chameleon refuses.
    Operators(Vec<String>),
    /// The `chameleon.*` metadata is missing or invalid.
    Metadata(MetadataError),
    /// ONNX Runtime is not available.
    Runtime(RuntimeError),
    /// ONNX Runtime refused the model or the device.
    Session(String),
    /// The model's tensors do not match the format or its metadata.
    Tensors(Vec<String>),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, message } => {
                write!(f, "could not read model file {}: {message}", path.display())
            }
            LoadError::TooLarge { size } => write!(
                f,
                "the model file is {} MiB, more than the {} MiB limit",
                size / (1024 * 1024),
                MAX_MODEL_BYTES / (1024 * 1024)
            ),
            LoadError::NotOnnx(why) => write!(f, "the file is not a valid ONNX model: {why}"),
            LoadError::Operators(problems) => {
                write!(
                    f,
                    "the model uses operators Chameleon does not run: {}",
                    problems.join("; ")
                )
            }
            LoadError::Metadata(e) => write!(f, "{e}"),
            LoadError::Runtime(e) => write!(f, "neural models need ONNX Runtime: {e}"),
            LoadError::Session(why) => write!(f, "ONNX Runtime could not load the model: {why}"),
            LoadError::Tensors(problems) => write!(
                f,
                "the model's tensors do not match the Chameleon model format: {}",
                problems.join("; ")
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl From<MetadataError> for LoadError {
    fn from(e: MetadataError) -> Self {
        LoadError::Metadata(e)
    }
}

/// Reads a model file, refusing files over [`MAX_MODEL_BYTES`] without reading them whole.
pub fn read_model_file(path: &Path) -> Result<Vec<u8>, LoadError> {
    let io = |e: std::io::Error| LoadError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_MODEL_BYTES {
        return Err(LoadError::TooLarge { size });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// Checks a model's bytes without ONNX Runtime (steps 1–3 above) and returns its metadata.
pub fn inspect_model(bytes: &[u8]) -> Result<ModelMetadata, LoadError> {
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(LoadError::TooLarge {
            size: bytes.len() as u64,
        });
    }
    if bytes.is_empty() {
        return Err(LoadError::NotOnnx("the file is empty".to_owned()));
    }
    let summary = read_model_summary(bytes).map_err(LoadError::NotOnnx)?;
    if !summary.has_graph {
        return Err(LoadError::NotOnnx("it has no graph".to_owned()));
    }
    let mut problems = Vec::new();
    let mut default_opset = None;
    for (domain, version) in &summary.opsets {
        if !ALLOWED_DOMAINS.contains(&domain.as_str()) {
            problems.push(format!("custom operator domain `{domain}` is not allowed"));
        }
        if domain.is_empty() || domain == "ai.onnx" {
            default_opset = Some(*version);
        }
    }
    match default_opset {
        Some(v) if v < MIN_OPSET => problems.push(format!(
            "opset {v} is older than the {MIN_OPSET} the format requires; export with opset {MIN_OPSET} or newer"
        )),
        None => problems.push("the model imports no standard ONNX opset".to_owned()),
        _ => {}
    }
    if !problems.is_empty() {
        return Err(LoadError::Operators(problems));
    }
    Ok(ModelMetadata::from_props(&summary.metadata)?)
}

/// Loads the ONNX model at `path` for `device`, finding ONNX Runtime with `runtime_search`
/// (see [`crate::runtime`]). See the module documentation for what is checked.
pub fn load_onnx_model(
    path: &Path,
    device: Device,
    runtime_search: &[PathBuf],
) -> Result<OnnxModel, LoadError> {
    let bytes = read_model_file(path)?;
    load_onnx_model_from_bytes(&bytes, device, runtime_search)
}

/// Like [`load_onnx_model`], from the model's bytes.
pub fn load_onnx_model_from_bytes(
    bytes: &[u8],
    device: Device,
    runtime_search: &[PathBuf],
) -> Result<OnnxModel, LoadError> {
    let meta = inspect_model(bytes)?;
    let runtime = ensure_runtime(runtime_search).map_err(LoadError::Runtime)?;
    // Every model of these bytes on this device shares one session (and one copy of the weights).
    let network = shared_network::<LoadError>(bytes, device, || {
        let (session, provider) =
            create_session(runtime, bytes, device).map_err(LoadError::Session)?;
        let layout = check_io(&session, &meta).map_err(LoadError::Tensors)?;
        Ok((session, provider, layout))
    })?;
    Ok(OnnxModel::new(network, meta))
}

/// Loads the model at `path` as a boxed [`FrameModel`] for the engine (see [`load_onnx_model`]).
pub fn load_model(
    path: &Path,
    device: Device,
    runtime_search: &[PathBuf],
) -> Result<Box<dyn FrameModel>, LoadError> {
    Ok(Box::new(load_onnx_model(path, device, runtime_search)?))
}
