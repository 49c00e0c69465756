//! The inverse error function for the truncated-normal sampler: Giles'
//! approximations (single and double precision, fed `w = -ln((1-x)(1+x))`)
//! and varscale's log-free rationals for truncation within two standard
//! deviations. Same rules as the parent module: only correctly rounded
//! operations, polynomials by [`poly_f32`]/[`poly_f64`], so every build gives
//! the same bits.
#![allow(clippy::excessive_precision)]

use super::{poly_f32, poly_f64};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::ln_f32;

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
