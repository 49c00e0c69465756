//! Transforms from the words of one counter group to output values.
//!
//! A [`Sampler`] turns the 64 words of one group into [`Sampler::GROUP`]
//! consecutive outputs. Which word feeds which output is fixed per sampler
//! and documented there; together with the group index that makes every
//! output element a pure function of (seed, stream, element index,
//! parameters). No transform rejects: each output uses a fixed set of words.
//!
//! Every loop runs over a contiguous range of words and outputs with stride
//! 1: that is the shape LLVM's loop vectoriser turns into full-width SIMD
//! in each `#[target_feature]` build (nested 16-lane loops got unrolled first
//! and then vectorised across rows, 3x slower).

/// `impl Sampler for $ty` with outputs `$out` in groups of `$group`: the body
/// sees `self`, the group's words and its outputs as a fixed-size array (the
/// checked conversion every sampler starts with). Only the header is shared;
/// each body is its sampler's own transform.
macro_rules! impl_sampler {
    ($ty:ty, $out:ty, $group:expr, |$self_:ident, $words:ident, $outs:ident| $body:block) => {
        impl_sampler!($ty, $out, $group, interleave = true, |$self_, $words, $outs| $body);
    };
    ($ty:ty, $out:ty, $group:expr, interleave = $interleave:expr, |$self_:ident, $words:ident, $outs:ident| $body:block) => {
        impl $crate::sampler::Sampler for $ty {
            type Out = $out;
            const GROUP: usize = $group;
            const INTERLEAVE: bool = $interleave;

            #[inline(always)]
            fn sample_group(&$self_, $words: &$crate::rng::Words, $outs: &mut [::core::mem::MaybeUninit<$out>]) {
                let $outs: &mut [::core::mem::MaybeUninit<$out>; $group] = $outs.try_into().expect("group size");
                $body
            }
        }
    };
}

pub(crate) mod half;
mod normal;
mod truncated_normal;
mod uniform;

use core::mem::MaybeUninit;

pub use half::{Half, Rounded};
pub use normal::{NormalF32, NormalF64};
pub use truncated_normal::{TruncatedNormalF32, TruncatedNormalF64, MAX_REACH, MAX_TAIL_START};
pub use uniform::{UniformF32, UniformF64};

use crate::error::Error;
use crate::rng::{Words, LANES};

/// Outputs per group for 4-byte elements (16 counters x 4 words).
pub const GROUP_32: usize = 4 * LANES;
/// Outputs per group for 8-byte elements (two words per output).
pub const GROUP_64: usize = 2 * LANES;
/// The largest group, for stack buffers holding one partial group.
pub const MAX_GROUP: usize = GROUP_32;

/// Maps the words of one counter group to `GROUP` outputs.
pub trait Sampler: Sync {
    type Out: Copy + Send + Sync;
    /// Outputs per group: 64 for 4-byte outputs, 32 for 8-byte outputs, so a
    /// group always covers 256 bytes.
    const GROUP: usize;
    /// Whether the sampler reads the words at all ([`Constant`] does not).
    const RANDOM: bool = true;
    /// Whether the fill loop computes two groups' words before transforming
    /// them (more independent work in flight; see `kernel::fill_run`).
    /// Measured per sampler (benches/README.md): it helps the truncated
    /// normal (f32 1.3x, f64 1.14x with AVX-512), but cost the f32 normal 9%
    /// with AVX2 and gained it nothing with AVX-512.
    const INTERLEAVE: bool = true;
    /// Writes exactly `Self::GROUP` outputs; `out.len() == Self::GROUP`.
    fn sample_group(&self, words: &Words, out: &mut [MaybeUninit<Self::Out>]);
}

/// The raw generator output, word `t` of the group as output `t`.
/// Used to test the generator (dieharder) and to benchmark it alone.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawBits;

impl Sampler for RawBits {
    type Out = u32;
    const GROUP: usize = GROUP_32;

    #[inline(always)]
    fn sample_group(&self, words: &Words, out: &mut [MaybeUninit<u32>]) {
        for (o, &w) in out.iter_mut().zip(words) {
            o.write(w);
        }
    }
}

/// Every output equal to `value`: no generator work, which makes it the
/// reference for the machine's fill limit in the benchmarks.
#[derive(Clone, Copy, Debug)]
pub struct Constant<T>(pub T);

macro_rules! constant_sampler {
    ($t:ty, $group:expr) => {
        impl Sampler for Constant<$t> {
            type Out = $t;
            const GROUP: usize = $group;
            const RANDOM: bool = false;

            #[inline(always)]
            fn sample_group(&self, _: &Words, out: &mut [MaybeUninit<$t>]) {
                for o in out {
                    o.write(self.0);
                }
            }
        }
    };
}
constant_sampler!(f32, GROUP_32);
constant_sampler!(f64, GROUP_64);
constant_sampler!(::half::f16, GROUP_32);
constant_sampler!(::half::bf16, GROUP_32);

/// `m * 2^-52` for a 52-bit `m`, exactly, in [0, 1) (exponent trick: no
/// integer-to-double conversion, which AVX2 lacks for 64-bit lanes).
#[inline(always)]
pub(crate) fn unit_f64(m52: u64) -> f64 {
    f64::from_bits(0x3ff0_0000_0000_0000 | m52) - 1.0
}

/// The bounds `[low, high]` rounded toward the interior: the smallest f32 at
/// or above `low` and the largest at or below `high`. Clamping to them keeps
/// every output inside the real interval, also when `high` itself is not
/// representable and round-to-nearest would give a value just above it.
pub(crate) fn interior_f32(low: f64, high: f64) -> Result<(f32, f32), Error> {
    let lo = low as f32;
    let lo = if f64::from(lo) < low { lo.next_up() } else { lo };
    let hi = high as f32;
    let hi = if f64::from(hi) > high { hi.next_down() } else { hi };
    if lo > hi {
        return Err(Error::InvalidParameter(format!(
            "no float32 value lies in [low={low:e}, high={high:e}]; widen the interval or use float64"
        )));
    }
    Ok((lo, hi))
}

/// Clamp written as two selects that compile to one `max` and one `min`
/// instruction each (the arguments are never NaN here).
#[inline(always)]
pub(crate) fn clamp<T: PartialOrd + Copy>(v: T, low: T, high: T) -> T {
    let v = if v < low { low } else { v };
    if v > high {
        high
    } else {
        v
    }
}
