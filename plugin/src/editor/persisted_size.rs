//! The editor as hosts see it: nice-plug-egui's editor, sized by the persisted editor size.
//!
//! nice-plug creates the editor once, with the plugin, before a host loads a project into it.
//! The egui editor keeps the size it was created with until its window is resized, so after a
//! project with another saved size is loaded it would report the old size and open at it. A
//! host asks for the size (CLAP `gui.get_size`, VST3 `getSize`) before it makes the window, so
//! while no window is open this reports the persisted size, and a window opens at it.

use std::error::Error;
use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::dpi::{LogicalSize, NativeSize, Size};
use nice_plug::editor::{Editor, HostMethods, ParentWindowHandle, ResizeHint, SpawnedEditor};
use nice_plug::prelude::TrackInfo;
use nice_plug_egui::{EguiEditor, EguiEditorHandle, EguiEditorState};

use super::ChameleonEditor;
use crate::params::EditorSize;

/// nice-plug-egui's editor for [`ChameleonEditor`], opening at the persisted size.
pub struct PersistedSizeEditor {
    egui: EguiEditor<ChameleonEditor>,
    egui_state: Arc<EguiEditorState>,
    size: Arc<EditorSize>,
}

impl PersistedSizeEditor {
    /// Wraps `egui`, whose state is `egui_state`, sized by `size`.
    pub fn new(
        egui: EguiEditor<ChameleonEditor>,
        egui_state: Arc<EguiEditorState>,
        size: Arc<EditorSize>,
    ) -> Self {
        Self {
            egui,
            egui_state,
            size,
        }
    }

    /// The persisted size in logical pixels, if it differs from the egui editor's.
    fn pending(&self) -> Option<LogicalSize<f64>> {
        let (w, h) = self.size.get();
        let current = self.egui_state.logical_size();
        let differs =
            (current.width - w as f32).abs() > 0.5 || (current.height - h as f32).abs() > 0.5;
        differs.then(|| LogicalSize::new(f64::from(w), f64::from(h)))
    }
}

impl Editor for PersistedSizeEditor {
    type Handle = EguiEditorHandle;

    fn spawn(
        &self,
        parent: Option<ParentWindowHandle>,
        wait_for_parent: bool,
        fallback_scale_factor: Option<f64>,
        gui_context: GuiContext,
        host: Option<HostMethods>,
    ) -> Result<SpawnedEditor<Self::Handle>, Box<dyn Error>> {
        let pending = self.pending();
        let spawned = self.egui.spawn(
            parent,
            wait_for_parent,
            fallback_scale_factor,
            gui_context,
            host,
        )?;
        if let Some(size) = pending {
            // NOTE: a resize from the host's side: the window takes it before it is shown and
            // the host, which asked for this size, is not told about it again.
            spawned.window.resize(size)?;
        }
        Ok(spawned)
    }

    fn size(&self) -> NativeSize<u32> {
        let current = self.egui.size();
        if self.egui_state.is_open() {
            return current;
        }
        let Some(size) = self.pending() else {
            return current;
        };
        // The window's scale, as nice-plug-egui applied it to the size it reports.
        let logical = self.egui_state.logical_size();
        let scale = if logical.width > 0.0 {
            f64::from(current.width) / f64::from(logical.width)
        } else {
            1.0
        };
        NativeSize::from_size(Size::Logical(size), scale)
    }

    fn resize_hint(&self) -> ResizeHint {
        self.egui.resize_hint()
    }

    fn track_info_updated(&self, info: TrackInfo) {
        self.egui.track_info_updated(info);
    }

    unsafe fn assume_standalone_in_process(&self) {
        // SAFETY: the caller upholds `Editor::assume_standalone_in_process`'s contract, which
        // is the same for the wrapped editor.
        unsafe { self.egui.assume_standalone_in_process() }
    }
}
