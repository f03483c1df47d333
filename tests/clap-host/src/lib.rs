//! The test host's shared parts: the host side of CLAP ([`host`]), the plugin's parameters
//! ([`params`]) and state ([`state`]) through its extensions, and check reporting
//! ([`report`]). The `chameleon-clap-host` checks and the `gui` check both build on them.

pub mod host;
pub mod level;
pub mod params;
pub mod report;
pub mod rng;
pub mod state;

use std::ffi::CStr;

/// The plugin's CLAP ID.
pub const PLUGIN_ID: &CStr = c"audio.chameleon.style-transfer";
