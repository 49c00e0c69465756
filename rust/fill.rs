//! The public entry points: fill a caller's buffer, or create a new one.

use core::mem::MaybeUninit;
use std::num::NonZeroUsize;

use crate::buffer::{as_uninit_mut, new_filled};
use crate::distribution::Distribution;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::isa::Isa;
use crate::parallel;
use crate::rng::{Ars4x32_7, CounterRng, Key};
use crate::sampler::half::interior;
use crate::sampler::{
    Constant, Half, NormalF32, NormalF64, RawBits, Rounded, Sampler, TruncatedNormalF32, TruncatedNormalF64,
    UniformF32, UniformF64,
};

/// How to run a fill; the defaults use every core and the widest SIMD build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Worker threads; `None` uses varscale's default pool (one thread per
    /// core, or `RAYON_NUM_THREADS`). Counts above
    /// [`crate::max_useful_threads`] run with that many: the values do
    /// not depend on the thread count, only the speed does.
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
///
/// Each type names the sampler of each distribution; [`fill`] is the one
/// generic path over them.
pub trait Element: Copy + Send + Sync + 'static + sealed::Sealed {
    /// The dtype (its `Display` is NumPy's name).
    const DTYPE: Dtype;
    #[doc(hidden)]
    type Uniform: Sampler<Out = Self>;
    #[doc(hidden)]
    type Normal: Sampler<Out = Self>;
    #[doc(hidden)]
    type TruncatedNormal: Sampler<Out = Self>;
    #[doc(hidden)]
    type Constant: Sampler<Out = Self>;
    #[doc(hidden)]
    fn uniform(low: f64, high: f64) -> Result<Self::Uniform, Error>;
    #[doc(hidden)]
    fn normal(mean: f64, std: f64) -> Result<Self::Normal, Error>;
    #[doc(hidden)]
    fn truncated_normal(mean: f64, std: f64, low: f64, high: f64) -> Result<Self::TruncatedNormal, Error>;
    #[doc(hidden)]
    fn constant(value: f64) -> Self::Constant;
}

macro_rules! wide_element {
    ($t:ty, $dtype:ident, $uniform:ty, $normal:ty, $truncated:ty) => {
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$dtype;
            type Uniform = $uniform;
            type Normal = $normal;
            type TruncatedNormal = $truncated;
            type Constant = Constant<$t>;
            fn uniform(low: f64, high: f64) -> Result<$uniform, Error> {
                <$uniform>::new(low, high)
            }
            fn normal(mean: f64, std: f64) -> Result<$normal, Error> {
                Ok(<$normal>::new(mean, std))
            }
            fn truncated_normal(mean: f64, std: f64, low: f64, high: f64) -> Result<$truncated, Error> {
                <$truncated>::new(mean, std, low, high)
            }
            fn constant(value: f64) -> Constant<$t> {
                Constant(value as $t)
            }
        }
    };
}
wide_element!(f32, Float32, UniformF32, NormalF32, TruncatedNormalF32);
wide_element!(f64, Float64, UniformF64, NormalF64, TruncatedNormalF64);

/// The f32 sampler rounded to `H` and clamped to the bounds in `H`; an
/// empty interval is reported in `H`'s terms before the f32 sampler's.
fn rounded<S, H: Half>(inner: impl FnOnce() -> Result<S, Error>, low: f64, high: f64) -> Result<Rounded<S, H>, Error> {
    interior::<H>(low, high)?;
    Rounded::new(inner()?, low, high)
}

macro_rules! half_element {
    ($t:ty, $dtype:ident) => {
        impl Element for $t {
            const DTYPE: Dtype = Dtype::$dtype;
            type Uniform = Rounded<UniformF32, $t>;
            type Normal = Rounded<NormalF32, $t>;
            type TruncatedNormal = Rounded<TruncatedNormalF32, $t>;
            type Constant = Constant<$t>;
            fn uniform(low: f64, high: f64) -> Result<Self::Uniform, Error> {
                rounded(|| UniformF32::new(low, high), low, high)
            }
            fn normal(mean: f64, std: f64) -> Result<Self::Normal, Error> {
                rounded(|| Ok(NormalF32::new(mean, std)), f64::NEG_INFINITY, f64::INFINITY)
            }
            fn truncated_normal(mean: f64, std: f64, low: f64, high: f64) -> Result<Self::TruncatedNormal, Error> {
                rounded(|| TruncatedNormalF32::new(mean, std, low, high), low, high)
            }
            fn constant(value: f64) -> Constant<$t> {
                Constant(<$t>::from_f64(value))
            }
        }
    };
}
half_element!(half::f16, Float16);
half_element!(half::bf16, BFloat16);

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

/// The one fill path: checks, then the sampler of `dist` for `T`.
pub(crate) fn fill_uninit<T: Element>(
    out: &mut [MaybeUninit<T>],
    dist: &Distribution,
    key: Key,
    offset: u64,
    opts: &Options,
) -> Result<(), Error> {
    dist.check_for(T::DTYPE)?;
    check_range(offset, out.len())?;
    match *dist {
        Distribution::Uniform { low, high } => run(&T::uniform(low, high)?, key, offset, out, opts),
        Distribution::Normal { mean, std } => run(&T::normal(mean, std)?, key, offset, out, opts),
        Distribution::TruncatedNormal { mean, std, low, high } => {
            run(&T::truncated_normal(mean, std, low, high)?, key, offset, out, opts)
        }
        Distribution::Constant { value } => run(&T::constant(value), key, offset, out, opts),
    }
}

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
    fill_uninit(as_uninit_mut(out), dist, key, offset, opts)
}

/// A new vector of elements `offset .. offset + len` of the stream (see
/// [`fill`]), allocated without zeroing; large ones use huge pages. On an
/// error (also an interruption, see [`crate::with_checkpoint`]) nothing is
/// returned and the buffer is freed.
pub fn generate<T: Element>(
    len: usize,
    dist: &Distribution,
    key: Key,
    offset: u64,
    opts: &Options,
) -> Result<Vec<T>, Error> {
    // Check everything before allocating.
    dist.check_for(T::DTYPE)?;
    check_range(offset, len)?;
    opts.isa()?;
    new_filled(len, |out| fill_uninit(out, dist, key, offset, opts))
}

/// The raw 32-bit output of generator `R`, word `t` of group `g` as output
/// `64 g + t` (the word order each generator documents; for ARS, the blocks
/// in counter order): for statistical batteries and benchmarks.
pub fn fill_bits<R: CounterRng>(out: &mut [u32], key: Key, offset: u64, opts: &Options) -> Result<(), Error> {
    check_range(offset, out.len())?;
    parallel::fill::<R, RawBits>(&RawBits, &key, offset, as_uninit_mut(out), opts.threads, opts.isa()?)
}
