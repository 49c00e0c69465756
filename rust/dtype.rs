//! The output element types, as one enum parsed once from its NumPy name.

use core::fmt;

/// An output dtype. Half types are the float32 samples rounded to nearest
/// even, so their arithmetic (and its limits) is float32's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// IEEE binary16 (`half::f16`).
    Float16,
    /// bfloat16 (`half::bf16`).
    BFloat16,
    /// IEEE binary32.
    Float32,
    /// IEEE binary64.
    Float64,
}

impl Dtype {
    /// Every dtype, narrowest first.
    pub const ALL: [Dtype; 4] = [Dtype::Float16, Dtype::BFloat16, Dtype::Float32, Dtype::Float64];

    /// NumPy's name of the type (`ml_dtypes` for bfloat16).
    pub const fn name(self) -> &'static str {
        match self {
            Dtype::Float16 => "float16",
            Dtype::BFloat16 => "bfloat16",
            Dtype::Float32 => "float32",
            Dtype::Float64 => "float64",
        }
    }

    /// The dtype NumPy calls `name`.
    pub fn from_name(name: &str) -> Option<Dtype> {
        Dtype::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            Dtype::Float16 | Dtype::BFloat16 => 2,
            Dtype::Float32 => 4,
            Dtype::Float64 => 8,
        }
    }

    /// Whether the type is one of the 16-bit floats.
    pub const fn is_half(self) -> bool {
        matches!(self, Dtype::Float16 | Dtype::BFloat16)
    }

    /// Largest finite value: every sample must lie within `+-max()`.
    pub const fn max(self) -> f64 {
        match self {
            Dtype::Float16 => 65504.0,
            Dtype::BFloat16 => 3.389_531_389_251_535_5e38,
            Dtype::Float32 => f32::MAX as f64,
            Dtype::Float64 => f64::MAX,
        }
    }

    /// Largest finite value of the type the samples are computed in
    /// (float32 for the half types): every intermediate must lie within it.
    pub const fn compute_max(self) -> f64 {
        match self {
            Dtype::Float64 => f64::MAX,
            _ => f32::MAX as f64,
        }
    }
}

impl Dtype {
    /// Smallest positive normal value of the compute type (see
    /// [`Dtype::compute_max`]).
    pub const fn compute_min_positive(self) -> f64 {
        match self {
            Dtype::Float64 => f64::MIN_POSITIVE,
            _ => f32::MIN_POSITIVE as f64,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_limits_match_the_types() {
        for d in Dtype::ALL {
            assert_eq!(Dtype::from_name(d.name()), Some(d));
        }
        assert_eq!(Dtype::from_name("int8"), None);
        assert_eq!(Dtype::Float16.max(), f64::from(half::f16::MAX.to_f32()));
        assert_eq!(Dtype::BFloat16.max(), f64::from(half::bf16::MAX.to_f32()));
        assert_eq!(Dtype::BFloat16.compute_max(), f64::from(f32::MAX));
    }
}
