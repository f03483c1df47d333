//! Format-v1 style models run through ONNX Runtime.
//!
//! - [`proto`] reads a model file's metadata and operator sets without ONNX Runtime;
//! - [`session`] creates sessions with real-time options on the chosen [`Device`];
//! - [`io`] checks a session's tensors against the format;
//! - [`bin_map`] maps between the engine's and the model's frequency axes;
//! - [`runner`] is the [`OnnxModel`] the worker runs.

pub mod bin_map;
pub mod io;
pub mod proto;
pub mod runner;
pub mod session;

pub use runner::OnnxModel;
pub use session::Device;
