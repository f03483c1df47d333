//! Chameleon's CLAP entry point (`clap_entry`).
//!
//! It serves two factories:
//! - the plugin factory: nice-plug's CLAP wrapper, one [`instance::Instance`] around each, which
//!   adds the `clap.preset-load` extension ([`preset_load`]);
//! - the preset-discovery factory ([`preset_discovery`]), through which hosts such as Bitwig
//!   and REAPER index the factory and user presets without creating a plugin.

pub mod instance;
pub mod preset_discovery;
pub mod preset_load;

use std::ffi::{c_char, c_void, CStr};
use std::ptr;
use std::sync::OnceLock;

use clap_sys::entry::clap_plugin_entry;
use clap_sys::factory::plugin_factory::{clap_plugin_factory, CLAP_PLUGIN_FACTORY_ID};
use clap_sys::factory::preset_discovery::{
    CLAP_PRESET_DISCOVERY_FACTORY_ID, CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT,
};
use clap_sys::host::clap_host;
use clap_sys::plugin::{clap_plugin, clap_plugin_descriptor};
use clap_sys::version::CLAP_VERSION;
use nice_plug::wrapper::clap::PluginDescriptor;

use crate::Chameleon;

/// The plugin's CLAP descriptor, built once.
fn descriptor() -> &'static PluginDescriptor {
    static DESCRIPTOR: OnceLock<PluginDescriptor> = OnceLock::new();
    DESCRIPTOR.get_or_init(PluginDescriptor::for_plugin::<Chameleon>)
}

unsafe extern "C" fn get_plugin_count(_factory: *const clap_plugin_factory) -> u32 {
    1
}

unsafe extern "C" fn get_plugin_descriptor(
    _factory: *const clap_plugin_factory,
    index: u32,
) -> *const clap_plugin_descriptor {
    if index == 0 {
        descriptor().clap_plugin_descriptor()
    } else {
        ptr::null()
    }
}

unsafe extern "C" fn create_plugin(
    _factory: *const clap_plugin_factory,
    host: *const clap_host,
    plugin_id: *const c_char,
) -> *const clap_plugin {
    if host.is_null() || plugin_id.is_null() {
        return ptr::null();
    }
    // SAFETY: checked non-null; the host passes a NUL-terminated plugin ID.
    if unsafe { CStr::from_ptr(plugin_id) } != descriptor().clap_id() {
        return ptr::null();
    }
    // SAFETY: `host` is the host's valid `clap_host`, alive for the plugin's lifetime.
    unsafe { instance::Instance::create(host) }
}

static PLUGIN_FACTORY: clap_plugin_factory = clap_plugin_factory {
    get_plugin_count: Some(get_plugin_count),
    get_plugin_descriptor: Some(get_plugin_descriptor),
    create_plugin: Some(create_plugin),
};

unsafe extern "C" fn init(_plugin_path: *const c_char) -> bool {
    nice_plug::wrapper::setup_logger::<Chameleon>();
    true
}

unsafe extern "C" fn deinit() {}

unsafe extern "C" fn get_factory(factory_id: *const c_char) -> *const c_void {
    if factory_id.is_null() {
        return ptr::null();
    }
    // SAFETY: checked non-null; the host passes a NUL-terminated factory ID.
    let id = unsafe { CStr::from_ptr(factory_id) };
    if id == CLAP_PLUGIN_FACTORY_ID {
        &PLUGIN_FACTORY as *const clap_plugin_factory as *const c_void
    } else if id == CLAP_PRESET_DISCOVERY_FACTORY_ID
        || id == CLAP_PRESET_DISCOVERY_FACTORY_ID_COMPAT
    {
        preset_discovery::factory()
    } else {
        ptr::null()
    }
}

/// The CLAP entry point hosts look up in `Chameleon.clap`.
#[allow(non_upper_case_globals)]
#[unsafe(no_mangle)]
#[used]
pub static clap_entry: clap_plugin_entry = clap_plugin_entry {
    clap_version: CLAP_VERSION,
    init: Some(init),
    deinit: Some(deinit),
    get_factory: Some(get_factory),
};
