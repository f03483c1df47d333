//! [`SharedNetwork`]: one ONNX Runtime session for every model loaded from the same bytes on
//! the same device in this process, and the batch those models stage for one shared run.
//!
//! Instances of a plugin in one host process load the same model file. Each used to hold its
//! own session, so each hop brought its own copy of the weights back into the caches. Sharing
//! the session keeps one copy, and staging the frames of several instances into one batch turns
//! N runs into one (see [`crate::inference_pool`]).

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use ort::session::{Session, SessionInputValue};
use ort::value::TensorRef;

use std::borrow::Cow;

use crate::model::metadata::{ModelMetadata, OutputKind};
use crate::model::onnx::io::{IoLayout, INPUT_FEATURES, INPUT_STATE, INPUT_STYLE, OUTPUT_STATE};
use crate::model::onnx::Device;
use crate::model::ModelError;

/// A session shared by every [`OnnxModel`](super::OnnxModel) loaded from the same bytes on the
/// same device.
pub struct SharedNetwork {
    bytes: Vec<u8>,
    device: Device,
    /// The provider the session runs on (`CPU`, `CUDA`, `DirectML`).
    pub provider: &'static str,
    /// The session's batch axis.
    pub layout: IoLayout,
    state: Mutex<NetworkState>,
}

/// The session and the batch staged for its next shared run.
pub(crate) struct NetworkState {
    pub session: Session,
    pub staged: StagedBatch,
}

/// Rows staged by several models for one run, and the run's outputs.
#[derive(Default)]
pub(crate) struct StagedBatch {
    /// Rows staged (one per channel of each staged frame).
    pub rows: usize,
    /// `[rows, context, model_bins]`.
    pub features: Vec<f32>,
    /// `[rows, n_styles]`.
    pub style: Vec<f32>,
    /// `[rows, state_size]`: recurrent state in.
    pub state: Vec<f32>,
    /// `[rows, model_bins]`: the primary output (`mask` or `magnitude`).
    pub primary: Vec<f32>,
    /// `[rows, model_bins]`: the `noise` output.
    pub noise: Vec<f32>,
    /// `[rows, state_size]`: recurrent state out.
    pub state_out: Vec<f32>,
    /// Counts runs; a model checks that its rows belong to the run it reads.
    pub run: u64,
    /// Whether the rows have been run (the next staging starts a new batch).
    pub done: bool,
    /// Whether the last run succeeded.
    pub ok: bool,
}

impl StagedBatch {
    /// Starts a new batch if the last one ran, and appends `rows` rows of inputs. Returns the
    /// first row and the run the rows belong to.
    pub fn push(
        &mut self,
        rows: usize,
        features: &[f32],
        style: &[f32],
        state: &[f32],
    ) -> (usize, u64) {
        if self.done {
            self.rows = 0;
            self.features.clear();
            self.style.clear();
            self.state.clear();
            self.done = false;
            self.run += 1;
        }
        let first = self.rows;
        self.rows += rows;
        self.features.extend_from_slice(features);
        self.style.extend_from_slice(style);
        self.state.extend_from_slice(state);
        (first, self.run)
    }
}

/// Inputs of one run, `batch` rows each, and where its outputs go.
pub(crate) struct RunIo<'a> {
    pub batch: usize,
    pub features: &'a [f32],
    pub style: &'a [f32],
    pub state: &'a [f32],
    pub primary: &'a mut [f32],
    pub noise: &'a mut [f32],
    pub state_out: &'a mut [f32],
}

fn ort_error(e: ort::Error) -> ModelError {
    ModelError(format!("ONNX Runtime: {e}"))
}

/// Runs `session` once on `io`'s inputs and copies its outputs into `io`.
pub(crate) fn run_session(
    session: &mut Session,
    meta: &ModelMetadata,
    bins: usize,
    io: RunIo<'_>,
) -> Result<(), ModelError> {
    let RunIo {
        batch,
        features,
        style,
        state,
        primary,
        noise,
        state_out,
    } = io;
    let ctx = meta.context_frames;
    let styles = meta.styles.len();
    let state_size = meta.state_size;
    let features = TensorRef::from_array_view(([batch, ctx, bins], features)).map_err(ort_error)?;
    let style = TensorRef::from_array_view(([batch, styles], style)).map_err(ort_error)?;
    let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = vec![
        (Cow::Borrowed(INPUT_FEATURES), features.into()),
        (Cow::Borrowed(INPUT_STYLE), style.into()),
    ];
    if state_size > 0 {
        let s = TensorRef::from_array_view(([batch, state_size], state)).map_err(ort_error)?;
        inputs.push((Cow::Borrowed(INPUT_STATE), s.into()));
    }
    let outputs = session.run(inputs).map_err(ort_error)?;
    let copy = |name: &str, width: usize, dest: &mut [f32]| -> Result<(), ModelError> {
        let value = outputs
            .get(name)
            .ok_or_else(|| ModelError(format!("the model returned no `{name}`")))?;
        let (shape, data) = value.try_extract_tensor::<f32>().map_err(ort_error)?;
        if shape.len() != 2 || shape[0] != batch as i64 || shape[1] != width as i64 {
            return Err(ModelError(format!(
                "`{name}` came back with shape {:?}, expected [{batch}, {width}]",
                &shape[..]
            )));
        }
        dest.copy_from_slice(data);
        Ok(())
    };
    match meta.output {
        OutputKind::Mask => copy("mask", bins, primary)?,
        OutputKind::Magnitude => copy("magnitude", bins, primary)?,
        OutputKind::MaskNoise => {
            copy("mask", bins, primary)?;
            copy("noise", bins, noise)?;
        }
    }
    if state_size > 0 {
        copy(OUTPUT_STATE, state_size, state_out)?;
    }
    Ok(())
}

impl SharedNetwork {
    /// The session and staged batch, for the worker thread that runs this network. A model
    /// that panicked while holding the lock leaves a usable session behind (its half-staged
    /// rows are dropped with the next batch), so a poisoned lock is taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, NetworkState> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs everything staged since the last run, once, and keeps the outputs for the models
    /// to collect.
    pub(crate) fn run_staged(&self, meta: &ModelMetadata, bins: usize) -> Result<(), ModelError> {
        let mut guard = self.lock();
        let NetworkState { session, staged } = &mut *guard;
        if staged.done {
            return Err(ModelError::from("nothing is staged for the shared run"));
        }
        let rows = staged.rows;
        staged.primary.resize(rows * bins, 0.0);
        staged.noise.resize(rows * bins, 0.0);
        staged.state_out.resize(rows * meta.state_size, 0.0);
        let result = run_session(
            session,
            meta,
            bins,
            RunIo {
                batch: rows,
                features: &staged.features,
                style: &staged.style,
                state: &staged.state,
                primary: &mut staged.primary,
                noise: &mut staged.noise,
                state_out: &mut staged.state_out,
            },
        );
        staged.done = true;
        staged.ok = result.is_ok();
        result
    }
}

/// Where a network came from: its bytes and the device asked for.
fn same_source(network: &SharedNetwork, bytes: &[u8], device: Device) -> bool {
    network.device == device && network.bytes == bytes
}

/// Every network open in this process (weakly: a network closes with its last model).
static NETWORKS: Mutex<Vec<Weak<SharedNetwork>>> = Mutex::new(Vec::new());

fn networks() -> MutexGuard<'static, Vec<Weak<SharedNetwork>>> {
    NETWORKS.lock().unwrap_or_else(|p| p.into_inner())
}

/// The open network among `networks` made from `bytes` on `device`, if any.
fn find(
    networks: &[Weak<SharedNetwork>],
    bytes: &[u8],
    device: Device,
) -> Option<Arc<SharedNetwork>> {
    networks
        .iter()
        .filter_map(Weak::upgrade)
        .find(|n| same_source(n, bytes, device))
}

/// The network for `bytes` on `device`: the one already open in this process, or a new one
/// from `open` (which returns the session, its provider and its checked layout). Networks close
/// when the last model using them is dropped.
pub fn shared_network<E>(
    bytes: &[u8],
    device: Device,
    open: impl FnOnce() -> Result<(Session, &'static str, IoLayout), E>,
) -> Result<Arc<SharedNetwork>, E> {
    {
        let mut open_now = networks();
        open_now.retain(|w| w.strong_count() > 0);
        if let Some(network) = find(&open_now, bytes, device) {
            return Ok(network);
        }
    }
    // The session is created without holding the lock: it takes a while.
    let (session, provider, layout) = open()?;
    let network = Arc::new(SharedNetwork {
        bytes: bytes.to_vec(),
        device,
        provider,
        layout,
        state: Mutex::new(NetworkState {
            session,
            staged: StagedBatch {
                done: true,
                ..StagedBatch::default()
            },
        }),
    });
    let mut open_now = networks();
    // Another thread may have opened the same network meanwhile; either works, keep the first.
    if let Some(existing) = find(&open_now, bytes, device) {
        return Ok(existing);
    }
    open_now.push(Arc::downgrade(&network));
    Ok(network)
}
