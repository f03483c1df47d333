//! Builds a ready-to-run engine (or the dry fallback) for one activation, off the audio thread.
//!
//! # Sample rates
//!
//! A model is made for one rate, FFT size and hop (48 kHz, 1024/256 for the built-in model).
//! At another host rate the window is scaled by the nearest power of two of the rate ratio
//! ([`StftGeometry::for_host_rate`]), so a frame lasts about as long and bins keep about the
//! same spacing in Hz; the model runner maps the remaining difference on the frequency axis.
//! No resampling is done, so the cost per second of audio stays about the same at every rate.
//! Rates whose scaled window falls outside the supported FFT sizes use the nearest supported
//! size.

use chameleon_dsp::{
    Engine, EngineConfig, FrameModel, LatencyMode, ModelDescription, ProcessingMode, StftGeometry,
    MAX_CHANNELS,
};

use crate::dry_delay::DryDelay;
use crate::model_choice::ModelChoice;
use crate::model_source::{self, OpenedModel};
use crate::params::Device;
use crate::status::{EngineInfo, EngineKind};

/// Model rate assumed for models that work at any rate, in Hz.
pub const REFERENCE_RATE: f32 = 48_000.0;

/// What the host asked for when it activated the plugin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EngineSpec {
    /// Host sample rate in Hz.
    pub sample_rate: f32,
    /// Channels of the main bus.
    pub channels: usize,
    /// Largest host block in samples.
    pub max_block: usize,
    /// Whether the host renders offline (the engine then waits for every frame).
    pub offline: bool,
}

/// The audio engine of one activation: a running engine or the dry fallback.
pub enum Processor {
    /// The STFT engine with a model.
    Engine(Box<Engine>),
    /// Input delayed by the latency (no engine could run).
    Dry(DryDelay),
}

impl Processor {
    /// Processes one block in place. Real-time safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        match self {
            Processor::Engine(engine) => engine.process(channels),
            Processor::Dry(delay) => delay.process(channels),
        }
    }

    /// Clears audio history. Real-time safe.
    pub fn reset(&mut self) {
        match self {
            Processor::Engine(engine) => engine.reset(),
            Processor::Dry(delay) => delay.reset(),
        }
    }
}

/// A processor with everything the plugin and editor need to know about it.
pub struct Built {
    /// The processor.
    pub processor: Processor,
    /// Its latency in samples.
    pub latency: usize,
    /// Its description for the editor.
    pub info: EngineInfo,
    /// Number of styles the model holds (at least 1).
    pub style_count: usize,
    /// The activation it was built for.
    pub spec: EngineSpec,
    /// The activation counter it was built for; older builds are discarded.
    pub activation: u64,
}

/// The engine configuration for a model described by `description` at `spec` in latency mode
/// `mode`.
///
/// The model's window comes from its metadata (or the default 1024/256 at 48 kHz for models
/// that work at any geometry), scaled to the host rate; `mode` sets the hop, the synthesis span
/// and the worker budget of one host block ([`LatencyMode::plan`]).
pub fn engine_config(
    description: &ModelDescription,
    spec: &EngineSpec,
    mode: LatencyMode,
) -> Result<EngineConfig, String> {
    let default = StftGeometry::default();
    let model_rate = description.sample_rate.unwrap_or(REFERENCE_RATE);
    let fft = description.fft_size.unwrap_or(default.fft_size);
    let hop = description.hop.unwrap_or(default.hop);
    let geometry = StftGeometry::for_host_rate(fft, hop, model_rate, spec.sample_rate)
        .map_err(|e| e.to_string())?;
    if spec.channels == 0 || spec.channels > MAX_CHANNELS {
        return Err(format!(
            "{} channels are not supported (1..={MAX_CHANNELS})",
            spec.channels
        ));
    }
    let mut config = EngineConfig::for_mode(
        mode,
        spec.sample_rate,
        spec.channels,
        geometry,
        spec.max_block,
    )
    .map_err(|e| e.to_string())?;
    if spec.offline {
        config.mode = ProcessingMode::offline();
    }
    Ok(config)
}

/// Latency of the built-in model at `spec`, used for the dry fallback so that the latency does
/// not change when the engine fails.
fn fallback_latency(spec: &EngineSpec, mode: LatencyMode) -> usize {
    let description = chameleon_dsp::SpectralShapeModel::new()
        .description()
        .clone();
    engine_config(&description, spec, mode)
        .map(|c| c.latency_samples(0))
        .unwrap_or(0)
}

/// Adds a description's details to `info`.
fn describe(info: &mut EngineInfo, description: &ModelDescription, config: &EngineConfig) {
    info.model_name = description.name.clone();
    info.model_version = description.version.clone();
    info.styles = description.styles.clone();
    info.provider = description.provider.clone();
    info.fft_size = config.geometry.fft_size;
    info.hop = config.geometry.hop;
    info.synthesis_len = config.geometry.synthesis_len;
}

/// Tries to build an engine around `opened`.
fn try_engine(
    opened: OpenedModel,
    spec: &EngineSpec,
    mode: LatencyMode,
) -> Result<(Engine, EngineInfo), String> {
    let description = opened.model.description().clone();
    let config = engine_config(&description, spec, mode)?;
    let engine = Engine::new(config, opened.model).map_err(|e| e.to_string())?;
    let mut info = EngineInfo {
        kind: opened.kind,
        model_path: opened.path.map(|p| p.to_string_lossy().into_owned()),
        reason: opened.reason,
        latency_mode: mode,
        ..EngineInfo::default()
    };
    describe(&mut info, engine.model_description(), engine.config());
    Ok((engine, info))
}

/// Builds the processor for `spec` with the model `choice` names on `device`, in latency mode
/// `mode`. Never fails: a model that cannot run falls back to the built-in model, and an engine
/// that cannot run at all falls back to the dry delay (with the same latency), each with its
/// reason in [`EngineInfo::reason`].
pub fn build(
    spec: EngineSpec,
    choice: &ModelChoice,
    device: Device,
    mode: LatencyMode,
    activation: u64,
) -> Built {
    let opened = crate::fault_hook::wrap(model_source::open(choice, device));
    let first_kind = opened.kind;
    let first_reason = opened.reason.clone();
    let attempt = match try_engine(opened, &spec, mode) {
        Ok(ok) => Ok(ok),
        Err(e) if first_kind == EngineKind::Neural => {
            let reason = format!(
                "The model could not run at {} Hz, so the built-in styles play: {e}",
                spec.sample_rate
            );
            try_engine(OpenedModel::built_in(Some(reason)), &spec, mode)
        }
        Err(e) => Err(e),
    };
    match attempt {
        Ok((engine, info)) => {
            let style_count = info.styles.len().max(1);
            Built {
                latency: engine.latency_samples(),
                processor: Processor::Engine(Box::new(engine)),
                info,
                style_count,
                spec,
                activation,
            }
        }
        Err(e) => {
            let latency = fallback_latency(&spec, mode);
            let mut reason = format!(
                "No engine can run at {} Hz with {} channels, so the input passes through dry: {e}",
                spec.sample_rate, spec.channels
            );
            if let Some(first) = first_reason {
                reason = format!("{reason} ({first})");
            }
            Built {
                processor: Processor::Dry(DryDelay::new(spec.channels.max(1), latency)),
                latency,
                info: EngineInfo {
                    kind: EngineKind::Dry,
                    reason: Some(reason),
                    latency_mode: mode,
                    ..EngineInfo::default()
                },
                style_count: 1,
                spec,
                activation,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(sample_rate: f32, max_block: usize) -> EngineSpec {
        EngineSpec {
            sample_rate,
            channels: 2,
            max_block,
            offline: false,
        }
    }

    #[test]
    fn every_rate_and_block_size_gets_an_engine() {
        for sr in [
            1000.0, 8000.0, 22050.0, 44100.0, 48000.0, 88200.0, 96000.0, 192000.0, 768000.0,
        ] {
            for max_block in [1, 64, 512, 4096, 16384] {
                let built = build(
                    spec(sr, max_block),
                    &ModelChoice::bundled(),
                    Device::Cpu,
                    LatencyMode::Studio,
                    0,
                );
                assert!(
                    matches!(built.processor, Processor::Engine(_)),
                    "{sr} Hz, {max_block}: {:?}",
                    built.info.reason
                );
                assert!(built.latency > 0);
            }
        }
    }

    #[test]
    fn unusable_specs_fall_back_to_dry_with_a_reason() {
        let mut s = spec(f32::NAN, 512);
        let built = build(
            s,
            &ModelChoice::bundled(),
            Device::Cpu,
            LatencyMode::Studio,
            0,
        );
        assert!(matches!(built.processor, Processor::Dry(_)));
        assert!(built.info.reason.unwrap().contains("dry"));
        s = spec(48000.0, 512);
        s.channels = 0;
        let built = build(
            s,
            &ModelChoice::bundled(),
            Device::Cpu,
            LatencyMode::Studio,
            0,
        );
        assert_eq!(built.info.kind, EngineKind::Dry);
    }
}
