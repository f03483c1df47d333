//! The live view's feed: the audio thread copies the input and output signal (mixed to mono)
//! into two rings of atomics, and the editor reads the newest samples from them.
//!
//! Only plain atomic loads and stores are involved, so neither side can block the other. The
//! audio thread writes only while an editor window is open ([`LiveFeed::is_active`], one check
//! per block); with the editor closed the feed costs two atomic loads per block.
//!
//! A reader that falls behind by more than [`FEED_CAPACITY`] samples skips ahead; one that
//! reads while the writer laps it may see a few samples of the next block in the oldest part of
//! its window. Both only blur the picture for one frame, which is fine for a display.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use nice_plug_egui::EguiEditorState;

/// Samples each ring holds (a power of two): 341 ms at 48 kHz, 85 ms at 192 kHz.
pub const FEED_CAPACITY: usize = 1 << 14;
const MASK: usize = FEED_CAPACITY - 1;

/// Frames mixed per inner loop, so each channel is read in order.
const CHUNK: usize = 64;

/// A single-writer ring of mono samples held as `f32` bits in atomics.
pub struct SampleRing {
    data: Box<[AtomicU32]>,
    /// Samples written since creation (wraps at `usize::MAX`).
    written: AtomicUsize,
}

impl Default for SampleRing {
    fn default() -> Self {
        Self {
            data: (0..FEED_CAPACITY).map(|_| AtomicU32::new(0)).collect(),
            written: AtomicUsize::new(0),
        }
    }
}

impl SampleRing {
    /// Appends the mean of `channels`, sample by sample. Real-time safe (no allocation, no
    /// locks); call from one thread only.
    pub fn push_mixed(&self, channels: &[&mut [f32]]) {
        let Some(first) = channels.first() else {
            return;
        };
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let scale = 1.0 / channels.len() as f32;
        let start = self.written.load(Ordering::Relaxed);
        let mut mixed = [0.0f32; CHUNK];
        let mut done = 0;
        while done < len {
            let n = CHUNK.min(len - done);
            mixed[..n].copy_from_slice(&first[done..done + n]);
            for channel in &channels[1..] {
                for (m, x) in mixed[..n].iter_mut().zip(&channel[done..done + n]) {
                    *m += *x;
                }
            }
            for (i, m) in mixed[..n].iter().enumerate() {
                let slot = start.wrapping_add(done + i) & MASK;
                self.data[slot].store((m * scale).to_bits(), Ordering::Relaxed);
            }
            done += n;
        }
        self.written
            .store(start.wrapping_add(len), Ordering::Release);
    }

    /// Samples written so far (a running count that wraps at `usize::MAX`).
    pub fn written(&self) -> usize {
        self.written.load(Ordering::Acquire)
    }

    /// Copies the newest `out.len()` samples (at most [`FEED_CAPACITY`]) into `out`, oldest
    /// first, and returns the running count they end at.
    pub fn read_latest(&self, out: &mut [f32]) -> usize {
        let end = self.written();
        let n = out.len().min(FEED_CAPACITY);
        let begin = end.wrapping_sub(n);
        for (i, o) in out[..n].iter_mut().enumerate() {
            let slot = begin.wrapping_add(i) & MASK;
            *o = f32::from_bits(self.data[slot].load(Ordering::Relaxed));
        }
        end
    }
}

/// The input and output rings, and whether anyone is looking.
#[derive(Default)]
pub struct LiveFeed {
    /// The plugin's input, before any processing.
    pub input: SampleRing,
    /// The plugin's output, after the engine, mix, output gain and bypass.
    pub output: SampleRing,
    editor: OnceLock<Arc<EguiEditorState>>,
    forced: AtomicBool,
}

impl LiveFeed {
    /// Ties the feed to an editor: it runs while that editor's window is open.
    pub fn attach(&self, editor: Arc<EguiEditorState>) {
        let _ = self.editor.set(editor);
    }

    /// Keeps the feed running with no editor (benchmarks and tests).
    pub fn force_active(&self, on: bool) {
        self.forced.store(on, Ordering::Relaxed);
    }

    /// Whether the audio thread should write the rings. Two atomic loads.
    #[inline]
    pub fn is_active(&self) -> bool {
        self.forced.load(Ordering::Relaxed) || self.editor.get().is_some_and(|e| e.is_open())
    }

    /// Records the input of a block (call before processing it in place). Real-time safe.
    #[inline]
    pub fn capture_input(&self, channels: &[&mut [f32]]) {
        if self.is_active() {
            self.input.push_mixed(channels);
        }
    }

    /// Records the output of a block (call after processing it). Real-time safe.
    #[inline]
    pub fn capture_output(&self, channels: &[&mut [f32]]) {
        if self.is_active() {
            self.output.push_mixed(channels);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_the_newest_mono_mix_across_the_wrap() {
        let ring = SampleRing::default();
        let mut left: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        let mut right: Vec<f32> = (0..1000).map(|i| i as f32 + 2.0).collect();
        for _ in 0..20 {
            ring.push_mixed(&[&mut left[..], &mut right[..]]);
        }
        let mut out = [0.0f32; 5];
        let end = ring.read_latest(&mut out);
        assert_eq!(end, 20_000);
        assert_eq!(out, [996.0, 997.0, 998.0, 999.0, 1000.0]);
    }

    #[test]
    fn stays_silent_until_someone_looks() {
        let feed = LiveFeed::default();
        let mut block = vec![1.0f32; 256];
        feed.capture_input(&[&mut block[..]]);
        assert_eq!(feed.input.written(), 0);
        feed.force_active(true);
        feed.capture_input(&[&mut block[..]]);
        assert_eq!(feed.input.written(), 256);
        let editor =
            EguiEditorState::from_size(nice_plug::editor::dpi::LogicalSize::new(10.0, 10.0), 1.0);
        feed.force_active(false);
        feed.attach(editor);
        feed.capture_output(&[&mut block[..]]);
        assert_eq!(feed.output.written(), 0, "the editor's window is not open");
    }
}
