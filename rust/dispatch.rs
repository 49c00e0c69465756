//! Runtime choice of instruction set for the fill loop: the layer above
//! [`crate::kernel`].
//!
//! There is one source for the transforms (`kernel.rs`, `sampler/`,
//! `math.rs`); this module compiles it once per [`Isa`]: for the baseline
//! target ("portable", SSE2 on x86-64) and inside `#[target_feature]`
//! functions for AVX2 and AVX-512, where LLVM vectorises the loops with
//! wider registers. Every operation used is correctly rounded or exact
//! (`mul_add` is a fused multiply-add by definition: an instruction here, a
//! correctly rounded `fma` call in the portable build), so all builds give
//! bit-identical results; `tests/paths.rs` checks that for every distribution
//! and dtype. The generator is the exception that needs intrinsics (AES
//! rounds); they live with it in `rng/ars/x86.rs` and are checked against
//! the portable software-AES build the same way.
//!
//! The `unsafe` in this module is the call of `#[target_feature]` functions,
//! sound only on a CPU with those features: each is reached only through
//! [`fill_run`] for an `isa` whose [`Isa::is_supported`] returned true.
#![allow(unsafe_code)]

use core::mem::MaybeUninit;

#[cfg(target_arch = "x86_64")]
use crate::isa::{Avx2Backend, Avx2VaesBackend, Avx512Backend};
use crate::isa::{Isa, PortableBackend};
use crate::kernel;
use crate::rng::{CounterRng, Key};
use crate::sampler::Sampler;

/// [`kernel::fill_run`] in the build for `isa` (portable if `isa` is not
/// supported here; the public API refuses such an `isa` before this point).
#[inline]
pub(crate) fn fill_run<R: CounterRng, S: Sampler>(
    isa: Isa,
    s: &S,
    key: &Key,
    first: u64,
    out: &mut [MaybeUninit<S::Out>],
) {
    match isa {
        // SAFETY: each guard checked this build's features on this CPU.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 if isa.is_supported() => unsafe { fill_avx512::<R, S>(s, key, first, out) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Vaes if isa.is_supported() => unsafe { fill_avx2_vaes::<R, S>(s, key, first, out) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 if isa.is_supported() => unsafe { fill_avx2::<R, S>(s, key, first, out) },
        _ => fill_portable::<R, S>(s, key, first, out),
    }
}

#[inline(never)]
fn fill_portable<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>]) {
    kernel::fill_run::<R, S, PortableBackend>(s, key, first, out)
}

/// `$name`: [`kernel::fill_run`] compiled with the CPU features `$features`
/// and the generator rounds of `$backend` (x86-64 only).
macro_rules! x86_build {
    ($name:ident, $backend:ty, $features:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        fn $name<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>]) {
            kernel::fill_run::<R, S, $backend>(s, key, first, out)
        }
    };
}

x86_build!(fill_avx2, Avx2Backend, "avx2,fma,aes");
x86_build!(fill_avx2_vaes, Avx2VaesBackend, "avx2,fma,aes,vaes");
x86_build!(fill_avx512, Avx512Backend, "avx512f,avx512bw,avx512dq,avx512vl,fma,aes,vaes");
