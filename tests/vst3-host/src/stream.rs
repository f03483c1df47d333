//! An in-memory `IBStream`, for the plugin's `getState`/`setState` as a host saves and loads a
//! project.

use std::ffi::c_void;
use std::sync::Mutex;

use vst3::Steinberg::IBStream_::IStreamSeekMode_::{kIBSeekCur, kIBSeekEnd, kIBSeekSet};
use vst3::Steinberg::{
    int32, int64, kInvalidArgument, kResultOk, tresult, IBStream, IBStreamTrait,
};
use vst3::{Class, ComWrapper};

/// A growable byte buffer with a read/write position.
#[derive(Default)]
pub struct MemoryStream {
    state: Mutex<(Vec<u8>, usize)>,
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl MemoryStream {
    /// An empty stream, wrapped for passing to the plugin.
    pub fn new() -> ComWrapper<Self> {
        ComWrapper::new(Self::default())
    }

    /// The bytes written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.state.lock().unwrap().0.clone()
    }

    /// A stream holding `bytes`, positioned at the start, wrapped for passing to the plugin.
    pub fn with_bytes(bytes: Vec<u8>) -> ComWrapper<Self> {
        ComWrapper::new(Self {
            state: Mutex::new((bytes, 0)),
        })
    }
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(&self, buffer: *mut c_void, num_bytes: int32, num_read: *mut int32) -> tresult {
        if buffer.is_null() || num_bytes < 0 {
            return kInvalidArgument;
        }
        let mut state = self.state.lock().unwrap();
        let (data, pos) = &mut *state;
        let n = (num_bytes as usize).min(data.len().saturating_sub(*pos));
        // SAFETY: the caller hands a buffer of at least `num_bytes` bytes; `n` is no more.
        unsafe { std::ptr::copy_nonoverlapping(data[*pos..].as_ptr(), buffer.cast::<u8>(), n) };
        *pos += n;
        if !num_read.is_null() {
            // SAFETY: checked non-null; the caller owns the out-parameter.
            unsafe { *num_read = n as int32 };
        }
        kResultOk
    }

    unsafe fn write(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_written: *mut int32,
    ) -> tresult {
        if buffer.is_null() || num_bytes < 0 {
            return kInvalidArgument;
        }
        let mut state = self.state.lock().unwrap();
        let (data, pos) = &mut *state;
        let n = num_bytes as usize;
        if data.len() < *pos + n {
            data.resize(*pos + n, 0);
        }
        // SAFETY: the caller hands a buffer of `num_bytes` bytes; the destination was sized.
        unsafe { std::ptr::copy_nonoverlapping(buffer.cast::<u8>(), data[*pos..].as_mut_ptr(), n) };
        *pos += n;
        if !num_written.is_null() {
            // SAFETY: checked non-null; the caller owns the out-parameter.
            unsafe { *num_written = n as int32 };
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let mut state = self.state.lock().unwrap();
        let (data, at) = &mut *state;
        let base = match mode as u32 {
            m if m == kIBSeekSet => 0,
            m if m == kIBSeekCur => *at as i64,
            m if m == kIBSeekEnd => data.len() as i64,
            _ => return kInvalidArgument,
        };
        let target = base + pos;
        if target < 0 {
            return kInvalidArgument;
        }
        *at = target as usize;
        if !result.is_null() {
            // SAFETY: checked non-null; the caller owns the out-parameter.
            unsafe { *result = target };
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: checked non-null; the caller owns the out-parameter.
        unsafe { *pos = self.state.lock().unwrap().1 as int64 };
        kResultOk
    }
}
