//! Rise followers: one value per bin and channel that rises towards the bin's power as a
//! one-pole filter and falls with it at once, started again from zero after a reset or a hop
//! the model did not run. The attack times ([`crate::attack_softener`]) and the ensemble voices
//! ([`crate::ensemble`]) both ask how far a bin has risen beyond what it held.

/// One channel's followers.
struct ChannelFollowers {
    /// Each bin's follower, in the power units of the spectrum it follows.
    level: Vec<f32>,
    /// The sequence number of the last hop followed, if any since the last reset.
    last_seq: Option<u64>,
}

/// Rise followers for every channel of one engine. Allocation-free after [`RiseFollowers::new`].
pub struct RiseFollowers {
    channels: Vec<ChannelFollowers>,
}

impl RiseFollowers {
    /// Followers for `channels` channels of `bins` bins, all at zero.
    pub fn new(channels: usize, bins: usize) -> Self {
        Self {
            channels: (0..channels)
                .map(|_| ChannelFollowers {
                    level: vec![0.0; bins],
                    last_seq: None,
                })
                .collect(),
        }
    }

    /// Forgets every channel's history (transport jump, reset).
    pub fn reset(&mut self) {
        for c in &mut self.channels {
            c.last_seq = None;
        }
    }

    /// Channel `channel`'s followers for hop `seq`: at zero again unless `seq` directly follows
    /// the last hop this channel saw. `None` for a channel out of range.
    pub fn for_hop(&mut self, channel: usize, seq: u64) -> Option<&mut [f32]> {
        let state = self.channels.get_mut(channel)?;
        let continues = state.last_seq.and_then(|last| last.checked_add(1)) == Some(seq);
        state.last_seq = Some(seq);
        if !continues {
            state.level.fill(0.0);
        }
        Some(&mut state.level)
    }
}

/// Moves `follower` towards the bin's power `power` and returns how much of it the follower
/// holds, `follower / power`: on a rise the follower takes the share `coefficient` (0 to 1) of
/// it and the result is under 1; on a steady or falling bin (or a power that is not finite) the
/// follower follows at once and the result is 1.
pub fn follow(follower: &mut f32, power: f32, coefficient: f32) -> f32 {
    if power > *follower && power.is_finite() {
        *follower += coefficient * (power - *follower);
        *follower / power
    } else {
        *follower = if power.is_finite() { power } else { 0.0 };
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rise_is_followed_by_a_share_and_a_fall_at_once() {
        let mut f = 0.0;
        assert_eq!(follow(&mut f, 1.0, 0.25), 0.25);
        assert_eq!(f, 0.25);
        assert_eq!(follow(&mut f, 0.1, 0.25), 1.0);
        assert_eq!(f, 0.1);
        assert_eq!(follow(&mut f, f32::NAN, 0.25), 1.0);
        assert_eq!(f, 0.0);
    }

    #[test]
    fn a_skipped_hop_or_a_reset_starts_a_channel_again() {
        let mut r = RiseFollowers::new(2, 4);
        r.for_hop(1, 7).unwrap().fill(1.0);
        assert_eq!(r.for_hop(1, 8).unwrap(), &[1.0; 4]);
        assert_eq!(r.for_hop(1, 10).unwrap(), &[0.0; 4]);
        r.for_hop(1, 11).unwrap().fill(1.0);
        r.reset();
        assert_eq!(r.for_hop(1, 12).unwrap(), &[0.0; 4]);
        assert!(r.for_hop(2, 0).is_none());
        // The last hop a stream can number does not wrap around to a continuation.
        r.for_hop(0, u64::MAX).unwrap().fill(1.0);
        assert_eq!(r.for_hop(0, 0).unwrap(), &[0.0; 4]);
    }
}
