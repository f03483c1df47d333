//! The editor in a host's window: Chameleon's `.clap` opens its GUI embedded in this host's X11
//! window, draws, follows host automation, scales, resizes, keeps its size in the saved state,
//! and survives being opened, closed and destroyed.
//!
//! ```text
//! xvfb-run -a -s "-screen 0 2560x1600x24" gui PATH.clap [--screenshot OUT.png]
//! ```
//!
//! It needs an X server (`DISPLAY`); the screen must hold the editor at scale 2. Like a DAW, it
//! asks the plugin's gui extension for embedded X11, creates the GUI, sets the scale, makes a
//! window of the size the plugin reports, hands it over with `set_parent` and shows it. Its main
//! loop runs the plugin's main-thread callbacks, acts on the plugin's gui requests (a resize
//! request resizes the host window) and processes audio in line, so the live view has data. It
//! reads the editor's pixels back from the X server with `GetImage` and checks:
//!
//! - the reported size at scale 1 and 2 (twice as many pixels each way at 2);
//! - the editor drew: many distinct colours, no colour covering most of the window;
//! - host automation moves the control: a Morph change sent as a process event changes the
//!   pixels of the Morph card (and two grabs without a change do not), and the plugin reports
//!   the new value;
//! - at scale 2 the same layout is drawn at twice the pixels: the top of the editor, shrunk
//!   back by two, matches the one drawn at scale 1 (and its unshrunk top left does not);
//! - resizing: `can_resize`, `set_size`, `get_size` and the window's real size agree; the
//!   size comes back in a fresh instance from the saved state, before its window opens;
//! - three open and close cycles (show, hide, destroy, create again), each drawing, and
//!   destroying the plugin with its editor open; the editor's window goes away each time.
//!
//! It prints one line per check and `gui: N passed, N failed`, and exits non-zero if any
//! check failed.

mod checks;
mod rig;

use std::process::ExitCode;

use chameleon_clap_host::host::Instance;
use chameleon_clap_host::params::list_params;
use chameleon_clap_host::PLUGIN_ID;
use chameleon_host_check::cli::EditorCheckArgs;
use chameleon_host_check::report::Report;
use chameleon_host_check::x_server::X;
use clack_extensions::gui::{GuiApiType, GuiConfiguration};
use clack_host::prelude::*;

use checks::{check_cycles, check_editor, check_persisted_size};

/// The host's sample rate, in Hz.
pub(crate) const RATE: f64 = 48_000.0;
/// The host's block size, in samples.
pub(crate) const BLOCK: usize = 256;
/// Embedded X11, the only API a Linux DAW asks for.
pub(crate) const X11_EMBEDDED: GuiConfiguration<'static> = GuiConfiguration {
    api_type: GuiApiType::X11,
    is_floating: false,
};

fn main() -> ExitCode {
    let Some(args) = EditorCheckArgs::from_env("gui PATH.clap [--screenshot OUT.png]") else {
        return ExitCode::from(2);
    };
    let (path, screenshot) = (args.plugin, args.screenshot);
    let mut report = Report::default();
    let x = match X::connect() {
        Ok(x) => x,
        Err(e) => {
            report.check(false, format!("connect to the X server: {e}"));
            println!("{}", report.summary("gui"));
            return ExitCode::FAILURE;
        }
    };
    // SAFETY: loading a plugin library runs its initialisers; this is the plugin under test.
    let entry = match unsafe { PluginEntry::load(&path) } {
        Ok(e) => e,
        Err(e) => {
            report.check(false, format!("load {path}: {e}"));
            println!("{}", report.summary("gui"));
            return ExitCode::FAILURE;
        }
    };
    println!("loaded {path}");
    let params = match Instance::new(&entry, PLUGIN_ID) {
        Ok(mut i) => list_params(&mut i),
        Err(_) => Vec::new(),
    };
    if params.iter().any(|p| p.name == "Morph") {
        if let Some((state, size)) =
            check_editor(&mut report, &x, &entry, &params, screenshot.as_deref())
        {
            check_persisted_size(&mut report, &x, &entry, &state, size);
        }
        check_cycles(&mut report, &x, &entry);
    } else {
        report.check(false, "the plugin lists a Morph parameter");
    }
    println!("{}", report.summary("gui"));
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
