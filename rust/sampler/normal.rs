//! Normal samples by the Box-Muller transform on counter pairs.
//!
//! `z0 = r cos(theta)`, `z1 = r sin(theta)` with `r = sqrt(-2 ln u)` and a
//! uniform angle, so one radius word and one angle word give two independent
//! N(0, 1) samples; the output is `mean + std * z`.
//! (G. E. P. Box and M. E. Muller, Ann. Math. Statist. 29 (1958) 610-611.)
//!
//! The radius uses all 32 bits of its word for f32 (`u` down to `2^-33`,
//! so `|z|` reaches 6.76) and 52 bits for f64 (`|z|` up to 8.57): the tails are
//! not cut at the 5-sigma point that a 24-bit uniform would give.
//!
//! The angle: 3 bits pick an octant, the rest a uniform `y` in `[0, pi/4)`;
//! `cos`/`sin` of `y` are evaluated there and mirrored into the octant
//! (see [`crate::math::sincos_octant_f32`]).
//!
//! Layout: for f32, word `i` (radius) and word `32 + i` (angle) give outputs
//! `i` (cos) and `32 + i` (sin), `i < 32`. For f64, word pair `i` (radius)
//! and pair `16 + i` (angle) give outputs `i` and `16 + i`, `i < 16`.

use core::f32::consts::FRAC_PI_4 as QUARTER_PI_F32;
use core::f64::consts::FRAC_PI_4 as QUARTER_PI_F64;

use super::{unit_f64, GROUP_32, GROUP_64};
use crate::math::{ln_f32, ln_f64, sincos_octant_f32, sincos_octant_f64};
use crate::rng::word_pairs;

/// Parameters of `N(mean, std^2)` in the output precision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal<T> {
    mean: T,
    std: T,
}

pub type NormalF32 = Normal<f32>;
pub type NormalF64 = Normal<f64>;

impl NormalF32 {
    pub fn new(mean: f64, std: f64) -> Self {
        Normal { mean: mean as f32, std: std as f32 }
    }
}

impl NormalF64 {
    pub fn new(mean: f64, std: f64) -> Self {
        Normal { mean, std }
    }
}

/// Mirrors `(cos y, sin y)` of `y` in `[0, pi/4)` into octant `o` (0..8):
/// odd octants run backwards, so a uniform `y` and uniform `o` give a
/// uniform angle on the circle.
macro_rules! octant_fn {
    ($name:ident, $t:ty) => {
        #[inline(always)]
        fn $name(c: $t, s: $t, o: u32) -> ($t, $t) {
            let swap = ((o + 1) >> 1) & 1 == 1; // octants 1, 2, 5, 6
            let (x, y) = if swap { (s, c) } else { (c, s) };
            let x = if ((o + 2) >> 2) & 1 == 1 { -x } else { x }; // 2..=5
            let y = if (o >> 2) & 1 == 1 { -y } else { y }; // 4..=7
            (x, y)
        }
    };
}
octant_fn!(octant_f32, f32);
octant_fn!(octant_f64, f64);

/// Radius `sqrt(-2 ln u)` with `u = (w + 1/2) / 2^32` (rounded to f32).
#[inline(always)]
pub(crate) fn radius_f32(w: u32) -> f32 {
    let u = (w as f32).mul_add(1.0 / 4_294_967_296.0, 1.0 / 8_589_934_592.0);
    (-2.0 * ln_f32(u)).sqrt()
}

/// Unit circle point from one word: top 3 bits the octant, next 24 bits `y`.
#[inline(always)]
pub(crate) fn circle_f32(w: u32) -> (f32, f32) {
    let y = ((w >> 5) & 0x00ff_ffff) as i32 as f32 * (QUARTER_PI_F32 / 16_777_216.0);
    let (c, s) = sincos_octant_f32(y);
    octant_f32(c, s, w >> 29)
}

/// Radius with `u = (2m + 1) / 2^53` for the top 52 bits `m` of `p`.
#[inline(always)]
pub(crate) fn radius_f64(p: u64) -> f64 {
    let u = unit_f64(p >> 12) + f64::EPSILON * 0.5;
    (-2.0 * ln_f64(u)).sqrt()
}

/// Unit circle point from a word pair: top 3 bits the octant, the next 52
/// bits `y`.
#[inline(always)]
pub(crate) fn circle_f64(p: u64) -> (f64, f64) {
    let y = unit_f64((p >> 9) & ((1 << 52) - 1)) * QUARTER_PI_F64;
    let (c, s) = sincos_octant_f64(y);
    octant_f64(c, s, (p >> 61) as u32)
}

// not interleaved: see `Sampler::INTERLEAVE`
impl_sampler!(NormalF32, f32, GROUP_32, interleave = false, |self, words, out| {
    let (radius_words, angle_words) = words.split_at(GROUP_32 / 2);
    let (cos_out, sin_out) = out.split_at_mut(GROUP_32 / 2);
    // Two passes with short, independent iterations: the out-of-order
    // core overlaps many of them and hides the polynomial latency.
    let mut r = [0f32; GROUP_32 / 2];
    for (r, &w) in r.iter_mut().zip(radius_words) {
        *r = radius_f32(w) * self.std;
    }
    for i in 0..GROUP_32 / 2 {
        let (c, s) = circle_f32(angle_words[i]);
        cos_out[i].write(r[i].mul_add(c, self.mean));
        sin_out[i].write(r[i].mul_add(s, self.mean));
    }
});

impl_sampler!(NormalF64, f64, GROUP_64, |self, words, out| {
    let pairs = word_pairs(words);
    let (radius_pairs, angle_pairs) = pairs.split_at(GROUP_64 / 2);
    let (cos_out, sin_out) = out.split_at_mut(GROUP_64 / 2);
    for i in 0..GROUP_64 / 2 {
        let r = radius_f64(radius_pairs[i]) * self.std;
        let (c, s) = circle_f64(angle_pairs[i]);
        cos_out[i].write(r.mul_add(c, self.mean));
        sin_out[i].write(r.mul_add(s, self.mean));
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_extremes() {
        // smallest u = 2^-33: r = sqrt(66 ln 2)
        let max32 = (66.0f64 * core::f64::consts::LN_2).sqrt();
        assert!((f64::from(radius_f32(0)) - max32).abs() < 1e-5);
        assert_eq!(radius_f32(u32::MAX), 0.0);
        let max64 = (106.0f64 * core::f64::consts::LN_2).sqrt();
        assert!((radius_f64(0) - max64).abs() < 1e-12);
        assert!(radius_f64(u64::MAX) < 2e-8);
    }

    #[test]
    fn circle_points_have_unit_norm_and_right_angle() {
        for w in (0..u32::MAX).step_by(9_999_991) {
            let (c, s) = circle_f32(w);
            assert!((c * c + s * s - 1.0).abs() < 1e-6);
            // the angle is octant*pi/4 (+ y, or + pi/4 - y in odd octants)
            let o = f64::from(w >> 29);
            let y = f64::from((w >> 5) & 0xff_ffff) / 16_777_216.0 * QUARTER_PI_F64;
            let a = if (o as u32).is_multiple_of(2) { o * QUARTER_PI_F64 + y } else { (o + 1.0) * QUARTER_PI_F64 - y };
            assert!((f64::from(c) - a.cos()).abs() < 1e-6 && (f64::from(s) - a.sin()).abs() < 1e-6);
            let (c, s) = circle_f64(u64::from(w) << 32 | u64::from(w.rotate_left(7)));
            assert!((c * c + s * s - 1.0).abs() < 1e-15);
        }
    }
}
