//! Chameleon's editor as a host sees it: its layout constants, and the judgements the CLAP and
//! VST3 editor checks both make on its pixels.

use crate::image::{show_size, Image, Region, Size};
use crate::report::Report;
use crate::x_server::X;

/// The editor's smallest size, in logical pixels (`MIN_SIZE` in `plugin/src/editor/mod.rs`).
pub const MIN_SIZE: Size = Size::new(820, 560);
/// The height of the editor's header bar, in logical pixels (`HEADER_H` there).
pub const HEADER_H: u32 = 52;
/// The fewest distinct colours a drawn editor shows (text, gradients, the live view).
pub const MIN_COLOURS: usize = 1000;
/// The fewest pixels of the Morph card a Morph change redraws.
const MIN_MOVED: usize = 200;

/// The Morph card in an editor of `size` (at scale 1): the left third of the body, between the
/// header and about the middle of the window.
pub fn morph_card(size: Size) -> Region {
    Region {
        x0: 0,
        y0: HEADER_H,
        x1: size.width / 3,
        y1: size.height / 2,
    }
}

/// The editor drew: many distinct colours, no colour covering most of the window.
pub fn check_drawn(report: &mut Report, image: &Image) -> bool {
    let colours = image.distinct_colours();
    let dominant = image.dominant_share();
    report.check(
        colours >= MIN_COLOURS && dominant < 0.7,
        format!(
            "the editor drew: {colours} distinct colours, the commonest covers {:.0}%",
            100.0 * dominant
        ),
    )
}

/// The editor just opened at `size`: its window (`editor`, the one inside the host window) has
/// that size, and it drew. Saves the grab to `screenshot` if given, and returns it.
pub fn check_opened(
    report: &mut Report,
    x: &X,
    editor: Option<u32>,
    size: Size,
    screenshot: Option<&str>,
) -> Option<Image> {
    let actual = editor.and_then(|c| x.size(c));
    report.check(
        actual == Some(size),
        format!(
            "the editor's window sits in the host window at {}",
            show_size(actual)
        ),
    );
    let grabbed = editor
        .ok_or_else(|| "no editor window in the host window".to_owned())
        .and_then(|w| x.grab(w));
    let image = match grabbed {
        Ok(i) => i,
        Err(e) => {
            report.check(false, format!("grab the editor's pixels: {e}"));
            return None;
        }
    };
    check_drawn(report, &image);
    if let Some(path) = screenshot {
        report.check(
            image.save_png(path).is_ok(),
            format!("screenshot saved to {path}"),
        );
    }
    Some(image)
}

/// A Morph change sent by `how` redrew the Morph card (`moved` pixels changed), and two grabs
/// without a change were equal there (`idle` pixels changed).
pub fn check_morph_redrawn(report: &mut Report, how: &str, idle: usize, moved: usize) -> bool {
    report.check(
        moved >= MIN_MOVED && moved != usize::MAX && idle == 0,
        format!(
            "{how} moved the Morph control: {moved} pixels of its card changed ({idle} changed \
             there between two grabs 0.5 s apart without a change)"
        ),
    )
}

/// At scale 2 the same layout is drawn at twice the pixels: the header and the top of the
/// cards (no meters, no live view) at scale 1 match the scale-2 image shrunk by two. Were the
/// layout drawn at scale 1 in the bigger window, its unshrunk top left would match instead.
pub fn check_scaled_layout(report: &mut Report, at_1: &Image, at_2: &Image) -> bool {
    let rows = at_1.height / 3;
    let scaled = at_1.diff_from_shrunk(at_2, rows, 2);
    let unscaled = at_1.diff_from_shrunk(at_2, rows, 1);
    report.check(
        scaled < 6.0 && scaled * 3.0 < unscaled,
        format!(
            "at scale 2 the same layout is drawn at twice the pixels: the top {rows} rows at \
             scale 1 differ from the scale-2 image shrunk by two by {scaled:.2} of 255 on \
             average, from its unshrunk top left by {unscaled:.2}"
        ),
    )
}

/// After a resize from `before` to the size of the `grabbed` image, the editor fills the strip
/// the resize added on the right: the cards reach into it, and the host window's magenta shows
/// nowhere.
pub fn check_fills_added(
    report: &mut Report,
    grabbed: Result<Image, String>,
    before: Size,
) -> bool {
    let image = match grabbed {
        Ok(i) => i,
        Err(e) => return report.check(false, format!("grab after resizing: {e}")),
    };
    let strip = Region {
        x0: before.width,
        y0: HEADER_H,
        x1: image.width.saturating_sub(4),
        y1: image.height.saturating_sub(4),
    };
    let seen = image.colours_in(strip);
    report.check(
        seen.len() >= 3 && !seen.contains(&[255, 0, 255]),
        format!(
            "the editor fills the added area ({} colours there, none the host's magenta)",
            seen.len()
        ),
    )
}

/// One open and close cycle: it opened, drew (`drawn` distinct colours) and closed.
pub fn check_cycle(
    report: &mut Report,
    cycle: usize,
    opened: Result<(), String>,
    drawn: Result<usize, String>,
    closed: Result<(), String>,
) -> bool {
    report.check(
        opened.is_ok() && closed.is_ok() && drawn.as_ref().is_ok_and(|&n| n >= MIN_COLOURS),
        format!(
            "open/close cycle {cycle}: {}, {} distinct colours drawn, closed {}",
            match opened {
                Ok(()) => "opened".to_owned(),
                Err(e) => format!("opening failed ({e})"),
            },
            drawn.map_or_else(|e| e, |n| n.to_string()),
            match closed {
                Ok(()) => "cleanly".to_owned(),
                Err(e) => e,
            }
        ),
    )
}

/// The plugin was destroyed (`how`) with its editor open in the host's `window`, which held `was`
/// windows just before: half a second later no window is left in it. Destroys the host window.
pub fn check_gone_with_plugin(
    report: &mut Report,
    x: &X,
    how: &str,
    opened: bool,
    was: Option<usize>,
    window: Option<u32>,
) -> bool {
    x.drain_for(0.5);
    let left = window.map(|w| x.children(w).len());
    let ok = report.check(
        opened && was == Some(1) && left == Some(0),
        format!(
            "{how} with its editor open: no crash, its window is gone ({was:?} before, \
             {left:?} after)"
        ),
    );
    if let Some(window) = window {
        x.destroy(window);
    }
    ok
}
