//! A small VST3 host for tests: it loads a `.vst3` bundle ([`module`]), creates its audio
//! processor and edit controller with the host's context and component handler ([`host`],
//! [`instance`]), processes audio in line, and hands an editor view a frame that resizes the
//! host window and serves the `IRunLoop` a Linux plugin expects ([`frame`]). The `vst3-gui`
//! editor check builds on it.

pub mod frame;
pub mod host;
pub mod instance;
pub mod module;
pub mod stream;
pub mod text;
