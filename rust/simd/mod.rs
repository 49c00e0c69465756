//! Runtime choice of instruction set for the fill loop.
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
//! rounds); they live in `ars_x86.rs` and are checked against the portable
//! software-AES build the same way.
//!
//! The `unsafe` in this module is the call of `#[target_feature]` functions,
//! sound only on a CPU with those features: each call is reached only through
//! [`fill_run`] for an `isa` whose [`Isa::is_supported`] returned true.
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
mod ars_x86;

use core::mem::MaybeUninit;
use std::sync::OnceLock;

use crate::kernel;
use crate::rng::{ars, CounterRng, Key, Words};
use crate::sampler::Sampler;

/// An instruction-set build of the fill loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Isa {
    /// The baseline target (SSE2 on x86-64; whatever the target has elsewhere),
    /// with the AES round from the `aes` crate.
    Portable,
    /// x86-64 AVX2 + FMA transforms, AES-NI on one block per instruction.
    Avx2,
    /// x86-64 AVX2 transforms, VAES on two blocks per instruction.
    Avx2Vaes,
    /// x86-64 AVX-512 (F/BW/DQ/VL) transforms, VAES on four blocks.
    Avx512,
}

impl Isa {
    pub const ALL: [Isa; 4] = [Isa::Portable, Isa::Avx2, Isa::Avx2Vaes, Isa::Avx512];

    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx2 => "avx2",
            Isa::Avx2Vaes => "avx2-vaes",
            Isa::Avx512 => "avx512",
        }
    }

    pub fn from_name(name: &str) -> Option<Isa> {
        Isa::ALL.into_iter().find(|i| i.name() == name)
    }

    /// Whether this CPU can run the build (detected once, then cached by std).
    pub fn is_supported(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let avx2 = has!("avx2") && has!("fma") && has!("aes");
            match self {
                Isa::Portable => true,
                Isa::Avx2 => avx2,
                Isa::Avx2Vaes => avx2 && has!("vaes"),
                Isa::Avx512 => {
                    avx2 && has!("vaes") && has!("avx512f") && has!("avx512bw") && has!("avx512dq") && has!("avx512vl")
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            self == Isa::Portable
        }
    }

    /// The build used by default: the widest one this CPU supports.
    pub fn best() -> Isa {
        static BEST: OnceLock<Isa> = OnceLock::new();
        *BEST.get_or_init(|| Isa::ALL.into_iter().rev().find(|i| i.is_supported()).unwrap_or(Isa::Portable))
    }

    /// All builds this CPU can run, narrowest first.
    pub fn supported() -> Vec<Isa> {
        Isa::ALL.into_iter().filter(|i| i.is_supported()).collect()
    }
}

/// Compile-time tag of the build a kernel instance is compiled for; lets the
/// generator pick its AES intrinsics inside each `#[target_feature]` copy.
///
/// Sealed, and its implementations are private to the crate: code outside
/// cannot name a SIMD backend, so it cannot run AVX-512 instructions on a
/// CPU without them; it reaches the builds only through [`Isa`]-checked
/// entry points.
pub trait Backend: sealed::Sealed {
    const ISA: Isa;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! backend {
    ($name:ident, $isa:expr) => {
        pub(crate) struct $name;
        impl sealed::Sealed for $name {}
        impl Backend for $name {
            const ISA: Isa = $isa;
        }
    };
}
backend!(PortableBackend, Isa::Portable);
backend!(Avx2Backend, Isa::Avx2);
backend!(Avx2VaesBackend, Isa::Avx2Vaes);
backend!(Avx512Backend, Isa::Avx512);

/// The words of one ARS group in the build of `B` (resolved at compile time).
#[inline(always)]
pub(crate) fn ars_group<B: Backend, const R: usize>(key: &Key, group: u64) -> Words {
    match B::ISA {
        // SAFETY (all three): `B` is only the backend of the `fill_*` wrapper
        // below with the same features, entered after `is_supported`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { ars_x86::ars_zmm::<R>(key, group) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2Vaes => unsafe { ars_x86::ars_ymm::<R>(key, group) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { ars_x86::ars_xmm::<R>(key, group) },
        _ => ars::ars_group_portable::<R>(key, group),
    }
}

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

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,aes")]
fn fill_avx2<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>]) {
    kernel::fill_run::<R, S, Avx2Backend>(s, key, first, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,aes,vaes")]
fn fill_avx2_vaes<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>]) {
    kernel::fill_run::<R, S, Avx2VaesBackend>(s, key, first, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,fma,aes,vaes")]
fn fill_avx512<R: CounterRng, S: Sampler>(s: &S, key: &Key, first: u64, out: &mut [MaybeUninit<S::Out>]) {
    kernel::fill_run::<R, S, Avx512Backend>(s, key, first, out)
}
