//! The worker thread: runs the style model on frames from the audio thread.
//!
//! It sleeps (parks) when there is nothing to do and is woken by the audio thread with
//! `Thread::unpark`, which takes no lock and allocates nothing; the audio thread only calls it
//! when the worker has said it is going to sleep. Frames already past their deadline are
//! skipped, so a worker that recovers from a stall catches up at once.

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use ringbuf::traits::{Consumer, Observer, Producer};

use crate::frame::{Frame, FrameStatus, SILENCE_ENERGY};
use crate::frame_queue::WorkerEnd;
use crate::model::FrameModel;
use crate::stats::EngineStats;

/// Longest the worker sleeps before looking for work on its own, in milliseconds.
const IDLE_WAKE_MS: u64 = 100;

/// State shared between the engine (audio thread and control side) and the worker.
pub struct WorkerShared {
    running: AtomicBool,
    sleeping: AtomicBool,
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

/// Handle to the worker thread; dropping it stops and joins the thread.
pub struct Worker {
    shared: Arc<WorkerShared>,
    thread: Thread,
    handle: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the worker with `model` on the worker's end of the frame queue.
    pub fn spawn(
        model: Box<dyn FrameModel>,
        end: WorkerEnd,
        pool_size: usize,
        budget_hops: usize,
        skip_stale: bool,
        stats: Arc<EngineStats>,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(WorkerShared {
            running: AtomicBool::new(true),
            sleeping: AtomicBool::new(false),
            newest_seq: AtomicU64::new(0),
            oldest_valid_seq: AtomicU64::new(0),
            budget_hops: budget_hops as u64,
            skip_stale,
            next_model: Mutex::new(None),
            model_waiting: AtomicBool::new(false),
            reset_requested: AtomicBool::new(false),
            stats,
        });
        let loop_shared = Arc::clone(&shared);
        let handle = thread::Builder::new()
            .name("chameleon-worker".to_owned())
            .spawn(move || WorkerLoop::new(model, end, pool_size, loop_shared).run())?;
        Ok(Self {
            shared,
            thread: handle.thread().clone(),
            handle: Some(handle),
        })
    }

    /// Shared state, for the audio thread's stale marks.
    pub fn shared(&self) -> &Arc<WorkerShared> {
        &self.shared
    }

    /// Wakes the worker if it is asleep. Real-time safe: an atomic load and, only when the
    /// worker sleeps, a futex wake.
    pub fn wake(&self) {
        fence(Ordering::SeqCst);
        if self.shared.sleeping.load(Ordering::SeqCst) {
            self.thread.unpark();
        }
    }

    /// Hands the worker a new model (already prepared). The old one is dropped on the worker.
    pub fn replace_model(&self, model: Box<dyn FrameModel>) {
        if let Ok(mut slot) = self.shared.next_model.lock() {
            *slot = Some(model);
        }
        self.shared.model_waiting.store(true, Ordering::Release);
        self.thread.unpark();
    }

    /// Asks the worker to reset the model's history before its next frame.
    pub fn request_reset(&self) {
        self.shared.reset_requested.store(true, Ordering::Release);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.shared.running.store(false, Ordering::SeqCst);
        self.thread.unpark();
        if let Some(handle) = self.handle.take() {
            // A model that panicked has already been reported; nothing more to do.
            let _ = handle.join();
        }
    }
}

struct WorkerLoop {
    model: Box<dyn FrameModel>,
    end: WorkerEnd,
    // NOTE: boxed frames come from the engine's pool; the worker only moves the pointers.
    #[allow(clippy::vec_box)]
    batch: Vec<Box<Frame>>,
    generation: u32,
    shared: Arc<WorkerShared>,
}

impl WorkerLoop {
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
            generation: 0,
            shared,
        }
    }

    fn run(mut self) {
        while self.shared.running.load(Ordering::SeqCst) {
            self.take_new_model();
            if self.shared.reset_requested.swap(false, Ordering::AcqRel) {
                self.model.reset();
            }
            while let Some(frame) = self.end.incoming.try_pop() {
                self.batch.push(frame);
            }
            if self.batch.is_empty() {
                self.sleep();
                continue;
            }
            self.process_batch();
            for frame in self.batch.drain(..) {
                // The ring holds the whole pool, so this cannot fail.
                let _ = self.end.outgoing.try_push(frame);
            }
        }
    }

    fn sleep(&mut self) {
        self.shared.sleeping.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        if self.end.incoming.is_empty() && self.shared.running.load(Ordering::SeqCst) {
            thread::park_timeout(Duration::from_millis(IDLE_WAKE_MS));
        }
        self.shared.sleeping.store(false, Ordering::SeqCst);
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

    /// Marks stale and silent frames, runs the model on each run of frames that need it.
    fn process_batch(&mut self) {
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
        let mut start = 0;
        while start < self.batch.len() {
            if self.batch[start].status != FrameStatus::Pending {
                start += 1;
                continue;
            }
            let mut end = start;
            while end < self.batch.len() && self.batch[end].status == FrameStatus::Pending {
                end += 1;
            }
            self.run_model(start, end);
            start = end;
        }
    }

    fn run_model(&mut self, start: usize, end: usize) {
        let stats = Arc::clone(&self.shared.stats);
        let frames = &mut self.batch[start..end];
        let began = Instant::now();
        // A panicking model must not take the worker (and with it all processing) down.
        let model = &mut self.model;
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.process(frames)))
                .unwrap_or_else(|_| Err("the style model panicked".into()));
        let per_frame = began.elapsed().as_nanos() as u64 / frames.len() as u64;
        match result {
            Ok(()) => {
                for frame in frames.iter_mut() {
                    frame.inference_ns = per_frame;
                    stats.record_inference(per_frame);
                    frame.status = sanitise_output(frame, &stats);
                }
            }
            Err(error) => {
                stats.set_error(format!("style model failed: {error}"));
                for frame in frames.iter_mut() {
                    frame.status = FrameStatus::Failed;
                }
                stats
                    .failed_frames
                    .fetch_add(frames.len() as u64, Ordering::Relaxed);
            }
        }
    }
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
