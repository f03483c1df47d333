//! Format-v1 and v2 style models run through ONNX Runtime.
//!
//! - [`proto`] reads a model file's metadata and operator sets without ONNX Runtime;
//! - [`session`] creates sessions with real-time options on the chosen [`Device`];
//! - [`io`] checks a session's tensors against the format;
//! - [`network`] shares one session among the models loaded from the same bytes, and runs
//!   their staged frames in one batch;
//! - [`bin_map`] maps between the engine's and the model's frequency axes;
//! - [`runner`] is the [`OnnxModel`] the worker runs.

pub mod bin_map;
pub mod io;
pub mod network;
pub mod proto;
pub mod runner;
pub mod session;

pub use runner::OnnxModel;
pub use session::Device;
