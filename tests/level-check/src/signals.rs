//! Deterministic test inputs, mono, at any sample rate.

use std::f64::consts::TAU;

/// A named input.
#[derive(Debug, Clone)]
pub struct Signal {
    /// Short identifier, as used in reports.
    pub name: &'static str,
    /// Samples, mono.
    pub samples: Vec<f32>,
    /// Whether the input's RMS is a level a listener hears. A DC step's is not: it is silent,
    /// and a style voices it as tones whose level says nothing about a fair A/B, so only the
    /// ceilings (never louder) apply to it, not the floor (see
    /// [`crate::bounds::Bounds::for_input`]).
    pub heard_level: bool,
}

/// Every hostile input, `seconds` long each at `rate` Hz: white and pink noise, a drum-like
/// loop, sine sweeps at −12 and −1 dBFS, a square wave, an impulse train and a DC step.
pub fn hostile(rate: f32, seconds: f32) -> Vec<Signal> {
    let n = (rate * seconds) as usize;
    vec![
        Signal {
            name: "white noise",
            samples: white_noise(n, 1, 0.1),
            heard_level: true,
        },
        Signal {
            name: "pink noise",
            samples: pink_noise(n, 2, 0.1),
            heard_level: true,
        },
        Signal {
            name: "drum loop",
            samples: drum_loop(n, rate),
            heard_level: true,
        },
        Signal {
            name: "sweep -12 dBFS",
            samples: sweep(n, rate, db_to_amplitude(-12.0)),
            heard_level: true,
        },
        Signal {
            name: "sweep -1 dBFS",
            samples: sweep(n, rate, db_to_amplitude(-1.0)),
            heard_level: true,
        },
        Signal {
            name: "square 110 Hz",
            samples: square(n, rate, 110.0, 0.25),
            heard_level: true,
        },
        Signal {
            name: "impulse train",
            samples: impulse_train(n, rate, 4.0, 0.9),
            heard_level: true,
        },
        Signal {
            name: "DC step",
            samples: dc_step(n, 0.25),
            heard_level: false,
        },
    ]
}

/// Linear amplitude of `db` dBFS.
pub fn db_to_amplitude(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// Uniform in −1..1.
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// White noise of RMS `rms` (uniform distribution).
pub fn white_noise(n: usize, seed: u64, rms: f64) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    let scale = rms * 3f64.sqrt();
    (0..n).map(|_| (rng.next() * scale) as f32).collect()
}

/// Pink (−3 dB per octave) noise of RMS `rms`, by Paul Kellet's filter.
pub fn pink_noise(n: usize, seed: u64, rms: f64) -> Vec<f32> {
    let mut rng = XorShift::new(seed);
    let mut b = [0.0f64; 7];
    let raw: Vec<f64> = (0..n)
        .map(|_| {
            let white = rng.next();
            b[0] = 0.99886 * b[0] + white * 0.0555179;
            b[1] = 0.99332 * b[1] + white * 0.0750759;
            b[2] = 0.96900 * b[2] + white * 0.1538520;
            b[3] = 0.86650 * b[3] + white * 0.3104856;
            b[4] = 0.55000 * b[4] + white * 0.5329522;
            b[5] = -0.7616 * b[5] - white * 0.0168980;
            let pink = b[..6].iter().sum::<f64>() + b[6] + white * 0.5362;
            b[6] = white * 0.115926;
            pink
        })
        .collect();
    normalise(&raw, rms)
}

/// A drum-like loop at 120 BPM: a pitched-down sine kick on every beat, a noise-burst snare on
/// the off-beats and noise hats on every eighth, peaking near full scale.
pub fn drum_loop(n: usize, rate: f32) -> Vec<f32> {
    let rate = f64::from(rate);
    let beat = (rate * 0.5) as usize;
    let eighth = beat / 2;
    let mut rng = XorShift::new(3);
    let mut out = vec![0.0f64; n];
    for start in (0..n).step_by(eighth.max(1)) {
        let index = start / eighth.max(1);
        let len = ((0.25 * rate) as usize).min(n - start);
        for i in 0..len {
            let t = i as f64 / rate;
            let mut x = 0.0;
            if index.is_multiple_of(2) {
                // Kick: 120 Hz falling to 45 Hz, 120 ms decay.
                let phase = TAU * (45.0 * t + 75.0 * 0.03 * (1.0 - (-t / 0.03).exp()));
                x += 0.9 * phase.sin() * (-t / 0.12).exp();
            }
            if index % 4 == 2 {
                // Snare: noise burst, 60 ms decay.
                x += 0.6 * rng.next() * (-t / 0.06).exp();
            }
            // Hat: 15 ms noise.
            x += 0.15 * rng.next() * (-t / 0.015).exp();
            out[start + i] += x;
        }
    }
    let peak = out.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-9);
    out.iter().map(|x| (x / peak * 0.98) as f32).collect()
}

/// A logarithmic sine sweep from 40 Hz to 16 kHz (or 0.45 × `rate`) of peak `amplitude`.
pub fn sweep(n: usize, rate: f32, amplitude: f32) -> Vec<f32> {
    let rate = f64::from(rate);
    let (f0, f1) = (40.0, 16_000.0f64.min(0.45 * rate));
    let duration = n as f64 / rate;
    let k = (f1 / f0).ln() / duration;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let phase = TAU * f0 * ((k * t).exp() - 1.0) / k;
            (phase.sin() * f64::from(amplitude)) as f32
        })
        .collect()
}

/// A naive square wave of `freq` Hz and peak `amplitude`.
pub fn square(n: usize, rate: f32, freq: f32, amplitude: f32) -> Vec<f32> {
    let period = f64::from(rate) / f64::from(freq);
    (0..n)
        .map(|i| {
            if (i as f64 % period) < period / 2.0 {
                amplitude
            } else {
                -amplitude
            }
        })
        .collect()
}

/// Single-sample impulses of `amplitude`, `per_second` of them, the first after 10 ms.
pub fn impulse_train(n: usize, rate: f32, per_second: f32, amplitude: f32) -> Vec<f32> {
    let period = (rate / per_second).max(1.0) as usize;
    let first = (rate * 0.01) as usize;
    (0..n)
        .map(|i| {
            if i >= first && (i - first).is_multiple_of(period) {
                amplitude
            } else {
                0.0
            }
        })
        .collect()
}

/// Silence, then a step to `level` a quarter of the way in.
pub fn dc_step(n: usize, level: f32) -> Vec<f32> {
    (0..n)
        .map(|i| if i >= n / 4 { level } else { 0.0 })
        .collect()
}

fn normalise(x: &[f64], rms: f64) -> Vec<f32> {
    let current = (x.iter().map(|v| v * v).sum::<f64>() / x.len().max(1) as f64).sqrt();
    let scale = if current > 0.0 { rms / current } else { 0.0 };
    x.iter().map(|v| (v * scale) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn every_input_has_its_length_and_a_sane_level() {
        for s in hostile(48000.0, 2.0) {
            assert_eq!(s.samples.len(), 96000, "{}", s.name);
            let peak = s.samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.05 && peak <= 1.0, "{}: peak {peak}", s.name);
        }
        assert!((rms(&white_noise(48000, 1, 0.1)) - 0.1).abs() < 0.002);
        assert!((rms(&pink_noise(48000, 1, 0.1)) - 0.1).abs() < 1e-6);
        let sweep = sweep(48000, 48000.0, 0.5);
        assert!((sweep.iter().fold(0.0f32, |m, x| m.max(x.abs())) - 0.5).abs() < 1e-3);
    }
}
