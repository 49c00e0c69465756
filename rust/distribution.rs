//! The distributions varscale samples, with their parameter checks.
//!
//! Initialisers (Xavier, He, LeCun, variance scaling) are these four with
//! parameters derived from the fans; that arithmetic lives in the Python layer.

use crate::error::Error;
use crate::sampler::MAX_REACH;

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

fn finite(name: &str, v: f64) -> Result<(), Error> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter(format!("{name} must be finite, got {v}")))
    }
}

fn not_nan(name: &str, v: f64) -> Result<(), Error> {
    if v.is_nan() {
        Err(Error::InvalidParameter(format!("{name} must not be NaN")))
    } else {
        Ok(())
    }
}

impl Distribution {
    /// Checks the parameters, and that every possible sample is finite in an
    /// output type whose largest value is `max` (`f32::MAX` or `f64::MAX`).
    pub fn validate(&self, max: f64) -> Result<(), Error> {
        let representable = |name: &str, v: f64| {
            if v.abs() <= max {
                Ok(())
            } else {
                Err(Error::InvalidParameter(format!("{name}={v} overflows the output dtype (max {max:e})")))
            }
        };
        match *self {
            Distribution::Uniform { low, high } => {
                finite("low", low)?;
                finite("high", high)?;
                if low > high {
                    return Err(Error::InvalidParameter(format!("low={low} must not exceed high={high}")));
                }
                representable("low", low)?;
                representable("high", high)
            }
            Distribution::Normal { mean, std } => {
                finite("mean", mean)?;
                finite("std", std)?;
                if std < 0.0 {
                    return Err(Error::InvalidParameter(format!("std must be >= 0, got {std}")));
                }
                // Box-Muller samples stay within 9 std of the mean.
                representable("mean + 9 * std", mean.abs() + 9.0 * std)
            }
            Distribution::TruncatedNormal { mean, std, low, high } => {
                finite("mean", mean)?;
                finite("std", std)?;
                not_nan("a", low)?;
                not_nan("b", high)?;
                if std <= 0.0 {
                    return Err(Error::InvalidParameter(format!("std must be > 0, got {std}")));
                }
                if low >= high {
                    return Err(Error::InvalidParameter(format!("a={low} must be less than b={high}")));
                }
                representable("mean", mean)?;
                // Samples lie in [low, high] and within MAX_REACH std of the
                // mean (the tail mode reaches farther than Box-Muller's 9).
                representable(
                    "sample bound",
                    low.max(mean - MAX_REACH * std).abs().max(high.min(mean + MAX_REACH * std).abs()),
                )
            }
            Distribution::Constant { value } => {
                finite("value", value)?;
                representable("value", value)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_parameters_by_name() {
        let bad = [
            (Distribution::Uniform { low: 1.0, high: 0.0 }, "low=1"),
            (Distribution::Uniform { low: f64::NAN, high: 0.0 }, "low"),
            (Distribution::Normal { mean: 0.0, std: -1.0 }, "std"),
            (Distribution::Normal { mean: 0.0, std: f64::INFINITY }, "std"),
            (Distribution::TruncatedNormal { mean: 0.0, std: 0.0, low: -1.0, high: 1.0 }, "std"),
            (Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: 1.0, high: 1.0 }, "a=1"),
            (Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: f64::NAN, high: 1.0 }, "a "),
            (Distribution::Constant { value: f64::NAN }, "value"),
        ];
        for (d, name) in bad {
            let msg = d.validate(f64::MAX).unwrap_err().to_string();
            assert!(msg.contains(name), "{d:?}: {msg}");
        }
        let too_big = Distribution::Normal { mean: 0.0, std: 1e38 };
        assert!(too_big.validate(f64::from(f32::MAX)).is_err());
        assert!(too_big.validate(f64::MAX).is_ok());
        let open = Distribution::TruncatedNormal { mean: 0.0, std: 1.0, low: f64::NEG_INFINITY, high: 0.5 };
        assert!(open.validate(f64::from(f32::MAX)).is_ok());
        // A far one-sided tail reaches 11.6 std: with std = max / 9 its
        // samples would overflow, so it is refused.
        let std = f64::from(f32::MAX) / 9.0;
        let far = Distribution::TruncatedNormal { mean: 0.0, std, low: 7.5 * std, high: f64::INFINITY };
        assert!(far.validate(f64::from(f32::MAX)).is_err());
    }
}
