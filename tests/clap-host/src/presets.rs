//! Preset discovery and loading, as a preset-browsing host (Bitwig, REAPER) does them: index the
//! plugin's presets through its preset-discovery factory, then load one through
//! `clap.preset-load` and read the parameters back.

use std::ffi::{CStr, CString};

use clack_extensions::preset_discovery::prelude::*;
use clack_host::prelude::*;

use crate::host::{host_info, Instance};

/// What the indexer was told during the provider's initialisation.
#[derive(Debug, Default)]
pub struct Index {
    /// Declared file extensions.
    pub extensions: Vec<String>,
    /// Declared locations: (name, flags, file path for `FILE` locations).
    pub locations: Vec<(String, Flags, Option<String>)>,
}

impl IndexerImpl for Index {
    fn declare_filetype(&mut self, file_type: FileType) -> Result<(), HostError> {
        if let Some(ext) = file_type.file_extension {
            self.extensions.push(ext.to_string_lossy().into_owned());
        }
        Ok(())
    }

    fn declare_location(&mut self, location: LocationInfo) -> Result<(), HostError> {
        let path = location
            .location
            .file_path()
            .map(|p| p.to_string_lossy().into_owned());
        self.locations.push((
            location.name.to_string_lossy().into_owned(),
            location.flags,
            path,
        ));
        Ok(())
    }

    fn declare_soundpack(&mut self, _: Soundpack) -> Result<(), HostError> {
        Ok(())
    }
}

/// One preset as the host's browser records it.
#[derive(Debug, Default, Clone)]
pub struct FoundPreset {
    /// Its name.
    pub name: String,
    /// Its load key (for presets inside the plugin).
    pub load_key: Option<String>,
    /// Its file (for presets in a `FILE` location).
    pub file: Option<String>,
    /// Plugin IDs it is for, as `abi:id`.
    pub plugin_ids: Vec<String>,
    /// Its flags.
    pub flags: Option<Flags>,
    /// Its description.
    pub description: String,
    /// Its features (the category, lower-case).
    pub features: Vec<String>,
    /// The `category` extra info.
    pub category: String,
}

/// Collects presets and errors.
#[derive(Debug, Default)]
pub struct Receiver {
    /// The presets, in order.
    pub presets: Vec<FoundPreset>,
    /// The file being asked about, if any.
    file: Option<String>,
    /// Errors the provider reported.
    pub errors: Vec<String>,
}

impl Receiver {
    fn current(&mut self) -> Option<&mut FoundPreset> {
        self.presets.last_mut()
    }
}

fn text(s: &CStr) -> String {
    s.to_string_lossy().into_owned()
}

impl MetadataReceiverImpl for Receiver {
    fn on_error(&mut self, _code: i32, message: Option<&CStr>) {
        self.errors.push(message.map(text).unwrap_or_default());
    }

    fn begin_preset(
        &mut self,
        name: Option<&CStr>,
        load_key: Option<&CStr>,
    ) -> Result<(), HostError> {
        self.presets.push(FoundPreset {
            name: name.map(text).unwrap_or_default(),
            load_key: load_key.map(text),
            file: self.file.clone(),
            ..FoundPreset::default()
        });
        Ok(())
    }

    fn add_plugin_id(&mut self, plugin_id: UniversalPluginId) {
        let id = format!("{}:{}", text(plugin_id.abi), text(plugin_id.id));
        if let Some(p) = self.current() {
            p.plugin_ids.push(id);
        }
    }

    fn set_soundpack_id(&mut self, _: &CStr) {}

    fn set_flags(&mut self, flags: Flags) {
        if let Some(p) = self.current() {
            p.flags = Some(flags);
        }
    }

    fn add_creator(&mut self, _: &CStr) {}

    fn set_description(&mut self, description: &CStr) {
        if let Some(p) = self.current() {
            p.description = text(description);
        }
    }

    fn set_timestamps(&mut self, _: Option<Timestamp>, _: Option<Timestamp>) {}

    fn add_feature(&mut self, feature: &CStr) {
        if let Some(p) = self.current() {
            p.features.push(text(feature));
        }
    }

    fn add_extra_info(&mut self, key: &CStr, value: &CStr) {
        if key == c"category" {
            if let Some(p) = self.current() {
                p.category = text(value);
            }
        }
    }
}

/// Everything the plugin's preset providers declare and report: the index, the factory
/// presets, and the presets of every file in the user folders it declared.
pub fn discover(entry: &PluginEntry) -> Result<(Index, Receiver), String> {
    let factory = entry
        .get_factory::<PresetDiscoveryFactory>()
        .ok_or("the plugin has no preset-discovery factory")?;
    let host_info = host_info("chameleon-clap-host presets")?;
    let ids: Vec<CString> = factory
        .provider_descriptors()
        .filter_map(|d| d.id().map(CStr::to_owned))
        .collect();
    if ids.is_empty() {
        return Err("the preset-discovery factory lists no provider".into());
    }
    let mut receiver = Receiver::default();
    let mut index = Index::default();
    for id in ids {
        let mut provider = Provider::instantiate(Index::default(), entry, &id, &host_info)
            .map_err(|e| format!("provider {id:?} did not start: {e}"))?;
        let locations = provider.indexer().locations.clone();
        for (_, _, path) in &locations {
            let Some(folder) = path else {
                receiver.file = None;
                provider.get_metadata(Location::Plugin, &mut receiver);
                continue;
            };
            let mut files: Vec<_> = std::fs::read_dir(folder)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "chpreset"))
                .collect();
            files.sort();
            for file in files {
                receiver.file = Some(file.to_string_lossy().into_owned());
                let path = CString::new(file.to_string_lossy().into_owned()).unwrap_or_default();
                provider.get_metadata(Location::File { path: &path }, &mut receiver);
            }
        }
        index
            .extensions
            .extend(provider.indexer().extensions.clone());
        index.locations.extend(locations);
    }
    Ok((index, receiver))
}

/// Loads `preset` into `instance` through `clap.preset-load`, from where it was found.
pub fn load_found(instance: &mut Instance, preset: &FoundPreset) -> bool {
    let key = preset
        .load_key
        .as_ref()
        .and_then(|k| CString::new(k.as_str()).ok());
    match &preset.file {
        Some(file) => {
            let path = CString::new(file.as_str()).unwrap_or_default();
            load(instance, Location::File { path: &path }, key.as_deref())
        }
        None => load(instance, Location::Plugin, key.as_deref()),
    }
}

/// Loads a preset into `instance` through `clap.preset-load`.
pub fn load(instance: &mut Instance, location: Location, key: Option<&CStr>) -> bool {
    let Some(ext) = instance.plugin_handle().get_extension::<PluginPresetLoad>() else {
        return false;
    };
    ext.load_from_location(&instance.plugin_handle(), location, key)
        .is_ok()
}
