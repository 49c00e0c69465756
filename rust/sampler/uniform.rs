//! Uniform samples on the closed interval `[low, high]`.
//!
//! The unit variate is symmetric and never an endpoint: `s = (2m + 1) / 2^B - 1`
//! for a `B`-bit integer `m` (B = 24 for f32, 52 for f64), so `s` lies in
//! `(-1, 1)`, and `s` and `-s` are equally likely. The sample is
//! `center + half * s`, clamped to `[low, high]` rounded toward the interior,
//! so that no output ever lies outside the real bound (e.g. Xavier's
//! `+-gain*sqrt(6/(fan_in+fan_out))`, which f32 cannot represent exactly).
//!
//! Layout: f32 output `t` of a group uses the top 24 bits of word `t`; f64
//! output `t` the top 52 bits of word pair `t` (see [`crate::rng::word_pairs`]).

use super::{clamp, interior_f32, GROUP_32, GROUP_64};
use crate::error::Error;
use crate::rng::word_pairs;

/// Parameters of a uniform on `[low, high]` in the output precision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniform<T> {
    center: T,
    half: T,
    low: T,
    high: T,
    /// Whether some output could fall outside `[low, high]` unclamped.
    /// `fma(half, s, center)` is monotone in `s` (rounding preserves order),
    /// so checking the two extreme variates decides it for all of them; in
    /// the usual case the clamp is skipped, which saves two of the nine
    /// instructions per vector of outputs. Output bits are the same either way.
    clamp: bool,
}

/// Whether the extreme outputs `fma(half, -s_max, center)` and
/// `fma(half, s_max, center)` leave `[low, high]`.
fn needs_clamp<T: Copy + PartialOrd>(low: T, high: T, lowest: T, highest: T) -> bool {
    !(lowest >= low && highest <= high)
}

pub type UniformF32 = Uniform<f32>;
pub type UniformF64 = Uniform<f64>;

impl UniformF32 {
    /// `low <= high`, both finite (checked by `Distribution::check`); an
    /// error if no f32 lies in `[low, high]`.
    pub fn new(low: f64, high: f64) -> Result<Self, Error> {
        let (lo, hi) = interior_f32(low, high)?;
        // halves first: high - low may overflow
        let (center, half) = ((0.5 * low + 0.5 * high) as f32, (0.5 * high - 0.5 * low) as f32);
        let s_max = symmetric_unit_f32(u32::MAX);
        let (lowest, highest) = (half.mul_add(-s_max, center), half.mul_add(s_max, center));
        Ok(Uniform { center, half, low: lo, high: hi, clamp: needs_clamp(lo, hi, lowest, highest) })
    }
}

impl UniformF64 {
    pub fn new(low: f64, high: f64) -> Result<Self, Error> {
        let (center, half) = (0.5 * low + 0.5 * high, 0.5 * high - 0.5 * low);
        let s_max = symmetric_unit_f64(u64::MAX);
        let (lowest, highest) = (half.mul_add(-s_max, center), half.mul_add(s_max, center));
        Ok(Uniform { center, half, low, high, clamp: needs_clamp(low, high, lowest, highest) })
    }
}

/// `(2m + 1) * 2^-24 - 1` for the top 24 bits `m` of `w`, exactly.
#[inline(always)]
pub(crate) fn symmetric_unit_f32(w: u32) -> f32 {
    // ((w >> 7) | 1) is the odd number 2m + 1 < 2^25; minus 2^24 it is an odd
    // integer of magnitude < 2^24, exactly representable in f32.
    let odd = ((w >> 7) | 1) as i32 - (1 << 24);
    odd as f32 * (1.0 / 16_777_216.0)
}

/// `(2m + 1) * 2^-52 - 1` for the top 52 bits `m` of `p`, exactly.
#[inline(always)]
pub(crate) fn symmetric_unit_f64(p: u64) -> f64 {
    // x = 1 + m 2^-52 in [1, 2); 2x - 3 = -1 + m 2^-51 is representable, so
    // the fused multiply-add is exact, and so is adding 2^-52.
    let x = f64::from_bits(0x3ff0_0000_0000_0000 | (p >> 12));
    x.mul_add(2.0, -3.0) + f64::EPSILON
}

impl_sampler!(UniformF32, f32, GROUP_32, |self, words, out| {
    if self.clamp {
        for (o, &w) in out.iter_mut().zip(words) {
            o.write(clamp(self.half.mul_add(symmetric_unit_f32(w), self.center), self.low, self.high));
        }
    } else {
        for (o, &w) in out.iter_mut().zip(words) {
            o.write(self.half.mul_add(symmetric_unit_f32(w), self.center));
        }
    }
});

impl_sampler!(UniformF64, f64, GROUP_64, |self, words, out| {
    let pairs = word_pairs(words);
    if self.clamp {
        for (o, &p) in out.iter_mut().zip(&pairs) {
            o.write(clamp(self.half.mul_add(symmetric_unit_f64(p), self.center), self.low, self.high));
        }
    } else {
        for (o, &p) in out.iter_mut().zip(&pairs) {
            o.write(self.half.mul_add(symmetric_unit_f64(p), self.center));
        }
    }
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buffer::as_uninit_mut;
    use crate::sampler::Sampler;

    #[test]
    fn unit_variates_are_symmetric_and_open() {
        assert_eq!(symmetric_unit_f32(0), -1.0 + 2f32.powi(-24));
        assert_eq!(symmetric_unit_f32(u32::MAX), 1.0 - 2f32.powi(-24));
        for w in [0u32, 1 << 8, 12345 << 8, 0x8000_0000, u32::MAX] {
            // complementing the top 24 bits negates the variate
            assert_eq!(symmetric_unit_f32(w), -symmetric_unit_f32(!w));
        }
        assert_eq!(symmetric_unit_f64(0), -1.0 + f64::EPSILON);
        assert_eq!(symmetric_unit_f64(u64::MAX), 1.0 - f64::EPSILON);
        assert_eq!(symmetric_unit_f64(7 << 12), -symmetric_unit_f64(!(7 << 12)));
    }

    #[test]
    fn the_clamp_is_kept_exactly_where_rounding_could_overshoot() {
        // symmetric Xavier-like bounds: the extremes stay inside, no clamp
        assert!(!UniformF32::new(-0.0546, 0.0546).unwrap().clamp);
        assert!(!UniformF64::new(-0.0546, 0.0546).unwrap().clamp);
        // U(0, 1 - 2^-26): the largest f32 inside is 1 - 2^-24, but the top
        // extreme 0.5 + 0.5 (1 - 2^-24) = 1 - 2^-25 is a tie that rounds to
        // 1.0 (even), outside; so the clamp stays on and catches it
        let high = 1.0 - (-26f64).exp2();
        let u = UniformF32::new(0.0, high).unwrap();
        assert!(u.clamp);
        let mut out = [0f32; GROUP_32];
        u.sample_group(&[u32::MAX; GROUP_32], as_uninit_mut(&mut out));
        assert!(out.iter().all(|&v| f64::from(v) <= high), "{out:?}");
        assert_eq!(out[0], 1.0 - (-24f32).exp2());
    }

    #[test]
    fn extreme_words_stay_inside_the_bound() {
        let u = UniformF32::new(-0.1, 0.3).unwrap();
        let mut words = [0u32; GROUP_32];
        words[16..32].fill(u32::MAX);
        let mut out = [0f32; GROUP_32];
        u.sample_group(&words, as_uninit_mut(&mut out));
        assert!(out.iter().all(|&v| (-0.1..=0.3).contains(&f64::from(v))), "{out:?}");
        let u = UniformF64::new(-1e-300, 1e-300).unwrap();
        let mut out = [0f64; GROUP_64];
        u.sample_group(&words, as_uninit_mut(&mut out));
        assert!(out.iter().all(|v| (-1e-300..=1e-300).contains(v)), "{out:?}");
    }
}
