//! The checks: scale, drawing, automation and resizing; the persisted size; open and close
//! cycles.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chameleon_clap_host::params::{find, param_value, Param};
use chameleon_clap_host::report::Report;
use chameleon_clap_host::state::{load_state, save_state};
use clack_extensions::gui::GuiSize;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

use crate::image::Region;
use crate::rig::Rig;
use crate::x_server::X;
use crate::{HEADER_H, MIN_SIZE, X11_EMBEDDED};

pub(crate) fn same(a: Option<GuiSize>, b: GuiSize) -> bool {
    a.is_some_and(|a| a.width == b.width && a.height == b.height)
}

pub(crate) fn show_size(s: Option<GuiSize>) -> String {
    s.map_or("none".into(), |s| format!("{}x{}", s.width, s.height))
}

/// The first instance: scale, drawing, automation, resizing. Returns the saved state and the
/// size it holds.
pub(crate) fn check_editor(
    report: &mut Report,
    x: &X,
    entry: &PluginEntry,
    params: &[Param],
    screenshot: Option<&str>,
) -> Option<(Vec<u8>, GuiSize)> {
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
        scaled_down && at_1.is_some_and(|s| s.width >= MIN_SIZE.0 && s.height >= MIN_SIZE.1),
        format!(
            "get_size at scale 1: {} (at least the {}x{} minimum)",
            show_size(at_1),
            MIN_SIZE.0,
            MIN_SIZE.1
        ),
    );
    let at_1 = at_1?;
    let doubled = GuiSize {
        width: 2 * at_1.width,
        height: 2 * at_1.height,
    };
    report.check(
        same(Some(at_2), doubled),
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
    let child = rig.editor_window();
    report.check(
        child.is_some_and(|c| same(x.size(c), at_1)),
        format!(
            "the editor's window sits in the host window at {}",
            show_size(child.and_then(|c| x.size(c)))
        ),
    );
    let first = match rig.grab() {
        Ok(i) => i,
        Err(e) => {
            report.check(false, format!("grab the editor's pixels: {e}"));
            return None;
        }
    };
    let colours = first.distinct_colours();
    let dominant = first.dominant_share();
    report.check(
        colours >= 1000 && dominant < 0.7,
        format!(
            "the editor drew: {colours} distinct colours, the commonest covers {:.0}%",
            100.0 * dominant
        ),
    );
    if let Some(path) = screenshot {
        report.check(
            first.save_png(path).is_ok(),
            format!("screenshot saved to {path}"),
        );
    }

    // Host automation moves the Morph knob. The Morph card is the left third of the body,
    // between the header and about the middle of the window.
    let morph = find(params, "Morph");
    let card = Region {
        x0: 0,
        y0: HEADER_H,
        x1: at_1.width / 3,
        y1: at_1.height / 2,
    };
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
    report.check(
        moved >= 200 && idle * 10 <= moved,
        format!(
            "host automation moved the Morph control: {moved} pixels of its card changed \
             ({idle} changed there in 0.5 s without automation)"
        ),
    );

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
        rescaled && same(size, doubled) && same(grown, doubled),
        format!(
            "set_scale(2) on the open editor: get_size {}, window {}",
            show_size(size),
            show_size(grown)
        ),
    );
    match rig.grab() {
        Ok(double) => {
            // The header and the top of the cards (no meters, no live view). Were the layout
            // drawn at scale 1 in the bigger window, its top left would match instead.
            let rows = at_1.height / 3;
            let scaled = first.diff_from_shrunk(&double, rows, 2);
            let unscaled = first.diff_from_shrunk(&double, rows, 1);
            report.check(
                scaled < 6.0 && scaled * 3.0 < unscaled,
                format!(
                    "at scale 2 the same layout is drawn at twice the pixels: the top {rows} \
                     rows at scale 1 differ from the scale-2 image shrunk by two by {scaled:.2} \
                     of 255 on average, from its unshrunk top left by {unscaled:.2}"
                ),
            );
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
        back && same(rig.size(), at_1),
        format!("back at scale 1: get_size {}", show_size(rig.size())),
    );

    // Resizing from the host.
    let h = rig.instance.plugin_handle();
    report.check(rig.gui.can_resize(&h), "can_resize");
    let wanted = GuiSize {
        width: at_1.width + 120,
        height: at_1.height + 80,
    };
    let set = rig.gui.set_size(&h, wanted).is_ok();
    if let Some(parent) = rig.parent {
        x.resize(parent, wanted);
    }
    rig.pump(1.0, &[]);
    let window = rig.editor_window().and_then(|c| x.size(c));
    let reported = rig.size();
    report.check(
        set && same(reported, wanted) && same(window, wanted),
        format!(
            "set_size {}: get_size {}, window {}",
            show_size(Some(wanted)),
            show_size(reported),
            show_size(window)
        ),
    );
    let too_small = GuiSize {
        width: 100,
        height: 100,
    };
    let adjusted = rig
        .gui
        .adjust_size(&rig.instance.plugin_handle(), too_small);
    report.check(
        adjusted.is_some_and(|s| s.width >= MIN_SIZE.0 && s.height >= MIN_SIZE.1),
        format!(
            "adjust_size 100x100 gives at least the minimum: {}",
            show_size(adjusted)
        ),
    );
    match rig.grab() {
        Ok(img) => {
            // The strip the resize added on the right: the cards reach into it.
            let strip = Region {
                x0: at_1.width,
                y0: HEADER_H,
                x1: wanted.width - 4,
                y1: wanted.height - 4,
            };
            let mut seen = HashSet::new();
            for y in strip.y0..strip.y1 {
                for x in strip.x0..strip.x1 {
                    seen.insert(img.pixel(x, y));
                }
            }
            report.check(
                seen.len() >= 3 && !seen.contains(&[255, 0, 255]),
                format!(
                    "the editor fills the added area ({} colours there, none the host's \
                     magenta)",
                    seen.len()
                ),
            );
        }
        Err(e) => {
            report.check(false, format!("grab after resizing: {e}"));
        }
    }
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
    saved: GuiSize,
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
    let doubled = GuiSize {
        width: 2 * saved.width,
        height: 2 * saved.height,
    };
    report.check(
        scaled && same(size, saved) && same(Some(at_2), doubled),
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
        .filter(|r| !same(Some(**r), saved))
        .map(|r| show_size(Some(*r)))
        .collect();
    report.check(
        same(window, saved) && same(rig.size(), saved) && other.is_empty(),
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
    let mut rig = match Rig::new(x, entry) {
        Ok(r) => r,
        Err(e) => {
            report.check(false, e);
            return;
        }
    };
    if let Err(e) = rig.start() {
        report.check(false, format!("activate: {e}"));
        return;
    }
    for cycle in 1..=3 {
        let opened = rig.create(1.0).and_then(|size| rig.embed(size));
        rig.pump(0.8, &[]);
        let drawn = rig.grab().map(|i| i.distinct_colours());
        let closed = rig.close();
        report.check(
            opened.is_ok() && closed.is_ok() && drawn.as_ref().is_ok_and(|&n| n >= 1000),
            format!(
                "open/close cycle {cycle}: {} distinct colours drawn, closed {}",
                drawn.map_or_else(|e| e, |n| n.to_string()),
                match closed {
                    Ok(()) => "cleanly".to_owned(),
                    Err(e) => e,
                }
            ),
        );
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
    let end = Instant::now() + Duration::from_millis(500);
    while Instant::now() < end {
        x.drain();
        std::thread::sleep(Duration::from_millis(10));
    }
    let left = parent.map(|p| x.children(p).len());
    report.check(
        reopened.is_ok() && was == Some(1) && left == Some(0),
        format!(
            "destroying the plugin with its editor open: no crash, its window is gone \
             ({was:?} before, {left:?} after)"
        ),
    );
    if let Some(parent) = parent {
        x.destroy(parent);
    }
}
