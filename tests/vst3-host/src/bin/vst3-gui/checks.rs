//! The checks: the view, drawing, automation, content scale and resizing on one instance;
//! open and close cycles and terminating with the editor open on another.

use std::sync::Arc;

use chameleon_host_check::editor::{
    check_cycle, check_fills_added, check_gone_with_plugin, check_morph_redrawn, check_opened,
    check_scaled_layout, morph_card, MIN_SIZE,
};
use chameleon_host_check::image::{show_size, Image, Size};
use chameleon_host_check::report::Report;
use chameleon_host_check::x_server::X;
use chameleon_vst3_host::host::{HandlerCall, HostContext};
use chameleon_vst3_host::instance::{ControllerKind, Param};
use chameleon_vst3_host::module::Module;
use vst3::ComWrapper;
use vst3::Steinberg::{kResultOk, IPlugViewTrait};

use crate::preset_click::check_preset_click;
use crate::rig::{rect, rect_size, Rig};

/// The first instance: the view, drawing, automation, content scale, resizing, closing.
pub(crate) fn check_editor(
    report: &mut Report,
    x: &Arc<X>,
    module: &Module,
    host: &ComWrapper<HostContext>,
    screenshot: Option<&str>,
) {
    let Some(mut rig) = report.require(Rig::new(x, module, host), "a plugin instance") else {
        return;
    };
    report.check(
        true,
        format!(
            "IComponent {:?} initialised with the host context; its IEditController {}",
            rig.instance.name,
            match rig.instance.kind {
                ControllerKind::SameObject => "is the same object (queryInterface)",
                ControllerKind::Separate => "is a separate class, initialised and connected",
            }
        ),
    );
    let params = rig.instance.params();
    let Some(morph) = params.iter().find(|p| p.title == "Morph").cloned() else {
        report.check(false, "the controller lists a Morph parameter");
        return;
    };
    report.check(
        true,
        format!(
            "the controller lists {} parameters, Morph among them (ID {})",
            params.len(),
            morph.id
        ),
    );
    if report
        .require(rig.start(), "activate and process")
        .is_none()
    {
        return;
    }
    report.check(
        true,
        "setupProcessing, setActive and setProcessing (stereo, 48 kHz)",
    );

    // The view, as a Linux DAW opens it.
    if report.require(rig.create_view(), "the view").is_none() {
        return;
    }
    report.check(
        rig.is_x11_supported(),
        "createView(\"editor\"), isPlatformTypeSupported(\"X11EmbedWindowID\")",
    );
    report.check(
        rig.scale_support().is_some(),
        "the view has IPlugViewContentScaleSupport",
    );
    if rig.scale_support().is_some() {
        // Some hosts set the scale before `attached`; the check itself sets it on the open view.
        println!(
            "note: setContentScaleFactor(1) before attached: {}",
            rig.set_scale(1.0)
                .map_or_else(|e| e, |()| "accepted".into())
        );
    }
    if report.require(rig.set_frame(), "the frame").is_none() {
        return;
    }
    let counts = rig.frame.counts();
    report.check(
        counts.handlers_registered + counts.timers_registered > 0,
        format!(
            "setFrame: the view found IRunLoop through the frame and registered {} event \
             handler(s) and {} timer(s)",
            counts.handlers_registered, counts.timers_registered
        ),
    );
    let at_1 = rig.size();
    report.check(
        at_1.is_some_and(|s| s.at_least(MIN_SIZE)),
        format!(
            "getSize: {} (at least the {MIN_SIZE} minimum)",
            show_size(at_1)
        ),
    );
    let Some(at_1) = at_1 else { return };
    if report.require(rig.embed(at_1), "the host window").is_none() {
        return;
    }
    report.check(
        true,
        format!("attached to the host's {at_1} X11 window (X11EmbedWindowID)"),
    );
    rig.pump(2.0, &[]);
    if check_opened(report, x, rig.editor_window(), at_1, screenshot).is_none() {
        return;
    }

    check_automation(report, &mut rig, &morph, at_1);
    check_preset_click(report, &mut rig);
    check_scale(report, &mut rig, at_1);
    check_resize(report, &mut rig, at_1);
    check_drag_resize(report, &mut rig);

    match rig.close() {
        Ok(left) => report.check(
            left == 0,
            format!(
                "removed, setFrame(null), the view released: {left} windows left in the host \
                 window"
            ),
        ),
        Err(e) => report.check(false, e),
    };
    let c = rig.frame.counts();
    let (handlers, timers) = rig.frame.registered();
    report.check(
        handlers == 0 && timers == 0,
        format!(
            "the view unregistered from the run loop when it went: {} event handlers and {} \
             timers registered, {} and {} unregistered, {handlers} and {timers} left",
            c.handlers_registered,
            c.timers_registered,
            c.handlers_unregistered,
            c.timers_unregistered
        ),
    );
    check_threads(report, &rig);
}

/// A grab after `seconds` more of the main loop, if there is an editor window to grab.
fn grab_after(rig: &mut Rig, seconds: f64) -> Option<Image> {
    rig.pump(seconds, &[]);
    rig.grab().ok()
}

/// How many pixels of the Morph card changed from `a` to `b` (`usize::MAX` if either is
/// missing).
fn changed(a: &Option<Image>, b: &Option<Image>, size: Size) -> usize {
    match (a, b) {
        (Some(a), Some(b)) => a.changed(b, morph_card(size)),
        _ => usize::MAX,
    }
}

/// Host automation on Morph: from the controller while not processing, then as a parameter
/// change in `process` (with the controller told too, as a DAW does).
fn check_automation(report: &mut Report, rig: &mut Rig, morph: &Param, size: Size) {
    let before = rig.instance.param(morph.id);
    let target = if before < 0.5 { 0.9 } else { 0.1 };
    rig.instance.set_processing(false);
    let a = grab_after(rig, 0.5);
    let b = grab_after(rig, 0.5);
    let set = rig.instance.set_param(morph.id, target);
    let after = grab_after(rig, 1.0);
    let reported = rig.instance.param(morph.id);
    report.check(
        set == kResultOk && (reported - target).abs() < 1e-6,
        format!(
            "setParamNormalized(Morph, {target:.3}) while not processing: the controller \
             reports {reported:.3} (was {before:.3})"
        ),
    );
    check_morph_redrawn(
        report,
        "setParamNormalized from the host",
        changed(&a, &b, size),
        changed(&b, &after, size),
    );

    let restarted = rig.instance.set_processing(true);
    let target_2 = if target > 0.5 { 0.3 } else { 0.7 };
    let a = grab_after(rig, 0.5);
    let b = grab_after(rig, 0.5);
    rig.instance.set_param(morph.id, target_2);
    rig.pump(1.0, &[(morph.id, target_2)]);
    let after = rig.grab().ok();
    let reported = rig.instance.param(morph.id);
    report.check(
        restarted == kResultOk && (reported - target_2).abs() < 1e-6,
        format!(
            "a Morph change of {target_2:.3} in process (and setParamNormalized) while \
             processing: the controller reports {reported:.3}"
        ),
    );
    check_morph_redrawn(
        report,
        "a parameter change in process",
        changed(&a, &b, size),
        changed(&b, &after, size),
    );
    let echoed: Vec<HandlerCall> = rig
        .instance
        .handler
        .calls()
        .into_iter()
        .filter(|c| matches!(c, HandlerCall::PerformEdit(id, _) if *id == morph.id))
        .collect();
    report.check(
        echoed.is_empty(),
        format!(
            "the plugin did not echo the host's Morph changes back as performEdit ({echoed:?})"
        ),
    );
}

/// Content scale 2 on the open editor, through `resizeView`, then back to 1.
fn check_scale(report: &mut Report, rig: &mut Rig, at_1: Size) {
    let x = Arc::clone(&rig.x);
    let reference = rig.grab().ok();
    let doubled = at_1.times(2);
    let resizes_before = rig.frame.resizes().len();
    let scaled = rig.set_scale(2.0);
    rig.pump(1.5, &[]);
    let size = rig.size();
    let editor = rig.editor_window().and_then(|c| x.size(c));
    let window = rig.window.and_then(|w| x.size(w));
    let asked: Vec<String> = rig.frame.resizes()[resizes_before..]
        .iter()
        .map(|(s, answer)| format!("{s} (onSize {answer})"))
        .collect();
    let through_resize = rig.frame.resizes()[resizes_before..]
        .last()
        .is_some_and(|&(s, answer)| s == doubled && answer == kResultOk);
    report.check(
        scaled.is_ok()
            && through_resize
            && size == Some(doubled)
            && editor == Some(doubled)
            && window == Some(doubled),
        format!(
            "setContentScaleFactor(2) on the open editor{}: resizeView asked for {asked:?}; \
             getSize {}, editor window {}, host window {}",
            scaled.err().map(|e| format!(" ({e})")).unwrap_or_default(),
            show_size(size),
            show_size(editor),
            show_size(window)
        ),
    );
    follow_view_size(rig);
    match (rig.grab(), reference) {
        (Ok(double), Some(reference)) => {
            check_scaled_layout(report, &reference, &double);
        }
        (Err(e), _) => {
            report.check(false, format!("grab at scale 2: {e}"));
        }
        (_, None) => {
            report.check(false, "grab at scale 1 before scaling");
        }
    }
    let back = rig.set_scale(1.0);
    rig.pump(1.0, &[]);
    follow_view_size(rig);
    let size = rig.size();
    let editor = rig.editor_window().and_then(|c| x.size(c));
    report.check(
        back.is_ok() && size == Some(at_1) && editor == Some(at_1),
        format!(
            "back at scale 1: getSize {}, editor window {}",
            show_size(size),
            show_size(editor)
        ),
    );
}

/// If the view changed its size without asking, follows it as a lenient host would, and says
/// so.
fn follow_view_size(rig: &mut Rig) {
    if let Some(followed) = rig.follow_view_size() {
        println!(
            "note: the view changed its size without resizeView; the host resized its window \
             to the {followed} getSize reports and called onSize itself, as a lenient host would"
        );
    }
}

/// Resizing from the host: `canResize`, `checkSizeConstraint`, the window resized and
/// `onSize`.
fn check_resize(report: &mut Report, rig: &mut Rig, at_1: Size) {
    let x = Arc::clone(&rig.x);
    let Ok(view) = rig.view().cloned() else {
        report.check(false, "a view to resize");
        return;
    };
    let wanted = Size::new(at_1.width + 120, at_1.height + 80);
    // SAFETY: plain calls on the live view; each rectangle is valid for its call.
    let (can, small, small_answer, same, same_answer) = unsafe {
        let can = view.canResize();
        let mut small = rect(Size::new(100, 100));
        let small_answer = view.checkSizeConstraint(&mut small);
        let mut same = rect(wanted);
        let same_answer = view.checkSizeConstraint(&mut same);
        (can, small, small_answer, same, same_answer)
    };
    report.check(can == kResultOk, "canResize");
    let adjusted = rect_size(&small);
    report.check(
        small_answer == kResultOk && adjusted.is_some_and(|s| s.at_least(MIN_SIZE)),
        format!(
            "checkSizeConstraint 100x100 gives at least the minimum: {}",
            show_size(adjusted)
        ),
    );
    report.check(
        same_answer == kResultOk && rect_size(&same) == Some(wanted),
        format!(
            "checkSizeConstraint {wanted} leaves it as it is: {}",
            show_size(rect_size(&same))
        ),
    );
    if let Some(window) = rig.window {
        x.resize(window, wanted);
    }
    let mut r = rect(wanted);
    // SAFETY: a plain call on the live view; `r` is valid for the call.
    let sized = unsafe { view.onSize(&mut r) };
    rig.pump(1.0, &[]);
    let reported = rig.size();
    let editor = rig.editor_window().and_then(|c| x.size(c));
    report.check(
        sized == kResultOk && reported == Some(wanted) && editor == Some(wanted),
        format!(
            "host window resized to {wanted} and onSize: getSize {}, editor window {}",
            show_size(reported),
            show_size(editor)
        ),
    );
    check_fills_added(report, rig.grab(), at_1);
}

/// The user drags the editor's own resize corner: the editor asks the host with `resizeView`
/// from a task on the host's run loop, and the host window, the editor's window and `getSize`
/// agree on the new size.
fn check_drag_resize(report: &mut Report, rig: &mut Rig) {
    let x = Arc::clone(&rig.x);
    let before = rig.size();
    let resizes_before = rig.frame.resizes().len();
    let fd_before = rig.frame.counts().fd_callbacks;
    let dragged = rig.drag_corner(-100, -60);
    let asked: Vec<(Size, i32)> = rig.frame.resizes()[resizes_before..].to_vec();
    let fd_calls = rig.frame.counts().fd_callbacks - fd_before;
    let size = rig.size();
    let editor = rig.editor_window().and_then(|c| x.size(c));
    let window = rig.window.and_then(|w| x.size(w));
    let moved = before.zip(size).is_some_and(|(b, s)| b != s);
    report.check(
        dragged.is_ok()
            && moved
            && fd_calls > 0
            && asked
                .last()
                .is_some_and(|&(s, answer)| Some(s) == size && answer == kResultOk)
            && editor == size
            && window == size,
        format!(
            "dragging the editor's resize corner by -100,-60{}: {fd_calls} onFDIsSet calls, \
             {} resizeView requests, the last for {}; getSize {} (was {}), editor window {}, \
             host window {}",
            dragged.err().map(|e| format!(" ({e})")).unwrap_or_default(),
            asked.len(),
            asked
                .last()
                .map_or("none".into(), |(s, a)| format!("{s} (onSize {a})")),
            show_size(size),
            show_size(before),
            show_size(editor),
            show_size(window)
        ),
    );
}

/// Prints what the plugin registered with the run loop and unregistered again.
fn note_run_loop(rig: &Rig, when: &str) {
    let c = rig.frame.counts();
    let (handlers, timers) = rig.frame.registered();
    println!(
        "note: run loop {when}: {} event handlers registered, {} unregistered, {handlers} still \
         registered; {} timers registered, {} unregistered, {timers} still registered; {} \
         onFDIsSet and {} onTimer calls",
        c.handlers_registered,
        c.handlers_unregistered,
        c.timers_registered,
        c.timers_unregistered,
        c.fd_callbacks,
        c.timer_callbacks
    );
}

/// The plugin called the component handler, the frame and the run loop on the main thread
/// only.
fn check_threads(report: &mut Report, rig: &Rig) {
    let calls = rig.instance.handler.calls();
    println!("note: component handler calls: {calls:?}");
    let handler = rig.instance.handler.off_main();
    let frame = rig.frame.off_main();
    report.check(
        handler.is_empty() && frame.is_empty(),
        format!(
            "the plugin called the component handler, frame and run loop on the main thread \
             only (off it: handler {handler:?}, frame {frame:?})"
        ),
    );
}

/// Open and close cycles, then terminating the plugin with its editor open.
pub(crate) fn check_cycles(
    report: &mut Report,
    x: &Arc<X>,
    module: &Module,
    host: &ComWrapper<HostContext>,
) {
    let Some(mut rig) = report.require(Rig::new(x, module, host), "a plugin instance") else {
        return;
    };
    if report.require(rig.start(), "activate").is_none() {
        return;
    }
    for cycle in 1..=3 {
        let opened = rig.open().map(|_| ());
        rig.pump(0.8, &[]);
        let drawn = rig.grab().map(|i| i.distinct_colours());
        let closed = rig.close().and_then(|left| match left {
            0 => Ok(()),
            n => Err(format!("but {n} windows stayed in the host window")),
        });
        check_cycle(report, cycle, opened, drawn, closed);
    }
    note_run_loop(&rig, "after three cycles");

    // Terminating the plugin with its editor attached and shown.
    let reopened = rig.open();
    rig.pump(0.8, &[]);
    let was = rig.window.map(|w| x.children(w).len());
    let window = rig.destroy_with_editor_open();
    check_gone_with_plugin(
        report,
        x,
        "terminating the plugin",
        reopened.is_ok(),
        was,
        window,
    );
}
