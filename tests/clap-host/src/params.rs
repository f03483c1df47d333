//! Parameters through the plugin's params extension.

use clack_extensions::params::{ParamInfoBuffer, PluginParams};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

use crate::host::Instance;

/// One parameter as the host sees it.
#[derive(Debug, Clone)]
pub struct Param {
    /// The CLAP parameter ID.
    pub id: ClapId,
    /// The display name.
    pub name: String,
    /// The smallest host value.
    pub min: f64,
    /// The largest host value.
    pub max: f64,
    /// The default host value.
    pub default: f64,
}

/// Every parameter the plugin lists, in its order.
pub fn list_params(instance: &mut Instance) -> Vec<Param> {
    let Some(params) = instance.plugin_handle().get_extension::<PluginParams>() else {
        return Vec::new();
    };
    let handle = instance.plugin_handle();
    let mut out = Vec::new();
    for index in 0..params.count(&handle) {
        let mut buffer = ParamInfoBuffer::new();
        if let Some(info) = params.get_info(&handle, index, &mut buffer) {
            out.push(Param {
                id: info.id,
                name: String::from_utf8_lossy(info.name).into_owned(),
                min: info.min_value,
                max: info.max_value,
                default: info.default_value,
            });
        }
    }
    out
}

/// The plugin's text for `value` of parameter `id` (empty if it has none).
pub fn param_text(instance: &mut Instance, id: ClapId, value: f64) -> String {
    let Some(params) = instance.plugin_handle().get_extension::<PluginParams>() else {
        return String::new();
    };
    let mut buffer = [0u8; 256];
    match params.value_to_text(&instance.plugin_handle(), id, value, &mut buffer) {
        Ok(text) => String::from_utf8_lossy(text)
            .trim_end_matches('\0')
            .to_owned(),
        Err(_) => String::new(),
    }
}

/// The host value for `text` (CLAP hosts may see normalised values, so never assume units).
pub fn text_value(instance: &mut Instance, id: ClapId, text: &str) -> f64 {
    let Some(params) = instance.plugin_handle().get_extension::<PluginParams>() else {
        return f64::NAN;
    };
    let Ok(text) = std::ffi::CString::new(text) else {
        return f64::NAN;
    };
    params
        .text_to_value(&instance.plugin_handle(), id, &text)
        .unwrap_or(f64::NAN)
}

/// Sets parameter `id` to `value` while the plugin is inactive (through `params.flush`).
/// Returns whether the plugin then reports that value.
pub fn flush_param(instance: &mut Instance, id: ClapId, value: f64) -> bool {
    let Some(params) = instance.plugin_handle().get_extension::<PluginParams>() else {
        return false;
    };
    let mut input = EventBuffer::new();
    input.push(&ParamValueEvent::new(0, id, Pckn::match_all(), value));
    let mut output = EventBuffer::new();
    if let Some(mut handle) = instance.inactive_plugin_handle() {
        params.flush(&mut handle, &input.as_input(), &mut output.as_output());
    } else {
        return false;
    }
    param_value(instance, id).is_some_and(|v| (v - value).abs() < 1e-9)
}

/// The value the plugin reports for parameter `id`.
pub fn param_value(instance: &mut Instance, id: ClapId) -> Option<f64> {
    let params = instance.plugin_handle().get_extension::<PluginParams>()?;
    params.get_value(&instance.plugin_handle(), id)
}

/// The parameter named `name`.
///
/// # Panics
///
/// If there is none.
pub fn find<'a>(params: &'a [Param], name: &str) -> &'a Param {
    params
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no parameter named {name}"))
}
