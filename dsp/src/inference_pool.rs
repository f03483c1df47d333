//! The shared worker: one inference thread per network for every engine in the process that
//! asks for it ([`WorkerPlacement::Shared`](crate::worker::WorkerPlacement)), running the
//! frames of all those engines in one batch.
//!
//! A host with many instances of the plugin used to run one worker thread and one ONNX Runtime
//! session per instance. Each hop then woke every thread and streamed every session's copy of
//! the weights back into the caches. Here the engines whose models run on one network
//! ([`FrameModel::batch_key`](crate::FrameModel::batch_key): the same model file on the same
//! device) share one thread: the first engine's frame wakes it; it takes the frames waiting
//! from every engine, stages one frame of each into one batch, runs the network once, and hands
//! each frame back to its own engine. Models that cannot batch (the built-in models,
//! fixed-batch networks, fault-injected models) keep a thread of their own, and engines on
//! different networks never wait for each other. An engine that swaps in a model of another
//! network stays on its thread; its frames then run alone.
//!
//! Real-time rules do not change for the audio thread: it pushes to its own lock-free ring and
//! wakes the thread only when the thread said it sleeps. Joining and leaving take a lock, on
//! the thread that builds or drops an engine. The thread starts with the first engine and is
//! joined when the last one leaves, so no code of a plugin library runs after its last
//! instance is gone.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Instant;

use crate::model::BatchKey;
use crate::worker::{sleep_unless, Client, Waker};

/// Counters of the shared workers, for benchmarks and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolSnapshot {
    /// Shared worker threads running now (one per network in use).
    pub threads: usize,
    /// Engines on them now.
    pub engines: usize,
    /// Shared runs of a network made so far (each batches frames of two or more engines).
    pub shared_runs: u64,
    /// Frames that went through those shared runs.
    pub shared_frames: u64,
    /// Frames run on their own (a lone frame, or a model that does not batch).
    pub single_frames: u64,
}

static SHARED_RUNS: AtomicU64 = AtomicU64::new(0);
static SHARED_FRAMES: AtomicU64 = AtomicU64::new(0);
static SINGLE_FRAMES: AtomicU64 = AtomicU64::new(0);

/// What the engines' handles and the thread share.
struct PoolShared {
    running: AtomicBool,
    sleeping: Arc<AtomicBool>,
    /// Engines joining, picked up by the thread.
    arrivals: Mutex<Vec<Client>>,
    arrivals_waiting: AtomicBool,
}

/// A running shared worker and the engines on it.
struct ActivePool {
    key: BatchKey,
    engines: usize,
    shared: Arc<PoolShared>,
    waker: Waker,
    handle: JoinHandle<()>,
}

static REGISTRY: Mutex<Vec<ActivePool>> = Mutex::new(Vec::new());

fn registry() -> MutexGuard<'static, Vec<ActivePool>> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Puts `client` on the shared worker of network `key`, starting its thread if this is the
/// first engine on it, and returns what wakes the thread.
pub(crate) fn join(client: Client, key: BatchKey) -> std::io::Result<Waker> {
    let mut registry = registry();
    let index = match registry.iter().position(|p| p.key == key) {
        Some(index) => index,
        None => {
            let shared = Arc::new(PoolShared {
                running: AtomicBool::new(true),
                sleeping: Arc::new(AtomicBool::new(false)),
                arrivals: Mutex::new(Vec::new()),
                arrivals_waiting: AtomicBool::new(false),
            });
            let thread_shared = Arc::clone(&shared);
            let handle = thread::Builder::new()
                .name("chameleon-shared-worker".to_owned())
                .spawn(move || PoolLoop::new(key, thread_shared).run())?;
            let waker = Waker::new(Arc::clone(&shared.sleeping), handle.thread().clone());
            registry.push(ActivePool {
                key,
                engines: 0,
                shared,
                waker,
                handle,
            });
            registry.len() - 1
        }
    };
    let pool = &mut registry[index];
    lock(&pool.shared.arrivals).push(client);
    pool.shared.arrivals_waiting.store(true, Ordering::Release);
    pool.waker.unpark();
    pool.engines += 1;
    Ok(pool.waker.clone())
}

/// Takes an engine off the shared worker of network `key` (its client, already marked closed,
/// is dropped on the worker thread). The last engine to leave stops and joins the thread.
pub(crate) fn leave(key: BatchKey) {
    let mut registry = registry();
    let Some(index) = registry.iter().position(|p| p.key == key) else {
        return;
    };
    registry[index].engines -= 1;
    if registry[index].engines > 0 {
        return;
    }
    let pool = registry.swap_remove(index);
    pool.shared.running.store(false, Ordering::SeqCst);
    pool.waker.unpark();
    // A panic on the thread was a model's and has been reported; the thread is gone.
    let _ = pool.handle.join();
}

/// The shared workers' counters.
pub fn snapshot() -> PoolSnapshot {
    let registry = registry();
    PoolSnapshot {
        threads: registry.len(),
        engines: registry.iter().map(|p| p.engines).sum(),
        shared_runs: SHARED_RUNS.load(Ordering::Relaxed),
        shared_frames: SHARED_FRAMES.load(Ordering::Relaxed),
        single_frames: SINGLE_FRAMES.load(Ordering::Relaxed),
    }
}

struct PoolLoop {
    /// The network this thread batches; only this thread stages frames on it.
    key: BatchKey,
    shared: Arc<PoolShared>,
    clients: Vec<Client>,
    /// This round's frames for the shared run: (client, frame) pairs.
    members: Vec<(usize, usize)>,
}

impl PoolLoop {
    fn new(key: BatchKey, shared: Arc<PoolShared>) -> Self {
        Self {
            key,
            shared,
            clients: Vec::new(),
            members: Vec::new(),
        }
    }

    fn run(mut self) {
        while self.shared.running.load(Ordering::SeqCst) {
            self.admit();
            // Clients of dropped engines go here, with their models, on this thread.
            self.clients.retain(Client::is_open);
            let mut any = false;
            for client in self.clients.iter_mut() {
                any |= client.gather();
            }
            if !any {
                let (clients, shared) = (&self.clients, &self.shared);
                sleep_unless(&shared.sleeping, || {
                    !shared.running.load(Ordering::SeqCst)
                        || shared.arrivals_waiting.load(Ordering::Acquire)
                        || clients.iter().any(|c| c.has_work() || !c.is_open())
                });
                continue;
            }
            self.run_rounds();
            for client in self.clients.iter_mut() {
                client.send_back();
            }
        }
    }

    fn admit(&mut self) {
        if self.shared.arrivals_waiting.swap(false, Ordering::AcqRel) {
            self.clients.append(&mut lock(&self.shared.arrivals));
        }
    }

    /// Runs every waiting frame: each round takes the oldest waiting frame of every client and
    /// runs those on this thread's network as one batch. A client whose model is now on another
    /// network (it swapped models) runs its frames alone, so that only one thread ever stages
    /// frames on a network.
    fn run_rounds(&mut self) {
        loop {
            self.members.clear();
            let mut any = false;
            for (c, client) in self.clients.iter_mut().enumerate() {
                let Some(i) = client.next_pending() else {
                    continue;
                };
                any = true;
                if client.batch_key() == Some(self.key) {
                    self.members.push((c, i));
                } else {
                    run_single(client, i);
                }
            }
            if !any {
                break;
            }
            self.run_shared();
        }
    }

    /// Runs this round's frames: one alone, two or more staged into one run.
    fn run_shared(&mut self) {
        match self.members.as_slice() {
            [] => {}
            &[(c, i)] => run_single(&mut self.clients[c], i),
            members => {
                let began = Instant::now();
                let mut staged = 0;
                let mut runner = None;
                for &(c, i) in members {
                    if self.clients[c].stage(i) {
                        staged += 1;
                        runner.get_or_insert(c);
                    }
                }
                let Some(runner) = runner else {
                    return;
                };
                let result = self.clients[runner].run_staged();
                let per_frame = began.elapsed().as_nanos() as u64 / staged as u64;
                for &(c, i) in members {
                    // Frames that failed to stage are settled already (and no longer pending).
                    if self.clients[c].next_pending() == Some(i) {
                        self.clients[c].finish(i, &result, per_frame, staged as u32);
                    }
                }
                SHARED_RUNS.fetch_add(1, Ordering::Relaxed);
                SHARED_FRAMES.fetch_add(staged as u64, Ordering::Relaxed);
            }
        }
    }
}

/// Runs frame `i` of `client` on its own.
fn run_single(client: &mut Client, i: usize) {
    client.run_frames(i, i + 1);
    SINGLE_FRAMES.fetch_add(1, Ordering::Relaxed);
}
