//! One CLAP plugin instance: nice-plug's wrapper, seen by the host through a `clap_plugin` of
//! our own that adds extensions nice-plug does not offer (`clap.preset-load`).
//!
//! The host-facing `clap_plugin` is a copy of the wrapper's, with the same `plugin_data` (the
//! wrapper, which every nice-plug function finds itself through), so all of nice-plug's
//! functions work unchanged; only `get_extension`, `on_main_thread` (which also tells the host
//! that the project changed, see [`crate::state_change`]) and `destroy` are ours. It is the first field
//! of [`Instance`], so a `*const clap_plugin` from the host leads back to the instance.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr};
use std::sync::Arc;

use clap_sys::ext::preset_load::{CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT};
use clap_sys::ext::state::{clap_host_state, CLAP_EXT_STATE};
use clap_sys::host::clap_host;
use clap_sys::plugin::clap_plugin;
use nice_plug::wrapper::clap::Wrapper;

use crate::params::ChameleonParams;
use crate::style_names::StyleNames;
use crate::Chameleon;

/// What a new [`Chameleon`] shares with its CLAP instance: the parameters (for the model
/// choice) and the style names of the running model (to resolve a preset's styles).
#[derive(Clone)]
pub struct SharedWithInstance {
    /// The plugin's parameters.
    pub params: Arc<ChameleonParams>,
    /// The style names of the model that runs.
    pub names: Arc<StyleNames>,
}

thread_local! {
    /// Set by [`Chameleon::default`] and taken by [`Instance::create`] on the same thread, right
    /// after nice-plug's wrapper has created the plugin.
    static JUST_CREATED: RefCell<Option<SharedWithInstance>> = const { RefCell::new(None) };
}

/// Called when a [`Chameleon`] is created, so the CLAP instance being built can reach its
/// parameters and style names.
pub fn announce(shared: SharedWithInstance) {
    JUST_CREATED.with(|slot| *slot.borrow_mut() = Some(shared));
}

/// A CLAP plugin instance. `#[repr(C)]` with the host-facing `clap_plugin` first.
#[repr(C)]
pub struct Instance {
    /// What the host holds a pointer to.
    plugin: clap_plugin,
    /// nice-plug's own `get_extension` and `destroy`.
    inner_get_extension:
        Option<unsafe extern "C" fn(*const clap_plugin, *const c_char) -> *const c_void>,
    inner_destroy: Option<unsafe extern "C" fn(*const clap_plugin)>,
    inner_on_main_thread: Option<unsafe extern "C" fn(*const clap_plugin)>,
    /// The wrapper (one reference, released by nice-plug's `destroy`).
    wrapper: *const Wrapper<Chameleon>,
    /// The host, for the preset-load callbacks.
    host: *const clap_host,
    /// The plugin's parameters and style names.
    shared: Option<SharedWithInstance>,
}

impl Instance {
    /// Creates the wrapper and the instance around it; returns the host-facing plugin.
    ///
    /// # Safety
    /// `host` must be a valid `clap_host` that outlives the plugin.
    pub unsafe fn create(host: *const clap_host) -> *const clap_plugin {
        JUST_CREATED.with(|slot| slot.borrow_mut().take());
        // SAFETY: the caller guarantees `host`; nice-plug keeps it for the plugin's lifetime.
        let wrapper = unsafe { Wrapper::<Chameleon>::new(host) };
        let shared = JUST_CREATED.with(|slot| slot.borrow_mut().take());
        let inner: clap_plugin = *wrapper.clap_plugin.borrow();
        // NOTE: as nice-plug's own factory does, one reference is handed to the host side;
        // nice-plug's `destroy` takes it back from `plugin_data`.
        let wrapper = Arc::into_raw(wrapper);
        if let Some(shared) = &shared {
            let host = HostPtr(host);
            shared
                .params
                .state_change
                .connect(Box::new(move || host.request_callback()));
        }
        let instance = Box::new(Instance {
            plugin: clap_plugin {
                get_extension: Some(get_extension),
                destroy: Some(destroy),
                on_main_thread: Some(on_main_thread),
                ..inner
            },
            inner_get_extension: inner.get_extension,
            inner_destroy: inner.destroy,
            inner_on_main_thread: inner.on_main_thread,
            wrapper,
            host,
            shared,
        });
        &Box::leak(instance).plugin
    }

    /// The instance behind a host-facing plugin pointer.
    ///
    /// # Safety
    /// `plugin` must be a pointer [`Instance::create`] returned that has not been destroyed.
    pub unsafe fn from_plugin<'a>(plugin: *const clap_plugin) -> &'a Instance {
        // SAFETY: `plugin` is the first field of a live, `#[repr(C)]` `Instance`.
        unsafe { &*(plugin as *const Instance) }
    }

    /// nice-plug's wrapper.
    pub fn wrapper(&self) -> &Wrapper<Chameleon> {
        // SAFETY: the instance holds a reference to the wrapper until `destroy`.
        unsafe { &*self.wrapper }
    }

    /// The host.
    pub fn host(&self) -> *const clap_host {
        self.host
    }

    /// The plugin's parameters and style names, if the plugin announced them.
    pub fn shared(&self) -> Option<&SharedWithInstance> {
        self.shared.as_ref()
    }
}

unsafe extern "C" fn get_extension(plugin: *const clap_plugin, id: *const c_char) -> *const c_void {
    if plugin.is_null() || id.is_null() {
        return std::ptr::null();
    }
    // SAFETY: checked non-null; the host passes a NUL-terminated extension ID.
    let wanted = unsafe { CStr::from_ptr(id) };
    if wanted == CLAP_EXT_PRESET_LOAD || wanted == CLAP_EXT_PRESET_LOAD_COMPAT {
        return super::preset_load::extension();
    }
    // SAFETY: `plugin` came from `Instance::create` (the host only has those).
    let instance = unsafe { Instance::from_plugin(plugin) };
    match instance.inner_get_extension {
        // SAFETY: nice-plug's function, called with a plugin whose `plugin_data` is its wrapper.
        Some(inner) => unsafe { inner(plugin, id) },
        None => std::ptr::null(),
    }
}

/// The host pointer, for the thread-safe `request_callback`.
struct HostPtr(*const clap_host);

// SAFETY: only `request_callback` is called through it, which CLAP marks thread-safe, and the
// host outlives the plugin (and so the notice holding this).
unsafe impl Send for HostPtr {}
// SAFETY: see above.
unsafe impl Sync for HostPtr {}

impl HostPtr {
    fn request_callback(&self) {
        // SAFETY: a valid host (see above); `request_callback` may be called from any thread.
        if let Some(request) = unsafe { self.0.as_ref() }.and_then(|h| h.request_callback) {
            // SAFETY: as above.
            unsafe { request(self.0) };
        }
    }
}

/// Tells the host, on its main thread, that the project changed (`clap_host_state.mark_dirty`).
///
/// # Safety
/// `host` must be a valid `clap_host`; call on the main thread.
unsafe fn mark_dirty(host: *const clap_host) {
    // SAFETY: a valid host; `get_extension` returns null or its `clap_host_state`.
    let Some(get) = (unsafe { host.as_ref() }).and_then(|h| h.get_extension) else {
        return;
    };
    // SAFETY: as above.
    let state = unsafe { get(host, CLAP_EXT_STATE.as_ptr()) } as *const clap_host_state;
    // SAFETY: non-null pointers from the host point to its `clap_host_state`.
    if let Some(mark) = unsafe { state.as_ref() }.and_then(|s| s.mark_dirty) {
        // SAFETY: on the main thread, as `mark_dirty` requires.
        unsafe { mark(host) };
    }
}

unsafe extern "C" fn on_main_thread(plugin: *const clap_plugin) {
    if plugin.is_null() {
        return;
    }
    // SAFETY: the host only has plugin pointers from `Instance::create`.
    let instance = unsafe { Instance::from_plugin(plugin) };
    if instance
        .shared()
        .is_some_and(|shared| shared.params.state_change.take())
    {
        // SAFETY: the instance's host, on the main thread (this is `on_main_thread`).
        unsafe { mark_dirty(instance.host()) };
    }
    if let Some(inner) = instance.inner_on_main_thread {
        // SAFETY: nice-plug's callback, with a plugin whose `plugin_data` is its wrapper.
        unsafe { inner(plugin) };
    }
}

unsafe extern "C" fn destroy(plugin: *const clap_plugin) {
    if plugin.is_null() {
        return;
    }
    // SAFETY: `plugin` is the first field of an `Instance` leaked by `Instance::create`; the host
    // calls `destroy` once and uses the pointer no more.
    let instance = unsafe { Box::from_raw(plugin as *mut Instance) };
    if let Some(inner) = instance.inner_destroy {
        // SAFETY: nice-plug's destroy, while the instance (and so `plugin`) is still alive; it
        // releases the wrapper reference taken in `create`.
        unsafe { inner(plugin) };
    }
    drop(instance);
}
