//! A gain applied to one finished hop of wet samples, ramped from the previous hop's so that
//! no change clicks: a fall completes within the first quarter of the hop (the guard must act
//! early in the hop; 64 samples for a 256-sample hop, 32 in the Live mode's 128), a rise takes
//! the whole hop.

/// Share of the hop over which a lower gain is reached (one quarter).
pub const FALL_FRACTION: usize = 4;
/// Samples over which a lower gain is reached with the default 256-sample hop.
pub const FALL_SAMPLES: usize = 256 / FALL_FRACTION;

/// The gain of the previous hop, and the ramp to the next.
#[derive(Debug, Clone, Copy)]
pub struct HopGain {
    current: f32,
    fall: usize,
}

impl Default for HopGain {
    fn default() -> Self {
        Self {
            current: 1.0,
            fall: FALL_SAMPLES,
        }
    }
}

impl HopGain {
    /// A gain for hops of `hop` samples: falls complete within `hop / 4` samples.
    pub fn for_hop(hop: usize) -> Self {
        Self {
            current: 1.0,
            fall: (hop / FALL_FRACTION).max(1),
        }
    }

    /// Back to unity (transport jump).
    pub fn reset(&mut self) {
        self.current = 1.0;
    }

    /// Scales every channel of the hop (`channels[c]`, all the same length) from the previous
    /// gain to `target`. A hop at unity that stays at unity is not touched.
    pub fn apply(&mut self, channels: &mut [Vec<f32>], target: f32) {
        let target = if target.is_finite() {
            target.max(0.0)
        } else {
            0.0
        };
        let start = self.current;
        self.current = target;
        if start == 1.0 && target == 1.0 {
            return;
        }
        let len = channels.iter().map(Vec::len).min().unwrap_or(0);
        let ramp = if target < start {
            self.fall.min(len)
        } else {
            len
        };
        for channel in channels.iter_mut() {
            for (i, x) in channel[..len].iter_mut().enumerate() {
                let g = if i < ramp {
                    start + (target - start) * (i + 1) as f32 / ramp as f32
                } else {
                    target
                };
                *x *= g;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unity_is_untouched_and_changes_are_ramps() {
        let mut g = HopGain::default();
        let mut hop = vec![vec![0.5; 256]];
        g.apply(&mut hop, 1.0);
        assert!(hop[0].iter().all(|&x| x == 0.5));
        g.apply(&mut hop, 0.1);
        assert!((hop[0][FALL_SAMPLES - 1] - 0.05).abs() < 1e-6);
        assert!(hop[0][0] > 0.45);
        let steps = hop[0].windows(2).map(|w| (w[1] - w[0]).abs());
        assert!(steps.fold(0.0f32, f32::max) < 0.5 * 0.9 / FALL_SAMPLES as f32 + 1e-6);
        let mut hop = vec![vec![1.0; 256]];
        g.apply(&mut hop, 1.0);
        assert!((hop[0][127] - (0.1 + 0.9 * 128.0 / 256.0)).abs() < 1e-6);
        assert_eq!(hop[0][255], 1.0);
        g.apply(&mut hop, f32::NAN);
        assert_eq!(hop[0][255], 0.0);
    }
}
