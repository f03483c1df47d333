//! CLAP preset discovery (`clap.preset-discovery-factory/2`): one provider that declares the
//! `.chpreset` file type, the factory presets and the user preset folder (location kind `FILE`),
//! and reads each preset's name, category and description for the host's browser.
//!
//! The factory presets are declared as their installed folder (`factory-presets/` in the user
//! data folder, one preset per file) when it is there, else as the copies compiled into the
//! plugin (location kind `PLUGIN`, one container whose load keys are the file names).

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;

use clap_sys::factory::preset_discovery::{
    clap_preset_discovery_factory, clap_preset_discovery_filetype, clap_preset_discovery_indexer,
    clap_preset_discovery_location, clap_preset_discovery_location_kind,
    clap_preset_discovery_metadata_receiver, clap_preset_discovery_provider,
    clap_preset_discovery_provider_descriptor, CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
    CLAP_PRESET_DISCOVERY_IS_USER_CONTENT, CLAP_PRESET_DISCOVERY_LOCATION_FILE,
    CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN,
};
use clap_sys::universal_plugin_id::clap_universal_plugin_id;
use clap_sys::version::CLAP_VERSION;

use crate::presets::{self, Preset};

/// The provider's ID.
pub const PROVIDER_ID: &CStr = c"audio.chameleon.style-transfer.presets";
/// The plugin the presets are for.
const PLUGIN_ID: &CStr = c"audio.chameleon.style-transfer";

static DESCRIPTOR: clap_preset_discovery_provider_descriptor =
    clap_preset_discovery_provider_descriptor {
        clap_version: CLAP_VERSION,
        id: PROVIDER_ID.as_ptr(),
        name: c"Chameleon presets".as_ptr(),
        vendor: c"Chameleon".as_ptr(),
    };

static FACTORY: clap_preset_discovery_factory = clap_preset_discovery_factory {
    count: Some(count),
    get_descriptor: Some(get_descriptor),
    create: Some(create),
};

static FILETYPE: clap_preset_discovery_filetype = clap_preset_discovery_filetype {
    name: c"Chameleon preset".as_ptr(),
    description: c"Chameleon preset (JSON, docs/PRESETS.md)".as_ptr(),
    file_extension: c"chpreset".as_ptr(),
};

/// The preset-discovery factory hosts get from `clap_entry.get_factory`.
pub fn factory() -> *const c_void {
    &FACTORY as *const clap_preset_discovery_factory as *const c_void
}

unsafe extern "C" fn count(_factory: *const clap_preset_discovery_factory) -> u32 {
    1
}

unsafe extern "C" fn get_descriptor(
    _factory: *const clap_preset_discovery_factory,
    index: u32,
) -> *const clap_preset_discovery_provider_descriptor {
    if index == 0 {
        &DESCRIPTOR
    } else {
        ptr::null()
    }
}

/// A provider. `#[repr(C)]` with the host-facing struct first.
#[repr(C)]
struct Provider {
    provider: clap_preset_discovery_provider,
    indexer: *const clap_preset_discovery_indexer,
}

unsafe extern "C" fn create(
    _factory: *const clap_preset_discovery_factory,
    indexer: *const clap_preset_discovery_indexer,
    provider_id: *const c_char,
) -> *const clap_preset_discovery_provider {
    if indexer.is_null() || provider_id.is_null() {
        return ptr::null();
    }
    // SAFETY: checked non-null; the host passes a NUL-terminated ID.
    if unsafe { CStr::from_ptr(provider_id) } != PROVIDER_ID {
        return ptr::null();
    }
    let provider = Box::new(Provider {
        provider: clap_preset_discovery_provider {
            desc: &DESCRIPTOR,
            provider_data: ptr::null_mut(),
            init: Some(init),
            destroy: Some(destroy),
            get_metadata: Some(get_metadata),
            get_extension: Some(get_extension),
        },
        indexer,
    });
    &Box::leak(provider).provider
}

unsafe extern "C" fn init(provider: *const clap_preset_discovery_provider) -> bool {
    if provider.is_null() {
        return false;
    }
    // SAFETY: `provider` is the first field of a `Provider` leaked by `create`.
    let provider = unsafe { &*(provider as *const Provider) };
    // SAFETY: the indexer outlives the provider (CLAP guarantees it).
    let Some(indexer) = (unsafe { provider.indexer.as_ref() }) else {
        return false;
    };
    if let Some(declare) = indexer.declare_filetype {
        // SAFETY: the host's callback with its own indexer and a static file type.
        unsafe { declare(provider.indexer, &FILETYPE) };
    }
    let Some(declare) = indexer.declare_location else {
        return false;
    };
    // The factory presets: their installed files when they are there (one preset per file, as
    // user presets), else the copies compiled into the plugin (one container, by load key).
    let factory_path =
        installed_factory_dir().and_then(|d| CString::new(d.to_string_lossy().as_bytes()).ok());
    let factory = clap_preset_discovery_location {
        flags: CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
        name: c"Chameleon factory presets".as_ptr(),
        kind: if factory_path.is_some() {
            CLAP_PRESET_DISCOVERY_LOCATION_FILE
        } else {
            CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN
        },
        location: factory_path.as_ref().map_or(ptr::null(), |p| p.as_ptr()),
    };
    // SAFETY: as above; the host copies what it needs during the call.
    if !unsafe { declare(provider.indexer, &factory) } {
        return false;
    }
    let user_dir = presets::user_preset_dir().filter(|d| d.is_dir());
    if let Some(path) = user_dir.and_then(|d| CString::new(d.to_string_lossy().as_bytes()).ok()) {
        let user = clap_preset_discovery_location {
            flags: CLAP_PRESET_DISCOVERY_IS_USER_CONTENT,
            name: c"Chameleon user presets".as_ptr(),
            kind: CLAP_PRESET_DISCOVERY_LOCATION_FILE,
            location: path.as_ptr(),
        };
        // SAFETY: as above; `path` outlives the call.
        unsafe { declare(provider.indexer, &user) };
    }
    true
}

/// The installed factory preset folder, if it holds presets.
fn installed_factory_dir() -> Option<PathBuf> {
    presets::factory_preset_dir().filter(|d| !presets::presets_in(d).0.is_empty())
}

unsafe extern "C" fn destroy(provider: *const clap_preset_discovery_provider) {
    if !provider.is_null() {
        // SAFETY: leaked by `create`; the host destroys each provider once.
        drop(unsafe { Box::from_raw(provider as *mut Provider) });
    }
}

unsafe extern "C" fn get_extension(
    _provider: *const clap_preset_discovery_provider,
    _id: *const c_char,
) -> *const c_void {
    ptr::null()
}

/// Text as a C string (NULs, which presets cannot hold, become spaces).
fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

/// Tells `receiver` about one preset. Returns `false` when the host wants no more.
///
/// # Safety
/// `receiver` must be the host's valid metadata receiver.
unsafe fn describe(
    receiver: &clap_preset_discovery_metadata_receiver,
    preset: &Preset,
    load_key: Option<&str>,
    flags: u32,
) -> bool {
    let name = c_text(&preset.name);
    let key = load_key.map(c_text);
    let description = c_text(&preset.description);
    let feature = c_text(&preset.category.to_lowercase());
    let category = c_text(&preset.category);
    let Some(begin) = receiver.begin_preset else {
        return false;
    };
    // SAFETY: the host's callbacks, with strings that outlive each call.
    unsafe {
        if !begin(
            receiver,
            name.as_ptr(),
            key.as_ref().map_or(ptr::null(), |k| k.as_ptr()),
        ) {
            return false;
        }
        if let Some(add) = receiver.add_plugin_id {
            let id = clap_universal_plugin_id {
                abi: c"clap".as_ptr(),
                id: PLUGIN_ID.as_ptr(),
            };
            add(receiver, &id);
        }
        if let Some(set) = receiver.set_flags {
            set(receiver, flags);
        }
        if let Some(add) = receiver.add_creator {
            add(receiver, c"Chameleon".as_ptr());
        }
        if let Some(set) = receiver.set_description {
            set(receiver, description.as_ptr());
        }
        if let Some(add) = receiver.add_feature {
            add(receiver, feature.as_ptr());
        }
        if let Some(add) = receiver.add_extra_info {
            add(receiver, c"category".as_ptr(), category.as_ptr());
        }
    }
    true
}

unsafe extern "C" fn get_metadata(
    _provider: *const clap_preset_discovery_provider,
    location_kind: clap_preset_discovery_location_kind,
    location: *const c_char,
    metadata_receiver: *const clap_preset_discovery_metadata_receiver,
) -> bool {
    // SAFETY: the host passes its valid receiver (or null, refused here).
    let Some(receiver) = (unsafe { metadata_receiver.as_ref() }) else {
        return false;
    };
    match location_kind {
        CLAP_PRESET_DISCOVERY_LOCATION_PLUGIN => {
            for (file, text) in presets::FACTORY {
                let Ok(preset) = Preset::parse(text) else {
                    continue;
                };
                // SAFETY: `receiver` is the host's.
                let more = unsafe {
                    describe(
                        receiver,
                        &preset,
                        Some(file),
                        CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT,
                    )
                };
                if !more {
                    break;
                }
            }
            true
        }
        CLAP_PRESET_DISCOVERY_LOCATION_FILE if !location.is_null() => {
            // SAFETY: non-null and NUL-terminated (a path the host found).
            let path = unsafe { CStr::from_ptr(location) }
                .to_string_lossy()
                .into_owned();
            let path = Path::new(&path);
            let factory = installed_factory_dir().is_some_and(|d| path.starts_with(d));
            let flags = if factory {
                CLAP_PRESET_DISCOVERY_IS_FACTORY_CONTENT
            } else {
                CLAP_PRESET_DISCOVERY_IS_USER_CONTENT
            };
            match Preset::load(path) {
                Ok(preset) => {
                    // SAFETY: `receiver` is the host's.
                    unsafe { describe(receiver, &preset, None, flags) };
                    true
                }
                Err(error) => {
                    if let Some(on_error) = receiver.on_error {
                        let message = c_text(&error.0);
                        // SAFETY: the host's callback; the message outlives the call.
                        unsafe { on_error(receiver, 0, message.as_ptr()) };
                    }
                    false
                }
            }
        }
        _ => false,
    }
}
