//! The distributions as Python objects: `_core.Uniform(low, high)`,
//! `Normal(mean, std)`, `TruncatedNormal(mean, std, low, high)` and
//! `Constant(value)`. Each constructor is the core's validating constructor
//! ([`Distribution::uniform`], ...), so a bad parameter raises `ValueError`
//! naming it, before any array exists; the objects are immutable.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use super::errors::to_py;
use crate::Distribution;

macro_rules! dist_class {
    ($(#[$doc:meta])* $name:ident, $ctor:ident, $($field:ident),+) => {
        $(#[$doc])*
        #[pyclass(frozen, module = "varscale._core")]
        pub struct $name {
            $(#[pyo3(get)] $field: f64,)+
            dist: Distribution,
        }

        #[pymethods]
        impl $name {
            #[new]
            fn new($($field: f64),+) -> PyResult<Self> {
                let dist = Distribution::$ctor($($field),+).map_err(to_py)?;
                Ok($name { $($field,)+ dist })
            }

            fn __repr__(&self) -> String {
                let params: Vec<String> = vec![$(format!("{}={:?}", stringify!($field), self.$field)),+];
                format!("{}({})", stringify!($name), params.join(", "))
            }

            /// Pickles as the constructor call (for process pools).
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
                let me = slf.get();
                Ok((slf.get_type(), PyTuple::new(slf.py(), [$(me.$field),+])?))
            }
        }
    };
}

dist_class!(
    /// `U(low, high)` on the closed interval: both finite, `low <= high`.
    Uniform, uniform, low, high
);
dist_class!(
    /// `N(mean, std^2)`: both finite, `std >= 0`.
    Normal, normal, mean, std
);
dist_class!(
    /// `N(mean, std^2)` truncated to `[low, high]` (absolute bounds, either
    /// may be infinite): `std > 0`, `low < high`.
    TruncatedNormal, truncated_normal, mean, std, low, high
);
dist_class!(
    /// Every element `value` (finite).
    Constant, constant, value
);

/// The core distribution of a `_core` distribution object.
pub(super) fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Distribution> {
    if let Ok(d) = obj.cast::<Uniform>() {
        Ok(d.get().dist)
    } else if let Ok(d) = obj.cast::<Normal>() {
        Ok(d.get().dist)
    } else if let Ok(d) = obj.cast::<TruncatedNormal>() {
        Ok(d.get().dist)
    } else if let Ok(d) = obj.cast::<Constant>() {
        Ok(d.get().dist)
    } else {
        let name = obj.get_type().name().map_or_else(|_| "object".into(), |n| n.to_string());
        Err(PyTypeError::new_err(format!(
            "dist must be a varscale._core Uniform, Normal, TruncatedNormal or Constant, got {name}"
        )))
    }
}

/// Adds the distribution classes to the module.
pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Uniform>()?;
    m.add_class::<Normal>()?;
    m.add_class::<TruncatedNormal>()?;
    m.add_class::<Constant>()
}
