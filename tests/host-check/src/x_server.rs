//! The X server connection: the host's own windows, and reading an editor's pixels back.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    self, ConfigureWindowAux, ConnectionExt as _, CreateWindowAux, EventMask, ImageFormat,
    ImageOrder, WindowClass,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

use crate::image::{Image, Size};

/// The X server connection, as the host's window system.
pub struct X {
    conn: RustConnection,
    /// The screen's root window.
    root: u32,
    /// Bits per pixel of each depth's images.
    bits_per_pixel: HashMap<u8, u8>,
}

impl X {
    /// Connects to the X server named by `DISPLAY`; its images must be little-endian.
    pub fn connect() -> Result<Self, String> {
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
    pub fn create_window(&self, size: Size) -> Result<u32, String> {
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

    /// Resizes `window` to `size`.
    pub fn resize(&self, window: u32, size: Size) {
        let aux = ConfigureWindowAux::new()
            .width(size.width)
            .height(size.height);
        if let Ok(cookie) = self.conn.configure_window(window, &aux) {
            let _ = cookie.check();
        }
    }

    /// Destroys `window` (and the windows inside it).
    pub fn destroy(&self, window: u32) {
        if let Ok(cookie) = self.conn.destroy_window(window) {
            let _ = cookie.check();
        }
    }

    /// The windows inside `window`.
    pub fn children(&self, window: u32) -> Vec<u32> {
        self.conn
            .query_tree(window)
            .ok()
            .and_then(|c| c.reply().ok())
            .map(|r| r.children)
            .unwrap_or_default()
    }

    /// The one window inside `parent` (an editor's own window), if there is exactly one.
    pub fn only_child(&self, parent: u32) -> Option<u32> {
        let children = self.children(parent);
        (children.len() == 1).then(|| children[0])
    }

    /// The window's size in pixels.
    pub fn size(&self, window: u32) -> Option<Size> {
        let g = self.conn.get_geometry(window).ok()?.reply().ok()?;
        Some(Size::new(u32::from(g.width), u32::from(g.height)))
    }

    /// The window's pixels.
    pub fn grab(&self, window: u32) -> Result<Image, String> {
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

    /// Moves the pointer to `(x, y)` on the screen, as the user would (XTEST).
    pub fn move_pointer(&self, x: i16, y: i16) -> Result<(), String> {
        self.fake_input(xproto::MOTION_NOTIFY_EVENT, 0, x, y)
    }

    /// Presses or releases the left mouse button where the pointer is (XTEST).
    pub fn left_button(&self, pressed: bool) -> Result<(), String> {
        let kind = if pressed {
            xproto::BUTTON_PRESS_EVENT
        } else {
            xproto::BUTTON_RELEASE_EVENT
        };
        self.fake_input(kind, 1, 0, 0)
    }

    fn fake_input(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<(), String> {
        self.conn
            .xtest_fake_input(kind, detail, x11rb::CURRENT_TIME, self.root, x, y, 0)
            .map_err(|e| e.to_string())?
            .check()
            .map_err(|e| format!("XTEST: {e}"))
    }

    /// Reads and drops the events the host window gets (it only needs them read).
    pub fn drain(&self) {
        let _ = self.conn.flush();
        while let Ok(Some(_)) = self.conn.poll_for_event() {}
    }

    /// Reads the host window's events for `seconds`, and nothing else: time for an editor's
    /// own threads to act.
    pub fn drain_for(&self, seconds: f64) {
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < end {
            self.drain();
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
