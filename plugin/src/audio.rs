//! The audio thread's side: runs the current processor, takes new ones from the loader and
//! crossfades to them, and hands replaced ones back to be dropped elsewhere.
//!
//! Everything here is real-time safe: no allocation, no locks, no waits (except the engine's
//! own wait for frames when the host renders offline).

use ringbuf::traits::{Consumer, Producer};

use chameleon_dsp::{Controls, MAX_CHANNELS};

use crate::engine_builder::Built;
use crate::loader::AudioEnds;

/// Length of the crossfade from a replaced engine to its successor, in seconds.
pub const SWAP_FADE_SECONDS: f32 = 0.05;

/// An engine being replaced: it keeps running until its successor has filled its latency, then
/// fades out.
struct Outgoing {
    built: Box<Built>,
    /// Samples before the fade starts.
    warmup_left: usize,
    /// Samples into the fade.
    fade_pos: usize,
    fade_len: usize,
}

/// The audio thread's processors and ring ends.
#[derive(Default)]
pub struct AudioSide {
    current: Option<Box<Built>>,
    outgoing: Option<Outgoing>,
    ends: Option<AudioEnds>,
    /// Engines that could not be handed back yet because the ring was full.
    backlog: [Option<Box<Built>>; 4],
    /// A copy of the input for the outgoing engine, per channel (allocated at activation).
    scratch: Vec<Vec<f32>>,
    activation: u64,
}

impl AudioSide {
    /// Connects the loader's rings (once per instance).
    pub fn connect(&mut self, ends: AudioEnds) {
        self.ends = Some(ends);
    }

    /// Whether the loader's rings are connected.
    pub fn is_connected(&self) -> bool {
        self.ends.is_some()
    }

    /// Installs the engine of a new activation (not on the audio thread: the replaced engines
    /// are dropped here). Allocates the crossfade scratch for `max_block` samples.
    pub fn install(&mut self, built: Box<Built>) {
        self.activation = built.activation;
        let channels = built.spec.channels.clamp(1, MAX_CHANNELS);
        let len = built.spec.max_block.clamp(1, 16384);
        self.scratch = vec![vec![0.0; len]; channels];
        self.current = Some(built);
        self.outgoing = None;
        self.backlog = Default::default();
        if let Some(ends) = &mut self.ends {
            while let Some(stale) = ends.incoming.try_pop() {
                drop(stale);
            }
        }
    }

    /// The running engine, if any.
    pub fn current(&self) -> Option<&Built> {
        self.current.as_deref()
    }

    /// Number of styles the running model holds (1 when none runs).
    pub fn style_count(&self) -> usize {
        self.current.as_ref().map_or(1, |b| b.style_count)
    }

    fn retire(&mut self, built: Box<Built>) {
        let mut item = Some(built);
        if let Some(ends) = &mut self.ends {
            for slot in &mut self.backlog {
                if let Some(waiting) = slot.take() {
                    if let Err(back) = ends.retire.try_push(waiting) {
                        *slot = Some(back);
                    }
                }
            }
            if let Some(b) = item.take() {
                if let Err(back) = ends.retire.try_push(b) {
                    item = Some(back);
                }
            }
        }
        if let Some(b) = item {
            if let Some(slot) = self.backlog.iter_mut().find(|s| s.is_none()) {
                *slot = Some(b);
            } else {
                // NOTE: Never free on the audio thread. This needs more than
                // `RING_CAPACITY + 4` swaps between two loader polls, which cannot happen with
                // one loader; leaking is the safe answer if it ever does.
                std::mem::forget(b);
            }
        }
    }

    /// Takes a new engine from the loader, if one is waiting, and crossfades to it. Returns its
    /// latency when it differs from the running one's (the host must be told). Real-time safe.
    pub fn poll(&mut self) -> Option<usize> {
        let mut newest: Option<Box<Built>> = None;
        let mut stale: [Option<Box<Built>>; 2] = Default::default();
        if let Some(ends) = &mut self.ends {
            while let Some(built) = ends.incoming.try_pop() {
                let old = if built.activation == self.activation {
                    newest.replace(built)
                } else {
                    Some(built)
                };
                if let Some(old) = old {
                    if let Some(slot) = stale.iter_mut().find(|s| s.is_none()) {
                        *slot = Some(old);
                    } else {
                        std::mem::forget(old);
                    }
                }
            }
        }
        for old in stale.into_iter().flatten() {
            self.retire(old);
        }
        let new = newest?;
        let old = self.current.replace(new);
        let new_latency = self.current.as_ref().map_or(0, |b| b.latency);
        let old = old?;
        if let Some(out) = self.outgoing.take() {
            self.retire(out.built);
        }
        if old.spec.channels != self.scratch.len() {
            self.retire(old);
            return Some(new_latency);
        }
        // A new latency (another latency mode) is reported at once and crossfaded like any
        // other swap: the old engine plays until the new one has filled its latency.
        let changed = (old.latency != new_latency).then_some(new_latency);
        let sr = old.spec.sample_rate;
        let fft = self.current.as_ref().map_or(0, |b| b.info.fft_size);
        self.outgoing = Some(Outgoing {
            warmup_left: new_latency + fft,
            fade_pos: 0,
            fade_len: ((SWAP_FADE_SECONDS * sr) as usize).max(1),
            built: old,
        });
        changed
    }

    /// Sets the controls of the running engines. Real-time safe.
    pub fn set_controls(&mut self, make: impl Fn(usize) -> Controls) {
        for built in self
            .current
            .iter_mut()
            .chain(self.outgoing.as_mut().map(|o| &mut o.built))
        {
            if let crate::engine_builder::Processor::Engine(engine) = &mut built.processor {
                engine.set_controls(&make(built.style_count));
            }
        }
    }

    /// Clears the audio history of the running engine and ends any crossfade. Real-time safe.
    pub fn reset(&mut self) {
        if let Some(out) = self.outgoing.take() {
            self.retire(out.built);
        }
        if let Some(current) = &mut self.current {
            current.processor.reset();
        }
    }

    /// Processes one block in place. Real-time safe.
    pub fn process(&mut self, channels: &mut [&mut [f32]]) {
        let Some(current) = self.current.as_mut() else {
            return;
        };
        let Some(out) = self.outgoing.as_mut() else {
            current.processor.process(channels);
            return;
        };
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let chunk = self.scratch.first().map_or(0, Vec::len).max(1);
        let count = channels.len().min(self.scratch.len());
        let mut start = 0;
        while start < len {
            let n = chunk.min(len - start);
            for (s, c) in self.scratch.iter_mut().zip(channels.iter()) {
                s[..n].copy_from_slice(&c[start..start + n]);
            }
            {
                let mut old_io: [&mut [f32]; MAX_CHANNELS] = Default::default();
                for (slot, s) in old_io.iter_mut().zip(self.scratch.iter_mut()) {
                    *slot = &mut s[..n];
                }
                out.built.processor.process(&mut old_io[..count]);
            }
            {
                let mut new_io: [&mut [f32]; MAX_CHANNELS] = Default::default();
                for (slot, c) in new_io.iter_mut().zip(channels.iter_mut()) {
                    *slot = &mut c[start..start + n];
                }
                current.processor.process(&mut new_io[..count]);
            }
            for i in 0..n {
                let t = if out.warmup_left > 0 {
                    out.warmup_left -= 1;
                    0.0
                } else {
                    out.fade_pos = (out.fade_pos + 1).min(out.fade_len);
                    out.fade_pos as f32 / out.fade_len as f32
                };
                for (s, c) in self.scratch.iter().zip(channels.iter_mut()) {
                    let x = &mut c[start + i];
                    *x = s[i] + (*x - s[i]) * t;
                }
            }
            start += n;
        }
        if out.fade_pos >= out.fade_len {
            if let Some(done) = self.outgoing.take() {
                self.retire(done.built);
            }
        }
    }
}
