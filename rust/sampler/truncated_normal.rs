//! Truncated normal samples by inversion, without rejection.
//!
//! For `N(mean, std^2)` restricted to `[low, high]`, with the bounds in std
//! units `alpha = (low - mean) / std`, `beta = (high - mean) / std`:
//!
//! * bounded mode (`-2 <= alpha < beta <= 2`, the usual initialiser case):
//!   `z = erf(alpha/sqrt2) + u (erf(beta/sqrt2) - erf(alpha/sqrt2))` and
//!   `x = mean + std sqrt2 erfinv(z)`, with the log-free rationals
//!   [`crate::math::erfinv_ratio_2sigma_f32`] / [`crate::math::erfinv_ratio_2sigma_f64`];
//! * central mode (`alpha < 0 < beta`, wider): the same with Giles'
//!   `erfinv`, which covers every `|z| < 1`;
//! * tail mode (the interval on one side of the mean): with
//!   `Q(t) = erfc(t/sqrt2)`, `q = Q(beta) + u (Q(alpha) - Q(beta))` and
//!   `x = mean + std sqrt2 erfcinv(q)`, mirrored when the interval lies below
//!   the mean. Working with `q` instead of `1 - q` keeps full relative
//!   precision in the tail, where `erf` values would all round to 1.
//!
//! `erfinv` is Giles' approximation, fed `w = -ln((1-x)(1+x))` computed from
//! whichever of `x` or `1 - x` is exact. Each output uses one uniform `u`, and
//! the result is clamped to `[low, high]` (rounded toward the interior in
//! f32) so that rounding never leaves it.
//!
//! Layout: as the uniform sampler of the same precision (f32 output `t` from
//! word `t`, f64 output `t` from word pair `t`).

use core::f64::consts::SQRT_2;
use core::mem::MaybeUninit;

use super::{clamp, interior_f32, unit_f64, GROUP_32, GROUP_64};
use crate::error::Error;
use crate::math::{
    erfinv_central_f32, erfinv_central_f64, erfinv_ratio_2sigma_f32, erfinv_ratio_2sigma_f64, erfinv_ratio_f64,
    erfinv_tail_f32, erfinv_tail_f64, ln_f32, ln_f64, ERFINV_F32_CENTRAL_END, ERFINV_F64_CENTRAL_END,
};
use crate::rng::{word_pairs, Words};

/// Tail mode is accurate while `Q(alpha) >= ~1e-16` (Giles' double
/// approximation covers `w <= 37`); beyond this many standard deviations from
/// the mean the interval is refused rather than sampled inaccurately.
pub const MAX_TAIL_START: f64 = 8.0;

/// No sample lies farther than this many standard deviations from the mean,
/// in any mode and precision. The farthest reach is the tail mode over
/// `[MAX_TAIL_START, inf)` at the smallest uniform (`2^-53` in f64):
/// `Q^-1(Q(8) 2^-53) = 11.6` (checked by the test `reach_is_bounded`).
/// Parameter validation uses it to refuse parameters whose samples could
/// overflow the output dtype.
pub const MAX_REACH: f64 = 12.0;

/// Truncation bound (in standard deviations) up to which the bounded mode applies.
pub const BOUNDED_MAX: f64 = 2.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Bounded,
    Central,
    Tail,
}

/// The inversion set-up in double precision, shared by both output types.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Plan {
    mode: Mode,
    base: f64,
    span: f64,
    /// `+-std * sqrt(2)`; negative when a lower tail is sampled as a mirrored upper tail.
    scale: f64,
    mean: f64,
    low: f64,
    high: f64,
}

impl Plan {
    /// `std > 0`, `low < high`, no NaN (checked by `Distribution::check`).
    fn new(mean: f64, std: f64, low: f64, high: f64) -> Result<Plan, Error> {
        let (alpha, beta) = ((low - mean) / std, (high - mean) / std);
        let plan = |mode, base, span, scale| Plan { mode, base, span, scale, mean, low, high };
        let bounded = alpha >= -BOUNDED_MAX && beta <= BOUNDED_MAX;
        if bounded || (alpha < 0.0 && beta > 0.0) {
            let (ea, eb) = (libm::erf(alpha / SQRT_2), libm::erf(beta / SQRT_2));
            let mode = if bounded { Mode::Bounded } else { Mode::Central };
            return Ok(plan(mode, ea, eb - ea, std * SQRT_2));
        }
        // One-sided: sample t in [t_lo, t_hi] above the mean, mirror if needed.
        let (t_lo, t_hi, sign) = if alpha >= 0.0 { (alpha, beta, 1.0) } else { (-beta, -alpha, -1.0) };
        if t_lo > MAX_TAIL_START {
            return Err(Error::InvalidParameter(format!(
                "truncation interval [{low}, {high}] lies {t_lo:.3} standard deviations from the mean \
                 {mean}; at most {MAX_TAIL_START} is supported"
            )));
        }
        let (qa, qb) = (libm::erfc(t_lo / SQRT_2), libm::erfc(t_hi / SQRT_2));
        Ok(plan(Mode::Tail, qb, qa - qb, sign * std * SQRT_2))
    }
}

/// Uniform in the open interval (0, 1): `(2m + 1) / 2^24` for the top 23 bits `m`.
#[inline(always)]
fn open_unit_f32(w: u32) -> f32 {
    ((w >> 8) | 1) as i32 as f32 * (1.0 / 16_777_216.0)
}

/// f32 truncated normal (one word per output, as [`super::UniformF32`]).
/// Bounded and central modes compute in f32; the rarer tail mode in f64,
/// rounded once.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruncatedNormalF32 {
    plan: Plan,
    base: f32,
    span: f32,
    scale: f32,
    mean: f32,
    low: f32,
    high: f32,
}

/// f64 truncated normal (two words per output, as [`super::UniformF64`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruncatedNormalF64 {
    plan: Plan,
}

impl TruncatedNormalF32 {
    pub fn new(mean: f64, std: f64, low: f64, high: f64) -> Result<Self, Error> {
        let plan = Plan::new(mean, std, low, high)?;
        let (lo, hi) = interior_f32(low, high)?;
        Ok(TruncatedNormalF32 {
            plan,
            base: plan.base as f32,
            span: plan.span as f32,
            scale: plan.scale as f32,
            mean: mean as f32,
            low: lo,
            high: hi,
        })
    }

    /// One pass, no logarithm: the common +-2 std truncation.
    #[inline(always)]
    fn bounded_group(&self, words: &Words, out: &mut [MaybeUninit<f32>; GROUP_32]) {
        for (o, &bits) in out.iter_mut().zip(words) {
            let z = self.span.mul_add(open_unit_f32(bits), self.base);
            let v = (1.0 - z) * (1.0 + z);
            let x = self.scale.mul_add(z * erfinv_ratio_2sigma_f32(v), self.mean);
            o.write(clamp(x, self.low, self.high));
        }
    }

    #[inline(always)]
    fn central_group(&self, words: &Words, out: &mut [MaybeUninit<f32>; GROUP_32]) {
        let mut x = [0f32; GROUP_32];
        let mut w = [0f32; GROUP_32];
        for i in 0..GROUP_32 {
            let z = self.span.mul_add(open_unit_f32(words[i]), self.base);
            let arg = (1.0 - z) * (1.0 + z);
            x[i] = z;
            w[i] = -ln_f32(if arg < f32::MIN_POSITIVE { f32::MIN_POSITIVE } else { arg });
        }
        let mut p = [0f32; GROUP_32];
        let mut any_tail = false;
        for i in 0..GROUP_32 {
            p[i] = erfinv_central_f32(w[i]);
            any_tail |= w[i] >= ERFINV_F32_CENTRAL_END;
        }
        // Truncation at +-2 std never needs the tail branch; skip it then.
        if any_tail {
            for i in 0..GROUP_32 {
                if w[i] >= ERFINV_F32_CENTRAL_END {
                    p[i] = erfinv_tail_f32(w[i]);
                }
            }
        }
        for i in 0..GROUP_32 {
            out[i].write(clamp(self.scale.mul_add(x[i] * p[i], self.mean), self.low, self.high));
        }
    }

    #[inline(always)]
    fn tail_group(&self, words: &Words, out: &mut [MaybeUninit<f32>; GROUP_32]) {
        let plan = &self.plan;
        for (o, &bits) in out.iter_mut().zip(words) {
            // u = (w + 1/2) / 2^32, exactly.
            let u = unit_f64(u64::from(bits) << 20) + 0.5 / 4_294_967_296.0;
            let v = plan.scale.mul_add(tail_inverse(plan, u), plan.mean);
            o.write(clamp(v as f32, self.low, self.high));
        }
    }
}

/// `erfcinv(q)` for `q = base + span u` (tail mode), in double precision.
#[inline(always)]
fn tail_inverse(plan: &Plan, u: f64) -> f64 {
    let q = plan.span.mul_add(u, plan.base);
    let arg = q * (2.0 - q);
    let arg = if arg < f64::MIN_POSITIVE { f64::MIN_POSITIVE } else { arg };
    (1.0 - q) * erfinv_ratio_f64(-ln_f64(arg))
}

impl_sampler!(TruncatedNormalF32, f32, GROUP_32, |self, words, out| {
    match self.plan.mode {
        Mode::Bounded => self.bounded_group(words, out),
        Mode::Central => self.central_group(words, out),
        Mode::Tail => self.tail_group(words, out),
    }
});

impl TruncatedNormalF64 {
    pub fn new(mean: f64, std: f64, low: f64, high: f64) -> Result<Self, Error> {
        Ok(TruncatedNormalF64 { plan: Plan::new(mean, std, low, high)? })
    }
}

impl_sampler!(TruncatedNormalF64, f64, GROUP_64, |self, words, out| {
    let plan = &self.plan;
    let pairs = word_pairs(words);
    if plan.mode == Mode::Bounded {
        for (o, &p) in out.iter_mut().zip(&pairs) {
            let z = plan.span.mul_add(unit_f64(p >> 12) + f64::EPSILON * 0.5, plan.base);
            let x = plan.scale.mul_add(z * erfinv_ratio_2sigma_f64((1.0 - z) * (1.0 + z)), plan.mean);
            o.write(clamp(x, plan.low, plan.high));
        }
        return;
    }
    let mut x = [0f64; GROUP_64];
    let mut w = [0f64; GROUP_64];
    for i in 0..GROUP_64 {
        let u = unit_f64(pairs[i] >> 12) + f64::EPSILON * 0.5;
        let t = plan.span.mul_add(u, plan.base);
        // central: x = z, 1 - x^2 = (1-z)(1+z); tail: x = 1 - q, 1 - x^2 = q(2-q)
        let tail = plan.mode == Mode::Tail;
        let (xi, arg) = if tail { (1.0 - t, t * (2.0 - t)) } else { (t, (1.0 - t) * (1.0 + t)) };
        x[i] = xi;
        w[i] = -ln_f64(if arg < f64::MIN_POSITIVE { f64::MIN_POSITIVE } else { arg });
    }
    let mut p = [0f64; GROUP_64];
    let mut any_tail = false;
    for i in 0..GROUP_64 {
        p[i] = erfinv_central_f64(w[i]);
        any_tail |= w[i] >= ERFINV_F64_CENTRAL_END;
    }
    if any_tail {
        for i in 0..GROUP_64 {
            if w[i] >= ERFINV_F64_CENTRAL_END {
                p[i] = erfinv_tail_f64(w[i]);
            }
        }
    }
    for i in 0..GROUP_64 {
        out[i].write(clamp(plan.scale.mul_add(x[i] * p[i], plan.mean), plan.low, plan.high));
    }
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sampler::Sampler;

    #[test]
    fn modes_follow_the_interval() {
        let mode = |a, b| Plan::new(0.0, 1.0, a, b).unwrap().mode;
        assert_eq!(mode(-2.0, 2.0), Mode::Bounded);
        assert_eq!(mode(0.5, 1.5), Mode::Bounded);
        assert_eq!(mode(-2.5, 2.0), Mode::Central);
        assert_eq!(mode(0.5, 3.0), Mode::Tail);
        let below = Plan::new(0.0, 1.0, -3.0, -0.5).unwrap();
        assert!(below.mode == Mode::Tail && below.scale < 0.0);
        assert!(Plan::new(0.0, 1.0, 9.0, 10.0).is_err());
        assert!(Plan::new(0.0, 1.0, -10.0, -9.0).is_err());
        assert!(Plan::new(0.0, 1.0, 7.5, f64::INFINITY).is_ok());
    }

    #[test]
    fn reach_is_bounded() {
        use crate::buffer::as_uninit_mut;
        // All-zero and all-one words give the smallest and largest uniforms,
        // the extreme outputs of every mode.
        let plans = [
            (MAX_TAIL_START, f64::INFINITY),
            (f64::NEG_INFINITY, -MAX_TAIL_START),
            (f64::NEG_INFINITY, f64::INFINITY),
            (-3.0, f64::INFINITY),
            (-2.0, 2.0),
        ];
        let mut reach = 0f64;
        for (a, b) in plans {
            for words in [[0u32; GROUP_32], [u32::MAX; GROUP_32]] {
                let mut o32 = [0f32; GROUP_32];
                TruncatedNormalF32::new(0.0, 1.0, a, b).unwrap().sample_group(&words, as_uninit_mut(&mut o32));
                let mut o64 = [0f64; GROUP_64];
                TruncatedNormalF64::new(0.0, 1.0, a, b).unwrap().sample_group(&words, as_uninit_mut(&mut o64));
                for x in o32.iter().map(|&x| f64::from(x)).chain(o64) {
                    assert!(x.is_finite() && x.abs() <= MAX_REACH, "{a} {b}: {x}");
                    reach = reach.max(x.abs());
                }
            }
        }
        // the constant is not loose by more than one standard deviation
        assert!(reach > MAX_REACH - 1.0, "{reach}");
    }

    #[test]
    fn tail_inverse_hits_the_interval_ends() {
        // u -> 0 gives the far end, u -> 1 the near end of [alpha, beta].
        let plan = Plan::new(0.0, 1.0, 3.0, 5.0).unwrap();
        let at = |u: f64| plan.scale.mul_add(tail_inverse(&plan, u), plan.mean);
        assert!((at(0.0) - 5.0).abs() < 1e-9 && (at(1.0) - 3.0).abs() < 1e-9, "{} {}", at(0.0), at(1.0));
    }
}
