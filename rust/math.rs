//! Elementary functions for the sample transforms, written as plain scalar
//! code with no branches the vectoriser cannot turn into selects.
//!
//! Why not `f32::ln` and friends: those call the platform libm, which neither
//! vectorises nor promises the same bits everywhere. Here every step is a
//! correctly rounded operation: `+ - * / sqrt` and `mul_add`, which Rust
//! defines as a fused multiply-add with a single rounding (the FMA
//! instruction in the SIMD builds, a correctly rounded `fma` call in a
//! portable build without it). So every build of this source gives the same
//! bits. Polynomials use Estrin's scheme ([`poly_f32`], [`poly_f64`]): the
//! kernels are bound by the latency of dependent FMA chains, and Estrin's
//! `log2(n)`-deep tree made the f32 log 1.6x faster than Horner's `n - 1`.
//!
//! Coefficients: Cephes (S. L. Moshier) for `logf`/`sinf`/`cosf`, fdlibm
//! (Sun Microsystems) for the double-precision `log`, `__kernel_sin` and
//! `__kernel_cos`, and M. Giles, "Approximating the erfinv function",
//! GPU Computing Gems Jade Edition (2011), for `erfinv` (submodule
//! `erfinv`). Accuracy against the correctly-rounded reference is checked in
//! each file's tests.
// Coefficients are kept with the digits their sources print, so they can be
// checked against them; each rounds to the intended float.
#![allow(clippy::excessive_precision)]

/// sqrt(1/2) in f32, the split point of the Cephes `logf` reduction.
const SQRT_HALF_F32: f32 = core::f32::consts::FRAC_1_SQRT_2;

/// Natural logarithm for positive, finite, normal `x` (Cephes `logf`,
/// about 1 ulp). Reduction: `x = 2^e * (1 + f)` with `1 + f` in
/// `[sqrt(1/2), sqrt(2))`, then `ln(1+f) = f - f^2/2 + f^3 P(f)`.
#[inline(always)]
pub fn ln_f32(x: f32) -> f32 {
    let bits = x.to_bits();
    // frexp: x = m * 2^e, m in [0.5, 1).
    let e = ((bits >> 23) & 0xff) as i32 - 126;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f00_0000);
    let below = m < SQRT_HALF_F32;
    let f = if below { m + m - 1.0 } else { m - 1.0 };
    let e = (if below { e - 1 } else { e }) as f32;
    let f2 = f * f;
    let p = poly_f32(
        f,
        &[
            3.333_333_1e-1,
            -2.499_999_4e-1,
            2.000_071_4e-1,
            -1.666_805_8e-1,
            1.424_932_3e-1,
            -1.242_014_1e-1,
            1.167_699_9e-1,
            -1.151_461_0e-1,
            7.037_683_6e-2,
        ],
    );
    // ln(1+f) = f - f^2/2 + f^3 P(f); ln 2 is split in a short high part
    // (exact times small e) and a low part.
    let low = e.mul_add(-2.121_944_4e-4, f2 * -0.5);
    let y = p.mul_add(f2 * f, low);
    e.mul_add(0.693_359_4, f + y)
}

/// `(cos y, sin y)` for `y` in `[0, pi/4]` (Cephes `cosf`/`sinf` kernels).
#[inline(always)]
pub fn sincos_octant_f32(y: f32) -> (f32, f32) {
    let z = y * y;
    let ps = (-1.951_529_6e-4_f32).mul_add(z, 8.332_161e-3).mul_add(z, -1.666_665_5e-1);
    let s = (ps * z).mul_add(y, y);
    let pc = 2.443_315_7e-5_f32.mul_add(z, -1.388_731_6e-3).mul_add(z, 4.166_664_6e-2);
    let c = (pc * z).mul_add(z, z.mul_add(-0.5, 1.0));
    (c, s)
}

/// Natural logarithm for positive, finite, normal `x` (fdlibm `log`,
/// under 1 ulp): `ln(1+f) = 2s + s*R(s^2)` with `s = f / (2 + f)`.
#[inline(always)]
pub fn ln_f64(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LG1: f64 = 6.666_666_666_666_735_130e-01;
    const LG2: f64 = 3.999_999_999_940_941_908e-01;
    const LG3: f64 = 2.857_142_874_366_239_149e-01;
    const LG4: f64 = 2.222_219_843_214_978_396e-01;
    const LG5: f64 = 1.818_357_216_161_805_012e-01;
    const LG6: f64 = 1.531_383_769_920_937_332e-01;
    const LG7: f64 = 1.479_819_860_511_658_591e-01;
    let bits = x.to_bits();
    let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    // m in [1, 2); fold into [sqrt(1/2), sqrt(2)) (halving is exact).
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let above = m > core::f64::consts::SQRT_2;
    let m = if above { m * 0.5 } else { m };
    let k = (if above { e + 1 } else { e }) as f64;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * LG6.mul_add(w, LG4).mul_add(w, LG2);
    let t2 = z * LG7.mul_add(w, LG5).mul_add(w, LG3).mul_add(w, LG1);
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    k.mul_add(LN2_HI, -((hfsq - s.mul_add(hfsq + r, k * LN2_LO)) - f))
}

/// `(cos y, sin y)` for `y` in `[0, pi/4]` (fdlibm `__kernel_cos` and
/// `__kernel_sin` with a zero tail).
#[inline(always)]
pub fn sincos_octant_f64(y: f64) -> (f64, f64) {
    const S1: f64 = -1.666_666_666_666_663_243_48e-01;
    const S2: f64 = 8.333_333_333_322_489_461_24e-03;
    const S3: f64 = -1.984_126_982_985_794_931_34e-04;
    const S4: f64 = 2.755_731_370_707_006_767_89e-06;
    const S5: f64 = -2.505_076_025_340_686_341_95e-08;
    const S6: f64 = 1.589_690_995_211_550_102_21e-10;
    const C1: f64 = 4.166_666_666_666_660_190_37e-02;
    const C2: f64 = -1.388_888_888_887_410_957_49e-03;
    const C3: f64 = 2.480_158_728_947_672_941_78e-05;
    const C4: f64 = -2.755_731_435_139_066_330_35e-07;
    const C5: f64 = 2.087_572_321_298_174_827_90e-09;
    const C6: f64 = -1.135_964_755_778_819_482_65e-11;
    let z = y * y;
    let v = z * y;
    let rs = S6.mul_add(z, S5).mul_add(z, S4).mul_add(z, S3).mul_add(z, S2);
    let s = v.mul_add(z.mul_add(rs, S1), y);
    let rc = z * C6.mul_add(z, C5).mul_add(z, C4).mul_add(z, C3).mul_add(z, C2).mul_add(z, C1);
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    let c = w + z.mul_add(rc, (1.0 - w) - hz);
    (c, s)
}

mod erfinv;
pub use erfinv::*;

macro_rules! estrin {
    ($name:ident, $t:ty) => {
        /// `a[0] + a[1] x + ... + a[N-1] x^(N-1)` by Estrin's scheme: each
        /// level joins neighbouring terms with one FMA while `x` is squared,
        /// so the dependency chain is about `log2(N)` FMAs deep. The order of
        /// operations is fixed by `N`, so results are the same on every build.
        #[inline(always)]
        pub fn $name<const N: usize>(x: $t, a: &[$t; N]) -> $t {
            let mut c = *a;
            let mut n = N;
            let mut xp = x;
            while n > 1 {
                let half = n / 2;
                for j in 0..half {
                    c[j] = c[2 * j + 1].mul_add(xp, c[2 * j]);
                }
                if n % 2 == 1 {
                    c[half] = c[n - 1];
                }
                n = half + n % 2;
                xp = xp * xp;
            }
            c[0]
        }
    };
}
estrin!(poly_f32, f32);
estrin!(poly_f64, f64);

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps_f32(a: f32, b: f64) -> f64 {
        let ulp = f64::from(f32::EPSILON) * b.abs().max(f64::from(f32::MIN_POSITIVE));
        (f64::from(a) - b).abs() / ulp
    }

    fn ulps_f64(a: f64, b: f64) -> f64 {
        (a - b).abs() / (f64::EPSILON * b.abs().max(f64::MIN_POSITIVE))
    }

    /// Deterministic test points spread over many binades.
    fn points(n: usize) -> impl Iterator<Item = f64> {
        (1..=n).map(move |i| {
            let t = i as f64 / n as f64;
            // mixes a log-spaced and a linear sweep
            if i % 2 == 0 {
                (-40.0 * t).exp2()
            } else {
                t
            }
        })
    }

    #[test]
    fn ln_f32_is_within_two_ulps() {
        let mut worst = 0.0f64;
        for x in points(200_000) {
            let x32 = x as f32;
            if x32 == 1.0 || x32 < f32::MIN_POSITIVE {
                continue;
            }
            worst = worst.max(ulps_f32(ln_f32(x32), f64::from(x32).ln()));
        }
        assert!(worst <= 2.0, "ln_f32 worst error {worst} ulp");
        assert_eq!(ln_f32(1.0), 0.0);
    }

    #[test]
    fn ln_f64_is_within_one_ulp() {
        let mut worst = 0.0f64;
        for x in points(200_000) {
            if x == 1.0 {
                continue;
            }
            worst = worst.max(ulps_f64(ln_f64(x), x.ln()));
        }
        assert!(worst <= 1.0, "ln_f64 worst error {worst} ulp");
        assert_eq!(ln_f64(1.0), 0.0);
    }

    #[test]
    fn sincos_octant_matches_libm() {
        let quarter = core::f64::consts::FRAC_PI_4;
        let (mut w32, mut w64) = (0.0f64, 0.0f64);
        for i in 0..=100_000 {
            let y = quarter * f64::from(i) / 100_000.0;
            let y32 = y as f32;
            let (c, s) = sincos_octant_f32(y32);
            let y32w = f64::from(y32);
            w32 = w32.max(ulps_f32(c, y32w.cos())).max(ulps_f32(s, y32w.sin()));
            let (c, s) = sincos_octant_f64(y);
            w64 = w64.max(ulps_f64(c, y.cos()));
            if y > 0.0 {
                w64 = w64.max(ulps_f64(s, y.sin()));
            }
        }
        assert!(w32 <= 2.0, "f32 sincos worst {w32} ulp");
        assert!(w64 <= 1.0, "f64 sincos worst {w64} ulp");
    }
}
