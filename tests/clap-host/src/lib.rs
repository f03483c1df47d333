//! The test host's shared parts: the host side of CLAP ([`host`]), the plugin's parameters
//! ([`params`]), state ([`state`]) and presets ([`presets`]) through its extensions. The
//! `chameleon-clap-host` checks and the `gui` check both build on them; check reporting and the
//! editor check's X11 and pixel helpers are in `chameleon-host-check`, shared with the VST3 host.

pub mod host;
pub mod level;
pub mod params;
pub mod presets;
pub mod rng;
pub mod state;

use std::ffi::CStr;

/// The plugin's CLAP ID.
pub const PLUGIN_ID: &CStr = c"audio.chameleon.style-transfer";
