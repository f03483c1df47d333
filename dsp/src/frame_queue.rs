//! The lock-free frame queue between the audio thread and the worker.
//!
//! Two single-producer single-consumer rings carry boxed frames: one to the worker, one back.
//! The frames come from a fixed pool allocated up front, and the rings are as large as the
//! pool, so a push never fails and no frame is ever allocated or freed while running. Moving a
//! `Box` through a ring moves a pointer.

use ringbuf::traits::{Consumer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::frame::Frame;

/// The audio thread's end: a stack of free frames, the ring to the worker and the ring back.
pub struct AudioEnd {
    // NOTE: frames stay boxed so that moving one through a ring moves a pointer, not the frame.
    #[allow(clippy::vec_box)]
    free: Vec<Box<Frame>>,
    to_worker: HeapProd<Box<Frame>>,
    from_worker: HeapCons<Box<Frame>>,
}

/// The worker's end: frames to process and the ring to send them back on.
pub struct WorkerEnd {
    /// Frames waiting for the model, oldest first.
    pub incoming: HeapCons<Box<Frame>>,
    /// Processed frames, in the order they came in.
    pub outgoing: HeapProd<Box<Frame>>,
}

/// Allocates `pool_size` frames of `channels × bins` and the two rings between the ends.
pub fn frame_queue(pool_size: usize, channels: usize, bins: usize) -> (AudioEnd, WorkerEnd) {
    let (to_worker, incoming) = HeapRb::new(pool_size).split();
    let (outgoing, from_worker) = HeapRb::new(pool_size).split();
    let free = (0..pool_size)
        .map(|_| Box::new(Frame::new(channels, bins)))
        .collect();
    (
        AudioEnd {
            free,
            to_worker,
            from_worker,
        },
        WorkerEnd { incoming, outgoing },
    )
}

impl AudioEnd {
    /// Takes a free frame, if the pool has one (it runs dry while the worker is stalled).
    pub fn take_free(&mut self) -> Option<Box<Frame>> {
        self.free.pop()
    }

    /// Returns a frame to the pool. Never allocates: the pool's capacity covers every frame.
    pub fn recycle(&mut self, frame: Box<Frame>) {
        debug_assert!(self.free.len() < self.free.capacity());
        self.free.push(frame);
    }

    /// Sends a frame to the worker. The ring holds the whole pool, so this cannot fail; if it
    /// somehow did, the frame goes back to the pool and `false` is returned.
    pub fn send(&mut self, frame: Box<Frame>) -> bool {
        match self.to_worker.try_push(frame) {
            Ok(()) => true,
            Err(frame) => {
                self.recycle(frame);
                false
            }
        }
    }

    /// The next frame the worker has sent back, if any.
    pub fn receive(&mut self) -> Option<Box<Frame>> {
        self.from_worker.try_pop()
    }

    /// Frames currently in the pool.
    pub fn free_count(&self) -> usize {
        self.free.len()
    }
}
