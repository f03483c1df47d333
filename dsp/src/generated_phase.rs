//! Generated phase: coherent phase for output energy the input does not have.
//!
//! A `magnitude` model keeps the input's phase in every bin. Where the output is about as loud
//! as the input, that is right: the partials are the input's. Where the model makes energy
//! the input lacks (a string partial sustaining under a decaying piano note, a swell after the
//! source has faded), the input's phase in that bin is the phase of whatever little is left
//! there, often noise, and the output turns rough. Model format version 2 lets a model declare
//! `chameleon.phase = generated`; the model runner then passes each output spectrum through
//! [`PhaseGenerator::apply`] before resynthesis ([`crate::overlap_add`]):
//!
//! - Each bin tracks its **instantaneous frequency** from the input's phase advance from one
//!   hop to the next (the phase vocoder's estimate), while the input bin still carries the
//!   output (less than [`SUPPORT_HIGH_DB`] under it) and is within [`TRACK_RANGE_DB`] of the
//!   frame's loudest bin; otherwise the last estimate is held, so a partial keeps its
//!   frequency after its source has faded.
//! - The **propagated phase** is the output's own phase one hop ago advanced by that frequency.
//! - How much the output exceeds the input in the bin sets the blend, in phasors: up to
//!   [`SUPPORT_LOW_DB`] above the input the input's phase is kept exactly; from
//!   [`SUPPORT_HIGH_DB`] on the propagated phase is used; in between a smoothstep blends them.
//!
//! Magnitudes are never changed. State is per channel and per bin; hops the model did not run
//! (a late frame, a silent hop) advance the propagated phase by the hops that passed. The
//! Python reference engine (`training/chameleon_training/phase.py`) computes the same.
//!
//! **Phasors, not angles.** The Python reference states the method in angles. This module
//! computes the same quantities as unit phasors, so the bins where the output keeps the
//! input's phase (most of them) need no transcendental function at all: the blend threshold is
//! a power ratio, the kept phase is the input's phasor, and the input's phase advance is kept
//! as the complex product of this hop's input and the last one's, turned into a frequency and
//! its one-hop rotation only when a bin takes propagated phase, and once per tracking hop (a
//! partial sustained over a faded input rotates by the same phasor hop after hop). Both forms
//! agree to float rounding (`phasors_compute_what_the_angle_form_computes` below, and the
//! engine parity tests of `training/tests/test_pipeline.py`). Measured in the plugin (`perf`
//! of 8 Studio instances), the angle form's `atan2`, `log10` and `sin_cos` on every bin were
//! about a fifth of all CPU.
//!
//! **Only where the synthesis span is long** ([`runs_at`]). Each bin's phase is propagated on
//! its own, which loses the phase relations between the bins of one partial, and those place
//! the partial's energy in time within the frame. A frame resynthesised over most of its
//! window (Studio: the last three quarters) hardly shows that. A span inside the frame's
//! falling half (Live: the last quarter, where the analysis window is low and the synthesis
//! window lifts it up to 2.7 times) brings the smeared energy forward as a brighter, rougher
//! output, so there the input's phase is kept. Measured with model 2.0.0 on the evaluation of
//! `docs/model-report.md`, Live with generated phase against Live with the input's phase: LSD
//! 4.63 against 4.49 dB, envelope LSD 5.63 against 5.49 dB, recognised as the chosen style
//! 0.81 against 0.83 of the time.

use std::f32::consts::TAU;

use crate::geometry::StftGeometry;
use crate::Complex32;

/// Output up to this many dB over the input in a bin keeps the input's phase exactly.
pub const SUPPORT_LOW_DB: f32 = 6.0;
/// Output this many dB or more over the input in a bin takes the propagated phase.
pub const SUPPORT_HIGH_DB: f32 = 18.0;
/// Input bins within this many dB of the frame's loudest bin update the frequency estimate.
pub const TRACK_RANGE_DB: f32 = 60.0;

/// One bin's state in one channel.
#[derive(Clone, Copy)]
struct BinState {
    /// The input one hop ago (its phase is the input's phase then).
    last_input: Complex32,
    /// The output's phase one hop ago, as a phasor of any non-zero length.
    output_phasor: Complex32,
    /// The input's phase advance at the last hop that tracked the bin, as the product of
    /// that hop's input and the conjugate of the one before (its angle is the advance, in
    /// radians, modulo 2π).
    tracked_turn: Complex32,
    /// Hops that had passed at that tracking hop; 0 when the bin has not been tracked since
    /// the last reset, and its frequency is the bin's nominal one.
    tracked_hops: f32,
    /// The instantaneous frequency `tracked_turn` gives, in radians per hop, and its one-hop
    /// rotation `e^(i advance)`; `None` until a bin that takes propagated phase needs them
    /// after a new tracking hop.
    cached_advance: Option<(f32, Complex32)>,
}

impl BinState {
    const START: Self = Self {
        last_input: Complex32::new(0.0, 0.0),
        output_phasor: Complex32::new(1.0, 0.0),
        tracked_turn: Complex32::new(0.0, 0.0),
        tracked_hops: 0.0,
        cached_advance: None,
    };

    /// The bin's instantaneous frequency in radians per hop (the last tracked phase advance,
    /// or the bin's `nominal` one) and its one-hop rotation, computed once per tracking hop.
    fn advance(&mut self, nominal: f32) -> (f32, Complex32) {
        *self.cached_advance.get_or_insert_with(|| {
            let n = self.tracked_hops;
            let advance = if n > 0.0 {
                let z = self.tracked_turn;
                nominal + wrap(z.im.atan2(z.re) - nominal * n) / n
            } else {
                nominal
            };
            let (s, c) = advance.sin_cos();
            (advance, Complex32::new(c, s))
        })
    }
}

/// One channel's state.
struct ChannelState {
    bins: Vec<BinState>,
    /// The sequence number of the last hop applied, if any since the last reset.
    last_seq: Option<u64>,
}

/// Generated-phase post-processing of output spectra, for every channel of one engine.
/// Allocation-free after [`PhaseGenerator::new`].
pub struct PhaseGenerator {
    /// Nominal phase advance per hop of each bin, `2π k hop / fft_size`, in radians.
    nominal: Vec<f32>,
    channels: Vec<ChannelState>,
}

impl PhaseGenerator {
    /// State for `channels` channels of spectra with `bins` bins from an FFT of `fft_size`
    /// samples analysed every `hop` samples.
    pub fn new(channels: usize, bins: usize, fft_size: usize, hop: usize) -> Self {
        let nominal = (0..bins)
            .map(|k| wrap(TAU * k as f32 * hop as f32 / fft_size as f32))
            .collect();
        let channels = (0..channels)
            .map(|_| ChannelState {
                bins: vec![BinState::START; bins],
                last_seq: None,
            })
            .collect();
        Self { nominal, channels }
    }

    /// Forgets every channel's history (transport jump, reset).
    pub fn reset(&mut self) {
        for c in &mut self.channels {
            c.last_seq = None;
        }
    }

    /// Replaces the phase of `output` (one channel's spectrum for hop `seq`, computed with the
    /// input's phase) where it holds energy `input` lacks, as the module describes.
    pub fn apply(
        &mut self,
        channel: usize,
        seq: u64,
        input: &[Complex32],
        output: &mut [Complex32],
    ) {
        let Some(state) = self.channels.get_mut(channel) else {
            return;
        };
        let elapsed = match state.last_seq {
            Some(last) if seq > last => Some((seq - last).min(1 << 20) as f32),
            _ => None,
        };
        state.last_seq = Some(seq);
        if elapsed.is_none() {
            // The first hop since a reset: every bin starts at its nominal frequency.
            for bin in &mut state.bins {
                bin.tracked_hops = 0.0;
                bin.cached_advance = None;
            }
        }
        let peak = input.iter().map(|x| x.norm_sqr()).fold(0.0f32, f32::max);
        let track_floor = peak * 10f32.powf(-TRACK_RANGE_DB / 10.0);
        let low_ratio = 10f32.powf(SUPPORT_LOW_DB / 10.0);
        let high_ratio = 10f32.powf(SUPPORT_HIGH_DB / 10.0);
        let one = Complex32::new(1.0, 0.0);
        let bins = input.iter().zip(output.iter_mut()).zip(&mut state.bins);
        for (((&x, y), bin), &nominal) in bins.zip(&self.nominal) {
            let power_in = x.norm_sqr();
            let power_out = y.norm_sqr();
            // The share of propagated phase, as `generated_weight` of the output's dB over the
            // input, with the dB computed only inside the blend region (an empty input bin
            // takes it all, a NaN output none).
            let weight = if power_in > 0.0 {
                if power_out >= high_ratio * power_in {
                    1.0
                } else if power_out > low_ratio * power_in {
                    generated_weight(10.0 * (power_out / power_in).log10())
                } else {
                    0.0
                }
            } else {
                1.0
            };
            if let Some(n) = elapsed {
                // Only an input bin that still carries the output's partial (not far under
                // it) and stands out of the frame's floor is trusted for frequency.
                if weight < 1.0 && power_in > track_floor && power_in > 0.0 {
                    let last = bin.last_input;
                    bin.tracked_turn = if last.norm_sqr() > 0.0 {
                        x * last.conj()
                    } else {
                        x
                    };
                    bin.tracked_hops = n;
                    bin.cached_advance = None;
                }
            }
            bin.last_input = x;
            if weight <= 0.0 {
                // The input's phase, kept exactly (`x` is not empty here).
                bin.output_phasor = x;
                continue;
            }
            // The input's phase as a unit phasor (an empty bin has phase 0), where needed.
            let phasor_in = || unit(x).unwrap_or(one);
            let generated = match elapsed {
                None => phasor_in(),
                Some(n) => {
                    let (advance, rotation) = bin.advance(nominal);
                    let rotation = if n == 1.0 {
                        rotation
                    } else {
                        let (s, c) = (advance * n).sin_cos();
                        Complex32::new(c, s)
                    };
                    unit(bin.output_phasor * rotation).unwrap_or_else(phasor_in)
                }
            };
            let phasor_out = if weight >= 1.0 {
                generated
            } else {
                let blend = phasor_in() * (1.0 - weight) + generated * weight;
                if blend.norm_sqr() > 1e-12 {
                    blend / blend.norm_sqr().sqrt()
                } else {
                    generated
                }
            };
            bin.output_phasor = phasor_out;
            if power_out > 0.0 {
                *y = phasor_out * power_out.sqrt();
            }
        }
    }
}

/// `z` scaled to unit length, or `None` when it has none.
fn unit(z: Complex32) -> Option<Complex32> {
    let power = z.norm_sqr();
    (power > 0.0 && power.is_finite()).then(|| z / power.sqrt())
}

/// Whether generated phase runs at an engine geometry: when the synthesis span is more than
/// half the frame (see the module's "Only where the synthesis span is long").
pub fn runs_at(geometry: StftGeometry) -> bool {
    2 * geometry.synthesis_len > geometry.fft_size
}

/// The share of the propagated phase for an output `gain_db` over the input: 0 up to
/// [`SUPPORT_LOW_DB`], 1 from [`SUPPORT_HIGH_DB`], a smoothstep between (NaN counts as 0).
pub fn generated_weight(gain_db: f32) -> f32 {
    let t = (gain_db - SUPPORT_LOW_DB) / (SUPPORT_HIGH_DB - SUPPORT_LOW_DB);
    if t.is_nan() || t <= 0.0 {
        0.0
    } else if t >= 1.0 {
        1.0
    } else {
        t * t * (3.0 - 2.0 * t)
    }
}

/// `x` wrapped into `[-π, π]`.
pub fn wrap(x: f32) -> f32 {
    x - TAU * (x / TAU).round()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f32::consts::PI;

    const N: usize = 1024;
    const H: usize = 256;
    const BINS: usize = N / 2 + 1;

    #[test]
    fn generated_phase_runs_in_studio_and_not_in_live() {
        use crate::latency_mode::LatencyMode;
        let model = StftGeometry::new(N, H).unwrap();
        for (mode, runs) in [(LatencyMode::Studio, true), (LatencyMode::Live, false)] {
            let (geometry, _) = mode.plan(model, 64).unwrap();
            assert_eq!(runs_at(geometry), runs, "{mode:?}");
        }
        assert!(runs_at(model), "the symmetric full-window pair");
    }

    /// One frame of a complex sinusoid in bin-space: a single bin `k` with phase `phi` and
    /// magnitude `mag`.
    fn frame(k: usize, phi: f32, mag: f32) -> Vec<Complex32> {
        let mut f = vec![Complex32::new(0.0, 0.0); BINS];
        let (s, c) = phi.sin_cos();
        f[k] = Complex32::new(c, s) * mag;
        f
    }

    #[test]
    fn output_as_loud_as_the_input_keeps_the_input_phase_exactly() {
        let mut g = PhaseGenerator::new(1, BINS, N, H);
        for t in 0..20u64 {
            let input = frame(40, 0.3 * t as f32, 1.0);
            let mut out: Vec<Complex32> = input.iter().map(|x| x * 1.5).collect();
            let want = out.clone();
            g.apply(0, t, &input, &mut out);
            assert_eq!(out, want, "hop {t}");
        }
    }

    #[test]
    fn a_partial_sustained_over_a_fading_input_keeps_its_frequency() {
        let mut g = PhaseGenerator::new(1, BINS, N, H);
        // A partial at bin 40 plus a quarter bin: its phase advances by this each hop.
        let advance = TAU * 40.25 * H as f32 / N as f32;
        let mut last = 0.0f32;
        for t in 0..40u64 {
            // The input fades by 3 dB a hop and is noise-like (a random phase) after hop 10;
            // the output holds the partial's level.
            let fade = 10f32.powf(-3.0 * t as f32 / 20.0);
            let phi = if t < 10 {
                advance * t as f32
            } else {
                (t as f32 * 12.9898).sin() * 43758.545
            };
            let input = frame(40, phi, fade);
            let mut out = frame(40, phi, 1.0);
            g.apply(0, t, &input, &mut out);
            let got = out[40].im.atan2(out[40].re);
            assert!(
                (out[40].norm() - 1.0).abs() < 1e-5,
                "magnitude changed at hop {t}"
            );
            if t > 12 {
                let step = wrap(got - last);
                assert!((step - wrap(advance)).abs() < 1e-3, "hop {t}: step {step}");
            }
            last = got;
        }
    }

    #[test]
    fn skipped_hops_advance_the_phase_by_the_hops_that_passed_and_reset_forgets() {
        let mut g = PhaseGenerator::new(2, BINS, N, H);
        let advance = wrap(TAU * 40.0 * H as f32 / N as f32);
        let input = frame(40, 0.0, 1.0);
        // Output 30 dB over the input: the propagated phase alone.
        let mut out = frame(40, 0.0, 31.6);
        g.apply(1, 5, &input, &mut out);
        let first = out[40].im.atan2(out[40].re);
        let mut out = frame(40, 0.0, 31.6);
        let silent_input = vec![Complex32::new(0.0, 0.0); BINS];
        g.apply(1, 8, &silent_input, &mut out);
        let later = out[40].im.atan2(out[40].re);
        assert!((wrap(later - first) - wrap(3.0 * advance)).abs() < 1e-4);
        g.reset();
        let mut out = frame(40, 0.7, 31.6);
        g.apply(1, 9, &frame(40, 0.7, 1.0), &mut out);
        assert!(
            (out[40].im.atan2(out[40].re) - 0.7).abs() < 1e-6,
            "after a reset the input phase starts"
        );
    }

    /// The method as the Python reference states it, in angles (the form this module had
    /// before it worked in phasors): one channel, `frames` of (input, output) spectra, hops
    /// numbered by `seqs`.
    fn angle_reference(
        frames: &[(Vec<Complex32>, Vec<Complex32>)],
        seqs: &[u64],
    ) -> Vec<Vec<Complex32>> {
        let nominal: Vec<f32> = (0..BINS)
            .map(|k| wrap(TAU * k as f32 * H as f32 / N as f32))
            .collect();
        let (mut input_phase, mut output_phase, mut advance) =
            (vec![0.0f32; BINS], vec![0.0f32; BINS], vec![0.0f32; BINS]);
        let mut last_seq: Option<u64> = None;
        let mut outputs = Vec::new();
        for ((input, output), &seq) in frames.iter().zip(seqs) {
            let mut output = output.clone();
            let elapsed = match last_seq {
                Some(last) if seq > last => Some((seq - last) as f32),
                _ => None,
            };
            last_seq = Some(seq);
            let peak = input.iter().map(|x| x.norm_sqr()).fold(0.0f32, f32::max);
            let floor = peak * 10f32.powf(-TRACK_RANGE_DB / 10.0);
            for k in 0..BINS {
                let (x, y) = (input[k], output[k]);
                let (power_in, power_out) = (x.norm_sqr(), y.norm_sqr());
                let phase_in = x.im.atan2(x.re);
                let weight = if power_in > 0.0 {
                    generated_weight(10.0 * (power_out / power_in).log10())
                } else {
                    1.0
                };
                let generated = match elapsed {
                    None => {
                        advance[k] = nominal[k];
                        phase_in
                    }
                    Some(n) => {
                        if weight < 1.0 && power_in > floor && power_in > 0.0 {
                            let expected = input_phase[k] + nominal[k] * n;
                            advance[k] = nominal[k] + wrap(phase_in - expected) / n;
                        }
                        wrap(output_phase[k] + advance[k] * n)
                    }
                };
                input_phase[k] = phase_in;
                let phase_out = if weight <= 0.0 {
                    phase_in
                } else if weight >= 1.0 {
                    generated
                } else {
                    let (si, ci) = phase_in.sin_cos();
                    let (sg, cg) = generated.sin_cos();
                    let re = (1.0 - weight) * ci + weight * cg;
                    let im = (1.0 - weight) * si + weight * sg;
                    im.atan2(re)
                };
                output_phase[k] = phase_out;
                if weight > 0.0 && power_out > 0.0 {
                    let (s, c) = phase_out.sin_cos();
                    output[k] = Complex32::new(c, s) * power_out.sqrt();
                }
            }
            outputs.push(output);
        }
        outputs
    }

    #[test]
    fn phasors_compute_what_the_angle_form_computes() {
        // Every case at once: random phases and levels, outputs from 20 dB under to 40 dB
        // over their input (all three blend regions), empty input bins, a skipped hop and a
        // restart.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        let seqs = [0u64, 1, 2, 3, 5, 6, 7, 2, 3, 4, 5, 6];
        let frames: Vec<_> = seqs
            .iter()
            .map(|_| {
                let mut input = vec![Complex32::new(0.0, 0.0); BINS];
                let mut output = input.clone();
                for k in 0..BINS {
                    let level = 10f32.powf(-3.0 * uniform());
                    let (s, c) = (TAU * uniform()).sin_cos();
                    let x = Complex32::new(c, s) * level;
                    let gain = 10f32.powf((60.0 * uniform() - 20.0) / 20.0);
                    input[k] = if k % 97 == 3 {
                        Complex32::new(0.0, 0.0)
                    } else {
                        x
                    };
                    output[k] = x * gain;
                }
                (input, output)
            })
            .collect();
        let want = angle_reference(&frames, &seqs);
        let mut g = PhaseGenerator::new(1, BINS, N, H);
        for (t, ((input, output), &seq)) in frames.iter().zip(&seqs).enumerate() {
            let mut got = output.clone();
            g.apply(0, seq, input, &mut got);
            for k in 0..BINS {
                let (a, b) = (got[k], want[t][k]);
                assert!(
                    (a - b).norm() <= 1e-3 * b.norm().max(1e-6),
                    "hop {t}, bin {k}: {a} against {b}"
                );
            }
        }
    }

    #[test]
    fn the_blend_is_continuous_and_bounded() {
        assert_eq!(generated_weight(0.0), 0.0);
        assert_eq!(generated_weight(SUPPORT_LOW_DB), 0.0);
        assert_eq!(generated_weight(SUPPORT_HIGH_DB), 1.0);
        assert_eq!(generated_weight(f32::NAN), 0.0);
        assert_eq!(generated_weight(f32::INFINITY), 1.0);
        let mut last = 0.0;
        for i in 0..=240 {
            let w = generated_weight(i as f32 * 0.1);
            assert!((0.0..=1.0).contains(&w) && w >= last && w - last < 0.03);
            last = w;
        }
        assert!((wrap(3.0 * PI) - PI).abs() < 1e-5 || (wrap(3.0 * PI) + PI).abs() < 1e-5);
    }
}
