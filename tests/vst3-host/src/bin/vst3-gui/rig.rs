//! One plugin instance with its editor view, processing audio in line, and the host window the
//! view is attached to.

use std::ffi::c_void;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chameleon_host_check::image::{Image, Size};
use chameleon_host_check::signal::test_signal;
use chameleon_host_check::x_server::X;
use chameleon_vst3_host::frame::Frame;
use chameleon_vst3_host::host::HostContext;
use chameleon_vst3_host::instance::Instance;
use chameleon_vst3_host::module::Module;
use vst3::Steinberg::Vst::{IEditControllerTrait, ParamID, ParamValue, ViewType};
use vst3::Steinberg::{
    kPlatformTypeX11EmbedWindowID, kResultOk, tresult, IPlugFrame, IPlugView,
    IPlugViewContentScaleSupport, IPlugViewContentScaleSupportTrait, IPlugViewTrait, ViewRect,
};
use vst3::{ComPtr, ComWrapper};

use crate::{BLOCK, RATE};

/// The rectangle of `size` at the origin.
pub(crate) fn rect(size: Size) -> ViewRect {
    ViewRect {
        left: 0,
        top: 0,
        right: size.width as i32,
        bottom: size.height as i32,
    }
}

/// The size of a rectangle, if it has one.
pub(crate) fn rect_size(r: &ViewRect) -> Option<Size> {
    let (w, h) = (r.right - r.left, r.bottom - r.top);
    (w > 0 && h > 0).then(|| Size::new(w as u32, h as u32))
}

/// A plugin instance, processing, with (while open) its view and the host's window.
pub(crate) struct Rig {
    pub(crate) x: Arc<X>,
    pub(crate) instance: Instance,
    /// The frame and run loop handed to each view of this instance.
    pub(crate) frame: ComWrapper<Frame>,
    pub(crate) view: Option<ComPtr<IPlugView>>,
    /// The host window.
    pub(crate) window: Option<u32>,
    /// Whether the view is attached (and not yet removed).
    pub(crate) attached: bool,
    /// Samples of the test signal played so far.
    clock: u64,
}

impl Rig {
    pub(crate) fn new(
        x: &Arc<X>,
        module: &Module,
        host: &ComWrapper<HostContext>,
    ) -> Result<Self, String> {
        Ok(Self {
            x: Arc::clone(x),
            instance: Instance::new(module, host)?,
            frame: ComWrapper::new(Frame::new(Arc::clone(x))),
            view: None,
            window: None,
            attached: false,
            clock: 0,
        })
    }

    pub(crate) fn start(&mut self) -> Result<(), String> {
        self.instance.start(RATE, BLOCK)
    }

    /// `createView("editor")`; the view is not framed or attached yet.
    pub(crate) fn create_view(&mut self) -> Result<(), String> {
        // SAFETY: a plain call on the live controller; the view it returns carries one
        // reference for the caller, which the `ComPtr` takes over.
        let view = unsafe {
            let raw = self.instance.controller.createView(ViewType::kEditor);
            ComPtr::from_raw(raw)
        };
        self.view = Some(view.ok_or("createView(\"editor\") returned null")?);
        Ok(())
    }

    pub(crate) fn view(&self) -> Result<&ComPtr<IPlugView>, String> {
        self.view.as_ref().ok_or_else(|| "no view".into())
    }

    /// `setFrame` with the host's frame (and run loop).
    pub(crate) fn set_frame(&self) -> Result<(), String> {
        let frame = self
            .frame
            .as_com_ref::<IPlugFrame>()
            .map_or(std::ptr::null_mut(), |f| f.as_ptr());
        // SAFETY: the frame lives as long as the rig, longer than the view uses it (the rig
        // calls `setFrame(null)` before letting the view go).
        let r = unsafe { self.view()?.setFrame(frame) };
        ok(r, "setFrame")
    }

    pub(crate) fn is_x11_supported(&self) -> bool {
        self.view().is_ok_and(|v| {
            // SAFETY: a plain call on the live view with a NUL-terminated type string.
            unsafe { v.isPlatformTypeSupported(kPlatformTypeX11EmbedWindowID) == kResultOk }
        })
    }

    /// `getSize`.
    pub(crate) fn size(&self) -> Option<Size> {
        let mut r = rect(Size::new(0, 0));
        // SAFETY: `r` is valid for writes for the call.
        let answer = unsafe { self.view().ok()?.getSize(&mut r) };
        (answer == kResultOk).then(|| rect_size(&r)).flatten()
    }

    pub(crate) fn scale_support(&self) -> Option<ComPtr<IPlugViewContentScaleSupport>> {
        self.view().ok()?.cast::<IPlugViewContentScaleSupport>()
    }

    /// `setContentScaleFactor(scale)`.
    pub(crate) fn set_scale(&self, scale: f32) -> Result<(), String> {
        let support = self
            .scale_support()
            .ok_or("no IPlugViewContentScaleSupport")?;
        // SAFETY: a plain call on the live view.
        ok(
            unsafe { support.setContentScaleFactor(scale) },
            &format!("setContentScaleFactor({scale})"),
        )
    }

    /// Makes a host window of `size` and attaches the view to it.
    pub(crate) fn embed(&mut self, size: Size) -> Result<(), String> {
        let window = self.x.create_window(size)?;
        self.window = Some(window);
        self.frame.set_window(Some(window));
        // SAFETY: the window outlives the view's use of it: the rig calls `removed` before
        // destroying it (`close`, `Drop`), and `destroy_with_editor_open` hands it over to be
        // destroyed after the plugin is gone. An X11 window ID travels as the pointer's value.
        let r = unsafe {
            self.view()?.attached(
                window as usize as *mut c_void,
                kPlatformTypeX11EmbedWindowID,
            )
        };
        ok(r, "attached")?;
        self.attached = true;
        Ok(())
    }

    /// Creates a view, frames it, and attaches it to a new host window of the size it reports.
    pub(crate) fn open(&mut self) -> Result<Size, String> {
        self.create_view()?;
        self.set_frame()?;
        let size = self.size().ok_or("getSize")?;
        self.embed(size)?;
        Ok(size)
    }

    /// `removed`, `setFrame(null)`, the view released; then the host window, once the editor's
    /// own window has left it. Returns how many windows were left inside the host window.
    pub(crate) fn close(&mut self) -> Result<usize, String> {
        let removed = match (&self.view, self.attached) {
            // SAFETY: a plain call on the live, attached view.
            (Some(view), true) => ok(unsafe { view.removed() }, "removed"),
            _ => Ok(()),
        };
        self.attached = false;
        if let Some(view) = self.view.take() {
            // SAFETY: a plain call on the live view; it lets go of the frame.
            unsafe { view.setFrame(std::ptr::null_mut()) };
        }
        self.pump(0.3, &[]);
        let left = self.window.map_or(0, |w| self.x.children(w).len());
        self.frame.set_window(None);
        if let Some(window) = self.window.take() {
            self.x.destroy(window);
        }
        removed.map(|()| left)
    }

    /// Terminates and releases the plugin with its view attached and shown, then releases the
    /// view. Returns the host window, which the caller destroys.
    pub(crate) fn destroy_with_editor_open(mut self) -> Option<u32> {
        let view = self.view.take();
        let window = self.window.take();
        self.attached = false;
        // `Drop` leaves the view alone (it has none now): the instance terminates and goes
        // while the view is still attached.
        drop(self);
        drop(view);
        window
    }

    /// Resizes the host window to the size the view reports and calls `onSize`, as a lenient
    /// host does when a view changed its size without `resizeView`. Returns the size it
    /// followed to, if the host window had another size.
    pub(crate) fn follow_view_size(&mut self) -> Option<Size> {
        let size = self.size()?;
        let window = self.window?;
        if self.x.size(window) == Some(size) {
            return None;
        }
        self.x.resize(window, size);
        let mut r = rect(size);
        // SAFETY: a plain call on the live view; `r` is valid for the call.
        unsafe { self.view().ok()?.onSize(&mut r) };
        self.pump(0.5, &[]);
        Some(size)
    }

    /// Drags the editor's bottom-right resize corner by `(dx, dy)` with the mouse (XTEST),
    /// running the main loop between the moves so the editor sees each one.
    pub(crate) fn drag_corner(&mut self, dx: i16, dy: i16) -> Result<(), String> {
        let size = self.size().ok_or("getSize")?;
        // The host window sits at the screen's corner; the editor's corner handle is the last
        // few pixels of its bottom-right.
        let (x0, y0) = (size.width as i16 - 4, size.height as i16 - 4);
        self.x.move_pointer(x0, y0)?;
        self.pump(0.3, &[]);
        self.x.left_button(true)?;
        self.pump(0.2, &[]);
        const STEPS: i16 = 10;
        for step in 1..=STEPS {
            self.x
                .move_pointer(x0 + dx * step / STEPS, y0 + dy * step / STEPS)?;
            self.pump(0.08, &[]);
        }
        self.pump(0.3, &[]);
        self.x.left_button(false)?;
        // Park the pointer on the screen outside the window, so no hover highlights stay.
        self.x.move_pointer(2500, 1500)?;
        self.pump(1.0, &[]);
        Ok(())
    }

    /// Clicks the left mouse button at `(x, y)` in the editor (XTEST; the host window sits at
    /// the screen's corner), running the main loop so the editor handles the click and its
    /// tasks reach the host.
    pub(crate) fn click(&mut self, x: i16, y: i16) -> Result<(), String> {
        self.x.move_pointer(x, y)?;
        self.pump(0.3, &[]);
        self.x.left_button(true)?;
        self.pump(0.1, &[]);
        self.x.left_button(false)?;
        self.pump(0.5, &[]);
        self.x.move_pointer(2500, 1500)?;
        self.pump(0.5, &[]);
        Ok(())
    }

    /// The editor's own window inside the host window.
    pub(crate) fn editor_window(&self) -> Option<u32> {
        self.x.only_child(self.window?)
    }

    pub(crate) fn grab(&self) -> Result<Image, String> {
        self.x.grab(
            self.editor_window()
                .ok_or("no editor window in the host window")?,
        )
    }

    /// Runs the host's main loop for `seconds`: the run loop's descriptors and timers, X
    /// events, and (while processing) one block of audio per turn; `changes` go with the first
    /// block as input parameter changes.
    pub(crate) fn pump(&mut self, seconds: f64, changes: &[(ParamID, ParamValue)]) {
        let end = Instant::now() + Duration::from_secs_f64(seconds);
        let mut changes = changes;
        while Instant::now() < end {
            self.frame.turn(Duration::from_millis(4));
            if self.instance.processing() {
                let input = test_signal(RATE, self.clock, BLOCK);
                self.clock += BLOCK as u64;
                let out = self.instance.process(&input, changes);
                changes = &[];
                debug_assert_eq!(out.len(), BLOCK);
            }
            self.x.drain();
        }
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(view) = self.view.take() {
            // SAFETY: plain calls on the live view, in the host's closing order.
            unsafe {
                if self.attached {
                    view.removed();
                }
                view.setFrame(std::ptr::null_mut());
            }
        }
        self.instance.stop();
        // Whatever the plugin left registered goes before its library can.
        self.frame.release_all();
        self.frame.set_window(None);
        if let Some(window) = self.window.take() {
            self.x.destroy(window);
        }
    }
}

/// `Ok` for `kResultOk`, else what `call` returned.
pub(crate) fn ok(r: tresult, call: &str) -> Result<(), String> {
    if r == kResultOk {
        Ok(())
    } else {
        Err(format!("{call} returned {r}"))
    }
}
