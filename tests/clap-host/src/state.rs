//! Saving and loading the plugin's state through its state extension.

use clack_extensions::state::PluginState;

use crate::host::Instance;

/// The plugin's saved state, or `None` if it has no state extension or refuses to save.
pub fn save_state(instance: &mut Instance) -> Option<Vec<u8>> {
    let ext = instance.plugin_handle().get_extension::<PluginState>()?;
    let mut bytes = Vec::new();
    ext.save(&instance.plugin_handle(), &mut bytes).ok()?;
    Some(bytes)
}

/// Loads `bytes` as the plugin's state; `true` if the plugin accepted it.
pub fn load_state(instance: &mut Instance, bytes: &[u8]) -> bool {
    let Some(ext) = instance.plugin_handle().get_extension::<PluginState>() else {
        return false;
    };
    ext.load(&instance.plugin_handle(), &mut &bytes[..]).is_ok()
}
