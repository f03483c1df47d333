//! The frame the host hands an editor view (`IPlugFrame`), which is also the host's run loop
//! (`Steinberg::Linux::IRunLoop`, found through the frame's `queryInterface`).
//!
//! A Linux VST3 plugin does its GUI work on the host's main thread by registering file
//! descriptors and timers here; the host's main loop calls [`Frame::turn`], which polls the
//! descriptors and calls `onFDIsSet` for each readable one, then fires the timers that are due.
//! A `resizeView` request resizes the host window and calls the view's `onSize`.

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use chameleon_host_check::image::Size;
use chameleon_host_check::x_server::X;
use vst3::Steinberg::Linux::{
    FileDescriptor, IEventHandler, IEventHandlerTrait, IRunLoop, IRunLoopTrait, ITimerHandler,
    ITimerHandlerTrait, TimerInterval,
};
use vst3::Steinberg::{
    kInvalidArgument, kResultFalse, kResultOk, tresult, IPlugFrame, IPlugFrameTrait, IPlugView,
    IPlugViewTrait, ViewRect,
};
use vst3::{Class, ComPtr, ComRef};

/// One registered timer.
struct Timer {
    handler: ComPtr<ITimerHandler>,
    interval: Duration,
    next: Instant,
}

/// What the plugin asked of the frame and the run loop, for the checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct RunLoopCounts {
    /// `registerEventHandler` calls.
    pub handlers_registered: usize,
    /// `unregisterEventHandler` calls that found their handler.
    pub handlers_unregistered: usize,
    /// `registerTimer` calls.
    pub timers_registered: usize,
    /// `unregisterTimer` calls that found their timer.
    pub timers_unregistered: usize,
    /// `onFDIsSet` calls made.
    pub fd_callbacks: usize,
    /// `onTimer` calls made.
    pub timer_callbacks: usize,
}

/// The host's `IPlugFrame` and `IRunLoop`.
pub struct Frame {
    main: ThreadId,
    x: Arc<X>,
    /// The host window the view is attached to.
    window: Mutex<Option<u32>>,
    /// The sizes `resizeView` asked for, and what `onSize` answered.
    resizes: Mutex<Vec<(Size, tresult)>>,
    handlers: Mutex<Vec<(ComPtr<IEventHandler>, FileDescriptor)>>,
    timers: Mutex<Vec<Timer>>,
    counts: Mutex<RunLoopCounts>,
    /// Calls made on another thread than the main thread, by name.
    off_main: Mutex<Vec<&'static str>>,
}

impl Class for Frame {
    type Interfaces = (IPlugFrame, IRunLoop);
}

impl Frame {
    /// A frame whose main thread is the calling thread, resizing windows on `x`.
    pub fn new(x: Arc<X>) -> Self {
        Self {
            main: std::thread::current().id(),
            x,
            window: Mutex::new(None),
            resizes: Mutex::new(Vec::new()),
            handlers: Mutex::new(Vec::new()),
            timers: Mutex::new(Vec::new()),
            counts: Mutex::new(RunLoopCounts::default()),
            off_main: Mutex::new(Vec::new()),
        }
    }

    /// Sets the host window that `resizeView` resizes.
    pub fn set_window(&self, window: Option<u32>) {
        if let Ok(mut w) = self.window.lock() {
            *w = window;
        }
    }

    /// The sizes `resizeView` asked for so far, with what the view's `onSize` answered.
    pub fn resizes(&self) -> Vec<(Size, tresult)> {
        self.resizes.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The run loop's counts so far.
    pub fn counts(&self) -> RunLoopCounts {
        self.counts.lock().map(|c| *c).unwrap_or_default()
    }

    /// How many event handlers and timers are registered now.
    pub fn registered(&self) -> (usize, usize) {
        (
            self.handlers.lock().map(|h| h.len()).unwrap_or(0),
            self.timers.lock().map(|t| t.len()).unwrap_or(0),
        )
    }

    /// The frame and run-loop calls that came on another thread than the main thread.
    pub fn off_main(&self) -> Vec<&'static str> {
        self.off_main.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn note_thread(&self, call: &'static str) {
        if std::thread::current().id() != self.main {
            if let Ok(mut off) = self.off_main.lock() {
                off.push(call);
            }
        }
    }

    fn count(&self, f: impl FnOnce(&mut RunLoopCounts)) {
        if let Ok(mut c) = self.counts.lock() {
            f(&mut c);
        }
    }

    /// One turn of the host's run loop: waits up to `timeout` for a registered descriptor to
    /// become readable, calls `onFDIsSet` for each readable one, then `onTimer` for each timer
    /// that is due. No lock is held while the plugin runs, so it may register and unregister
    /// from inside its callbacks.
    pub fn turn(&self, timeout: Duration) {
        let handlers: Vec<(ComPtr<IEventHandler>, FileDescriptor)> =
            self.handlers.lock().map(|h| h.clone()).unwrap_or_default();
        let wait = self.next_timer().map_or(timeout, |due| {
            due.saturating_duration_since(Instant::now()).min(timeout)
        });
        if handlers.is_empty() {
            std::thread::sleep(wait);
        } else {
            let mut fds: Vec<libc::pollfd> = handlers
                .iter()
                .map(|&(_, fd)| libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                })
                .collect();
            // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the call.
            let ready = unsafe {
                libc::poll(
                    fds.as_mut_ptr(),
                    fds.len() as libc::nfds_t,
                    wait.as_millis() as libc::c_int,
                )
            };
            if ready > 0 {
                for ((handler, fd), p) in handlers.iter().zip(&fds) {
                    if p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
                        self.count(|c| c.fd_callbacks += 1);
                        // SAFETY: the handler is registered (we hold a reference) and its
                        // descriptor is readable, which is when the run loop calls it.
                        unsafe { handler.onFDIsSet(*fd) };
                    }
                }
            }
        }
        self.fire_timers();
    }

    fn next_timer(&self) -> Option<Instant> {
        self.timers.lock().ok()?.iter().map(|t| t.next).min()
    }

    fn fire_timers(&self) {
        let now = Instant::now();
        let due: Vec<ComPtr<ITimerHandler>> = match self.timers.lock() {
            Ok(mut timers) => timers
                .iter_mut()
                .filter(|t| t.next <= now)
                .map(|t| {
                    t.next = now + t.interval;
                    t.handler.clone()
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        for handler in due {
            self.count(|c| c.timer_callbacks += 1);
            // SAFETY: the timer is registered (we hold a reference) and due.
            unsafe { handler.onTimer() };
        }
    }

    /// Drops every registration (and the references the run loop holds): what a host does when
    /// it closes a plugin whose handlers are still registered, before the library goes away.
    pub fn release_all(&self) {
        let handlers = self.handlers.lock().map(|mut h| std::mem::take(&mut *h));
        let timers = self.timers.lock().map(|mut t| std::mem::take(&mut *t));
        drop(handlers);
        drop(timers);
    }
}

/// Takes the entries of `list` that match `matches` out of it. The caller drops them (and so
/// releases the references they hold) after the lock is gone.
fn take_where<T>(list: &Mutex<Vec<T>>, matches: impl Fn(&T) -> bool) -> Vec<T> {
    match list.lock() {
        Ok(mut entries) => {
            let (gone, kept) = std::mem::take(&mut *entries).into_iter().partition(matches);
            *entries = kept;
            gone
        }
        Err(_) => Vec::new(),
    }
}

impl IPlugFrameTrait for Frame {
    unsafe fn resizeView(&self, view: *mut IPlugView, new_size: *mut ViewRect) -> tresult {
        self.note_thread("resizeView");
        // SAFETY: the caller passes its live view and a valid rectangle, or null.
        let (Some(view), Some(rect)) = (unsafe { ComRef::from_raw(view) }, unsafe {
            new_size.as_mut()
        }) else {
            return kInvalidArgument;
        };
        let (w, h) = (rect.right - rect.left, rect.bottom - rect.top);
        if w <= 0 || h <= 0 {
            return kInvalidArgument;
        }
        let size = Size::new(w as u32, h as u32);
        let window = self.window.lock().ok().and_then(|w| *w);
        let Some(window) = window else {
            return kResultFalse;
        };
        self.x.resize(window, size);
        self.x.drain();
        // SAFETY: the view is live (the caller holds it) and `rect` is valid for the call.
        let answer = unsafe { view.onSize(rect) };
        if let Ok(mut r) = self.resizes.lock() {
            r.push((size, answer));
        }
        kResultOk
    }
}

impl IRunLoopTrait for Frame {
    unsafe fn registerEventHandler(
        &self,
        handler: *mut IEventHandler,
        fd: FileDescriptor,
    ) -> tresult {
        self.note_thread("registerEventHandler");
        // SAFETY: the caller passes a live handler or null; the run loop keeps a reference.
        let Some(handler) = (unsafe { ComRef::from_raw(handler) }) else {
            return kInvalidArgument;
        };
        self.count(|c| c.handlers_registered += 1);
        if let Ok(mut h) = self.handlers.lock() {
            h.push((handler.to_com_ptr(), fd));
        }
        kResultOk
    }

    unsafe fn unregisterEventHandler(&self, handler: *mut IEventHandler) -> tresult {
        self.note_thread("unregisterEventHandler");
        let removed = take_where(&self.handlers, |(p, _)| p.as_ptr() == handler);
        if removed.is_empty() {
            return kInvalidArgument;
        }
        self.count(|c| c.handlers_unregistered += 1);
        // The references are released here, outside the lock.
        drop(removed);
        kResultOk
    }

    unsafe fn registerTimer(
        &self,
        handler: *mut ITimerHandler,
        milliseconds: TimerInterval,
    ) -> tresult {
        self.note_thread("registerTimer");
        // SAFETY: the caller passes a live handler or null; the run loop keeps a reference.
        let Some(handler) = (unsafe { ComRef::from_raw(handler) }) else {
            return kInvalidArgument;
        };
        let interval = Duration::from_millis(milliseconds.max(1));
        self.count(|c| c.timers_registered += 1);
        if let Ok(mut t) = self.timers.lock() {
            t.push(Timer {
                handler: handler.to_com_ptr(),
                interval,
                next: Instant::now() + interval,
            });
        }
        kResultOk
    }

    unsafe fn unregisterTimer(&self, handler: *mut ITimerHandler) -> tresult {
        self.note_thread("unregisterTimer");
        let removed = take_where(&self.timers, |t| t.handler.as_ptr() == handler);
        if removed.is_empty() {
            return kInvalidArgument;
        }
        self.count(|c| c.timers_unregistered += 1);
        drop(removed);
        kResultOk
    }
}
