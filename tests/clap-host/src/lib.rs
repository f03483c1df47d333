//! The test host's shared parts: the host side of CLAP ([`host`]), the plugin's parameters
//! ([`params`]), state ([`state`]) and presets ([`presets`]) through its extensions, and check
//! reporting ([`report`]). The `chameleon-clap-host` checks and the `gui` check both build on them.

pub mod host;
pub mod level;
pub mod params;
pub mod presets;
pub mod report;
pub mod rng;
pub mod state;

use std::ffi::CStr;

/// The plugin's CLAP ID.
pub const PLUGIN_ID: &CStr = c"audio.chameleon.style-transfer";
