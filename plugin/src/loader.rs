//! The model loader: a background thread per plugin instance that builds engines off the audio
//! thread and drops retired ones there.
//!
//! The plugin builds the first engine of each activation synchronously in `activate()`. After
//! that the loader watches the persisted model choice (changed by a state load or the editor), the
//! `device` and the `latency_mode` parameters, builds a replacement engine when either changes, and hands it to the
//! audio thread through a lock-free ring. The audio thread hands replaced engines back through a
//! second ring, so nothing is freed on the audio thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use ringbuf::traits::{Consumer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::engine_builder::{self, Built, EngineSpec};
use crate::params::{ChameleonParams, Device, LatencyModeParam};
use crate::status::EngineStatus;
use crate::style_names::StyleNames;

/// How often the loader looks for changes when nobody wakes it: a latency-mode or device
/// change starts building within this long. Each poll wakes the thread: at 25 ms the loaders'
/// wake-ups were 11 % of the CPU samples of 8 instances fed silence (docs/BENCHMARKS.md).
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Capacity of the hand-over and retirement rings, in engines.
pub const RING_CAPACITY: usize = 8;

/// The audio thread's ends of the rings: new engines in, replaced engines out.
pub struct AudioEnds {
    /// New engines from the loader.
    pub incoming: HeapCons<Box<Built>>,
    /// Replaced engines back to the loader, to be dropped there.
    pub retire: HeapProd<Box<Built>>,
}

/// What the current engine was built from.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BuiltFrom {
    spec: EngineSpec,
    activation: u64,
    model_generation: u64,
    device: Device,
    latency_mode: LatencyModeParam,
}

/// State shared between the plugin and its loader thread.
pub struct LoaderShared {
    params: Arc<ChameleonParams>,
    status: Arc<EngineStatus>,
    names: Arc<StyleNames>,
    built_from: Mutex<Option<BuiltFrom>>,
    stop: AtomicBool,
}

/// The loader thread and its shared state.
pub struct ModelLoader {
    shared: Arc<LoaderShared>,
    thread: Option<JoinHandle<()>>,
}

impl LoaderShared {
    /// Builds an engine for `spec` from the current model choice and device, publishes it to the
    /// editor, and records what it was built from.
    fn build(&self, spec: EngineSpec, activation: u64) -> Box<Built> {
        let model_generation = self.params.model.generation();
        let device = self.params.device.value();
        let latency_mode = self.params.latency_mode.value();
        let choice = self.params.model.get();
        let built = engine_builder::build(spec, &choice, device, latency_mode.into(), activation);
        if let Some(reason) = &built.info.reason {
            nice_plug::nice_log!("Chameleon: {reason}");
        }
        self.names.set(built.info.styles.clone());
        let stats = match &built.processor {
            engine_builder::Processor::Engine(engine) => Some(Arc::clone(engine.stats())),
            engine_builder::Processor::Dry(_) => None,
        };
        self.status.publish(built.info.clone(), stats);
        if let Ok(mut from) = self.built_from.lock() {
            *from = Some(BuiltFrom {
                spec,
                activation,
                model_generation,
                device,
                latency_mode,
            });
        }
        Box::new(built)
    }

    /// The build the loader should make now, if the model choice, the device or the latency
    /// mode changed.
    fn pending_rebuild(&self) -> Option<(EngineSpec, u64)> {
        let from = (*self.built_from.lock().ok()?)?;
        let changed = from.model_generation != self.params.model.generation()
            || from.device != self.params.device.value()
            || from.latency_mode != self.params.latency_mode.value();
        changed.then_some((from.spec, from.activation))
    }
}

impl ModelLoader {
    /// Starts a loader for an instance, returning it and the audio thread's ring ends.
    pub fn spawn(
        params: Arc<ChameleonParams>,
        status: Arc<EngineStatus>,
        names: Arc<StyleNames>,
    ) -> (Self, AudioEnds) {
        let (incoming_tx, incoming_rx) = HeapRb::<Box<Built>>::new(RING_CAPACITY).split();
        let (retire_tx, retire_rx) = HeapRb::<Box<Built>>::new(RING_CAPACITY).split();
        let shared = Arc::new(LoaderShared {
            params,
            status,
            names,
            built_from: Mutex::new(None),
            stop: AtomicBool::new(false),
        });
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("chameleon-loader".to_owned())
            .spawn(move || run(thread_shared, incoming_tx, retire_rx))
            .map_err(|e| nice_plug::nice_log!("Chameleon: the model loader did not start: {e}"))
            .ok();
        (
            Self { shared, thread },
            AudioEnds {
                incoming: incoming_rx,
                retire: retire_tx,
            },
        )
    }

    /// Builds the engine for a new activation, synchronously (call from `activate()`).
    pub fn build_now(&self, spec: EngineSpec, activation: u64) -> Box<Built> {
        self.shared.build(spec, activation)
    }

    /// Whether the engine built for `spec` would still be the one to use (same model choice
    /// and device), so a repeated activation can keep it.
    pub fn is_current(&self, spec: EngineSpec) -> bool {
        let same_spec = self
            .shared
            .built_from
            .lock()
            .is_ok_and(|from| from.is_some_and(|f| f.spec == spec));
        same_spec && self.shared.pending_rebuild().is_none()
    }

    /// Asks the loader to look for changes now instead of at its next poll.
    pub fn wake(&self) {
        if let Some(thread) = &self.thread {
            thread.thread().unpark();
        }
    }
}

impl Drop for ModelLoader {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// The loader thread's loop.
fn run(
    shared: Arc<LoaderShared>,
    mut incoming: HeapProd<Box<Built>>,
    mut retire: HeapCons<Box<Built>>,
) {
    let mut unsent: Option<Box<Built>> = None;
    while !shared.stop.load(Ordering::Acquire) {
        // Replaced engines are dropped here, never on the audio thread.
        while let Some(old) = retire.try_pop() {
            drop(old);
        }
        if unsent.is_none() {
            if let Some((spec, activation)) = shared.pending_rebuild() {
                unsent = Some(shared.build(spec, activation));
            }
        }
        if let Some(built) = unsent.take() {
            if let Err(built) = incoming.try_push(built) {
                unsent = Some(built);
            }
        }
        std::thread::park_timeout(POLL_INTERVAL);
    }
    drop(unsent);
    while let Some(old) = retire.try_pop() {
        drop(old);
    }
}
