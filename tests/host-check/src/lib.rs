//! What the in-repo test hosts share: check reporting ([`report`]), and for the editor checks
//! (the CLAP host's `gui`, the VST3 host's `vst3-gui`) their command line ([`cli`]), the X server as the host's window system
//! ([`x_server`]), the editor's pixels and sizes ([`image`]), the judgements made on them
//! ([`editor`]), and the audio played while an editor is open ([`signal`]).

pub mod cli;
pub mod editor;
pub mod image;
pub mod report;
pub mod signal;
pub mod x_server;
