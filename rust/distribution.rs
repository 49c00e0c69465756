//! The distributions varscale samples, and the one home of their parameter
//! checks.
//!
//! Initialisers (Xavier, He, LeCun, variance scaling) are these four with
//! parameters derived from the fans; that arithmetic lives in the Python
//! layer. Each distribution has a validating constructor
//! ([`Distribution::uniform`], ...), which refuses parameters outside the
//! domain with a message naming the parameter; [`Distribution::check_for`]
//! adds what depends on the output dtype (every sample and every
//! intermediate finite). The fill functions run both checks again, so a
//! variant built directly (`Distribution::Uniform { .. }`) is checked too.

use core::f64::consts::SQRT_2;

use crate::dtype::Dtype;
use crate::error::Error;
use crate::sampler::{MAX_REACH, MAX_TAIL_START};

/// A distribution over the reals; parameters are in absolute units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Distribution {
    /// Uniform on the closed interval `[low, high]`.
    Uniform { low: f64, high: f64 },
    /// `N(mean, std^2)`.
    Normal { mean: f64, std: f64 },
    /// `N(mean, std^2)` conditioned on `[low, high]` (absolute bounds, as
    /// `torch.nn.init.trunc_normal_`; `low`/`high` may be infinite).
    TruncatedNormal { mean: f64, std: f64, low: f64, high: f64 },
    /// Every element equal to `value`.
    Constant { value: f64 },
}

/// Box-Muller samples stay within this many std of the mean (|z| <= 8.57 in
/// f64, 6.76 in f32; see `sampler::normal`): the reach checked against the
/// output dtype's range (`_core.NORMAL_REACH` in Python).
pub const NORMAL_REACH: f64 = 9.0;

/// A truncated normal whose interval is narrower than this many smallest
/// normal numbers of the compute type, in units of `std`, is uniform on the
/// interval to float precision, and its inversion would work with erf
/// differences that underflow (all samples on the bounds, or NaN).
pub const MIN_WIDTH_IN_STD: f64 = 256.0;

fn invalid<T>(msg: String) -> Result<T, Error> {
    Err(Error::InvalidParameter(msg))
}

fn finite(name: &str, v: f64) -> Result<(), Error> {
    if v.is_finite() {
        Ok(())
    } else {
        invalid(format!("{name} must be finite, got {v}"))
    }
}

fn not_nan(name: &str, v: f64) -> Result<(), Error> {
    if v.is_nan() {
        invalid(format!("{name} must not be NaN"))
    } else {
        Ok(())
    }
}

/// `|v| <= max`, or an error naming `what` and the dtype.
fn within(what: &str, v: f64, max: f64, dtype: Dtype, role: &str) -> Result<(), Error> {
    if v.abs() <= max {
        Ok(())
    } else {
        invalid(format!("{what}={v} overflows the output dtype {dtype} ({role} at most {max:e})"))
    }
}

impl Distribution {
    /// `U(low, high)`: both finite, `low <= high`.
    pub fn uniform(low: f64, high: f64) -> Result<Self, Error> {
        Distribution::Uniform { low, high }.checked()
    }

    /// `N(mean, std^2)`: both finite, `std >= 0`.
    pub fn normal(mean: f64, std: f64) -> Result<Self, Error> {
        Distribution::Normal { mean, std }.checked()
    }

    /// `N(mean, std^2)` truncated to `[low, high]`: `mean` and `std > 0`
    /// finite, `low < high` (either may be infinite), and the interval at
    /// most [`MAX_TAIL_START`] std from the mean.
    pub fn truncated_normal(mean: f64, std: f64, low: f64, high: f64) -> Result<Self, Error> {
        Distribution::TruncatedNormal { mean, std, low, high }.checked()
    }

    /// Every element `value` (finite).
    pub fn constant(value: f64) -> Result<Self, Error> {
        Distribution::Constant { value }.checked()
    }

    fn checked(self) -> Result<Self, Error> {
        self.check()?;
        Ok(self)
    }

    /// The checks that do not depend on the output dtype.
    pub fn check(&self) -> Result<(), Error> {
        match *self {
            Distribution::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low > high {
                    return invalid(format!("low={low} must not exceed high={high}"));
                }
                Ok(())
            }
            Distribution::Normal { mean, std } => {
                finite("mean", mean)?;
                finite("std", std)?;
                if std < 0.0 {
                    return invalid(format!("std must be >= 0, got {std}"));
                }
                Ok(())
            }
            Distribution::TruncatedNormal { mean, std, low, high } => check_truncated(mean, std, low, high),
            Distribution::Constant { value } => finite("value", value),
        }
    }

    /// [`Distribution::check`], and that every sample (and every value the
    /// sampler computes on the way) is finite in `dtype`: samples within
    /// `dtype.max()`, intermediates within `dtype.compute_max()`.
    pub fn check_for(&self, dtype: Dtype) -> Result<(), Error> {
        self.check()?;
        let (max, compute) = (dtype.max(), dtype.compute_max());
        match *self {
            Distribution::Uniform { low, high } => {
                within("low", low, max, dtype, "samples")?;
                within("high", high, max, dtype, "samples")
            }
            Distribution::Normal { mean, std } => {
                within("mean + 9 * std", mean.abs() + NORMAL_REACH * std, max, dtype, "samples")
            }
            Distribution::TruncatedNormal { mean, std, low, high } => {
                within("mean", mean, compute, dtype, "arithmetic")?;
                within("std * sqrt(2)", std * SQRT_2, compute, dtype, "arithmetic")?;
                // An interval the compute type resolves, but so narrow in std
                // units that the inversion's erf differences underflow.
                let (width, tiny) = (high - low, dtype.compute_min_positive());
                if width >= tiny && width / std < MIN_WIDTH_IN_STD * tiny {
                    return invalid(format!(
                        "std={std:e} is too large for the interval [low, high] = [{low}, {high}] in {dtype}: \
                         (high - low) / std must be at least {:e}; the truncated normal is uniform there to float \
                         precision, so use a uniform distribution on [low, high]",
                        MIN_WIDTH_IN_STD * tiny
                    ));
                }
                // Samples lie in [low, high] and within MAX_REACH std of the
                // mean (the tail mode reaches farther than Box-Muller's 9).
                let lowest = low.max(mean - MAX_REACH * std);
                let highest = high.min(mean + MAX_REACH * std);
                within("sample bound", lowest.abs().max(highest.abs()), max, dtype, "samples")
            }
            Distribution::Constant { value } => within("value", value, max, dtype, "samples"),
        }
    }
}

fn check_truncated(mean: f64, std: f64, low: f64, high: f64) -> Result<(), Error> {
    finite("mean", mean)?;
    finite("std", std)?;
    not_nan("low", low)?;
    not_nan("high", high)?;
    if std <= 0.0 {
        return invalid(format!("std must be > 0, got {std}"));
    }
    if low >= high {
        return invalid(format!("low={low} must be less than high={high}"));
    }
    // One-sided intervals far in the tail cannot be inverted accurately.
    let (alpha, beta) = ((low - mean) / std, (high - mean) / std);
    let distance = if alpha > 0.0 { alpha } else { -beta };
    if distance > MAX_TAIL_START {
        return invalid(format!(
            "the truncation interval [low, high] = [{low}, {high}] lies {distance:.3} standard deviations from \
             the mean {mean}; at most {MAX_TAIL_START} is supported"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_reject_bad_parameters_by_name() {
        let bad = [
            (Distribution::uniform(1.0, 0.0), "low=1"),
            (Distribution::uniform(f64::NAN, 0.0), "low"),
            (Distribution::uniform(0.0, f64::INFINITY), "high"),
            (Distribution::normal(0.0, -1.0), "std"),
            (Distribution::normal(0.0, f64::INFINITY), "std"),
            (Distribution::normal(f64::NAN, 1.0), "mean"),
            (Distribution::truncated_normal(0.0, 0.0, -1.0, 1.0), "std"),
            (Distribution::truncated_normal(0.0, 1.0, 1.0, 1.0), "low=1"),
            (Distribution::truncated_normal(0.0, 1.0, f64::NAN, 1.0), "low "),
            (Distribution::truncated_normal(0.0, 1.0, 9.0, 10.0), "standard deviations"),
            (Distribution::truncated_normal(0.0, 1.0, -10.0, -9.0), "standard deviations"),
            (Distribution::constant(f64::NAN), "value"),
        ];
        for (d, name) in bad {
            let msg = d.unwrap_err().to_string();
            assert!(msg.contains(name), "{name}: {msg}");
        }
        assert!(Distribution::truncated_normal(0.0, 1.0, 7.5, f64::INFINITY).is_ok());
        assert!(Distribution::truncated_normal(0.0, 1e300, f64::NEG_INFINITY, f64::INFINITY).is_ok());
    }

    #[test]
    fn dtype_limits() {
        let too_big = Distribution::normal(0.0, 1e38).unwrap();
        assert!(too_big.check_for(Dtype::Float32).is_err());
        assert!(too_big.check_for(Dtype::Float64).is_ok());
        let open = Distribution::truncated_normal(0.0, 1.0, f64::NEG_INFINITY, 0.5).unwrap();
        assert!(open.check_for(Dtype::Float32).is_ok());
        // A far one-sided tail reaches 11.6 std: with std = max / 9 its
        // samples would overflow, so it is refused.
        let std = f64::from(f32::MAX) / 9.0;
        let far = Distribution::TruncatedNormal { mean: 0.0, std, low: 7.5 * std, high: f64::INFINITY };
        assert!(far.check_for(Dtype::Float32).is_err());
        // bounds beyond float16's range, and a std whose f32 arithmetic overflows
        let wide = Distribution::uniform(0.0, 1e5).unwrap();
        assert!(wide.check_for(Dtype::Float16).unwrap_err().to_string().contains("high=100000"));
        assert!(wide.check_for(Dtype::BFloat16).is_ok());
        let flat = Distribution::truncated_normal(0.0, 1e38 * 3.0, -1e30, 1e30).unwrap();
        let msg = flat.check_for(Dtype::Float32).unwrap_err().to_string();
        assert!(msg.contains("std * sqrt(2)"), "{msg}");
        assert!(flat.check_for(Dtype::Float64).is_ok());
        // std = 1e39 on [-2, 2] gave only +-2 (f32), 1e46 NaN: refused by name
        for std in [1e37, 1e39, 1e46] {
            let d = Distribution::truncated_normal(0.0, std, -2.0, 2.0).unwrap();
            for dtype in [Dtype::Float16, Dtype::BFloat16, Dtype::Float32] {
                assert!(d.check_for(dtype).unwrap_err().to_string().contains("std"), "{std} {dtype}");
            }
        }
        // an interval no float32 resolves is not refused: its samples round to its points
        let point = Distribution::truncated_normal(0.0, 1.0, 0.0, 1e-300).unwrap();
        assert!(point.check_for(Dtype::Float32).is_ok() && point.check_for(Dtype::Float64).is_ok());
    }
}
