//! The worker side of an engine: runs the style model on frames from the audio thread, either
//! on a thread of its own ([`WorkerPlacement::Own`]) or on the process-wide shared worker
//! ([`WorkerPlacement::Shared`], see [`crate::inference_pool`]).
//!
//! A worker thread sleeps (parks) when there is nothing to do and is woken by the audio thread
//! with `Thread::unpark`, which takes no lock and allocates nothing; the audio thread only calls
//! it when the worker has said it is going to sleep. Frames already past their deadline are
//! skipped, so a worker that recovers from a stall catches up at once.

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use ringbuf::traits::{Consumer, Observer, Producer};

use crate::frame::{Frame, FrameStatus, SILENCE_ENERGY};
use crate::frame_queue::WorkerEnd;
use crate::inference_pool;
use crate::model::{BatchKey, FrameModel, ModelError};
use crate::stats::EngineStats;

/// Longest a worker thread sleeps before looking for work on its own, in milliseconds.
const IDLE_WAKE_MS: u64 = 100;

/// Which thread runs an engine's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WorkerPlacement {
    /// The process-wide shared worker of the model's network: one thread for every engine on
    /// that network, which runs their frames in one batch (the default). Models that cannot
    /// batch ([`FrameModel::batch_key`] is `None`) get a thread of their own.
    #[default]
    Shared,
    /// A worker thread of the engine's own.
    Own,
}

/// A worker thread's sleep flag and handle: what the audio thread needs to wake it.
#[derive(Clone)]
pub(crate) struct Waker {
    sleeping: Arc<AtomicBool>,
    thread: Thread,
}

impl Waker {
    /// For `thread`, which sleeps through [`Waker::sleep_unless`] with the same `sleeping`.
    pub(crate) fn new(sleeping: Arc<AtomicBool>, thread: Thread) -> Self {
        Self { sleeping, thread }
    }

    /// Wakes the thread if it is asleep. Real-time safe: an atomic load and, only when the
    /// thread sleeps, a futex wake.
    pub(crate) fn wake(&self) {
        fence(Ordering::SeqCst);
        if self.sleeping.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
    }

    /// Wakes the thread whether or not it said it sleeps (control side only).
    pub(crate) fn unpark(&self) {
        self.thread.unpark();
    }
}

/// Sleeps the calling worker thread for at most [`IDLE_WAKE_MS`] unless `has_work` says there
/// is something to do once `sleeping` is set (so a wake between the check and the park is not
/// lost).
pub(crate) fn sleep_unless(sleeping: &AtomicBool, has_work: impl FnOnce() -> bool) {
    sleeping.store(true, Ordering::SeqCst);
    fence(Ordering::SeqCst);
    if !has_work() {
        thread::park_timeout(Duration::from_millis(IDLE_WAKE_MS));
    }
    sleeping.store(false, Ordering::SeqCst);
}

/// State shared between the engine (audio thread and control side) and its worker.
pub struct WorkerShared {
    /// Whether the engine still exists; the worker drops its side once this is false.
    open: AtomicBool,
    /// Newest hop the audio thread has analysed; frames older than this minus the budget are stale.
    pub newest_seq: AtomicU64,
    /// Frames older than this are stale regardless (set on reset).
    pub oldest_valid_seq: AtomicU64,
    /// Budget in hops: a frame is stale once `newest_seq > seq + budget`.
    budget_hops: u64,
    /// Whether stale frames may be skipped (not in offline mode, where everything is awaited).
    skip_stale: bool,
    next_model: Mutex<Option<Box<dyn FrameModel>>>,
    model_waiting: AtomicBool,
    reset_requested: AtomicBool,
    /// Live counters.
    pub stats: Arc<EngineStats>,
}

/// An engine's handle on its worker; dropping it stops the worker's side of the engine (and
/// joins the thread, for a thread of its own or the last engine on the shared worker).
pub struct Worker {
    shared: Arc<WorkerShared>,
    waker: Waker,
    own_thread: Option<JoinHandle<()>>,
    /// The shared worker this engine is on, if any.
    pool: Option<BatchKey>,
}

impl Worker {
    /// Starts running `model` on the worker's end of the frame queue, on the thread `placement`
    /// names.
    pub fn spawn(
        model: Box<dyn FrameModel>,
        end: WorkerEnd,
        pool_size: usize,
        budget_hops: usize,
        skip_stale: bool,
        stats: Arc<EngineStats>,
        placement: WorkerPlacement,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(WorkerShared {
            open: AtomicBool::new(true),
            newest_seq: AtomicU64::new(0),
            oldest_valid_seq: AtomicU64::new(0),
            budget_hops: budget_hops as u64,
            skip_stale,
            next_model: Mutex::new(None),
            model_waiting: AtomicBool::new(false),
            reset_requested: AtomicBool::new(false),
            stats,
        });
        let key = model.batch_key();
        let client = Client::new(model, end, pool_size, Arc::clone(&shared));
        match (placement, key) {
            (WorkerPlacement::Shared, Some(key)) => {
                let waker = inference_pool::join(client, key)?;
                Ok(Self {
                    shared,
                    waker,
                    own_thread: None,
                    pool: Some(key),
                })
            }
            _ => {
                let sleeping = Arc::new(AtomicBool::new(false));
                let loop_sleeping = Arc::clone(&sleeping);
                let handle = thread::Builder::new()
                    .name("chameleon-worker".to_owned())
                    .spawn(move || run_own(client, &loop_sleeping))?;
                Ok(Self {
                    shared,
                    waker: Waker::new(sleeping, handle.thread().clone()),
                    own_thread: Some(handle),
                    pool: None,
                })
            }
        }
    }

    /// Shared state, for the audio thread's stale marks.
    pub fn shared(&self) -> &Arc<WorkerShared> {
        &self.shared
    }

    /// Wakes the worker if it is asleep. Real-time safe: an atomic load and, only when the
    /// worker sleeps, a futex wake.
    pub fn wake(&self) {
        self.waker.wake();
    }

    /// Hands the worker a new model (already prepared). The old one is dropped on the worker.
    pub fn replace_model(&self, model: Box<dyn FrameModel>) {
        if let Ok(mut slot) = self.shared.next_model.lock() {
            *slot = Some(model);
        }
        self.shared.model_waiting.store(true, Ordering::Release);
        self.waker.unpark();
    }

    /// Asks the worker to reset the model's history before its next frame.
    pub fn request_reset(&self) {
        self.shared.reset_requested.store(true, Ordering::Release);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.open.store(false, Ordering::SeqCst);
        self.waker.unpark();
        // A model that panicked has already been reported; nothing more to do.
        if let Some(handle) = self.own_thread.take() {
            drop(handle.join());
        }
        if let Some(key) = self.pool {
            inference_pool::leave(key);
        }
    }
}

/// A worker thread of one engine's own.
fn run_own(mut client: Client, sleeping: &AtomicBool) {
    while client.is_open() {
        if !client.gather() {
            sleep_unless(sleeping, || client.has_work() || !client.is_open());
            continue;
        }
        client.run_alone();
        client.send_back();
    }
}

/// One engine's side of a worker: its model, its end of the frame queue and the frames taken
/// from it.
pub(crate) struct Client {
    model: Box<dyn FrameModel>,
    end: WorkerEnd,
    // NOTE: boxed frames come from the engine's pool; the worker only moves the pointers.
    #[allow(clippy::vec_box)]
    batch: Vec<Box<Frame>>,
    /// Frames of `batch` before this index are done (for [`Client::next_pending`]).
    cursor: usize,
    generation: u32,
    shared: Arc<WorkerShared>,
}

impl Client {
    fn new(
        model: Box<dyn FrameModel>,
        end: WorkerEnd,
        pool_size: usize,
        shared: Arc<WorkerShared>,
    ) -> Self {
        Self {
            model,
            end,
            batch: Vec::with_capacity(pool_size),
            cursor: 0,
            generation: 0,
            shared,
        }
    }

    /// Whether the engine still exists.
    pub(crate) fn is_open(&self) -> bool {
        self.shared.open.load(Ordering::SeqCst)
    }

    /// Whether frames, a model or a reset are waiting.
    pub(crate) fn has_work(&self) -> bool {
        !self.end.incoming.is_empty() || self.shared.model_waiting.load(Ordering::Acquire)
    }

    /// The network the model's frames can be batched on.
    pub(crate) fn batch_key(&self) -> Option<BatchKey> {
        self.model.batch_key()
    }

    /// Takes a waiting model and reset, then the frames waiting, marking stale and silent ones.
    /// Returns whether any frame was taken.
    pub(crate) fn gather(&mut self) -> bool {
        self.take_new_model();
        if self.shared.reset_requested.swap(false, Ordering::AcqRel) {
            self.model.reset();
        }
        while let Some(frame) = self.end.incoming.try_pop() {
            self.batch.push(frame);
        }
        self.cursor = 0;
        self.mark();
        !self.batch.is_empty()
    }

    /// Sends every taken frame back to the engine, in order.
    pub(crate) fn send_back(&mut self) {
        for frame in self.batch.drain(..) {
            // The ring holds the whole pool, so this cannot fail.
            let _ = self.end.outgoing.try_push(frame);
        }
        self.cursor = 0;
    }

    fn take_new_model(&mut self) {
        if !self.shared.model_waiting.swap(false, Ordering::AcqRel) {
            return;
        }
        let next = self
            .shared
            .next_model
            .lock()
            .ok()
            .and_then(|mut s| s.take());
        if let Some(model) = next {
            // The old model is dropped here, on the worker, never on the audio thread.
            drop(std::mem::replace(&mut self.model, model));
            self.generation = self.generation.wrapping_add(1);
            self.shared
                .stats
                .model_generation
                .store(self.generation, Ordering::Relaxed);
        }
    }

    /// Marks stale and silent frames; the rest wait for the model.
    fn mark(&mut self) {
        let stats = &self.shared.stats;
        let newest = self.shared.newest_seq.load(Ordering::Acquire);
        let oldest_valid = self.shared.oldest_valid_seq.load(Ordering::Acquire);
        for frame in self.batch.iter_mut() {
            frame.model_generation = self.generation;
            let stale = frame.seq < oldest_valid
                || (self.shared.skip_stale && frame.seq + self.shared.budget_hops < newest);
            if stale {
                frame.status = FrameStatus::Skipped;
                stats.skipped_frames.fetch_add(1, Ordering::Relaxed);
            } else if frame.input_energy() < SILENCE_ENERGY {
                frame.output.copy_from_slice(&frame.input);
                frame.status = FrameStatus::Silent;
                stats.silent_frames.fetch_add(1, Ordering::Relaxed);
            } else {
                frame.status = FrameStatus::Pending;
            }
        }
    }

    /// The oldest frame still waiting for the model, if any.
    pub(crate) fn next_pending(&mut self) -> Option<usize> {
        while self.cursor < self.batch.len() {
            if self.batch[self.cursor].status == FrameStatus::Pending {
                return Some(self.cursor);
            }
            self.cursor += 1;
        }
        None
    }

    /// Runs the model on every waiting frame through [`FrameModel::process`], one run of
    /// consecutive frames at a time.
    pub(crate) fn run_alone(&mut self) {
        while let Some(start) = self.next_pending() {
            let mut end = start;
            while end < self.batch.len() && self.batch[end].status == FrameStatus::Pending {
                end += 1;
            }
            self.run_frames(start, end);
        }
    }

    /// Runs frames `start..end` through [`FrameModel::process`].
    pub(crate) fn run_frames(&mut self, start: usize, end: usize) {
        let frames = &mut self.batch[start..end];
        let began = Instant::now();
        let model = &mut self.model;
        let result = guarded(|| model.process(frames));
        let per_frame = began.elapsed().as_nanos() as u64 / frames.len() as u64;
        for i in start..end {
            self.settle(i, &result, per_frame, 1);
        }
    }

    /// Stages frame `i` for a shared run; a failure fails the frame at once.
    pub(crate) fn stage(&mut self, i: usize) -> bool {
        let model = &mut self.model;
        let frame = &self.batch[i];
        let result = guarded(|| model.stage(frame));
        let staged = result.is_ok();
        if !staged {
            self.settle(i, &result, 0, 1);
        }
        staged
    }

    /// Runs the shared network this client's model is on, for every staged frame.
    pub(crate) fn run_staged(&mut self) -> Result<(), ModelError> {
        let model = &mut self.model;
        guarded(|| model.run_staged())
    }

    /// Writes frame `i`'s output from a shared run of `batch` frames that gave `run`, taking
    /// `per_frame` ns a frame.
    pub(crate) fn finish(
        &mut self,
        i: usize,
        run: &Result<(), ModelError>,
        per_frame: u64,
        batch: u32,
    ) {
        let result = match run {
            Ok(()) => {
                let model = &mut self.model;
                let frame = &mut self.batch[i];
                guarded(|| model.finish_staged(frame))
            }
            Err(e) => Err(e.clone()),
        };
        self.settle(i, &result, per_frame, batch);
    }

    /// Records frame `i`'s result, from a run of `batch` frames taking `per_frame` ns a frame.
    fn settle(&mut self, i: usize, result: &Result<(), ModelError>, per_frame: u64, batch: u32) {
        let stats = &self.shared.stats;
        let frame = &mut self.batch[i];
        match result {
            Ok(()) => {
                frame.inference_ns = per_frame;
                stats.record_inference(per_frame);
                stats.batch_frames.store(batch, Ordering::Relaxed);
                frame.status = sanitise_output(frame, stats);
            }
            Err(error) => {
                stats.set_error(format!("style model failed: {error}"));
                frame.status = FrameStatus::Failed;
                stats.failed_frames.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Runs `f`, turning a panic into an error: a panicking model must not take the worker (and
/// with it all processing) down.
fn guarded(f: impl FnOnce() -> Result<(), ModelError>) -> Result<(), ModelError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(ModelError::from("the style model panicked")))
}

/// Checks a model's output: non-finite output fails the frame. Levels are the engine's
/// business ([`crate::level_guard`]).
fn sanitise_output(frame: &mut Frame, stats: &EngineStats) -> FrameStatus {
    if frame
        .output
        .iter()
        .any(|c| !c.re.is_finite() || !c.im.is_finite())
    {
        stats.failed_frames.fetch_add(1, Ordering::Relaxed);
        stats.set_error("style model produced NaN or infinite values; passing dry");
        return FrameStatus::Failed;
    }
    stats.processed_frames.fetch_add(1, Ordering::Relaxed);
    FrameStatus::Processed
}
