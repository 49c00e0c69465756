//! Output buffers: allocation without zeroing, huge-page advice, and the
//! view of caller buffers that the fill kernels write through.
//!
//! Every kernel writes each element of the `MaybeUninit` slice it is given
//! exactly once with an initialised value; the two `unsafe` blocks below rely
//! on that and on nothing else.
#![allow(unsafe_code)]

use core::mem::{size_of, MaybeUninit};

use crate::error::Error;

/// Fresh buffers at least this large get `MADV_HUGEPAGE` (NumPy uses the same
/// threshold for its own allocations).
pub const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

/// Views an initialised slice as write-only storage for the fill kernels.
pub(crate) fn as_uninit_mut<T: Copy>(s: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: MaybeUninit<T> has the layout of T. The kernels only store
    // initialised values, so the slice stays initialised when handed back.
    unsafe { &mut *(s as *mut [T] as *mut [MaybeUninit<T>]) }
}

/// A `Vec` of `len` elements, each written by `fill`, with no zeroing pass
/// before it (the kernel's fresh pages are touched first by the thread that
/// fills them, so faults are taken in parallel and pages land on its node).
///
/// `fill` must write every element of the slice it gets (all fill kernels
/// do); if it returns an error the buffer is freed and the error returned.
pub(crate) fn new_filled<T: Copy>(
    len: usize,
    fill: impl FnOnce(&mut [MaybeUninit<T>]) -> Result<(), Error>,
) -> Result<Vec<T>, Error> {
    let bytes = len
        .checked_mul(size_of::<T>())
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or(Error::TooLarge { elements: len as u128, reason: "the byte size overflows the address space" })?;
    let mut v: Vec<T> = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::OutOfMemory { bytes: bytes as u128 })?;
    advise_huge_pages(v.as_mut_ptr().cast(), bytes);
    fill(&mut v.spare_capacity_mut()[..len])?;
    // SAFETY: capacity >= len, and `fill` initialised elements 0..len.
    unsafe { v.set_len(len) };
    Ok(v)
}

/// Asks the kernel to back a large fresh buffer with transparent huge pages:
/// 512x fewer page faults, and fewer TLB misses for the user's later work.
/// Advice only: an error (no THP, non-Linux) changes nothing.
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    #[cfg(target_os = "linux")]
    if bytes >= HUGE_PAGE_MIN_BYTES {
        const PAGE: usize = 4096;
        let start = (ptr as usize).next_multiple_of(PAGE);
        let end = (ptr as usize + bytes) & !(PAGE - 1);
        if end > start {
            // SAFETY: madvise only reads the range, which lies inside our
            // allocation; MADV_HUGEPAGE does not change its contents.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (ptr, bytes);
}
