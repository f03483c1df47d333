//! The checks: scale, drawing, automation and resizing; the persisted size; open and close
//! cycles.

use chameleon_clap_host::params::{find, param_value, Param};
use chameleon_clap_host::state::{load_state, save_state};
use chameleon_host_check::editor::{
    check_cycle, check_fills_added, check_gone_with_plugin, check_morph_redrawn, check_opened,
    check_scaled_layout, morph_card, MIN_SIZE,
};
use chameleon_host_check::image::{show_size, Size};
use chameleon_host_check::report::Report;
use chameleon_host_check::x_server::X;
use clack_extensions::gui::GuiSize;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

use crate::rig::Rig;
use crate::X11_EMBEDDED;

/// The size as the gui extension takes it.
fn gui_size(s: Size) -> GuiSize {
    GuiSize {
        width: s.width,
        height: s.height,
    }
}

/// The first instance: scale, drawing, automation, resizing. Returns the saved state and the
/// size it holds.
pub(crate) fn check_editor(
    report: &mut Report,
    x: &X,
    entry: &PluginEntry,
    params: &[Param],
    screenshot: Option<&str>,
) -> Option<(Vec<u8>, Size)> {
    let mut rig = match Rig::new(x, entry) {
        Ok(r) => r,
        Err(e) => {
            report.check(false, e);
            return None;
        }
    };
    report.check(true, "the plugin has the gui extension");
    let h = rig.instance.plugin_handle();
    report.check(
        rig.gui.is_api_supported(&h, X11_EMBEDDED),
        "is_api_supported(x11, embedded)",
    );
    if let Err(e) = rig.start() {
        report.check(false, format!("activate: {e}"));
        return None;
    }

    // HiDPI: the size at scale 2 is twice the size at scale 1, each way.
    let at_2 = match rig.create(2.0) {
        Ok(s) => s,
        Err(e) => {
            report.check(false, e);
            return None;
        }
    };
    let h = rig.instance.plugin_handle();
    let scaled_down = rig.gui.set_scale(&h, 1.0).is_ok();
    let at_1 = rig.size();
    report.check(
        scaled_down && at_1.is_some_and(|s| s.at_least(MIN_SIZE)),
        format!(
            "get_size at scale 1: {} (at least the {MIN_SIZE} minimum)",
            show_size(at_1),
        ),
    );
    let at_1 = at_1?;
    let doubled = at_1.times(2);
    report.check(
        at_2 == doubled,
        format!(
            "get_size at scale 2: {} (twice {} each way)",
            show_size(Some(at_2)),
            show_size(Some(at_1))
        ),
    );

    // Open it in the host's window and let it draw while audio plays.
    if let Err(e) = rig.embed(at_1) {
        report.check(false, e);
        return None;
    }
    report.check(true, "set_parent and show in the host's X11 window");
    rig.pump(2.0, &[]);
    let first = check_opened(report, x, rig.editor_window(), at_1, screenshot)?;

    // Host automation moves the Morph knob.
    let morph = find(params, "Morph");
    let card = morph_card(at_1);
    let before = param_value(&mut rig.instance, morph.id).unwrap_or(f64::NAN);
    let target = if before < (morph.min + morph.max) / 2.0 {
        morph.min + 0.9 * (morph.max - morph.min)
    } else {
        morph.min + 0.1 * (morph.max - morph.min)
    };
    rig.pump(0.5, &[]);
    let still = rig.grab().ok();
    let idle = still
        .as_ref()
        .map_or(usize::MAX, |s| first.changed(s, card));
    let event = ParamValueEvent::new(0, morph.id, Pckn::match_all(), target);
    rig.pump(1.0, &[event]);
    let after = param_value(&mut rig.instance, morph.id).unwrap_or(f64::NAN);
    report.check(
        (after - target).abs() < 1e-6,
        format!(
            "the plugin reports Morph {after:.3} after the host sent {target:.3} (was {before:.3})"
        ),
    );
    let moved = match (rig.grab(), &still) {
        (Ok(now), Some(still)) => still.changed(&now, card),
        _ => 0,
    };
    check_morph_redrawn(report, "host automation (a process event)", idle, moved);

    // At scale 2 the same layout is drawn with twice the pixels.
    let h = rig.instance.plugin_handle();
    let rescaled = rig.gui.set_scale(&h, 2.0).is_ok();
    let size = rig.size();
    if let (Some(parent), Some(s)) = (rig.parent, size) {
        x.resize(parent, s);
    }
    rig.pump(1.5, &[]);
    let grown = rig.editor_window().and_then(|c| x.size(c));
    report.check(
        rescaled && size == Some(doubled) && grown == Some(doubled),
        format!(
            "set_scale(2) on the open editor: get_size {}, window {}",
            show_size(size),
            show_size(grown)
        ),
    );
    match rig.grab() {
        Ok(double) => {
            check_scaled_layout(report, &first, &double);
        }
        Err(e) => {
            report.check(false, format!("grab at scale 2: {e}"));
        }
    }
    let h = rig.instance.plugin_handle();
    let back = rig.gui.set_scale(&h, 1.0).is_ok();
    if let Some(parent) = rig.parent {
        x.resize(parent, at_1);
    }
    rig.pump(0.5, &[]);
    report.check(
        back && rig.size() == Some(at_1),
        format!("back at scale 1: get_size {}", show_size(rig.size())),
    );

    // Resizing from the host.
    let h = rig.instance.plugin_handle();
    report.check(rig.gui.can_resize(&h), "can_resize");
    let wanted = Size::new(at_1.width + 120, at_1.height + 80);
    let set = rig.gui.set_size(&h, gui_size(wanted)).is_ok();
    if let Some(parent) = rig.parent {
        x.resize(parent, wanted);
    }
    rig.pump(1.0, &[]);
    let window = rig.editor_window().and_then(|c| x.size(c));
    let reported = rig.size();
    report.check(
        set && reported == Some(wanted) && window == Some(wanted),
        format!(
            "set_size {}: get_size {}, window {}",
            show_size(Some(wanted)),
            show_size(reported),
            show_size(window)
        ),
    );
    let adjusted = rig
        .gui
        .adjust_size(&rig.instance.plugin_handle(), gui_size(Size::new(100, 100)))
        .map(|s| Size::new(s.width, s.height));
    report.check(
        adjusted.is_some_and(|s| s.at_least(MIN_SIZE)),
        format!(
            "adjust_size 100x100 gives at least the minimum: {}",
            show_size(adjusted)
        ),
    );
    check_fills_added(report, rig.grab(), at_1);
    let state = save_state(&mut rig.instance);
    report.check(state.is_some(), "state saves with the editor open");
    let closed = rig.close();
    report.check(
        closed.is_ok(),
        format!(
            "hide and destroy{}",
            closed.err().map(|e| format!(": {e}")).unwrap_or_default()
        ),
    );
    Some((state?, wanted))
}

/// A fresh instance given the saved state opens at the saved size.
pub(crate) fn check_persisted_size(
    report: &mut Report,
    x: &X,
    entry: &PluginEntry,
    state: &[u8],
    saved: Size,
) {
    let mut rig = match Rig::new(x, entry) {
        Ok(r) => r,
        Err(e) => {
            report.check(false, e);
            return;
        }
    };
    report.check(
        load_state(&mut rig.instance, state),
        "a fresh instance loads the state",
    );
    if let Err(e) = rig.start() {
        report.check(false, format!("activate: {e}"));
        return;
    }
    let at_2 = match rig.create(2.0) {
        Ok(s) => s,
        Err(e) => {
            report.check(false, e);
            return;
        }
    };
    let h = rig.instance.plugin_handle();
    let scaled = rig.gui.set_scale(&h, 1.0).is_ok();
    let size = rig.size();
    report.check(
        scaled && size == Some(saved) && at_2 == saved.times(2),
        format!(
            "its editor reports the saved size before opening: {} at scale 1, {} at scale 2 \
             (saved {})",
            show_size(size),
            show_size(Some(at_2)),
            show_size(Some(saved))
        ),
    );
    let Some(size) = size else { return };
    if let Err(e) = rig.embed(size) {
        report.check(false, e);
        return;
    }
    rig.pump(1.5, &[]);
    let window = rig.editor_window().and_then(|c| x.size(c));
    let other: Vec<String> = rig
        .resize_requests
        .iter()
        .filter(|r| **r != saved)
        .map(|r| r.to_string())
        .collect();
    report.check(
        window == Some(saved) && rig.size() == Some(saved) && other.is_empty(),
        format!(
            "it opens at the saved size: window {}, get_size {}, other sizes asked for {other:?}",
            show_size(window),
            show_size(rig.size())
        ),
    );
    let _ = rig.close();
}

/// Open and close cycles, then destroying the plugin with its editor open.
pub(crate) fn check_cycles(report: &mut Report, x: &X, entry: &PluginEntry) {
    let Some(mut rig) = report.require(Rig::new(x, entry), "a plugin instance") else {
        return;
    };
    if report.require(rig.start(), "activate").is_none() {
        return;
    }
    for cycle in 1..=3 {
        let opened = rig.create(1.0).and_then(|size| rig.embed(size));
        rig.pump(0.8, &[]);
        let drawn = rig.grab().map(|i| i.distinct_colours());
        let closed = rig.close();
        check_cycle(report, cycle, opened, drawn, closed);
    }

    // Destroy leaves the host window empty.
    let left = rig.create(1.0).and_then(|size| rig.embed(size));
    rig.pump(0.8, &[]);
    let before = rig.parent.map(|p| x.children(p).len());
    let h = rig.instance.plugin_handle();
    let _ = rig.gui.hide(&h);
    rig.gui.destroy(&h);
    rig.created = false;
    rig.pump(0.3, &[]);
    let after = rig.parent.map(|p| x.children(p).len());
    report.check(
        left.is_ok() && before == Some(1) && after == Some(0),
        format!("destroy removes the editor's window ({before:?} before, {after:?} after)"),
    );
    if let Some(parent) = rig.parent.take() {
        x.destroy(parent);
    }

    // Destroying the plugin with its editor open and shown.
    let reopened = rig.create(1.0).and_then(|size| rig.embed(size));
    rig.pump(0.8, &[]);
    let was = rig.parent.map(|p| x.children(p).len());
    let parent = rig.destroy_plugin();
    check_gone_with_plugin(
        report,
        x,
        "destroying the plugin",
        reopened.is_ok(),
        was,
        parent,
    );
}
