//! Level safety, checked from outside the engine: the hostile inputs a producer tries first
//! ([`signals`]), how much louder the output is than the input ([`measure`]), and the bounds
//! the output must keep ([`bounds`]). The renderer's tests and the CLAP test host share them.

pub mod bounds;
pub mod measure;
pub mod signals;
