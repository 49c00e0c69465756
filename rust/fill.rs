//! The public entry points: fill a caller's buffer, or create a new one.

use core::mem::MaybeUninit;
use std::num::NonZeroUsize;

use crate::buffer::{as_uninit_mut, new_filled};
use crate::distribution::Distribution;
use crate::error::Error;
use crate::parallel;
use crate::rng::{Ars4x32_7, CounterRng, Key};
use crate::sampler::half::interior;
use crate::sampler::{
    Constant, NormalF32, NormalF64, RawBits, Rounded, Sampler, TruncatedNormalF32, TruncatedNormalF64, UniformF32,
    UniformF64,
};
use crate::simd::Isa;

/// How to run a fill; the defaults use every core and the widest SIMD build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Worker threads; `None` uses rayon's global pool (one per core).
    pub threads: Option<NonZeroUsize>,
    /// Instruction-set build; `None` picks [`Isa::best`]. All builds give
    /// the same bits; forcing one is for tests and benchmarks.
    pub isa: Option<Isa>,
}

impl Options {
    fn isa(&self) -> Result<Isa, Error> {
        match self.isa {
            None => Ok(Isa::best()),
            Some(isa) if isa.is_supported() => Ok(isa),
            Some(isa) => Err(Error::InvalidParameter(format!("isa={} is not supported by this CPU", isa.name()))),
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
}

/// Output element types: `f32`, `f64`, and the half types `half::f16` and
/// `half::bf16`, whose elements are the f32 samples rounded to nearest even.
pub trait Element: Copy + Send + Sync + 'static + sealed::Sealed {
    /// NumPy name of the type.
    const DTYPE: &'static str;
    /// Largest finite value, for parameter checks.
    const MAX: f64;
    #[doc(hidden)]
    fn fill_uninit(
        out: &mut [MaybeUninit<Self>],
        dist: &Distribution,
        key: Key,
        offset: u64,
        opts: &Options,
    ) -> Result<(), Error>;
}

/// Checks that element indices `offset .. offset + len` exist in the stream.
fn check_range(offset: u64, len: usize) -> Result<(), Error> {
    match offset.checked_add(len as u64) {
        Some(_) => Ok(()),
        None => Err(Error::TooLarge {
            elements: offset as u128 + len as u128,
            reason: "the element index exceeds 2^64 - 1",
        }),
    }
}

fn run<S: Sampler>(s: &S, key: Key, offset: u64, out: &mut [MaybeUninit<S::Out>], opts: &Options) -> Result<(), Error> {
    parallel::fill::<Ars4x32_7, S>(s, &key, offset, out, opts.threads, opts.isa()?)
}

macro_rules! element {
    ($t:ty, $uniform:ident, $normal:ident, $truncated:ident) => {
        impl Element for $t {
            const DTYPE: &'static str = stringify!($t);
            const MAX: f64 = <$t>::MAX as f64;

            fn fill_uninit(
                out: &mut [MaybeUninit<$t>],
                dist: &Distribution,
                key: Key,
                offset: u64,
                opts: &Options,
            ) -> Result<(), Error> {
                dist.validate(<Self as Element>::MAX)?;
                check_range(offset, out.len())?;
                match *dist {
                    Distribution::Uniform { low, high } => run(&$uniform::new(low, high)?, key, offset, out, opts),
                    Distribution::Normal { mean, std } => run(&$normal::new(mean, std), key, offset, out, opts),
                    Distribution::TruncatedNormal { mean, std, low, high } => {
                        run(&$truncated::new(mean, std, low, high)?, key, offset, out, opts)
                    }
                    Distribution::Constant { value } => run(&Constant(value as $t), key, offset, out, opts),
                }
            }
        }
    };
}
element!(f32, UniformF32, NormalF32, TruncatedNormalF32);
element!(f64, UniformF64, NormalF64, TruncatedNormalF64);

macro_rules! half_element {
    ($t:ty, $name:expr, $max:expr) => {
        impl Element for $t {
            const DTYPE: &'static str = $name;
            const MAX: f64 = $max;

            fn fill_uninit(
                out: &mut [MaybeUninit<$t>],
                dist: &Distribution,
                key: Key,
                offset: u64,
                opts: &Options,
            ) -> Result<(), Error> {
                dist.validate(<Self as Element>::MAX)?;
                check_range(offset, out.len())?;
                if let Distribution::Uniform { low, high } | Distribution::TruncatedNormal { low, high, .. } = *dist {
                    interior::<$t>(low, high)?; // report an empty interval in this dtype's terms
                }
                let (lo, hi) = (f64::NEG_INFINITY, f64::INFINITY);
                match *dist {
                    Distribution::Uniform { low, high } => {
                        run(&Rounded::<_, $t>::new(UniformF32::new(low, high)?, low, high)?, key, offset, out, opts)
                    }
                    Distribution::Normal { mean, std } => {
                        run(&Rounded::<_, $t>::new(NormalF32::new(mean, std), lo, hi)?, key, offset, out, opts)
                    }
                    Distribution::TruncatedNormal { mean, std, low, high } => {
                        let s = TruncatedNormalF32::new(mean, std, low, high)?;
                        run(&Rounded::<_, $t>::new(s, low, high)?, key, offset, out, opts)
                    }
                    Distribution::Constant { value } => run(&Constant(<$t>::from_f64(value)), key, offset, out, opts),
                }
            }
        }
    };
}
half_element!(half::f16, "float16", 65504.0);
half_element!(half::bf16, "bfloat16", 3.389_531_389_251_535_5e38);

/// Fills `out` with elements `offset .. offset + out.len()` of the sample
/// stream `key` of `dist`. Element `i` of the stream depends only on
/// `(key, i, dist)`, so any sub-range equals that part of a larger fill.
pub fn fill<T: Element>(
    out: &mut [T],
    dist: &Distribution,
    key: Key,
    offset: u64,
    opts: &Options,
) -> Result<(), Error> {
    T::fill_uninit(as_uninit_mut(out), dist, key, offset, opts)
}

/// A new vector of elements `offset .. offset + len` of the stream (see
/// [`fill`]), allocated without zeroing; large ones use huge pages.
pub fn generate<T: Element>(
    len: usize,
    dist: &Distribution,
    key: Key,
    offset: u64,
    opts: &Options,
) -> Result<Vec<T>, Error> {
    // Check everything before allocating.
    dist.validate(T::MAX)?;
    check_range(offset, len)?;
    opts.isa()?;
    new_filled(len, |out| T::fill_uninit(out, dist, key, offset, opts))
}

/// The raw 32-bit output of generator `R`, word `t` of group `g` as output
/// `64 g + t` (the word order each generator documents; for ARS, the blocks
/// in counter order): for statistical batteries and benchmarks.
pub fn fill_bits<R: CounterRng>(out: &mut [u32], key: Key, offset: u64, opts: &Options) -> Result<(), Error> {
    check_range(offset, out.len())?;
    parallel::fill::<R, RawBits>(&RawBits, &key, offset, as_uninit_mut(out), opts.threads, opts.isa()?)
}
