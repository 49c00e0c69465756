//! Half-precision outputs (IEEE binary16 and bfloat16) as the f32 samples
//! rounded: element `i` of an f16/bf16 fill is element `i` of the f32 fill
//! of the same stream, rounded to nearest-even, so changing the dtype does not
//! change the sample. Bounded distributions are then clamped to their bounds
//! rounded toward the interior in the half type, so no output lies outside
//! the real interval. (`half`'s own f64 conversion is not correctly rounded,
//! so the bounds are found by stepping bit patterns, not by trusting it.)

use core::marker::PhantomData;
use core::mem::MaybeUninit;

use half::slice::HalfFloatSliceExt;
use half::{bf16, f16};

use super::{Sampler, GROUP_32};
use crate::buffer::as_uninit_mut;
use crate::error::Error;
use crate::rng::Words;

/// A 16-bit float type: conversions from f32 (round to nearest even) and f64.
pub trait Half: Copy + Send + Sync + Default + 'static {
    const NAME: &'static str;
    fn from_f64(v: f64) -> Self;
    fn to_f32(self) -> f32;
    fn to_bits(self) -> u16;
    fn from_bits(bits: u16) -> Self;
    /// Rounds a whole slice (the `half` crate uses F16C/NEON when present;
    /// every path rounds to nearest even, so the bits are the same).
    fn round_slice(dst: &mut [Self], src: &[f32]);
}

macro_rules! half_type {
    ($t:ty, $name:expr) => {
        impl Half for $t {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                <$t>::from_f64(v)
            }
            #[inline(always)]
            fn to_f32(self) -> f32 {
                <$t>::to_f32(self)
            }
            #[inline(always)]
            fn to_bits(self) -> u16 {
                <$t>::to_bits(self)
            }
            #[inline(always)]
            fn from_bits(bits: u16) -> Self {
                <$t>::from_bits(bits)
            }
            #[inline(always)]
            fn round_slice(dst: &mut [Self], src: &[f32]) {
                dst.convert_from_f32_slice(src)
            }
        }
    };
}
half_type!(f16, "float16");
half_type!(bf16, "bfloat16");

/// The next value of `h` toward +inf (`up`) or -inf, for finite `h`: both
/// formats are sign-magnitude, so a step is +-1 on the magnitude bits.
fn step<H: Half>(h: H, up: bool) -> H {
    let b = h.to_bits();
    let (negative, magnitude) = (b & 0x8000 != 0, b & 0x7fff);
    H::from_bits(if magnitude == 0 {
        if up {
            0x0001
        } else {
            0x8001
        }
    } else if negative == up {
        b - 1 // toward zero
    } else {
        b + 1
    })
}

/// `low`/`high` rounded toward the interior of the interval in `H`.
pub(crate) fn interior<H: Half>(low: f64, high: f64) -> Result<(H, H), Error> {
    let value = |h: H| f64::from(h.to_f32());
    let mut lo = H::from_f64(low);
    if low.is_finite() {
        while value(lo) < low {
            lo = step(lo, true);
        }
        while value(step(lo, false)) >= low {
            lo = step(lo, false);
        }
    }
    let mut hi = H::from_f64(high);
    if high.is_finite() {
        while value(hi) > high {
            hi = step(hi, false);
        }
        while value(step(hi, true)) <= high {
            hi = step(hi, true);
        }
    }
    if value(lo) > value(hi) {
        return Err(Error::InvalidParameter(format!("no {} value lies in [{low}, {high}]", H::NAME)));
    }
    Ok((lo, hi))
}

/// The f32 sampler `S` rounded to the half type `H`, clamped to `[low, high]`
/// (bounds representable in `H`; infinite for unbounded distributions).
#[derive(Clone, Copy, Debug)]
pub struct Rounded<S, H> {
    inner: S,
    low: f32,
    high: f32,
    low_h: H,
    high_h: H,
    _half: PhantomData<H>,
}

impl<S, H: Half> Rounded<S, H> {
    /// `low`/`high` are the distribution's bounds (may be infinite); an error
    /// if no value of `H` lies between them.
    pub fn new(inner: S, low: f64, high: f64) -> Result<Self, Error> {
        let (low_h, high_h) = interior::<H>(low, high)?;
        Ok(Rounded { inner, low: low_h.to_f32(), high: high_h.to_f32(), low_h, high_h, _half: PhantomData })
    }
}

impl<S: Sampler<Out = f32>, H: Half> Sampler for Rounded<S, H> {
    type Out = H;
    const GROUP: usize = GROUP_32;
    const RANDOM: bool = S::RANDOM;

    #[inline(always)]
    fn sample_group(&self, words: &Words, out: &mut [MaybeUninit<H>]) {
        let mut wide = [0f32; GROUP_32];
        self.inner.sample_group(words, as_uninit_mut(&mut wide));
        let mut narrow = [H::default(); GROUP_32];
        H::round_slice(&mut narrow, &wide);
        for (o, &h) in out.iter_mut().zip(&narrow) {
            let r = h.to_f32();
            o.write(if r < self.low {
                self.low_h
            } else if r > self.high {
                self.high_h
            } else {
                h
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The double-rounding case: the f32 bound rounds to a value exactly half
    /// way between two halves, which round-to-even takes *up*, past the bound.
    fn check_midpoint<H: Half + PartialEq + core::fmt::Debug>(bits_of: fn(u16) -> H) {
        // an odd-mantissa `lower`, so that the midpoint rounds up to `upper` (even)
        let lower = bits_of(0x2e67);
        let upper = bits_of(0x2e68);
        let mid = (f64::from(lower.to_f32()) + f64::from(upper.to_f32())) / 2.0;
        // just below the midpoint: `lower` is the largest value <= bound
        let bound = mid - (f64::from(upper.to_f32()) - f64::from(lower.to_f32())) * 1e-3;
        let r: Rounded<_, H> = Rounded::new(crate::sampler::Constant(mid as f32), -bound, bound).unwrap();
        let mut out = [H::default(); GROUP_32];
        r.sample_group(&[0; GROUP_32], as_uninit_mut(&mut out));
        // without the clamp every element would be `upper` > bound
        assert!(out.iter().all(|&h| h == lower), "{:?}", out[0]);
    }

    #[test]
    fn rounding_never_leaves_the_bound() {
        check_midpoint::<f16>(f16::from_bits);
        check_midpoint::<bf16>(bf16::from_bits);
    }

    #[test]
    fn interior_bounds() {
        let (lo, hi) = interior::<f16>(-0.1, 0.1).unwrap();
        assert!(f64::from(hi.to_f32()) <= 0.1 && f64::from(step(hi, true).to_f32()) > 0.1);
        assert!(f64::from(lo.to_f32()) >= -0.1 && f64::from(step(lo, false).to_f32()) < -0.1);
        let (lo, hi) = interior::<bf16>(1.0, 1.0).unwrap();
        assert_eq!((lo.to_f32(), hi.to_f32()), (1.0, 1.0));
        assert!(interior::<f16>(0.1, 0.1).is_err());
        let (lo, hi) = interior::<f16>(f64::NEG_INFINITY, f64::INFINITY).unwrap();
        assert!(lo.to_f32() == f32::NEG_INFINITY && hi.to_f32() == f32::INFINITY);
    }
}
