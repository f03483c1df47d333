//! Telling the host that the project changed outside its parameters (a model file chosen in the
//! editor, a preset loaded), so that it marks an unsaved project as modified.
//!
//! Whoever changes something calls [`StateChangeNotice::mark`] from any thread. The format glue
//! connects a wake-up ([`StateChangeNotice::connect`]; for CLAP, the thread-safe
//! `host.request_callback`) and, on the host's main thread, takes the pending notice
//! ([`StateChangeNotice::take`]) and tells the host (CLAP: `clap_host_state.mark_dirty`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// A wake-up call, safe from any thread.
pub type Wake = Box<dyn Fn() + Send + Sync>;

/// A pending "the state changed" notice for the host.
#[derive(Default)]
pub struct StateChangeNotice {
    pending: AtomicBool,
    wake: OnceLock<Wake>,
}

impl StateChangeNotice {
    /// Records that the state changed and wakes the host's main thread (any thread; not the
    /// audio thread, since the wake-up may call into the host).
    pub fn mark(&self) {
        self.pending.store(true, Ordering::Release);
        if let Some(wake) = self.wake.get() {
            wake();
        }
    }

    /// Takes the pending notice: `true` once after each [`mark`](Self::mark).
    pub fn take(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }

    /// Sets the wake-up, once (later calls are ignored).
    pub fn connect(&self, wake: Wake) {
        let _ = self.wake.set(wake);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    #[test]
    fn a_mark_wakes_the_host_and_is_taken_once() {
        let notice = StateChangeNotice::default();
        assert!(!notice.take());
        notice.mark();
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&wakes);
        notice.connect(Box::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        }));
        notice.mark();
        assert_eq!(wakes.load(Ordering::Relaxed), 1);
        assert!(notice.take());
        assert!(!notice.take());
    }
}
