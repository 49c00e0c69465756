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

mod args;
mod array;
mod dist;
mod errors;
mod many;
mod memory;

use numpy::{PyArray1, PyArrayMethods, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::{Isa, Key};
use args::{options, parse_dtype, parse_out_dtype, RegionArg};
use array::{fill_array_of, fill_buffer, new_array_of, Job, Place, GIL_MIN_BYTES};
use memory::Memory;

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
    Ok(Job { place: Place::new(offset, region)?, dist, key: Key::new(seed, stream), opts })
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
/// `out` may also be caller memory by address, a `Memory` (see
/// `memory.rs`; no `half`, no `region`). Ctrl-C stops a large fill within one slice and leaves `out` partly
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
    if let Ok(m) = out.cast::<Memory>() {
        let Place::Offset(offset) = job.place else {
            return Err(PyValueError::new_err("out given by address takes no region"));
        };
        if half.is_some() {
            return Err(PyValueError::new_err("out given by address names its dtype; it takes no half"));
        }
        // one buffer: nothing it could overlap
        return fill_buffer(py, memory::buffer(m.get()), offset, &job);
    }
    let Ok(array) = out.cast::<PyUntypedArray>() else {
        let name = out.get_type().name().map_or_else(|_| "object".into(), |n| n.to_string());
        return Err(PyTypeError::new_err(format!("out must be a float32 or float64 numpy array, got {name}")));
    };
    let dtype = parse_out_dtype(array, half)?;
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
    m.add_class::<Memory>()?;
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(fill, m)?)?;
    m.add_function(wrap_pyfunction!(many::fill_many, m)?)?;
    m.add_function(wrap_pyfunction!(supported_isas, m)?)?;
    m.add_function(wrap_pyfunction!(best_isa, m)?)?;
    m.add_function(wrap_pyfunction!(default_threads, m)?)?;
    m.add_function(wrap_pyfunction!(max_useful_threads, m)?)?;
    m.add("GENERATOR", <crate::Ars4x32_7 as crate::CounterRng>::NAME)?;
    m.add("MAX_THREADS", crate::MAX_THREADS)?;
    m.add("GIL_MIN_BYTES", GIL_MIN_BYTES)?;
    m.add("SLICE_BYTES", crate::SLICE_BYTES)?;
    m.add("NORMAL_REACH", crate::NORMAL_REACH)?;
    m.add("TRUNCATED_REACH", crate::sampler::MAX_REACH)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
