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

use std::collections::{HashMap, HashSet};
use std::ffi::c_ulong;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chameleon_clap_host::host::{Instance, Session};
use chameleon_clap_host::params::{find, list_params, param_value, Param};
use chameleon_clap_host::report::Report;
use chameleon_clap_host::state::{load_state, save_state};
use chameleon_clap_host::PLUGIN_ID;
use clack_extensions::gui::{GuiApiType, GuiConfiguration, GuiSize, PluginGui, Window};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, EventMask, ImageFormat, ImageOrder,
    WindowClass,
};
use x11rb::rust_connection::RustConnection;

/// The host's sample rate, in Hz.
const RATE: f64 = 48_000.0;
/// The host's block size, in samples.
const BLOCK: usize = 256;
/// The editor's smallest size, in logical pixels (`MIN_SIZE` in `plugin/src/editor/mod.rs`).
const MIN_SIZE: (u32, u32) = (820, 560);
/// The height of the editor's header bar, in logical pixels (`HEADER_H` there).
const HEADER_H: u32 = 52;
/// Embedded X11, the only API a Linux DAW asks for.
const X11_EMBEDDED: GuiConfiguration<'static> = GuiConfiguration {
    api_type: GuiApiType::X11,
    is_floating: false,
};

/// The X server connection, as the host's window system.
struct X {
    conn: RustConnection,
    root: u32,
    /// Bits per pixel of each depth's images.
    bits_per_pixel: HashMap<u8, u8>,
}

impl X {
    fn connect() -> Result<Self, String> {
        let (conn, screen) = x11rb::connect(None).map_err(|e| e.to_string())?;
        let setup = conn.setup();
        let root = setup.roots[screen].root;
        let bits_per_pixel = setup
            .pixmap_formats
            .iter()
            .map(|f| (f.depth, f.bits_per_pixel))
            .collect();
        if setup.image_byte_order != ImageOrder::LSB_FIRST {
            return Err("the X server's images are not little-endian".into());
        }
        Ok(Self {
            conn,
            root,
            bits_per_pixel,
        })
    }

    /// A mapped top-level window of `size` at the screen's corner, as a host's plugin window.
    fn create_window(&self, size: GuiSize) -> Result<u32, String> {
        let id = self.conn.generate_id().map_err(|e| e.to_string())?;
        let aux = CreateWindowAux::new()
            // Magenta: wherever the editor does not draw, it shows.
            .background_pixel(0x00ff_00ff)
            .event_mask(EventMask::STRUCTURE_NOTIFY);
        self.conn
            .create_window(
                x11rb::COPY_DEPTH_FROM_PARENT,
                id,
                self.root,
                0,
                0,
                size.width as u16,
                size.height as u16,
                0,
                WindowClass::INPUT_OUTPUT,
                x11rb::COPY_FROM_PARENT,
                &aux,
            )
            .map_err(|e| e.to_string())?
            .check()
            .map_err(|e| e.to_string())?;
        self.conn
            .map_window(id)
            .map_err(|e| e.to_string())?
            .check()
            .map_err(|e| e.to_string())?;
        Ok(id)
    }

    fn resize(&self, window: u32, size: GuiSize) {
        let aux = ConfigureWindowAux::new()
            .width(size.width)
            .height(size.height);
        if let Ok(cookie) = self.conn.configure_window(window, &aux) {
            let _ = cookie.check();
        }
    }

    fn destroy(&self, window: u32) {
        if let Ok(cookie) = self.conn.destroy_window(window) {
            let _ = cookie.check();
        }
    }

    /// The windows inside `window`.
    fn children(&self, window: u32) -> Vec<u32> {
        self.conn
            .query_tree(window)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| r.children)
            .unwrap_or_default()
    }

    /// The window's size in pixels.
    fn size(&self, window: u32) -> Option<GuiSize> {
        let g = self.conn.get_geometry(window).ok()?.reply().ok()?;
        Some(GuiSize {
            width: u32::from(g.width),
            height: u32::from(g.height),
        })
    }

    /// The window's pixels.
    fn grab(&self, window: u32) -> Result<Image, String> {
        let size = self.size(window).ok_or("no such window")?;
        let reply = self
            .conn
            .get_image(
                ImageFormat::Z_PIXMAP,
                window,
                0,
                0,
                size.width as u16,
                size.height as u16,
                !0,
            )
            .map_err(|e| e.to_string())?
            .reply()
            .map_err(|e| format!("GetImage: {e}"))?;
        let bpp = self.bits_per_pixel.get(&reply.depth).copied();
        if !matches!(reply.depth, 24 | 32) || bpp != Some(32) {
            return Err(format!(
                "depth {} at {bpp:?} bits per pixel is not 8-bit RGB",
                reply.depth
            ));
        }
        let rgb: Vec<[u8; 3]> = reply
            .data
            .chunks_exact(4)
            .map(|p| [p[2], p[1], p[0]])
            .collect();
        if rgb.len() != (size.width * size.height) as usize {
            return Err(format!("{} pixels for {size:?}", rgb.len()));
        }
        Ok(Image {
            width: size.width,
            height: size.height,
            rgb,
        })
    }

    /// Reads and drops the events the host window gets (it only needs them read).
    fn drain(&self) {
        let _ = self.conn.flush();
        while let Ok(Some(_)) = self.conn.poll_for_event() {}
    }
}

/// An RGB image.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<[u8; 3]>,
}

/// A rectangle of pixels, `x0..x1` by `y0..y1`.
#[derive(Debug, Clone, Copy)]
struct Region {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Image {
    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        self.rgb[(y * self.width + x) as usize]
    }

    fn distinct_colours(&self) -> usize {
        self.rgb.iter().collect::<HashSet<_>>().len()
    }

    /// The share of pixels that have the most common colour.
    fn dominant_share(&self) -> f64 {
        let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
        for p in &self.rgb {
            *counts.entry(*p).or_default() += 1;
        }
        counts.values().max().copied().unwrap_or(0) as f64 / self.rgb.len().max(1) as f64
    }

    /// How many pixels of `region` differ between `self` and `other` (same size).
    fn changed(&self, other: &Image, region: Region) -> usize {
        if (self.width, self.height) != (other.width, other.height) {
            return usize::MAX;
        }
        let mut n = 0;
        for y in region.y0..region.y1.min(self.height) {
            for x in region.x0..region.x1.min(self.width) {
                n += usize::from(self.pixel(x, y) != other.pixel(x, y));
            }
        }
        n
    }

    /// The mean absolute difference per channel (0 to 255) between the top `rows` rows of
    /// `self` and of `other` shrunk by `k` (each pixel the mean of a `k`×`k` block).
    fn diff_from_shrunk(&self, other: &Image, rows: u32, k: u32) -> f64 {
        let w = self.width.min(other.width / k);
        let h = rows.min(self.height).min(other.height / k);
        let mut sum = 0.0;
        for y in 0..h {
            for x in 0..w {
                let a = self.pixel(x, y);
                for (c, &value) in a.iter().enumerate() {
                    let mut b = 0.0;
                    for dy in 0..k {
                        for dx in 0..k {
                            b += f64::from(other.pixel(k * x + dx, k * y + dy)[c]);
                        }
                    }
                    sum += (f64::from(value) - b / f64::from(k * k)).abs();
                }
            }
        }
        sum / f64::from(3 * w * h).max(1.0)
    }

    fn save_png(&self, path: &str) -> Result<(), String> {
        let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(self.rgb.as_flattened())
            .map_err(|e| e.to_string())
    }
}

/// A plugin instance, processing, with its GUI extension and (while open) the host's window.
struct Rig<'x> {
    x: &'x X,
    instance: Instance,
    session: Option<Session>,
    gui: PluginGui,
    parent: Option<u32>,
    /// Whether the GUI is created (and not yet destroyed).
    created: bool,
    /// Samples of the test signal played so far.
    clock: u64,
    /// Resize requests the plugin made, in the window's pixels.
    resize_requests: Vec<GuiSize>,
}

impl<'x> Rig<'x> {
    fn new(x: &'x X, entry: &PluginEntry) -> Result<Self, String> {
        let mut instance = Instance::new(entry, PLUGIN_ID)?;
        let gui = instance
            .plugin_handle()
            .get_extension::<PluginGui>()
            .ok_or("the plugin has no gui extension")?;
        Ok(Self {
            x,
            instance,
            session: None,
            gui,
            parent: None,
            created: false,
            clock: 0,
            resize_requests: Vec::new(),
        })
    }

    fn start(&mut self) -> Result<(), String> {
        self.session = Some(Session::start(&mut self.instance, RATE, BLOCK as u32, 2)?);
        Ok(())
    }

    fn stop(&mut self) {
        if let Some(session) = self.session.take() {
            session.stop(&mut self.instance);
        }
    }

    fn create(&mut self, scale: f64) -> Result<GuiSize, String> {
        let h = self.instance.plugin_handle();
        self.gui
            .create(&h, X11_EMBEDDED)
            .map_err(|e| format!("create: {e}"))?;
        self.created = true;
        self.gui
            .set_scale(&h, scale)
            .map_err(|e| format!("set_scale({scale}): {e}"))?;
        self.gui.get_size(&h).ok_or_else(|| "get_size".into())
    }

    fn size(&mut self) -> Option<GuiSize> {
        self.gui.get_size(&self.instance.plugin_handle())
    }

    /// Embeds the created GUI in a new host window of `size` and shows it.
    fn embed(&mut self, size: GuiSize) -> Result<(), String> {
        let parent = self.x.create_window(size)?;
        self.parent = Some(parent);
        let h = self.instance.plugin_handle();
        // SAFETY: the rig destroys the window only after the GUI (`close`, `Drop`), and
        // `destroy_plugin` hands it over to be destroyed after the plugin.
        unsafe {
            self.gui
                .set_parent(&h, Window::from_x11_handle(parent as c_ulong))
        }
        .map_err(|e| format!("set_parent: {e}"))?;
        self.gui.show(&h).map_err(|e| format!("show: {e}"))
    }

    /// Hides and destroys the GUI, then the host window.
    fn close(&mut self) -> Result<(), String> {
        let h = self.instance.plugin_handle();
        let hidden = self.gui.hide(&h).map_err(|e| format!("hide: {e}"));
        self.gui.destroy(&h);
        self.created = false;
        self.pump(0.2, &[]);
        if let Some(parent) = self.parent.take() {
            self.x.destroy(parent);
        }
        hidden
    }

    /// Stops processing and destroys the plugin as it is, its GUI open or not. Returns the host
    /// window, which the caller destroys.
    fn destroy_plugin(mut self) -> Option<u32> {
        self.stop();
        // `self` is dropped at the end of this call, and with it the plugin instance; `Drop`
        // leaves the GUI and the host window alone.
        self.created = false;
        self.parent.take()
    }

    /// The editor's own window inside the host window.
    fn editor_window(&self) -> Option<u32> {
        let children = self.x.children(self.parent?);
        (children.len() == 1).then(|| children[0])
    }

    fn grab(&self) -> Result<Image, String> {
        self.x.grab(
            self.editor_window()
                .ok_or("no editor window in the host window")?,
        )
    }

    /// Runs the host's main loop for `seconds`: the plugin's main-thread callbacks, its gui
    /// requests, X events, and one block of audio per turn (`events` go with the first).
    fn pump(&mut self, seconds: f64, events: &[ParamValueEvent]) {
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let mut events = events;
        while Instant::now() < end {
            self.instance.poll_main_thread();
            let requests = self.instance.take_gui_requests();
            if let Some(size) = requests.resize {
                self.resize_requests.push(size);
                if let Some(parent) = self.parent {
                    self.x.resize(parent, size);
                }
            }
            if let Some(session) = self.session.as_mut() {
                let input = test_signal(self.clock, BLOCK);
                self.clock += BLOCK as u64;
                let out = session.process(&[&input, &input], events);
                events = &[];
                debug_assert_eq!(out[0].len(), BLOCK);
            }
            self.x.drain();
            std::thread::sleep(Duration::from_millis(4));
        }
    }
}

impl Drop for Rig<'_> {
    fn drop(&mut self) {
        self.stop();
        if self.created {
            self.gui.destroy(&self.instance.plugin_handle());
        }
        if let Some(parent) = self.parent.take() {
            self.x.destroy(parent);
        }
    }
}

/// A chord with a slow vibrato and a little noise, at about -12 dBFS: something for the live
/// view to show.
fn test_signal(start: u64, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| {
            let t = (start + i as u64) as f64 / RATE;
            let vibrato = 1.0 + 0.01 * (2.0 * std::f64::consts::PI * 5.0 * t).sin();
            let tone: f64 = [(220.0, 0.12), (330.0, 0.08), (550.0, 0.05), (1320.0, 0.03)]
                .iter()
                .map(|&(f, a)| a * (2.0 * std::f64::consts::PI * f * vibrato * t).sin())
                .sum();
            // A cheap hash of the sample index as noise.
            let k = (start + i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let noise = ((k >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.02;
            (tone + noise) as f32
        })
        .collect()
}

fn same(a: Option<GuiSize>, b: GuiSize) -> bool {
    a.is_some_and(|a| a.width == b.width && a.height == b.height)
}

fn show_size(s: Option<GuiSize>) -> String {
    s.map_or("none".into(), |s| format!("{}x{}", s.width, s.height))
}

/// The first instance: scale, drawing, automation, resizing. Returns the saved state and the
/// size it holds.
fn check_editor(
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
fn check_persisted_size(
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
fn check_cycles(report: &mut Report, x: &X, entry: &PluginEntry) {
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

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut screenshot = None;
    while let Some(arg) = args.next() {
        if arg == "--screenshot" {
            screenshot = args.next();
        } else {
            path = Some(arg);
        }
    }
    let Some(path) = path else {
        eprintln!("usage: gui PATH.clap [--screenshot OUT.png]");
        return ExitCode::from(2);
    };
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
