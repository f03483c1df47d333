//! Chameleon as a standalone application (JACK, ALSA or the headless `dummy` backend).
//!
//! `chameleon-standalone --help` lists the options; `-b dummy` runs without audio hardware.

use chameleon::Chameleon;

fn main() -> std::process::ExitCode {
    if nice_plug::prelude::nice_export_standalone::<Chameleon>() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
