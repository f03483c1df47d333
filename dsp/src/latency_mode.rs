//! Latency modes: how the engine trades delay against resynthesis length.
//!
//! Both modes analyse with the model's own window (the square-root Hann of its FFT length,
//! scaled to the host rate), so one model file serves both. They differ in the hop, the
//! synthesis span ([`crate::low_delay_window`]) and the worker budget:
//!
//! ```text
//! latency = synthesis_len + budget_hops × hop + model_extra_latency
//! budget_hops = max(min_budget_hops, ceil(min(max_block, 2048) / hop))
//! min_budget_hops = 2 in Studio, 1 in Live
//! ```
//!
//! The budget is one host block rounded up to whole hops: a frame analysed during one host
//! call is due in a later call, so the worker always has at least one block period (1.3 ms
//! at 64 samples and 48 kHz; the bundled model needs about 0.2 ms per hop). Studio, whose
//! delay the host compensates, keeps at least two hops (10.7 ms at 48 kHz): a host thread or
//! shared worker held up for a few milliseconds, which then catches up block after block,
//! still finds its frames done.
//!
//! - **Studio** keeps the model's hop and resynthesises the last three quarters of each frame
//!   ([`studio_synthesis_len`]; the whole frame for a half-window hop), at every host block
//!   size, so a render never depends on the buffer size. At 48 kHz with the 1024/256 model:
//!   1280 samples (26.7 ms) for blocks up to 512 and 1792 (37.3 ms) at 1024, within
//!   [`STUDIO_MAX_SECONDS`] up to 1152-sample blocks.
//! - **Live** halves the hop's share of the window to `fft / 8` and resynthesises only the
//!   last `fft / 4` samples of each frame. The model still sees frames one model hop apart
//!   (the runner keeps one context and state per phase, see `OnnxModel`), so it runs
//!   `model_hop / hop` times as often. At 48 kHz with the 1024/256 model: 384 samples (8 ms)
//!   for blocks up to 128, and the block plus 256 above.

use crate::geometry::{GeometryError, StftGeometry};

/// Studio's latency target at host blocks of up to 1024 samples at 48 kHz, in seconds (40 ms).
pub const STUDIO_MAX_SECONDS: f32 = 0.040;

/// Host blocks above this many samples are budgeted as this many.
pub const MAX_BUDGETED_BLOCK: usize = 2048;

/// Most hops of worker budget an engine accepts.
pub const MAX_BUDGET_HOPS: usize = 64;

/// How the engine trades latency against resynthesis length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LatencyMode {
    /// The model's own hop, three quarters of its window resynthesised and at least two hops
    /// of worker budget; 26.7 ms at 48 kHz and blocks up to 512.
    #[default]
    Studio,
    /// An eighth-window hop and a quarter-window synthesis span; 8 ms at 48 kHz and small
    /// host blocks.
    Live,
}

impl LatencyMode {
    /// The name used on the command line and in presets (`studio`, `live`).
    pub fn as_str(self) -> &'static str {
        match self {
            LatencyMode::Studio => "studio",
            LatencyMode::Live => "live",
        }
    }

    /// Parses [`LatencyMode::as_str`]'s names.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "studio" => Some(LatencyMode::Studio),
            "live" => Some(LatencyMode::Live),
            _ => None,
        }
    }

    /// The fewest hops of worker budget the mode gives at any host block size.
    pub fn min_budget_hops(self) -> usize {
        match self {
            LatencyMode::Studio => 2,
            LatencyMode::Live => 1,
        }
    }

    /// The engine geometry and worker budget (in hops) for a model whose window at the host
    /// rate is `model` (symmetric, from [`StftGeometry::for_host_rate`]), with host blocks of
    /// up to `max_block` samples.
    pub fn plan(
        self,
        model: StftGeometry,
        max_block: usize,
    ) -> Result<(StftGeometry, usize), GeometryError> {
        let block = max_block.clamp(1, MAX_BUDGETED_BLOCK);
        let geometry = match self {
            LatencyMode::Studio => {
                let geometry = StftGeometry::new(model.fft_size, model.hop)?;
                geometry.with_synthesis_len(studio_synthesis_len(geometry))?
            }
            LatencyMode::Live => {
                let hop = model.fft_size / 8;
                StftGeometry::new(model.fft_size, hop)?.with_synthesis_len(2 * hop)?
            }
        };
        let budget = budget_hops(block, geometry.hop).max(self.min_budget_hops());
        Ok((geometry, budget))
    }
}

/// Studio's synthesis span: the largest whole number of hops within three quarters of the
/// window (768 of 1024 with a quarter-window hop), or the whole window when the hop is half
/// of it. The same at every host block size, so a render does not depend on the buffer size.
pub fn studio_synthesis_len(geometry: StftGeometry) -> usize {
    let hop = geometry.hop.max(1);
    let span = geometry.fft_size * 3 / 4 / hop * hop;
    if span >= 2 * hop {
        span
    } else {
        geometry.fft_size
    }
}

/// Worker budget in hops for host blocks of `block` samples: the block in whole hops, at least
/// one, at most [`MAX_BUDGET_HOPS`].
pub fn budget_hops(block: usize, hop: usize) -> usize {
    block.div_ceil(hop.max(1)).clamp(1, MAX_BUDGET_HOPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latency(mode: LatencyMode, rate: f32, block: usize) -> usize {
        let model = StftGeometry::for_host_rate(1024, 256, 48_000.0, rate).unwrap();
        let (g, budget) = mode.plan(model, block).unwrap();
        g.synthesis_len + budget * g.hop
    }

    #[test]
    fn studio_meets_its_targets_at_48_khz() {
        for block in [1, 32, 64, 128, 256, 512] {
            assert_eq!(latency(LatencyMode::Studio, 48_000.0, block), 1280);
        }
        assert_eq!(latency(LatencyMode::Studio, 48_000.0, 1024), 1792);
        for block in [1, 64, 256, 512, 1024] {
            let samples = latency(LatencyMode::Studio, 48_000.0, block) as f32;
            assert!(
                samples <= STUDIO_MAX_SECONDS * 48_000.0,
                "{block}: {samples}"
            );
        }
        let half_hop = StftGeometry::new(1024, 512).unwrap();
        assert_eq!(studio_synthesis_len(half_hop), 1024);
    }

    #[test]
    fn live_meets_its_targets_at_every_rate() {
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            let per_ms = rate / 1000.0;
            for block in [1, 16, 32, 64] {
                let samples = latency(LatencyMode::Live, rate, block) as f32;
                assert!(samples / per_ms <= 8.71, "{rate} {block}: {samples}");
            }
        }
        assert_eq!(latency(LatencyMode::Live, 48_000.0, 64), 384);
        for block in [65, 128, 256, 512, 1024, 2048] {
            let samples = latency(LatencyMode::Live, 48_000.0, block);
            assert!(samples <= block + 448, "{block}: {samples}");
        }
    }

    #[test]
    fn names_round_trip() {
        for mode in [LatencyMode::Studio, LatencyMode::Live] {
            assert_eq!(LatencyMode::parse(mode.as_str()), Some(mode));
        }
        assert_eq!(LatencyMode::parse("fast"), None);
    }
}
