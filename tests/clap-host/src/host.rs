//! The host side: callbacks, instances, and an activated processing session.

use std::ffi::CStr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_extensions::latency::{HostLatency, HostLatencyImpl};
use clack_extensions::state::{HostState, HostStateImpl};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;

/// What the plugin asked of the host's editor window since the host last looked.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GuiRequests {
    /// The last size the plugin asked for, in the window's pixels.
    pub resize: Option<GuiSize>,
    /// The plugin asked to be shown.
    pub show: bool,
    /// The plugin asked to be hidden.
    pub hide: bool,
    /// The plugin said its window was closed; `Some(true)` if the host must destroy it.
    pub closed: Option<bool>,
    /// The plugin's resize hints changed.
    pub hints_changed: bool,
}

/// Host callbacks shared across threads.
pub struct Shared {
    callback_requested: AtomicBool,
    restart_requested: AtomicBool,
    gui: Mutex<GuiRequests>,
    /// How often the plugin called `clap_host_state.mark_dirty`.
    marked_dirty: AtomicU32,
    /// How often the plugin called `clap_host_latency.changed`.
    latency_changed: AtomicU32,
}

/// Host callbacks tied to the main thread.
pub struct MainThread<'a> {
    shared: &'a Shared,
}

impl<'a> MainThreadHandler<'a> for MainThread<'a> {}

impl HostStateImpl for MainThread<'_> {
    fn mark_dirty(&self) {
        self.shared.marked_dirty.fetch_add(1, Ordering::AcqRel);
    }
}

impl HostLatencyImpl for MainThread<'_> {
    fn changed(&self) {
        self.shared.latency_changed.fetch_add(1, Ordering::AcqRel);
    }
}

impl Shared {
    fn gui(&self, f: impl FnOnce(&mut GuiRequests)) {
        // A poisoned lock only means a panic elsewhere; the requests are still plain data.
        f(&mut self.gui.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::Release);
    }

    fn request_process(&self) {}

    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::Release);
    }
}

// NOTE: a host accepts these requests and acts on them later on its main thread
// (`Instance::take_gui_requests`), as a DAW does: they may come from any thread.
impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {
        self.gui(|g| g.hints_changed = true);
    }

    fn request_resize(&self, new_size: GuiSize) -> Result<(), HostError> {
        self.gui(|g| g.resize = Some(new_size));
        Ok(())
    }

    fn request_show(&self) -> Result<(), HostError> {
        self.gui(|g| g.show = true);
        Ok(())
    }

    fn request_hide(&self) -> Result<(), HostError> {
        self.gui(|g| g.hide = true);
        Ok(())
    }

    fn closed(&self, was_destroyed: bool) {
        self.gui(|g| g.closed = Some(was_destroyed));
    }
}

/// The test host.
pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread<'a>;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder.register::<HostGui>();
        builder.register::<HostState>();
        builder.register::<HostLatency>();
    }
}

/// The host's description as the plugin sees it, under `name`.
pub fn host_info(name: &str) -> Result<HostInfo, String> {
    HostInfo::new(name, "Chameleon", "https://example.invalid", "0.1.0").map_err(|e| e.to_string())
}

/// A plugin instance with its host.
pub struct Instance {
    plugin: PluginInstance<TestHost>,
}

impl Instance {
    /// Creates and initialises the plugin `id` from `entry`.
    pub fn new(entry: &PluginEntry, id: &CStr) -> Result<Self, String> {
        let info = host_info("Chameleon CLAP test host")?;
        let plugin = PluginInstance::<TestHost>::new(
            |_| Shared {
                callback_requested: AtomicBool::new(false),
                restart_requested: AtomicBool::new(false),
                latency_changed: AtomicU32::new(0),
                gui: Mutex::new(GuiRequests::default()),
                marked_dirty: AtomicU32::new(0),
            },
            |shared| MainThread { shared },
            entry,
            id,
            &info,
        )
        .map_err(|e| e.to_string())?;
        Ok(Self { plugin })
    }

    /// The plugin's main-thread handle.
    pub fn plugin_handle(&mut self) -> PluginMainThreadHandle<'_> {
        self.plugin.plugin_handle()
    }

    /// The plugin's main-thread handle while it is inactive (for `params.flush`).
    pub fn inactive_plugin_handle(
        &mut self,
    ) -> Option<clack_host::plugin::InactivePluginMainThreadHandle<'_>> {
        self.plugin.inactive_plugin_handle()
    }

    /// What the plugin asked of its editor window since the last call.
    pub fn take_gui_requests(&mut self) -> GuiRequests {
        self.plugin.access_shared_handler(|s| {
            let mut taken = GuiRequests::default();
            s.gui(|g| taken = std::mem::take(g));
            taken
        })
    }

    /// How often the plugin has told the host that its state changed (`mark_dirty`).
    pub fn marked_dirty(&mut self) -> u32 {
        self.plugin
            .access_shared_handler(|s| s.marked_dirty.load(Ordering::Acquire))
    }

    /// Whether the plugin asked for a restart since the last call.
    pub fn take_restart_request(&mut self) -> bool {
        self.plugin
            .access_shared_handler(|s| s.restart_requested.swap(false, Ordering::AcqRel))
    }

    /// How often the plugin has told the host that its latency changed.
    pub fn latency_changes(&mut self) -> u32 {
        self.plugin
            .access_shared_handler(|s| s.latency_changed.load(Ordering::Acquire))
    }

    /// Runs the main-thread callback if the plugin asked for one.
    pub fn poll_main_thread(&mut self) {
        let requested = self
            .plugin
            .access_shared_handler(|s| s.callback_requested.swap(false, Ordering::AcqRel));
        if requested {
            self.plugin.call_on_main_thread_callback();
        }
    }
}

/// An activated, processing plugin with its buffers.
pub struct Session {
    processor: StartedPluginAudioProcessor<TestHost>,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    channels: usize,
    latency: Option<u32>,
}

impl Session {
    /// Activates `instance` at `rate` Hz for blocks of up to `max_block` samples and starts
    /// processing.
    pub fn start(
        instance: &mut Instance,
        rate: f64,
        max_block: u32,
        channels: usize,
    ) -> Result<Self, String> {
        let config = PluginAudioConfiguration {
            sample_rate: rate,
            min_frames_count: 1,
            max_frames_count: max_block,
        };
        let stopped = instance
            .plugin
            .activate(|_, _| (), config)
            .map_err(|e| e.to_string())?;
        instance.poll_main_thread();
        let latency = instance
            .plugin_handle()
            .get_extension::<clack_extensions::latency::PluginLatency>()
            .map(|l| l.get(&instance.plugin_handle()));
        let processor = stopped.start_processing().map_err(|e| e.to_string())?;
        Ok(Self {
            processor,
            input_ports: AudioPorts::with_capacity(channels, 1),
            output_ports: AudioPorts::with_capacity(channels, 1),
            channels,
            latency,
        })
    }

    /// The latency the plugin reported at activation, in samples.
    pub fn latency(&self) -> Option<u32> {
        self.latency
    }

    /// Processes one block: `inputs` per channel (equal lengths), `events` sorted by time.
    /// Returns the output per channel.
    pub fn process(&mut self, inputs: &[&[f32]], events: &[ParamValueEvent]) -> Vec<Vec<f32>> {
        let n = inputs.first().map_or(0, |c| c.len());
        let mut input: Vec<Vec<f32>> = (0..self.channels)
            .map(|c| inputs.get(c).map_or(vec![0.0; n], |x| x.to_vec()))
            .collect();
        let mut output: Vec<Vec<f32>> = vec![vec![0.0; n]; self.channels];
        let mut event_buffer = EventBuffer::new();
        for e in events {
            event_buffer.push(e);
        }
        let mut out_events = EventBuffer::new();
        let input_audio = self.input_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                input
                    .iter_mut()
                    .map(|b| InputChannel::variable(b.as_mut_slice())),
            ),
        }]);
        let mut output_audio = self.output_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                output.iter_mut().map(|b| b.as_mut_slice()),
            ),
        }]);
        let result = self.processor.process(
            &input_audio,
            &mut output_audio,
            &event_buffer.as_input(),
            &mut out_events.as_output(),
            None,
            None,
        );
        if result.is_err() {
            for c in &mut output {
                c.fill(f32::NAN);
            }
        }
        output
    }

    /// Stops processing and deactivates.
    pub fn stop(self, instance: &mut Instance) {
        let stopped = self.processor.stop_processing();
        instance.plugin.deactivate(stopped);
        instance.poll_main_thread();
    }
}
