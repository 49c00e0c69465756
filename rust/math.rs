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
//! GPU Computing Gems Jade Edition (2011), for `erfinv`. Accuracy against the
//! correctly-rounded reference is checked in this file's tests.
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

/// Inverse error function for `|x| < 1` in single precision, given
/// `w = -ln((1 - x)(1 + x))` computed by the caller (so that the caller can
/// form `1 - x` without cancellation). Giles (2011), relative error about
/// 4e-7 for `w < 16`.
///
/// This is the branch for `w < 5` ([`ERFINV_F32_CENTRAL_END`]); the caller
/// multiplies the result by `x`. Vector callers evaluate it for a whole group
/// and [`erfinv_tail_f32`] only when some lane needs it, which is why the two
/// branches are separate functions.
#[inline(always)]
pub fn erfinv_central_f32(w: f32) -> f32 {
    poly_f32(
        w - 2.5,
        &[
            1.501_409_4,
            2.466_407_3e-1,
            -4.177_681_6e-3,
            -1.253_725e-3,
            2.185_808_7e-4,
            -4.391_506_5e-6,
            -3.523_387_7e-6,
            3.432_739_4e-7,
            2.810_226_4e-8,
        ],
    )
}

/// The `w >= 5` branch of [`erfinv_central_f32`]; multiply by `x` as there.
#[inline(always)]
pub fn erfinv_tail_f32(w: f32) -> f32 {
    poly_f32(
        w.sqrt() - 3.0,
        &[
            2.832_976_8,
            1.001_674_1,
            9.438_870_5e-3,
            -7.622_461_3e-3,
            5.739_507_7e-3,
            -3.673_428_4e-3,
            1.349_343_2e-3,
            1.009_505_6e-4,
            -2.002_142_6e-4,
        ],
    )
}

/// `erfinv(z) / z` for `|z| <= 1.0005 erf(2 / sqrt 2)` (truncation within two
/// standard deviations, the default of `torch.nn.init.trunc_normal_` and of
/// Keras/JAX variance scaling), as a function of `v = (1 - z)(1 + z)`.
///
/// A (5, 4) rational fitted by varscale (weighted least squares on Chebyshev
/// nodes): relative error 1.2e-8 in exact arithmetic, 3.0e-7 measured in f32
/// (the test below bounds it by 6e-7). Expanding in `v` rather than `z^2` keeps every term of the
/// denominator positive, so f32 evaluation does not cancel; and it needs no
/// logarithm, which makes it 2-3x cheaper than [`erfinv_central_f32`].
#[inline(always)]
pub fn erfinv_ratio_2sigma_f32(v: f32) -> f32 {
    let p = poly_f32(v, &[2.239_394_9, 1.204_647_4e2, 9.495_659_8e2, 1.460_743_1e3, 2.964_409_7e2, -1.075_880_9e1]);
    let q = poly_f32(v, &[1.0, 7.167_245_7e1, 7.490_622_7e2, 1.671_437_2e3, 6.873_851_5e2]);
    p / q
}

/// Smallest `v = 1 - z^2` for which [`erfinv_ratio_2sigma_f32`] is fitted:
/// `z = 1.0005 erf(2 / sqrt 2)`.
pub const ERFINV_2SIGMA_V_MIN: f64 = 1.0 - (1.0005 * 0.954_499_736_103_641_6) * (1.0005 * 0.954_499_736_103_641_6);

/// Double-precision twin of [`erfinv_ratio_2sigma_f32`] on the same range: a
/// (10, 10) rational in `v`, fitted by varscale in 60-digit arithmetic
/// (weighted least squares on Chebyshev nodes, relative error 9e-18 in exact
/// arithmetic) and expanded in powers of `v`, where all coefficients are
/// positive so f64 evaluation does not cancel (6.7e-16 measured, bounded by
/// 2e-15 in the test below). No logarithm and no 23-term polynomial: about 2x cheaper than
/// [`erfinv_ratio_f64`].
#[inline(always)]
pub fn erfinv_ratio_2sigma_f64(v: f64) -> f64 {
    let p = poly_f64(
        v,
        &[
            2.5275943498220981157,
            773.92291757533909877,
            50340.257189121516523,
            1138664.9686187984094,
            10790334.341709240455,
            46319001.434465829816,
            91618708.399793840177,
            80572588.085147897737,
            28315187.974417107642,
            3086864.3380281304276,
            46920.66379108729074,
        ],
    );
    let q = poly_f64(
        v,
        &[
            1.0,
            371.02269164327304787,
            27871.180230713117251,
            720920.81765700567404,
            7841079.323823333576,
            39144332.938987508167,
            92208631.01653146503,
            100485601.91467222468,
            46946578.331476166165,
            7887653.7055720000473,
            303905.98351745965573,
        ],
    );
    p / q
}

/// Double-precision `erfinv(x) / x` as a function of `w = -ln((1-x)(1+x))`
/// (Giles 2011, three branches, relative error about 1e-15 up to `w = 37`,
/// i.e. for every double `|x| < 1`).
#[inline(always)]
pub fn erfinv_ratio_f64(w: f64) -> f64 {
    if w < ERFINV_F64_CENTRAL_END {
        erfinv_central_f64(w)
    } else {
        erfinv_tail_f64(w)
    }
}

/// Upper end (in `w`) of the central branch of the f64 `erfinv`.
pub const ERFINV_F64_CENTRAL_END: f64 = 6.25;
/// Upper end (in `w`) of the central branch of the f32 `erfinv`.
pub const ERFINV_F32_CENTRAL_END: f32 = 5.0;

/// The `w < 6.25` branch of [`erfinv_ratio_f64`].
#[inline(always)]
pub fn erfinv_central_f64(w: f64) -> f64 {
    {
        const C: [f64; 23] = [
            -3.644_412_064_017_819_699_6e-21,
            -1.685_059_138_182_016_589e-19,
            1.285_848_071_525_640_016_7e-18,
            1.115_787_767_802_518_096e-17,
            -1.333_171_662_854_620_906e-16,
            2.097_276_787_596_856_163_7e-17,
            6.637_638_134_358_323_832_5e-15,
            -4.054_566_272_975_206_863_9e-14,
            -8.151_934_197_605_472_152_2e-14,
            2.633_509_315_308_232_297_7e-12,
            -1.297_513_325_345_353_249_8e-11,
            -5.415_412_054_294_627_931_7e-11,
            1.051_212_273_321_532_285e-9,
            -4.112_633_980_346_983_697_6e-9,
            -2.907_036_995_788_200_508_6e-8,
            4.234_787_782_793_240_351_8e-7,
            -1.365_469_200_083_467_864_5e-6,
            -1.388_252_336_278_646_871_9e-5,
            1.867_342_080_340_571_352e-4,
            -7.407_025_341_662_669_751_2e-4,
            -6.033_670_871_430_149_053_3e-3,
            2.401_581_824_255_896_169_3e-1,
            1.653_654_562_683_102_735_6,
        ];
        poly_f64(w - 3.125, &reversed(C))
    }
}

/// The `w >= 6.25` branches of [`erfinv_ratio_f64`].
#[inline(always)]
pub fn erfinv_tail_f64(w: f64) -> f64 {
    if w < 16.0 {
        const C: [f64; 19] = [
            2.213_737_692_177_578_704_9e-9,
            9.075_656_193_888_539_097_9e-8,
            -2.751_740_629_706_454_542_8e-7,
            1.823_962_921_438_922_775_5e-8,
            1.502_740_396_890_982_762_7e-6,
            -4.013_867_526_981_545_969e-6,
            2.923_444_908_995_544_604_4e-6,
            1.247_530_448_167_177_872_3e-5,
            -4.731_822_900_905_573_398_1e-5,
            6.828_485_145_957_317_544_8e-5,
            2.403_111_038_709_789_399_9e-5,
            -3.550_375_203_628_474_796e-4,
            9.532_893_797_373_804_970_3e-4,
            -1.688_275_556_023_504_731_3e-3,
            2.491_442_096_107_850_806_6e-3,
            -3.751_208_507_569_241_210_7e-3,
            5.370_914_553_590_063_617e-3,
            1.005_258_967_694_159_233_4,
            3.083_885_610_492_220_763_5,
        ];
        poly_f64(w.sqrt() - 3.25, &reversed(C))
    } else {
        const C: [f64; 17] = [
            -2.710_992_061_643_857_324_3e-11,
            -2.555_641_816_996_525_205_5e-10,
            1.507_657_269_350_054_808_3e-9,
            -3.789_465_440_126_736_993_7e-9,
            7.615_701_208_078_339_380_4e-9,
            -1.496_002_662_714_924_047_8e-8,
            2.914_795_345_090_108_082_6e-8,
            -6.771_199_775_845_233_949_8e-8,
            2.290_048_222_802_665_471_7e-7,
            -9.929_827_294_231_700_253_9e-7,
            4.526_062_597_223_153_703_9e-6,
            -1.968_177_810_553_167_056_7e-5,
            7.599_527_703_001_776_113_9e-5,
            -2.150_301_193_004_447_734_7e-4,
            -1.387_193_183_362_312_202_6e-4,
            1.010_300_464_864_534_397_7,
            4.849_906_401_408_584_422_1,
        ];
        poly_f64(w.sqrt() - 5.0, &reversed(C))
    }
}

/// Coefficients listed highest power first (as Giles prints them), reversed
/// at compile time for [`poly_f64`].
const fn reversed<const N: usize>(c: [f64; N]) -> [f64; N] {
    let mut r = c;
    let mut i = 0;
    while i < N {
        r[i] = c[N - 1 - i];
        i += 1;
    }
    r
}

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

    /// Reference erfinv for x in (0, 1): Newton with libm's erf for x < 1/2
    /// (where erf is accurate relative to x) and on erfc(t) = 1 - x above
    /// (where 1 - x is exact and erfc keeps full relative accuracy in the tail).
    fn erfinv_reference(x: f64, start: f64) -> f64 {
        let mut t = start;
        for _ in 0..6 {
            let slope = 2.0 / core::f64::consts::PI.sqrt() * (-t * t).exp();
            let residual = if x < 0.5 { libm::erf(t) - x } else { (1.0 - x) - libm::erfc(t) };
            t -= residual / slope;
        }
        t
    }

    /// Test points in (0, 1) with `1 - x` exact: a linear sweep and 1 - 2^-k.
    fn erf_points() -> impl Iterator<Item = f64> {
        let linear = (1..2000).map(|i| f64::from(i) / 2000.0);
        let tail = (1..=52).map(|k| 1.0 - (-f64::from(k)).exp2());
        linear.chain(tail)
    }

    #[test]
    fn erfinv_f64_matches_newton_reference() {
        let mut worst = 0.0f64;
        for x in erf_points() {
            let w = -((1.0 - x) * (1.0 + x)).ln();
            let t = x * erfinv_ratio_f64(w);
            let r = erfinv_reference(x, t);
            worst = worst.max((t - r).abs() / r);
        }
        assert!(worst < 1e-14, "f64 erfinv worst relative error {worst}");
    }

    #[test]
    fn erfinv_2sigma_rational_matches_newton_reference() {
        let z_max = (1.0 - ERFINV_2SIGMA_V_MIN).sqrt();
        let mut worst = 0.0f64;
        for i in 1..=100_000 {
            let z = (z_max * f64::from(i) / 100_000.0) as f32;
            let v = (1.0 - z) * (1.0 + z);
            let t = f64::from(z * erfinv_ratio_2sigma_f32(v));
            let r = erfinv_reference(f64::from(z), t);
            worst = worst.max((t - r).abs() / r);
        }
        assert!(worst < 6e-7, "2-sigma rational worst relative error {worst}");
        // z -> 0: erfinv(z)/z -> sqrt(pi)/2
        let at0 = f64::from(erfinv_ratio_2sigma_f32(1.0));
        assert!((at0 - core::f64::consts::PI.sqrt() / 2.0).abs() < 1e-7, "{at0}");
    }

    #[test]
    fn erfinv_2sigma_rational_f64_matches_newton_reference() {
        let z_max = (1.0 - ERFINV_2SIGMA_V_MIN).sqrt();
        let mut worst = 0.0f64;
        for i in 1..=100_000 {
            let z = z_max * f64::from(i) / 100_000.0;
            let t = z * erfinv_ratio_2sigma_f64((1.0 - z) * (1.0 + z));
            let r = erfinv_reference(z, t);
            worst = worst.max((t - r).abs() / r);
        }
        assert!(worst < 2e-15, "f64 2-sigma rational worst relative error {worst}");
        let at0 = erfinv_ratio_2sigma_f64(1.0);
        assert!((at0 - core::f64::consts::PI.sqrt() / 2.0).abs() < 1e-15, "{at0}");
    }

    #[test]
    fn erfinv_f32_matches_newton_reference() {
        let mut worst = 0.0f64;
        for x in erf_points() {
            let x32 = x as f32;
            if x32 >= 1.0 {
                continue;
            }
            let xd = f64::from(x32);
            let w = -ln_f32((1.0 - x32) * (1.0 + x32));
            let p = if w < ERFINV_F32_CENTRAL_END { erfinv_central_f32(w) } else { erfinv_tail_f32(w) };
            let t = f64::from(p * x32);
            let r = erfinv_reference(xd, t);
            worst = worst.max((t - r).abs() / r);
        }
        assert!(worst < 1e-6, "f32 erfinv worst relative error {worst}");
    }
}
