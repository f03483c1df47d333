//! The dry fallback: input delayed by the reported latency, used when no engine can run.

/// A per-channel delay line of a fixed length.
pub struct DryDelay {
    lines: Vec<Vec<f32>>,
    position: usize,
}

impl DryDelay {
    /// A delay of `delay` samples for `channels` channels (allocates; build it off the audio
    /// thread).
    pub fn new(channels: usize, delay: usize) -> Self {
        Self {
            lines: vec![vec![0.0; delay]; channels.max(1)],
            position: 0,
        }
    }

    /// The delay in samples.
    pub fn delay(&self) -> usize {
        self.lines.first().map_or(0, Vec::len)
    }

    /// Delays `channels` in place. Channels beyond the configured count are left untouched.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let delay = self.delay();
        if delay == 0 {
            return;
        }
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        for (line, channel) in self.lines.iter_mut().zip(channels.iter_mut()) {
            let mut p = self.position;
            for x in channel[..len].iter_mut() {
                std::mem::swap(x, &mut line[p]);
                p += 1;
                if p == delay {
                    p = 0;
                }
            }
        }
        self.position = (self.position + len) % delay;
    }

    /// Clears the delay line.
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
        self.position = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_by_exactly_the_configured_length_across_odd_blocks() {
        let mut d = DryDelay::new(2, 7);
        let input: Vec<f32> = (1..=50).map(|i| i as f32).collect();
        let mut out = Vec::new();
        let mut at = 0;
        for size in [1, 3, 5, 13, 28] {
            let mut l = input[at..at + size].to_vec();
            let mut r = l.clone();
            d.process(&mut [&mut l, &mut r]);
            assert_eq!(l, r);
            out.extend(l);
            at += size;
        }
        assert_eq!(&out[..7], &[0.0; 7]);
        assert_eq!(&out[7..], &input[..43]);
    }
}
