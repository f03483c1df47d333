//! The editor in a VST3 host's window: Chameleon's `.vst3` opens its view embedded in this
//! host's X11 window, draws, follows host automation, scales, resizes, and survives being
//! opened, closed and terminated with its editor open.
//!
//! ```text
//! xvfb-run -a -s "-screen 0 2560x1600x24" vst3-gui PATH.vst3 [--screenshot OUT.png]
//! ```
//!
//! It needs an X server (`DISPLAY`); the screen must hold the editor at scale 2. Like a Linux
//! DAW, it loads the bundle's library (`ModuleEntry`, `GetPluginFactory`), creates the audio
//! processor class, initialises it with a host context, takes its edit controller (the same
//! object, or the controller class connected to it), sets a component handler that records the
//! plugin's calls, and processes audio in line so the live view has data. It creates the view
//! with `createView("editor")`, asks for `X11EmbedWindowID`, hands it an `IPlugFrame` that is
//! also the host's `IRunLoop` (a `resizeView` request resizes the host window and calls
//! `onSize`), makes a window of the size `getSize` reports and calls `attached`. Its main loop
//! polls the descriptors the plugin registered with the run loop and fires its timers, so the
//! editor's GUI tasks run on the host's main thread. It reads the editor's pixels back from the
//! X server with `GetImage` and checks:
//!
//! - the view: `isPlatformTypeSupported`, `IPlugViewContentScaleSupport`, the run loop found
//!   through the frame, `getSize` at least the editor's minimum;
//! - the editor drew: many distinct colours, no colour covering most of the window;
//! - host automation redraws: `setParamNormalized` on Morph from the host side changes the
//!   pixels of the Morph card (two grabs with no change are equal), and so does a Morph change
//!   sent as a parameter change in `process`; the controller reports each value, and the plugin
//!   does not echo them back as `performEdit`;
//! - content scale 2 and back to 1 through `setContentScaleFactor`: twice the size each way,
//!   asked for with `resizeView` as the VST3 documentation wants (if the view grew without
//!   asking, the host follows `getSize` itself, as a lenient host would, and says so), and the
//!   same layout at twice the pixels;
//! - resizing: `canResize`, `checkSizeConstraint`, `onSize`, `getSize` and the window's real
//!   size agree, and the editor fills the added area; dragging the editor's own resize corner
//!   with the mouse (XTEST) reaches the host as `resizeView` from a task on the run loop;
//! - a preset loaded with a click on the preset bar's Next button (XTEST) reaches the host as
//!   one group edit of the changed parameters and as `setDirty(true)`;
//! - the view unregistered its run-loop handlers and timers when it went away;
//! - three open and close cycles (`removed`, the view released, `createView` and `attached`
//!   again), each drawing, the editor's window gone after each, and terminating the plugin with
//!   its editor open;
//! - the plugin called the component handler, frame and run loop only on the main thread.
//!
//! It prints one line per check and `vst3-gui: N passed, N failed`, and exits non-zero if any
//! check failed. Lines starting `note:` are observations, not checks.

mod checks;
mod preset_click;
mod rig;
mod state;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use chameleon_host_check::cli::EditorCheckArgs;
use chameleon_host_check::report::Report;
use chameleon_host_check::x_server::X;
use chameleon_vst3_host::host::HostContext;
use chameleon_vst3_host::module::{Module, AUDIO_EFFECT_CLASS};
use vst3::ComWrapper;

use checks::{check_cycles, check_editor};

/// The host's sample rate, in Hz.
pub(crate) const RATE: f64 = 48_000.0;
/// The host's block size, in samples.
pub(crate) const BLOCK: usize = 256;
/// The suite's name in the closing line.
const SUITE: &str = "vst3-gui";

fn main() -> ExitCode {
    let Some(args) = EditorCheckArgs::from_env("vst3-gui PATH.vst3 [--screenshot OUT.png]") else {
        return ExitCode::from(2);
    };
    let mut report = Report::default();
    run(
        &mut report,
        Path::new(&args.plugin),
        args.screenshot.as_deref(),
    );
    println!("{}", report.summary(SUITE));
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(report: &mut Report, path: &Path, screenshot: Option<&str>) {
    let x = match X::connect() {
        Ok(x) => Arc::new(x),
        Err(e) => {
            report.check(false, format!("connect to the X server: {e}"));
            return;
        }
    };
    let module = match Module::load(path) {
        Ok(m) => m,
        Err(e) => {
            report.check(false, format!("load {}: {e}", path.display()));
            return;
        }
    };
    let host = ComWrapper::new(HostContext);
    let classes = module.classes();
    let processors: Vec<&str> = classes
        .iter()
        .filter(|c| c.category == AUDIO_EFFECT_CLASS)
        .map(|c| c.name.as_str())
        .collect();
    report.check(
        processors.len() == 1,
        format!(
            "{}: ModuleEntry, GetPluginFactory, {} classes, audio processor {processors:?}",
            module.library.display(),
            classes.len()
        ),
    );
    if let Some(taken) = module.set_host_context(&host) {
        println!("note: IPluginFactory3::setHostContext answered {taken}");
    }
    check_editor(report, &x, &module, &host, screenshot);
    check_cycles(report, &x, &module, &host);
    state::check_bypass_persistence(report, &module, &host);
}
