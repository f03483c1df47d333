//! Flush-to-zero for the audio thread, so decaying signals never fall into slow subnormal
//! arithmetic.
//!
//! [`FlushDenormals`] sets the x86 SSE control bits FTZ (flush results to zero) and DAZ (treat
//! subnormal inputs as zero) for its lifetime and restores the previous control word when it is
//! dropped, so a host's own settings survive the call. On other architectures it does nothing
//! (AArch64 hosts usually run with flush-to-zero already).

/// MXCSR flush-to-zero bit.
#[cfg(target_arch = "x86_64")]
const FTZ: u32 = 1 << 15;
/// MXCSR denormals-are-zero bit.
#[cfg(target_arch = "x86_64")]
const DAZ: u32 = 1 << 6;

/// Sets flush-to-zero while alive; restores the previous mode on drop.
pub struct FlushDenormals {
    #[cfg(target_arch = "x86_64")]
    previous: u32,
}

impl FlushDenormals {
    /// Enables flush-to-zero and denormals-are-zero on this thread.
    #[inline]
    pub fn new() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            let previous = read_mxcsr();
            write_mxcsr(previous | FTZ | DAZ);
            Self { previous }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Self {}
        }
    }

    /// Whether flush-to-zero is on for this thread right now.
    pub fn active() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            read_mxcsr() & FTZ != 0
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

impl Default for FlushDenormals {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for FlushDenormals {
    #[inline]
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        write_mxcsr(self.previous);
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn read_mxcsr() -> u32 {
    let mut value: u32 = 0;
    // SAFETY: `stmxcsr` stores the 32-bit SSE control/status register into the local `value`;
    // it has no other effect. SSE is part of the x86-64 baseline.
    unsafe {
        std::arch::asm!("stmxcsr [{}]", in(reg) &mut value, options(nostack, preserves_flags));
    }
    value
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn write_mxcsr(value: u32) {
    // SAFETY: `ldmxcsr` loads the SSE control/status register from `value`, which is always a
    // value read from MXCSR with only the FTZ/DAZ bits changed, so no reserved bit is set.
    unsafe {
        std::arch::asm!("ldmxcsr [{}]", in(reg) &value, options(nostack, readonly, preserves_flags));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn the_guard_flushes_subnormals_and_restores_the_mode() {
        let before = FlushDenormals::active();
        let tiny = std::hint::black_box(f32::MIN_POSITIVE);
        {
            let _guard = FlushDenormals::new();
            assert!(FlushDenormals::active());
            let product = std::hint::black_box(tiny) * std::hint::black_box(0.5f32);
            assert_eq!(product, 0.0, "a subnormal result must be flushed to zero");
        }
        assert_eq!(
            FlushDenormals::active(),
            before,
            "the previous mode must be restored"
        );
        if !before {
            let product = std::hint::black_box(tiny) * std::hint::black_box(0.5f32);
            assert!(product.is_subnormal());
        }
    }
}
