//! Non-temporal ("streaming") stores for long runs of whole groups.
//!
//! An ordinary store to a line that is not in cache first reads the line
//! (read-for-ownership), so a large in-place fill moves every byte over the
//! memory bus twice, and the fill evicts the rest of the cache on the way.
//! Streaming stores write whole 64-byte lines straight to memory: measured on
//! one thread of the development machine, a 1 GiB in-place `constant` fill
//! took 2x less CPU time and `uniform` 1.6x less (see benches/README.md).
//! Which samplers stream is [`Sampler::STREAM`].
//!
//! Only how the bytes reach memory changes, never which bytes: each group is
//! computed exactly as before into a small staging buffer in L1, and the
//! 64-byte-aligned lines are streamed out of it; the partial lines at the
//! two ends of the run are written with ordinary stores. A run ends with
//! `sfence`, so the streamed data is ordered before whatever the thread does
//! next (e.g. signalling rayon that its chunk is done).
//!
//! The unsafe code: raw copies into the caller's run (every byte written lies
//! inside it, see [`stream_groups`]), and the x86 streaming intrinsics, which
//! need their instruction set: they are reached only through a [`Backend`]
//! `B`, whose kernel copy runs only after `Isa::is_supported` (as for
//! `simd::ars_group`).
#![allow(unsafe_code)]

use core::mem::{size_of, MaybeUninit};

use crate::rng::Key;
use crate::sampler::{Sampler, MAX_GROUP};
use crate::simd::{Backend, Isa};

/// Runs of whole groups at least this long are streamed. Below it the data
/// may well still be in cache (and be read again soon), where ordinary
/// stores are faster. Chunks of a parallel fill are `CHUNK_BYTES` = 256 KiB,
/// so every full chunk of a large fill streams.
pub const STREAM_MIN_BYTES: usize = 256 << 10;

const LINE: usize = 64;

/// Whether [`stream_groups`] should write `bytes` of whole groups of `S`
/// in build `B`.
#[inline(always)]
pub(crate) fn worth_streaming<S: Sampler, B: Backend>(bytes: usize) -> bool {
    S::STREAM && cfg!(target_arch = "x86_64") && B::ISA != Isa::Portable && bytes >= STREAM_MIN_BYTES
}

/// Writes groups `first_group ..` into `out` (a whole number of groups),
/// each group computed by `sample` exactly as the ordinary loop would.
#[inline(always)]
pub(crate) fn stream_groups<S: Sampler, B: Backend>(
    s: &S,
    key: &Key,
    first_group: u64,
    out: &mut [MaybeUninit<S::Out>],
    sample: impl Fn(&S, &Key, u64, &mut [MaybeUninit<S::Out>]),
) {
    let (g, size) = (S::GROUP, size_of::<S::Out>());
    let line_elems = LINE / size;
    // Elements before the first 64-byte boundary go out with ordinary stores.
    let head = (out.as_ptr().align_offset(LINE)).min(out.len());
    // stage[..pending] holds computed elements not yet written; it never
    // holds more than one group plus one partial line.
    let mut stage = [MaybeUninit::<S::Out>::uninit(); MAX_GROUP + LINE];
    let (mut pending, mut written, mut group) = (0usize, 0usize, first_group);
    while written + pending < out.len() {
        sample(s, key, group, &mut stage[pending..pending + g]);
        group += 1;
        pending += g;
        let mut read = 0;
        if written < head {
            let n = (head - written).min(pending);
            out[written..written + n].copy_from_slice(&stage[..n]);
            (written, read) = (written + n, n);
        }
        while pending - read >= line_elems {
            // SAFETY: `written` is past `head`, so `out[written..]` starts on
            // a 64-byte boundary, and `written + line_elems <= out.len()`
            // because every staged element has a place in `out`.
            unsafe { stream_line::<B>(out.as_mut_ptr().add(written).cast(), stage.as_ptr().add(read).cast()) };
            written += line_elems;
            read += line_elems;
        }
        stage.copy_within(read..pending, 0);
        pending -= read;
    }
    out[written..].copy_from_slice(&stage[..pending]);
    fence();
}

/// Copies 64 bytes from `src` to the 64-byte-aligned `dst` with streaming stores.
///
// SAFETY (callers): `dst` is 64-byte aligned and valid for 64 bytes of
// writes, `src` for 64 bytes of reads; the CPU supports `B`'s instruction set.
#[inline(always)]
unsafe fn stream_line<B: Backend>(dst: *mut u8, src: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::*;
        match B::ISA {
            Isa::Avx512 => stream_zmm(dst, src),
            _ => {
                // SSE2 is part of x86-64: every build has it.
                for i in 0..4 {
                    let v = _mm_loadu_si128(src.add(16 * i).cast());
                    _mm_stream_si128(dst.add(16 * i).cast(), v);
                }
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    core::ptr::copy_nonoverlapping(src, dst, LINE);
}

// SAFETY (callers): as `stream_line`, with AVX-512F on this CPU.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn stream_zmm(dst: *mut u8, src: *const u8) {
    use core::arch::x86_64::*;
    _mm512_stream_si512(dst.cast(), _mm512_loadu_si512(src.cast()));
}

/// Orders the streamed stores before the thread's later stores.
#[inline(always)]
fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is part of x86-64.
    unsafe {
        core::arch::x86_64::_mm_sfence()
    };
}
