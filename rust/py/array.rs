//! NumPy arrays in and out: a new array owning the Rust buffer (no copy), or
//! a caller's array filled in place; one generic path per dtype.

use std::panic::{catch_unwind, AssertUnwindSafe};

use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{IntoPyArray, PyArrayDyn, PyArrayMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use super::args::RegionArg;
use super::errors::{check_signals, panic_to_py, to_py};
use crate::{
    fill, fill_region, generate, generate_region, with_checkpoint, BufferMut, Distribution, Dtype, Element, Error, Key,
    Options, Region,
};

/// Fills smaller than this run with the GIL held: releasing and re-taking
/// it costs more than the fill (measured: see benches/README.md).
pub const GIL_MIN_BYTES: usize = 32 << 10;

/// An element type as NumPy stores it: itself, or `u16` bit patterns for the
/// half types (which the Python layer views as float16/bfloat16).
pub(super) trait Stored: Element + bytemuck::Pod {
    type Np: numpy::Element + bytemuck::Pod;
}
impl Stored for f32 {
    type Np = f32;
}
impl Stored for f64 {
    type Np = f64;
}
impl Stored for half::f16 {
    type Np = u16;
}
impl Stored for half::bf16 {
    type Np = u16;
}

/// Which elements of the stream: a flat range from `offset`, or a region
/// (full shape, start) whose extent is the array's shape.
pub(super) enum Place {
    Offset(u64),
    Region { full_shape: Vec<usize>, start: Vec<usize> },
}

impl Place {
    /// From `_core`'s `offset` and `region` arguments (at most one given).
    pub fn new(offset: u64, region: RegionArg) -> PyResult<Place> {
        match region {
            None => Ok(Place::Offset(offset)),
            Some(_) if offset != 0 => Err(PyValueError::new_err("give either offset or region, not both")),
            Some((full_shape, start)) => Ok(Place::Region { full_shape, start }),
        }
    }
}

/// What one call fills: distribution, stream and options.
pub(super) struct Job {
    pub place: Place,
    pub dist: Distribution,
    pub key: Key,
    pub opts: Options,
}

/// Runs `f`, without the GIL (and with Ctrl-C checks between slices) when
/// `bytes` is large enough to be worth it; a panic becomes a RuntimeError.
pub(super) fn run<T: Send>(py: Python<'_>, bytes: usize, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    let guarded = || catch_unwind(AssertUnwindSafe(f));
    let outcome =
        if bytes >= GIL_MIN_BYTES { py.detach(|| with_checkpoint(check_signals, guarded)) } else { guarded() };
    outcome.map_err(panic_to_py)?.map_err(to_py)
}

/// A new array of `shape` (`len` elements) of `T`, owning the Rust buffer.
pub(super) fn new_array<'py, T: Stored>(
    py: Python<'py>,
    shape: &[usize],
    len: usize,
    job: &Job,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = len.saturating_mul(size_of::<T>());
    let v: Vec<T> = run(py, bytes, || match &job.place {
        Place::Offset(offset) => generate::<T>(len, &job.dist, job.key, *offset, &job.opts),
        Place::Region { full_shape, start } => {
            generate_region::<T>(&Region { full_shape, start, shape }, &job.dist, job.key, &job.opts)
        }
    })?;
    let v: Vec<T::Np> = bytemuck::allocation::cast_vec(v); // same type or f16/bf16 -> u16: no copy
    let array = ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(array.into_pyarray(py).into_any())
}

/// A new array of `dtype`.
pub(super) fn new_array_of<'py>(
    py: Python<'py>,
    dtype: Dtype,
    shape: &[usize],
    len: usize,
    job: &Job,
) -> PyResult<Bound<'py, PyAny>> {
    match dtype {
        Dtype::Float16 => new_array::<half::f16>(py, shape, len, job),
        Dtype::BFloat16 => new_array::<half::bf16>(py, shape, len, job),
        Dtype::Float32 => new_array::<f32>(py, shape, len, job),
        Dtype::Float64 => new_array::<f64>(py, shape, len, job),
    }
}

/// Fills `out` (whose NumPy type is `T::Np`) in place.
fn fill_array<T: Stored>(py: Python<'_>, out: &Bound<'_, PyUntypedArray>, job: &Job) -> PyResult<()> {
    let array = out.cast::<PyArrayDyn<T::Np>>().map_err(|_| {
        PyTypeError::new_err(format!(
            "with half={:?}, out must be the uint16 view of the array, got dtype {}",
            T::DTYPE.name(),
            out.dtype()
        ))
    })?;
    // `as_slice_mut` below also accepts Fortran order, whose memory order is
    // not the flat C order in which element `i` gets stream value `i`.
    if !array.is_c_contiguous() {
        return Err(PyValueError::new_err("out must be C-contiguous and aligned"));
    }
    let shape = array.shape().to_vec();
    let mut guard = array.try_readwrite().map_err(|e| PyValueError::new_err(format!("out is not writable: {e}")))?;
    let slice = guard.as_slice_mut().map_err(|_| PyValueError::new_err("out must be C-contiguous and aligned"))?;
    let values: &mut [T] = bytemuck::cast_slice_mut(slice);
    run(py, size_of_val(values), || match &job.place {
        Place::Offset(offset) => fill(values, &job.dist, job.key, *offset, &job.opts),
        Place::Region { full_shape, start } => {
            fill_region(values, &Region { full_shape, start, shape: &shape }, &job.dist, job.key, &job.opts)
        }
    })
}

/// Fills a caller buffer with elements `offset ..` of the job's stream.
pub(super) fn fill_buffer(py: Python<'_>, out: BufferMut<'_>, offset: u64, job: &Job) -> PyResult<()> {
    let bytes = out.bytes();
    run(py, bytes, || match out {
        BufferMut::F32(b) => fill(b, &job.dist, job.key, offset, &job.opts),
        BufferMut::F64(b) => fill(b, &job.dist, job.key, offset, &job.opts),
        BufferMut::F16(b) => fill(b, &job.dist, job.key, offset, &job.opts),
        BufferMut::Bf16(b) => fill(b, &job.dist, job.key, offset, &job.opts),
    })
}

/// Fills `out` in place as `dtype`.
pub(super) fn fill_array_of(py: Python<'_>, dtype: Dtype, out: &Bound<'_, PyUntypedArray>, job: &Job) -> PyResult<()> {
    match dtype {
        Dtype::Float16 => fill_array::<half::f16>(py, out, job),
        Dtype::BFloat16 => fill_array::<half::bf16>(py, out, job),
        Dtype::Float32 => fill_array::<f32>(py, out, job),
        Dtype::Float64 => fill_array::<f64>(py, out, job),
    }
}
