//! Fault injection: a wrapper that makes any model stall, fail, emit NaN, blast or panic on a
//! schedule.
//!
//! Used by the test suites and, through the `CHAMELEON_FAULTS` environment variable, by the
//! plugin and the renderer, so resilience can be checked in real hosts with the shipped binary.
//! A plan is a comma-separated list of faults, each `KIND[:DURATION][/EVERY[+PHASE]]`:
//!
//! | fault | effect |
//! | --- | --- |
//! | `stall:50ms/40` | sleep 50 ms on every 40th hop |
//! | `slow:20ms` | sleep 20 ms on every hop (slower than real time) |
//! | `error/100+7` | return an error on hops 7, 107, 207, … |
//! | `nan/25` | fill the output with NaN on every 25th hop |
//! | `panic/500` | panic inside the model on every 500th hop |
//! | `loud:40dB` | multiply the output by +40 dB on every hop (a hostile model) |
//!
//! `EVERY` defaults to 1 (every hop) and `PHASE` to 0. Durations take `us`, `ms` or `s`;
//! gains take `dB` (−120 to +120).

use std::time::Duration;

use crate::frame::Frame;
use crate::geometry::StftGeometry;
use crate::model::{FrameModel, ModelDescription, ModelError};

/// Environment variable holding a fault plan for the plugin and the renderer.
pub const FAULTS_ENV: &str = "CHAMELEON_FAULTS";

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// The model sleeps for the duration.
    Stall(Duration),
    /// The model returns an error.
    Error,
    /// The model's output is NaN.
    Nan,
    /// The model panics.
    Panic,
    /// The model's output is multiplied by this linear gain.
    Loud(f32),
}

/// One scheduled fault: `kind` on hops where `seq % every == phase`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// Period in hops (at least 1).
    pub every: u64,
    /// Offset within the period, in hops.
    pub phase: u64,
}

impl Fault {
    fn applies(&self, seq: u64) -> bool {
        seq % self.every == self.phase % self.every
    }
}

/// A list of scheduled faults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    /// The faults, applied in order.
    pub faults: Vec<Fault>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| text.split_at(i))
        .ok_or_else(|| format!("duration '{text}' needs a unit (us, ms or s)"))?;
    let value: f64 = number
        .parse()
        .map_err(|_| format!("'{number}' is not a number"))?;
    let seconds = match unit {
        "us" => value / 1e6,
        "ms" => value / 1e3,
        "s" => value,
        _ => return Err(format!("unknown duration unit '{unit}' (use us, ms or s)")),
    };
    if !(0.0..=60.0).contains(&seconds) {
        return Err(format!("duration '{text}' is outside 0..60 s"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_gain(text: &str) -> Result<f32, String> {
    let number = text
        .strip_suffix("dB")
        .ok_or_else(|| format!("gain '{text}' needs the unit dB"))?;
    let db: f32 = number
        .parse()
        .map_err(|_| format!("'{number}' is not a number"))?;
    if !(-120.0..=120.0).contains(&db) {
        return Err(format!("gain '{text}' is outside -120..120 dB"));
    }
    Ok(10f32.powf(db / 20.0))
}

impl FaultPlan {
    /// Parses a plan such as `stall:50ms/40,nan/25+3`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut faults = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (head, schedule) = item.split_once('/').unwrap_or((item, "1"));
            let (every, phase) = schedule.split_once('+').unwrap_or((schedule, "0"));
            let every: u64 =
                every.parse().ok().filter(|&e| e > 0).ok_or_else(|| {
                    format!("'{item}': the period must be a whole number above 0")
                })?;
            let phase: u64 = phase
                .parse()
                .map_err(|_| format!("'{item}': the phase must be a whole number"))?;
            let (name, argument) = head.split_once(':').unwrap_or((head, ""));
            let kind = match (name, argument) {
                ("stall" | "slow", d) if !d.is_empty() => FaultKind::Stall(parse_duration(d)?),
                ("error", "") => FaultKind::Error,
                ("nan", "") => FaultKind::Nan,
                ("panic", "") => FaultKind::Panic,
                ("loud", g) if !g.is_empty() => FaultKind::Loud(parse_gain(g)?),
                _ => {
                    return Err(format!(
                    "'{item}' is not a fault (stall:DUR, slow:DUR, error, nan, panic, loud:GAINdB)"
                ))
                }
            };
            faults.push(Fault { kind, every, phase });
        }
        Ok(Self { faults })
    }

    /// The plan in [`FAULTS_ENV`], if the variable is set. An invalid plan is an error.
    pub fn from_env() -> Option<Result<Self, String>> {
        std::env::var(FAULTS_ENV)
            .ok()
            .map(|text| Self::parse(&text))
    }
}

/// Wraps a model and injects the faults of a [`FaultPlan`].
pub struct FaultyModel {
    inner: Box<dyn FrameModel>,
    plan: FaultPlan,
    description: ModelDescription,
}

impl FaultyModel {
    /// Wraps `inner`; its description gains a note that faults are injected.
    pub fn new(inner: Box<dyn FrameModel>, plan: FaultPlan) -> Self {
        let mut description = inner.description().clone();
        description.provider = format!("{} (fault injection)", description.provider);
        Self {
            inner,
            plan,
            description,
        }
    }
}

impl FrameModel for FaultyModel {
    fn description(&self) -> &ModelDescription {
        &self.description
    }

    fn prepare(
        &mut self,
        geometry: StftGeometry,
        sample_rate: f32,
        channels: usize,
    ) -> Result<(), ModelError> {
        self.inner.prepare(geometry, sample_rate, channels)
    }

    fn process(&mut self, frames: &mut [Box<Frame>]) -> Result<(), ModelError> {
        self.inner.process(frames)?;
        for frame in frames.iter_mut() {
            for fault in self.plan.faults.iter().filter(|f| f.applies(frame.seq)) {
                match fault.kind {
                    FaultKind::Stall(duration) => std::thread::sleep(duration),
                    FaultKind::Error => {
                        return Err(ModelError(format!("injected error at hop {}", frame.seq)))
                    }
                    FaultKind::Nan => frame
                        .output
                        .iter_mut()
                        .for_each(|c| *c = crate::Complex32::new(f32::NAN, f32::NAN)),
                    FaultKind::Panic => panic!("injected panic at hop {}", frame.seq),
                    FaultKind::Loud(gain) => frame.output.iter_mut().for_each(|c| *c *= gain),
                }
            }
        }
        Ok(())
    }

    fn reset(&mut self) {
        self.inner.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse_and_bad_plans_say_why() {
        let plan =
            FaultPlan::parse("stall:50ms/40, slow:2ms, error/100+7,nan/25,panic/500,loud:40dB")
                .unwrap();
        assert_eq!(plan.faults.len(), 6);
        assert_eq!(plan.faults[5].kind, FaultKind::Loud(100.0));
        assert_eq!(
            plan.faults[0].kind,
            FaultKind::Stall(Duration::from_millis(50))
        );
        assert_eq!((plan.faults[0].every, plan.faults[0].phase), (40, 0));
        assert_eq!(plan.faults[1].every, 1);
        assert_eq!((plan.faults[2].every, plan.faults[2].phase), (100, 7));
        assert!(plan.faults[2].applies(107) && !plan.faults[2].applies(100));
        for bad in [
            "stall",
            "stall:5",
            "stall:5h",
            "nan/0",
            "explode",
            "error/x",
            "stall:99s",
            "loud",
            "loud:40",
            "loud:200dB",
        ] {
            assert!(FaultPlan::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(FaultPlan::parse("").unwrap().faults.is_empty());
    }
}
