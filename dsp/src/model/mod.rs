//! Style models: the [`FrameModel`] trait the worker calls, and the built-in models.

mod builtin;
mod description;
pub mod fault;
pub mod loader;
pub mod metadata;
pub mod onnx;

pub use builtin::SpectralShapeModel;
pub use description::{ModelDescription, StyleInfo};
pub use fault::{FaultPlan, FaultyModel};
pub use loader::{load_model, LoadError};
pub use onnx::{Device, OnnxModel};

use std::fmt;

use crate::frame::Frame;
use crate::geometry::StftGeometry;

/// Why a model could not prepare or process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModelError {}

impl From<String> for ModelError {
    fn from(message: String) -> Self {
        Self(message)
    }
}

impl From<&str> for ModelError {
    fn from(message: &str) -> Self {
        Self(message.to_owned())
    }
}

/// A style model run by the worker thread, one frame (all channels) at a time.
///
/// Implementations write `frame.output` from `frame.input` and `frame.controls`. They run on
/// the worker, never on the audio thread, so they may take time; the engine's deadline policy
/// covers for them when they are late. Output is checked by the worker: non-finite values or
/// absurd gains make the frame fall back to the unprocessed spectrum.
pub trait FrameModel: Send {
    /// Name, styles, geometry and provider of this model.
    fn description(&self) -> &ModelDescription;

    /// Prepares for frames of `geometry` at `sample_rate` Hz with `channels` channels.
    /// Called on the thread that builds the engine, before any frame; may allocate.
    fn prepare(
        &mut self,
        geometry: StftGeometry,
        sample_rate: f32,
        channels: usize,
    ) -> Result<(), ModelError>;

    /// Processes a batch of consecutive frames, oldest first (frames are boxed because they
    /// live in the engine's fixed pool). Each must get its `output` written, or the call returns an error and the whole batch falls back.
    fn process(&mut self, frames: &mut [Box<Frame>]) -> Result<(), ModelError>;

    /// Forgets any history (causal context, recurrent state), as after a transport jump.
    fn reset(&mut self) {}

    /// The network this model's frames can share one inference run with, if any: models that
    /// return the same key run on one network (one set of weights), and the shared worker
    /// ([`crate::inference_pool`]) batches their frames through
    /// [`stage`](FrameModel::stage), [`run_staged`](FrameModel::run_staged) and
    /// [`finish_staged`](FrameModel::finish_staged). `None` (the default): frames go through
    /// [`process`](FrameModel::process) only.
    fn batch_key(&self) -> Option<BatchKey> {
        None
    }

    /// Adds `frame`'s inputs to the next run of the shared network (after this model's own
    /// history advances as in `process`). Only called when [`batch_key`](FrameModel::batch_key)
    /// is `Some`, one frame per model per run.
    fn stage(&mut self, _frame: &Frame) -> Result<(), ModelError> {
        Err(ModelError::from(NOT_BATCHED))
    }

    /// Runs the shared network once on every frame staged since the last run, by any model of
    /// the same key. Called on one model of the group.
    fn run_staged(&mut self) -> Result<(), ModelError> {
        Err(ModelError::from(NOT_BATCHED))
    }

    /// Writes `frame`'s output (the frame staged last by this model) from the last run.
    fn finish_staged(&mut self, _frame: &mut Frame) -> Result<(), ModelError> {
        Err(ModelError::from(NOT_BATCHED))
    }
}

/// What the batching methods of a model without a [`FrameModel::batch_key`] return.
const NOT_BATCHED: &str = "this model does not run in shared batches";

/// Identity of a network shared by several models (see [`FrameModel::batch_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchKey(pub usize);
