//! The `clap.preset-load` extension: the host asks the plugin to load a preset it found through
//! preset discovery ([`super::preset_discovery`]).
//!
//! - `CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN`: a factory preset; the load key is its file name
//!   (`orchestra-pad.chpreset`).
//! - `CLAP_PRESET_DISCOVERY_LOCATION_FILE`: a preset file; the location is its path.
//!
//! The preset's values replace the current ones in one state change (nice-plug applies it between
//! audio blocks and asks the host to rescan the parameter values); the host is told through
//! `clap_host_preset_load.loaded`, or `on_error` with the reason.

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::Path;

use clap_sys::ext::preset_load::{
    clap_host_preset_load, clap_plugin_preset_load, CLAP_EXT_PRESET_LOAD,
    CLAP_EXT_PRESET_LOAD_COMPAT,
};
use clap_sys::factory::preset_discovery::{
    clap_preset_discovery_location_kind, CLAP_PRESET_DISCOVERY_LOCATION_FILE,
    CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
};
use clap_sys::host::clap_host;
use clap_sys::plugin::clap_plugin;

use super::instance::Instance;
use crate::presets::{self, Preset, PresetError};

static EXTENSION: clap_plugin_preset_load = clap_plugin_preset_load {
    from_location: Some(from_location),
};

/// The extension struct the plugin hands to hosts.
pub fn extension() -> *const c_void {
    &EXTENSION as *const clap_plugin_preset_load as *const c_void
}

/// Text of an optional C string.
///
/// # Safety
/// `text` must be null or a NUL-terminated string.
unsafe fn text<'a>(text: *const c_char) -> Option<&'a str> {
    if text.is_null() {
        None
    } else {
        // SAFETY: non-null and NUL-terminated by the caller's guarantee.
        unsafe { CStr::from_ptr(text) }.to_str().ok()
    }
}

/// The preset a location names.
fn find(
    kind: clap_preset_discovery_location_kind,
    location: Option<&str>,
    load_key: Option<&str>,
) -> Result<Preset, PresetError> {
    match kind {
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN => {
            let key = load_key.unwrap_or_default();
            let (_, text) = presets::FACTORY
                .iter()
                .find(|(file, _)| *file == key)
                .ok_or_else(|| {
                    PresetError(format!("no factory preset has the load key `{key}`"))
                })?;
            Preset::parse(text)
        }
        CLAP_PRESET_DISCOVERY_LOCATION_FILE => {
            let path = location.ok_or_else(|| PresetError("the preset file has no path".into()))?;
            Preset::load(Path::new(path))
        }
        other => Err(PresetError(format!("unknown preset location kind {other}"))),
    }
}

/// Loads the preset into the instance's parameters.
fn load(instance: &Instance, preset: &Preset) -> Result<(), PresetError> {
    let shared = instance
        .shared()
        .ok_or_else(|| PresetError("the plugin's parameters are not reachable".into()))?;
    let lookup = presets::style_lookup(&shared.names, &shared.params.model.get());
    let slots = preset.resolve_styles(&*lookup)?;
    let wrapper = instance.wrapper();
    let mut state = wrapper.get_state_object();
    for (id, value) in preset.param_values(slots) {
        state.params.insert(id.to_owned(), value);
    }
    wrapper.set_state_object_from_gui(state);
    shared.params.state_change.mark();
    Ok(())
}

/// The host's preset-load callbacks, if it has them.
///
/// # Safety
/// `host` must be a valid `clap_host`.
unsafe fn host_extension<'a>(host: *const clap_host) -> Option<&'a clap_host_preset_load> {
    // SAFETY: a valid host; `get_extension` returns null or a struct that lives as long as it.
    let host_ref = unsafe { host.as_ref() }?;
    let get = host_ref.get_extension?;
    for id in [CLAP_EXT_PRESET_LOAD, CLAP_EXT_PRESET_LOAD_COMPAT] {
        // SAFETY: see above.
        let ext = unsafe { get(host, id.as_ptr()) } as *const clap_host_preset_load;
        // SAFETY: non-null pointers from the host point to its `clap_host_preset_load`.
        if let Some(ext) = unsafe { ext.as_ref() } {
            return Some(ext);
        }
    }
    None
}

unsafe extern "C" fn from_location(
    plugin: *const clap_plugin,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    load_key: *const c_char,
) -> bool {
    if plugin.is_null() {
        return false;
    }
    // SAFETY: the host only has plugin pointers from `Instance::create`.
    let instance = unsafe { Instance::from_plugin(plugin) };
    // SAFETY: the host passes null or NUL-terminated strings.
    let (location_text, key_text) = unsafe { (text(location), text(load_key)) };
    let result = find(location_kind, location_text, key_text).and_then(|p| load(instance, &p));
    let host = instance.host();
    // SAFETY: the instance's host is valid for its lifetime.
    let callbacks = unsafe { host_extension(host) };
    match result {
        Ok(()) => {
            if let Some(loaded) = callbacks.and_then(|c| c.loaded) {
                // SAFETY: the host's own callback, with the arguments it passed in.
                unsafe { loaded(host, location_kind, location, load_key) };
            }
            true
        }
        Err(error) => {
            nice_plug::nice_log!("Chameleon: preset not loaded: {error}");
            if let Some(on_error) = callbacks.and_then(|c| c.on_error) {
                let message = CString::new(error.0.replace('\0', " ")).unwrap_or_default();
                // SAFETY: as above; `message` outlives the call.
                unsafe { on_error(host, location_kind, location, load_key, 0, message.as_ptr()) };
            }
            false
        }
    }
}
