//! One plugin instance with its GUI, processing audio in line, and the host window it is
//! embedded in.

use std::ffi::c_ulong;
use std::time::{Duration, Instant};

use chameleon_clap_host::host::{Instance, Session};
use chameleon_clap_host::PLUGIN_ID;
use clack_extensions::gui::{PluginGui, Window};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

use chameleon_host_check::image::{Image, Size};
use chameleon_host_check::signal::test_signal;
use chameleon_host_check::x_server::X;

use crate::{BLOCK, RATE, X11_EMBEDDED};

/// A plugin instance, processing, with its GUI extension and (while open) the host's window.
pub(crate) struct Rig<'x> {
    pub(crate) x: &'x X,
    pub(crate) instance: Instance,
    pub(crate) session: Option<Session>,
    pub(crate) gui: PluginGui,
    pub(crate) parent: Option<u32>,
    /// Whether the GUI is created (and not yet destroyed).
    pub(crate) created: bool,
    /// Samples of the test signal played so far.
    pub(crate) clock: u64,
    /// Resize requests the plugin made, in the window's pixels.
    pub(crate) resize_requests: Vec<Size>,
}

impl<'x> Rig<'x> {
    pub(crate) fn new(x: &'x X, entry: &PluginEntry) -> Result<Self, String> {
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

    pub(crate) fn start(&mut self) -> Result<(), String> {
        self.session = Some(Session::start(&mut self.instance, RATE, BLOCK as u32, 2)?);
        Ok(())
    }

    pub(crate) fn stop(&mut self) {
        if let Some(session) = self.session.take() {
            session.stop(&mut self.instance);
        }
    }

    pub(crate) fn create(&mut self, scale: f64) -> Result<Size, String> {
        let h = self.instance.plugin_handle();
        self.gui
            .create(&h, X11_EMBEDDED)
            .map_err(|e| format!("create: {e}"))?;
        self.created = true;
        self.gui
            .set_scale(&h, scale)
            .map_err(|e| format!("set_scale({scale}): {e}"))?;
        self.size().ok_or_else(|| "get_size".into())
    }

    pub(crate) fn size(&mut self) -> Option<Size> {
        self.gui
            .get_size(&self.instance.plugin_handle())
            .map(|s| Size::new(s.width, s.height))
    }

    /// Embeds the created GUI in a new host window of `size` and shows it.
    pub(crate) fn embed(&mut self, size: Size) -> Result<(), String> {
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
    pub(crate) fn close(&mut self) -> Result<(), String> {
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
    pub(crate) fn destroy_plugin(mut self) -> Option<u32> {
        self.stop();
        // `self` is dropped at the end of this call, and with it the plugin instance; `Drop`
        // leaves the GUI and the host window alone.
        self.created = false;
        self.parent.take()
    }

    /// The editor's own window inside the host window.
    pub(crate) fn editor_window(&self) -> Option<u32> {
        self.x.only_child(self.parent?)
    }

    pub(crate) fn grab(&self) -> Result<Image, String> {
        self.x.grab(
            self.editor_window()
                .ok_or("no editor window in the host window")?,
        )
    }

    /// Runs the host's main loop for `seconds`: the plugin's main-thread callbacks, its gui
    /// requests, X events, and one block of audio per turn (`events` go with the first).
    pub(crate) fn pump(&mut self, seconds: f64, events: &[ParamValueEvent]) {
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let mut events = events;
        while Instant::now() < end {
            self.instance.poll_main_thread();
            let requests = self.instance.take_gui_requests();
            if let Some(size) = requests.resize {
                let size = Size::new(size.width, size.height);
                self.resize_requests.push(size);
                if let Some(parent) = self.parent {
                    self.x.resize(parent, size);
                }
            }
            if let Some(session) = self.session.as_mut() {
                let input = test_signal(RATE, self.clock, BLOCK);
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
