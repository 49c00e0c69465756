//! Arguments shared by the `_core` functions: options, dtypes, regions.

use std::num::NonZeroUsize;

use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::{Dtype, Isa, Options};

/// `(full_shape, start)` of a region; its extent is the array's shape.
pub(super) type RegionArg = Option<(Vec<usize>, Vec<usize>)>;

/// The core's options from `threads` (positive) and `isa` (a build name).
pub(super) fn options(threads: Option<i64>, isa: Option<&str>) -> PyResult<Options> {
    let threads = match threads {
        None => None,
        Some(t) => match usize::try_from(t).ok().and_then(NonZeroUsize::new) {
            Some(n) => Some(n),
            None => return Err(PyValueError::new_err(format!("threads must be a positive integer, got {t}"))),
        },
    };
    let isa = match isa {
        None => None,
        Some(name) => Some(Isa::from_name(name).ok_or_else(|| {
            let names: Vec<_> = Isa::ALL.iter().map(|i| i.name()).collect();
            PyValueError::new_err(format!("unknown isa {name:?}; expected one of {names:?}"))
        })?),
    };
    Ok(Options { threads, isa })
}

/// The dtype NumPy calls `name`.
pub(super) fn parse_dtype(name: &str) -> PyResult<Dtype> {
    Dtype::from_name(name).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "unsupported dtype {name:?}; expected 'float16', 'bfloat16', 'float32' or 'float64'"
        ))
    })
}

/// The dtype to fill `array` as: its own (float32/float64), or with `half`
/// naming it, float16/bfloat16 stored in a uint16 array.
pub(super) fn parse_out_dtype(array: &Bound<'_, PyUntypedArray>, half: Option<&str>) -> PyResult<Dtype> {
    match half {
        Some(name) => Dtype::from_name(name).filter(|d| d.is_half()).ok_or_else(|| {
            PyTypeError::new_err(format!("unknown half type {name:?}; expected 'float16' or 'bfloat16'"))
        }),
        // Compared as descriptors: formatting the dtype would run Python code,
        // where a pending Ctrl-C would surface as an ignored exception.
        None => match array.dtype() {
            d if d.is_equiv_to(&numpy::dtype::<f32>(array.py())) => Ok(Dtype::Float32),
            d if d.is_equiv_to(&numpy::dtype::<f64>(array.py())) => Ok(Dtype::Float64),
            _ => Err(PyTypeError::new_err(format!(
                "out must be a float32 or float64 numpy array (or the uint16 view of a float16/bfloat16 \
                 one, with half=...), got array of dtype {}",
                array.dtype()
            ))),
        },
    }
}
