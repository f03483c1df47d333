//! Latency-aligned dry/wet mixing: the dry signal is delayed by exactly the engine latency so
//! any mix of an identity path nulls against the delayed input.

use crate::sample_stats;

/// Time for the mix to glide to a new value, in seconds.
const MIX_GLIDE_SECONDS: f32 = 0.01;

/// Per-channel delay lines and a smoothed mix amount.
pub struct DryWetMixer {
    delay: Vec<Vec<f32>>,
    position: usize,
    mix: f32,
    target: f32,
    step: f32,
}

impl DryWetMixer {
    /// A mixer for `channels` channels delaying the dry path by `delay_samples` (at least 1),
    /// gliding mix changes over 10 ms at `sample_rate` Hz.
    pub fn new(channels: usize, delay_samples: usize, sample_rate: f32) -> Self {
        let glide = (MIX_GLIDE_SECONDS * sample_rate).max(1.0);
        Self {
            delay: vec![vec![0.0; delay_samples.max(1)]; channels],
            position: 0,
            mix: 1.0,
            target: 1.0,
            step: 1.0 / glide,
        }
    }

    /// Delay of the dry path, in samples.
    pub fn delay_samples(&self) -> usize {
        self.delay.first().map_or(0, Vec::len)
    }

    /// Sets the mix the mixer glides to, `0` (dry) to `1` (wet).
    pub fn set_target(&mut self, mix: f32) {
        self.target = if mix.is_finite() {
            mix.clamp(0.0, 1.0)
        } else {
            1.0
        };
    }

    /// Jumps to the target mix without gliding.
    pub fn snap(&mut self) {
        self.mix = self.target;
    }

    /// Mixes one channel in place: `io` holds the dry input on entry and the mix on return;
    /// `wet` is the processed signal for the same samples. Call [`DryWetMixer::advance`] once
    /// per segment after all channels.
    pub fn mix_channel(&mut self, channel: usize, io: &mut [f32], wet: &[f32]) {
        let line = &mut self.delay[channel];
        let len = line.len();
        let mut position = self.position;
        let mut mix = self.mix;
        for (x, &w) in io.iter_mut().zip(wet) {
            let input = if x.is_finite() { *x } else { 0.0 };
            let dry = line[position];
            line[position] = input;
            position += 1;
            if position == len {
                position = 0;
            }
            mix = glide(mix, self.target, self.step);
            let out = dry + (w - dry) * mix;
            *x = if out.is_finite() { out } else { dry };
        }
    }

    /// Moves the delay position and the mix glide on by `samples`.
    pub fn advance(&mut self, samples: usize) {
        self.position = (self.position + samples) % self.delay_samples();
        for _ in 0..samples.min((1.0 / self.step) as usize + 1) {
            self.mix = glide(self.mix, self.target, self.step);
        }
    }

    /// Energy `Σx²`, over channels, of the next `samples` dry samples (at most the delay),
    /// the ones the next call to [`DryWetMixer::mix_channel`] will play.
    pub fn upcoming_energy(&self, samples: usize) -> f32 {
        self.upcoming_energy_at(0, samples)
    }

    /// Energy `Σx²`, over channels, of `samples` dry samples starting `offset` samples after
    /// the next one to play (what lies beyond the delay is not counted).
    pub fn upcoming_energy_at(&self, offset: usize, samples: usize) -> f32 {
        self.fold_upcoming(offset, samples, sample_stats::energy, |a, b| a + b)
    }

    /// The largest absolute value, over channels, of `samples` dry samples starting `offset`
    /// samples after the next one to play (what lies beyond the delay is not counted).
    pub fn upcoming_peak(&self, offset: usize, samples: usize) -> f32 {
        self.fold_upcoming(offset, samples, sample_stats::peak, f32::max)
    }

    /// `combine` of `stat` over every channel's (at most two) contiguous pieces of the span.
    fn fold_upcoming(
        &self,
        offset: usize,
        samples: usize,
        stat: fn(&[f32]) -> f32,
        combine: fn(f32, f32) -> f32,
    ) -> f32 {
        let mut acc = 0.0;
        for line in &self.delay {
            let len = line.len();
            let n = samples.min(len.saturating_sub(offset));
            let start = (self.position + offset) % len;
            let first = n.min(len - start);
            acc = combine(acc, stat(&line[start..start + first]));
            acc = combine(acc, stat(&line[..n - first]));
        }
        acc
    }

    /// Clears the delay lines.
    pub fn reset(&mut self) {
        for line in &mut self.delay {
            line.fill(0.0);
        }
        self.position = 0;
        self.mix = self.target;
    }
}

fn glide(current: f32, target: f32, step: f32) -> f32 {
    if current < target {
        (current + step).min(target)
    } else {
        (current - step).max(target)
    }
}
