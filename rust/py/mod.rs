//! Python bindings (`varscale._core`): distribution objects and two coarse
//! functions over the core.
//!
//! Fans, gains and the checks of Python-level arguments live in the Python
//! package; the distribution parameters are checked here, once, by the
//! core's constructors (`dist.rs`). This module converts arguments, parses
//! the dtype once, releases the GIL around every fill large enough to gain
//! from it (checking for Ctrl-C between slices), moves fresh Rust buffers
//! into NumPy without a copy, and maps errors to Python exceptions in one
//! place (`errors.rs`).

mod array;
mod dist;
mod errors;

use std::num::NonZeroUsize;

use numpy::{PyArray1, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::{Dtype, Isa, Key, Options};
use array::{fill_array_of, new_array_of, Job, Place, GIL_MIN_BYTES};

fn options(threads: Option<i64>, isa: Option<&str>) -> PyResult<Options> {
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

type RegionArg = Option<(Vec<usize>, Vec<usize>)>;

#[allow(clippy::too_many_arguments)]
fn job(
    dist: &Bound<'_, PyAny>,
    seed: u64,
    stream: u64,
    offset: u64,
    threads: Option<i64>,
    isa: Option<&str>,
    region: RegionArg,
) -> PyResult<Job> {
    let dist = dist::extract(dist)?;
    let opts = options(threads, isa)?;
    let place = match region {
        None => Place::Offset(offset),
        Some(_) if offset != 0 => return Err(PyValueError::new_err("give either offset or region, not both")),
        Some((full_shape, start)) => Place::Region { full_shape, start },
    };
    Ok(Job { place, dist, key: Key::new(seed, stream), opts })
}

fn parse_dtype(name: &str) -> PyResult<Dtype> {
    Dtype::from_name(name).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "unsupported dtype {name:?}; expected 'float16', 'bfloat16', 'float32' or 'float64'"
        ))
    })
}

/// A new C-contiguous array of `shape` holding elements `offset ..` of the
/// sample stream `(seed, stream)` of `dist` (or, with `region = (full_shape,
/// start)`, the region of that shape of a tensor of `full_shape`). The array
/// owns the Rust buffer (no copy). Ctrl-C stops a large fill within one
/// slice; the partial array is freed.
#[pyfunction]
#[pyo3(signature = (shape, dtype, dist, seed, stream, offset=0, threads=None, isa=None, region=None))]
#[allow(clippy::too_many_arguments)]
fn generate<'py>(
    py: Python<'py>,
    shape: Vec<usize>,
    dtype: &str,
    dist: &Bound<'py, PyAny>,
    seed: u64,
    stream: u64,
    offset: u64,
    threads: Option<i64>,
    isa: Option<&str>,
    region: RegionArg,
) -> PyResult<Bound<'py, PyAny>> {
    let dtype = parse_dtype(dtype)?;
    let job = job(dist, seed, stream, offset, threads, isa, region)?;
    let len = shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| PyValueError::new_err(format!("shape {shape:?} has too many elements to address")))?;
    new_array_of(py, dtype, &shape, len, &job)
}

/// Fills `out` (a writable, C-contiguous float32 or float64 array, or the
/// `uint16` view of a float16/bfloat16 array with `half` naming which) in
/// place with elements `offset ..` of the sample stream in flat C order, or
/// with `region = (full_shape, start)` the region of shape `out.shape`.
/// Ctrl-C stops a large fill within one slice and leaves `out` partly
/// written.
#[pyfunction]
#[pyo3(signature = (out, dist, seed, stream, offset=0, threads=None, isa=None, half=None, region=None))]
#[allow(clippy::too_many_arguments)]
fn fill(
    py: Python<'_>,
    out: &Bound<'_, PyAny>,
    dist: &Bound<'_, PyAny>,
    seed: u64,
    stream: u64,
    offset: u64,
    threads: Option<i64>,
    isa: Option<&str>,
    half: Option<&str>,
    region: RegionArg,
) -> PyResult<()> {
    let job = job(dist, seed, stream, offset, threads, isa, region)?;
    let Ok(array) = out.cast::<PyUntypedArray>() else {
        let name = out.get_type().name().map_or_else(|_| "object".into(), |n| n.to_string());
        return Err(PyTypeError::new_err(format!("out must be a float32 or float64 numpy array, got {name}")));
    };
    let dtype = match half {
        Some(name) => Dtype::from_name(name).filter(|d| d.is_half()).ok_or_else(|| {
            PyTypeError::new_err(format!("unknown half type {name:?}; expected 'float16' or 'bfloat16'"))
        })?,
        None => match Dtype::from_name(&array.dtype().to_string()) {
            Some(d) if !d.is_half() => d,
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "out must be a float32 or float64 numpy array (or the uint16 view of a float16/bfloat16 \
                     one, with half=...), got array of dtype {}",
                    array.dtype()
                )))
            }
        },
    };
    fill_array_of(py, dtype, array, &job)
}

/// Names of the instruction-set builds this CPU can run, narrowest first.
#[pyfunction]
fn supported_isas() -> Vec<&'static str> {
    Isa::supported().into_iter().map(Isa::name).collect()
}

/// The build used when `isa` is not given.
#[pyfunction]
fn best_isa() -> &'static str {
    Isa::best().name()
}

/// Worker threads of a fill with `threads=None` (VARSCALE_NUM_THREADS, else
/// RAYON_NUM_THREADS, else one per core; capped at `max_useful_threads()`).
#[pyfunction]
fn default_threads() -> usize {
    crate::default_threads()
}

/// The most worker threads a fill uses (4 per available core); larger
/// `threads=` counts run with this many.
#[pyfunction]
fn max_useful_threads() -> usize {
    crate::max_useful_threads()
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Load NumPy's C API and rust-numpy's borrow-checking capsule now: loaded
    // lazily, a Ctrl-C during the first fill's import of them would surface
    // as a failure to access the capsule instead of KeyboardInterrupt.
    let probe = PyArray1::<u16>::zeros(m.py(), 1, false);
    drop(probe.try_readwrite().map_err(|e| PyTypeError::new_err(e.to_string()))?);
    dist::register(m)?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(fill, m)?)?;
    m.add_function(wrap_pyfunction!(supported_isas, m)?)?;
    m.add_function(wrap_pyfunction!(best_isa, m)?)?;
    m.add_function(wrap_pyfunction!(default_threads, m)?)?;
    m.add_function(wrap_pyfunction!(max_useful_threads, m)?)?;
    m.add("GENERATOR", <crate::Ars4x32_7 as crate::CounterRng>::NAME)?;
    m.add("MAX_THREADS", crate::MAX_THREADS)?;
    m.add("GIL_MIN_BYTES", GIL_MIN_BYTES)?;
    m.add("SLICE_BYTES", crate::SLICE_BYTES)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
