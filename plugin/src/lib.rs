//! Chameleon's plugin crate: host glue, parameters, editor and the product binaries.
//!
//! [`Chameleon`] wraps the real-time engine of `chameleon-dsp` for CLAP, VST3 and the
//! standalone application. Its pieces, one job each:
//!
//! - [`params`]: the host parameters (stable IDs) and the persisted model choice;
//! - [`model_choice`] and [`model_source`]: which model file to use and opening it, with the
//!   built-in styles as the fallback;
//! - [`engine_builder`]: an engine (or the dry fallback) for one activation;
//! - [`loader`]: builds replacement engines off the audio thread and drops replaced ones;
//! - [`audio`]: the audio thread's side, with the crossfade between engines;
//! - [`status`] and [`style_names`]: what the editor reads (atomics and lock-free swaps only).

pub mod audio;
pub mod clap_entry;
pub mod dry_delay;
pub mod editor;
pub mod engine_builder;
pub mod fault_hook;
pub mod live_feed;
pub mod loader;
pub mod model_choice;
pub mod model_source;
pub mod params;
pub mod plugin_path;
pub mod presets;
pub mod render;
pub mod state_change;
pub mod stats_report;
pub mod status;
pub mod style_names;
pub mod vst3_preset;

use std::num::NonZeroU32;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chameleon_dsp::Controls;
use nice_plug::prelude::*;

use crate::audio::AudioSide;
use crate::engine_builder::EngineSpec;
use crate::loader::ModelLoader;
use crate::params::{ChameleonParams, GAIN_SMOOTHING_MS};
use crate::status::EngineStatus;
use crate::style_names::StyleNames;

/// The Chameleon plugin.
pub struct Chameleon {
    params: Arc<ChameleonParams>,
    names: Arc<StyleNames>,
    status: Arc<EngineStatus>,
    audio: AudioSide,
    loader: Option<ModelLoader>,
    /// Activations so far; engines built for an older one are discarded.
    activation: u64,
    sample_rate: f32,
    /// 0 (processing) to 1 (bypassed), gliding over [`GAIN_SMOOTHING_MS`].
    bypass_ramp: Smoother<f32>,
    /// Latency last reported to the host, in samples.
    reported_latency: u32,
}

impl Default for Chameleon {
    fn default() -> Self {
        let names = Arc::new(StyleNames::default());
        let params = Arc::new(ChameleonParams::new(&names));
        clap_entry::instance::announce(clap_entry::instance::SharedWithInstance {
            params: Arc::clone(&params),
            names: Arc::clone(&names),
        });
        Self {
            params,
            names,
            status: Arc::new(EngineStatus::default()),
            audio: AudioSide::default(),
            loader: None,
            activation: 0,
            sample_rate: 48_000.0,
            bypass_ramp: Smoother::new(SmoothingStyle::Linear(GAIN_SMOOTHING_MS)),
            reported_latency: 0,
        }
    }
}

impl Chameleon {
    /// The parameters (shared with the editor).
    pub fn chameleon_params(&self) -> &Arc<ChameleonParams> {
        &self.params
    }

    /// The engine status (shared with the editor).
    pub fn status(&self) -> &Arc<EngineStatus> {
        &self.status
    }

    /// The loaded model's style names (shared with the editor).
    pub fn style_names(&self) -> &Arc<StyleNames> {
        &self.names
    }

    /// The controls the parameters ask for, for a model with `style_count` styles.
    fn controls(params: &ChameleonParams, style_count: usize, bypassed: bool) -> Controls {
        let controls = if params.xy_enabled.value() {
            Controls::corners(
                params.corners(),
                params.pad_x.value(),
                params.pad_y.value(),
                style_count,
            )
        } else {
            Controls::morph(
                params.style_a.value().max(0) as usize,
                params.style_b.value().max(0) as usize,
                params.morph.value(),
                style_count,
            )
        };
        let mix = if bypassed { 0.0 } else { params.mix.value() };
        controls
            .with_mix(mix)
            .with_level_match(params.level_match.value())
    }

    fn report_latency(&mut self, latency: usize, report: impl FnOnce(u32)) {
        let latency = u32::try_from(latency).unwrap_or(u32::MAX);
        self.status
            .latency_samples
            .store(latency, Ordering::Relaxed);
        if latency != self.reported_latency {
            self.reported_latency = latency;
            report(latency);
        }
    }
}

impl Plugin for Chameleon {
    const NAME: &'static str = "Chameleon";
    const VENDOR: &'static str = "Chameleon Audio";
    const URL: &'static str = "https://github.com/chameleon-audio/chameleon";
    const EMAIL: &'static str = "info@chameleon-audio.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(1),
            ..AudioIOLayout::const_default()
        },
    ];

    /// Parameter changes split the host's blocks, so each sub-block runs with the values in
    /// force at its start; the engine reads them at its next hop.
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = editor::persisted_size::PersistedSizeEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(editor::EditorShared {
            params: Arc::clone(&self.params),
            status: Arc::clone(&self.status),
            names: Arc::clone(&self.names),
        })
    }

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let spec = EngineSpec {
            sample_rate: buffer_config.sample_rate,
            channels: audio_io_layout
                .main_output_channels
                .map_or(2, |c| c.get() as usize),
            max_block: buffer_config.max_buffer_size.max(1) as usize,
            offline: buffer_config.process_mode == ProcessMode::Offline,
        };
        self.sample_rate = buffer_config.sample_rate;
        self.status
            .sample_rate
            .store(buffer_config.sample_rate, Ordering::Relaxed);
        self.status.offline.store(spec.offline, Ordering::Relaxed);
        let loader = self.loader.get_or_insert_with(|| {
            let (loader, ends) = ModelLoader::spawn(
                Arc::clone(&self.params),
                Arc::clone(&self.status),
                Arc::clone(&self.names),
            );
            self.audio.connect(ends);
            loader
        });
        let reuse = self.audio.current().is_some() && loader.is_current(spec);
        if !reuse {
            self.activation += 1;
            let built = loader.build_now(spec, self.activation);
            self.audio.install(built);
        }
        let latency = self.audio.current().map_or(0, |b| b.latency);
        // Reported with every activation; the wrappers tell the host only when it changed.
        self.reported_latency = u32::MAX;
        self.report_latency(latency, |l| context.set_latency_samples(l));
        true
    }

    fn reset(&mut self) {
        self.audio.reset();
        let bypassed = self.params.bypass.value();
        self.bypass_ramp.reset(if bypassed { 1.0 } else { 0.0 });
        self.params
            .output_gain
            .smoothed
            .reset(self.params.output_gain.value());
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        if let Some(latency) = self.audio.poll() {
            self.report_latency(latency, |l| context.set_latency_samples(l));
        }
        let bypassed = self.params.bypass.value();
        self.bypass_ramp
            .set_target(self.sample_rate, if bypassed { 1.0 } else { 0.0 });
        let params = &self.params;
        self.audio
            .set_controls(|count| Self::controls(params, count, bypassed));

        let channels = buffer.as_slice();
        self.status.live.capture_input(channels);
        self.audio.process(channels);

        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let gain = &self.params.output_gain.smoothed;
        if !gain.is_smoothing()
            && !self.bypass_ramp.is_smoothing()
            && gain.previous_value() == 0.0
            && !bypassed
        {
            self.status.live.capture_output(channels);
            return ProcessStatus::Normal;
        }
        for i in 0..len {
            let g = util::db_to_gain(gain.next());
            let b = self.bypass_ramp.next();
            let g = g + (1.0 - g) * b;
            for channel in channels.iter_mut() {
                channel[i] *= g;
            }
        }
        self.status.live.capture_output(channels);
        ProcessStatus::Normal
    }

    fn deactivate(&mut self) {
        if let Some(stats) = self.status.stats() {
            stats_report::append(&stats.snapshot());
        }
    }
}

impl ClapPlugin for Chameleon {
    const CLAP_ID: &'static str = "audio.chameleon.style-transfer";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Real-time neural style transfer: morph audio between learned timbres");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
        ClapFeature::Filter,
        ClapFeature::Custom("chameleon:style-transfer"),
    ];
}

impl Vst3Plugin for Chameleon {
    const VST3_CLASS_ID: [u8; 16] = *b"ChameleonStyleFx";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Fx,
        Vst3SubCategory::Filter,
        Vst3SubCategory::Stereo,
    ];

    /// A model file chosen or a preset loaded in the editor marks the host's project as modified
    /// (`IComponentHandler2::setDirty`, on the host's main thread).
    fn connect_state_change_notifier(&self, notifier: Box<dyn Fn() + Send + Sync>) {
        self.params.state_change.connect(notifier);
    }
}

nice_export_vst3!(Chameleon);
