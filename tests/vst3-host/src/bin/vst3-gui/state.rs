//! Bypass through the VST3 path as a host saves and reloads a project, the way Steinberg's
//! validator's "Parameter Bypass persistence" test does it: the host sets the bypass parameter
//! on the controller while the plugin is processing (and sends it to `process`), saves the
//! component state, and a fresh instance loads it.

use chameleon_host_check::report::Report;
use chameleon_vst3_host::host::HostContext;
use chameleon_vst3_host::instance::Instance;
use chameleon_vst3_host::module::Module;
use vst3::ComWrapper;

use crate::{BLOCK, RATE};

/// Runs the bypass save-and-restore checks.
pub(crate) fn check_bypass_persistence(
    report: &mut Report,
    module: &Module,
    host: &ComWrapper<HostContext>,
) {
    let Some(mut first) = report.require(
        Instance::new(module, host),
        "an instance for the bypass checks",
    ) else {
        return;
    };
    let Some(bypass) = first.params().into_iter().find(|p| p.title == "Bypass") else {
        report.check(false, "the controller lists a Bypass parameter");
        return;
    };
    if report
        .require(first.start(RATE, BLOCK), "start processing")
        .is_none()
    {
        return;
    }
    let silence = vec![0.0f32; 2 * BLOCK];
    for (value, what) in [(1.0, "on"), (0.0, "off"), (1.0, "on again")] {
        // The controller is asked first, then the same change reaches `process` (as the
        // validator and real hosts do it): the controller must show it before that block runs.
        first.set_param(bypass.id, value);
        let shown = first.param(bypass.id);
        report.check(
            shown == value,
            format!("bypass {what} while processing: the controller shows {shown} at once (set {value})"),
        );
        first.process(&silence, &[(bypass.id, value)]);
    }
    first.process(&silence, &[]);
    first.stop();
    let Some(state) = report.require(first.save_state(), "getState with bypass on") else {
        return;
    };
    drop(first);
    let Some(second) = report.require(Instance::new(module, host), "a fresh instance") else {
        return;
    };
    if report
        .require(second.load_state(&state), "setState and setComponentState")
        .is_none()
    {
        return;
    }
    let restored = second.param(bypass.id);
    report.check(
        restored == 1.0,
        format!(
            "bypass comes back on from the saved state ({} bytes): the controller shows {restored}",
            state.len()
        ),
    );
}
