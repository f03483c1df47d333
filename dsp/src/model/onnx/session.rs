//! ONNX Runtime session creation: real-time session options and execution-provider choice.

use std::fmt;
use std::str::FromStr;

use ort::ep::{self, ExecutionProvider};
use ort::session::builder::{GraphOptimizationLevel, SessionBuilder};
use ort::session::Session;

use crate::runtime::Runtime;

/// Where inference runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    /// The first provider that works: DirectML then CUDA on Windows, CUDA elsewhere, then the
    /// CPU.
    #[default]
    Auto,
    /// The CPU provider only.
    Cpu,
    /// A GPU provider (in the order of [`Device::Auto`]); an error if none works.
    Gpu,
}

impl Device {
    /// The identifier used on the command line and in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            Device::Auto => "auto",
            Device::Cpu => "cpu",
            Device::Gpu => "gpu",
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Device {
    type Err = String;

    /// Parses `auto`, `cpu` or `gpu` (case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Device::Auto),
            "cpu" => Ok(Device::Cpu),
            "gpu" => Ok(Device::Gpu),
            other => Err(format!("unknown device `{other}` (use auto, cpu or gpu)")),
        }
    }
}

/// Provider names as reported in [`ModelDescription::provider`](crate::ModelDescription).
pub const PROVIDER_CPU: &str = "CPU";
/// The CUDA provider.
pub const PROVIDER_CUDA: &str = "CUDA";
/// The DirectML provider.
pub const PROVIDER_DIRECTML: &str = "DirectML";

/// Session options for real time: one intra-op and one inter-op thread, no spinning, sequential
/// execution, full graph optimisation.
fn base_builder(runtime: &Runtime) -> Result<SessionBuilder, String> {
    let fail = |e: ort::Error<SessionBuilder>| e.to_string();
    Session::builder(runtime.environment())
        .map_err(|e| e.to_string())?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(fail)?
        .with_intra_threads(1)
        .map_err(fail)?
        .with_inter_threads(1)
        .map_err(fail)?
        .with_parallel_execution(false)
        .map_err(fail)?
        .with_intra_op_spinning(false)
        .map_err(fail)?
        .with_inter_op_spinning(false)
        .map_err(fail)
}

/// A GPU provider to try.
struct GpuProvider {
    name: &'static str,
    available: fn() -> bool,
    dispatch: fn() -> ep::ExecutionProviderDispatch,
    /// DirectML cannot run with ONNX Runtime's memory pattern planning.
    memory_pattern: bool,
}

const CUDA: GpuProvider = GpuProvider {
    name: PROVIDER_CUDA,
    available: || ep::CUDA::is_available().unwrap_or(false),
    dispatch: || ep::CUDA::default().build().error_on_failure(),
    memory_pattern: true,
};

const DIRECTML: GpuProvider = GpuProvider {
    name: PROVIDER_DIRECTML,
    available: || ep::DirectML::is_available().unwrap_or(false),
    dispatch: || ep::DirectML::default().build().error_on_failure(),
    memory_pattern: false,
};

/// The GPU providers to try, in order: DirectML then CUDA on Windows (DirectML runs on any
/// DirectX 12 GPU), CUDA elsewhere.
fn gpu_providers() -> &'static [GpuProvider] {
    if cfg!(windows) {
        &[DIRECTML, CUDA]
    } else {
        &[CUDA]
    }
}

/// Creates a session for `model` (ONNX bytes) on `device`, returning it with the name of the
/// provider really in use. With [`Device::Auto`] a GPU provider that is missing or fails to
/// start falls back to the next, then to the CPU; with [`Device::Gpu`] that is an error.
pub fn create_session(
    runtime: &Runtime,
    model: &[u8],
    device: Device,
) -> Result<(Session, &'static str), String> {
    let mut gpu_failures = Vec::new();
    if device != Device::Cpu {
        for provider in gpu_providers() {
            if !(provider.available)() {
                gpu_failures.push(format!(
                    "{} is not available in this ONNX Runtime build",
                    provider.name
                ));
                continue;
            }
            let attempt = base_builder(runtime).and_then(|b| {
                b.with_memory_pattern(provider.memory_pattern)
                    .map_err(|e| e.to_string())?
                    .with_execution_providers([(provider.dispatch)()])
                    .map_err(|e| e.to_string())?
                    .commit_from_memory(model)
                    .map_err(|e| e.to_string())
            });
            match attempt {
                Ok(session) => return Ok((session, provider.name)),
                Err(e) => gpu_failures.push(format!("{} failed: {e}", provider.name)),
            }
        }
        if device == Device::Gpu {
            return Err(format!(
                "no GPU provider could run the model ({}); choose device `auto` or `cpu`",
                gpu_failures.join("; ")
            ));
        }
    }
    let session = base_builder(runtime)?
        .commit_from_memory(model)
        .map_err(|e| e.to_string())?;
    Ok((session, PROVIDER_CPU))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_print() {
        for d in [Device::Auto, Device::Cpu, Device::Gpu] {
            assert_eq!(d.as_str().parse::<Device>(), Ok(d));
        }
        assert_eq!(" GPU ".parse::<Device>(), Ok(Device::Gpu));
        assert!("tpu".parse::<Device>().is_err());
    }
}
