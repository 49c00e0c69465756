//! `_core.fill_many`: many NumPy arrays filled in one call, one GIL release.
//!
//! Each job is a tuple `(out, dist, seed, stream[, offset[, half[,
//! region]]])` with the meaning of the same arguments of `_core.fill`. All
//! arrays are borrowed (rust-numpy's borrow tracking refuses an array given
//! twice, or two overlapping views) and every job is checked by the core
//! before anything is written; errors name the job as `buffer i`. `out` may
//! also be caller memory by address (`_core.Memory`, `memory.rs`); such buffers are checked
//! not to overlap each other or the arrays.

use numpy::{PyArrayDyn, PyArrayMethods, PyReadwriteArrayDyn, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::args::{options, parse_out_dtype};
use super::array::{run, Place};
use super::dist;
use super::memory::{self, Memory};
use crate::{BufferMut, Distribution, Dtype, Job, Key, Placement, Region};

/// A job's array, borrowed for writing, as NumPy stores it.
enum Borrowed<'py> {
    F32(PyReadwriteArrayDyn<'py, f32>),
    F64(PyReadwriteArrayDyn<'py, f64>),
    /// The uint16 view of a float16 or bfloat16 array.
    Half(Dtype, PyReadwriteArrayDyn<'py, u16>),
    /// Caller memory by address.
    Memory(Bound<'py, Memory>),
}

impl Borrowed<'_> {
    /// The bytes it spans.
    fn range(&self) -> core::ops::Range<usize> {
        fn of<T: numpy::Element>(a: &PyReadwriteArrayDyn<'_, T>) -> core::ops::Range<usize> {
            let start = a.data() as usize;
            start..start + a.len() * size_of::<T>()
        }
        match self {
            Borrowed::F32(a) => of(a),
            Borrowed::F64(a) => of(a),
            Borrowed::Half(_, a) => of(a),
            Borrowed::Memory(m) => m.get().range(),
        }
    }
}

/// Everything a job names except its buffer.
struct Spec {
    dist: Distribution,
    key: Key,
    place: Place,
    shape: Vec<usize>,
}

/// `err` with `buffer i: ` before its message, same exception type.
fn in_job(py: Python<'_>, i: usize, err: PyErr) -> PyErr {
    PyErr::from_type(err.get_type(py), format!("buffer {i}: {}", err.value(py)))
}

fn borrow<'py, T: numpy::Element>(array: &Bound<'py, PyUntypedArray>) -> PyResult<PyReadwriteArrayDyn<'py, T>> {
    let typed = array.cast::<PyArrayDyn<T>>().map_err(|_| {
        PyTypeError::new_err(format!("with half=..., out must be the uint16 view of the array, got {}", array.dtype()))
    })?;
    // rust-numpy also accepts Fortran order, whose memory order is not the
    // flat C order in which element `i` gets stream value `i`.
    if !typed.is_c_contiguous() {
        return Err(PyValueError::new_err("out must be C-contiguous and aligned"));
    }
    typed.try_readwrite().map_err(|e| PyValueError::new_err(format!("out is not writable, or is given twice: {e}")))
}

/// One job tuple: its borrowed array and the rest.
fn job<'py>(item: &Bound<'py, PyAny>) -> PyResult<(Borrowed<'py>, Spec)> {
    let t = item.cast::<PyTuple>().map_err(|_| {
        PyTypeError::new_err("a job must be a tuple (out, dist, seed, stream[, offset[, half[, region]]])")
    })?;
    if !(4..=7).contains(&t.len()) {
        return Err(PyTypeError::new_err(format!(
            "a job has 4 to 7 entries (out, dist, seed, stream[, offset[, half[, region]]]), got {}",
            t.len()
        )));
    }
    // Entries past the end are absent, not errors (an IndexError costs as much as a small fill).
    let opt = |k: usize| if k < t.len() { t.get_item(k).ok().filter(|v| !v.is_none()) } else { None };
    let dist = dist::extract(&t.get_item(1)?)?;
    let key = Key::new(t.get_item(2)?.extract()?, t.get_item(3)?.extract()?);
    let offset = opt(4).map_or(Ok(0), |v| v.extract())?;
    let half: Option<String> = opt(5).map(|v| v.extract()).transpose()?;
    let place = Place::new(offset, opt(6).map(|v| v.extract()).transpose()?)?;
    let out = t.get_item(0)?;
    if let Ok(m) = out.cast::<Memory>() {
        if half.is_some() || matches!(place, Place::Region { .. }) {
            return Err(PyValueError::new_err("out given by address takes neither half nor region"));
        }
        let shape = vec![m.get().len()];
        return Ok((Borrowed::Memory(m.clone()), Spec { dist, key, place, shape }));
    }
    let Ok(array) = out.cast::<PyUntypedArray>() else {
        let name = out.get_type().name().map_or_else(|_| "object".into(), |n| n.to_string());
        return Err(PyTypeError::new_err(format!("out must be a float32 or float64 numpy array, got {name}")));
    };
    let borrowed = match parse_out_dtype(array, half.as_deref())? {
        Dtype::Float32 => Borrowed::F32(borrow(array)?),
        Dtype::Float64 => Borrowed::F64(borrow(array)?),
        half => Borrowed::Half(half, borrow(array)?),
    };
    Ok((borrowed, Spec { dist, key, place, shape: array.shape().to_vec() }))
}

fn as_buffer<'a>(out: &'a mut Borrowed<'_>) -> PyResult<BufferMut<'a>> {
    let contiguous = |_| PyValueError::new_err("out must be C-contiguous and aligned");
    Ok(match out {
        Borrowed::F32(a) => BufferMut::F32(a.as_slice_mut().map_err(contiguous)?),
        Borrowed::F64(a) => BufferMut::F64(a.as_slice_mut().map_err(contiguous)?),
        Borrowed::Half(Dtype::Float16, a) => {
            BufferMut::F16(bytemuck::cast_slice_mut(a.as_slice_mut().map_err(contiguous)?))
        }
        Borrowed::Half(_, a) => BufferMut::Bf16(bytemuck::cast_slice_mut(a.as_slice_mut().map_err(contiguous)?)),
        Borrowed::Memory(m) => memory::buffer(m.get()),
    })
}

/// Fills many arrays in one call: `jobs` is a sequence of tuples `(out,
/// dist, seed, stream[, offset[, half[, region]]])`, each entry as in
/// `fill` (`None` for a default). Each array gets exactly what `fill` of its
/// job alone would write; small arrays are spread over the threads, large
/// ones split across them. Everything is checked before anything is
/// written; errors name the job as `buffer i`. The GIL is released once
/// (when the arrays hold at least `GIL_MIN_BYTES`), and Ctrl-C stops the
/// call within one slice, leaving the arrays partly written.
#[pyfunction]
#[pyo3(signature = (jobs, threads=None, isa=None))]
pub(super) fn fill_many(
    py: Python<'_>,
    jobs: &Bound<'_, PyAny>,
    threads: Option<i64>,
    isa: Option<&str>,
) -> PyResult<()> {
    let opts = options(threads, isa)?;
    let mut outs = Vec::new();
    let mut specs = Vec::new();
    for (i, item) in jobs.try_iter()?.enumerate() {
        let (out, spec) = job(&item?).map_err(|e| in_job(py, i, e))?;
        outs.push(out);
        specs.push(spec);
    }
    if outs.iter().any(|o| matches!(o, Borrowed::Memory(_))) {
        // rust-numpy keeps arrays from aliasing each other, not memory given by address
        memory::check_disjoint(outs.iter().enumerate().map(|(i, o)| (o.range(), i)).collect())?;
    }
    let mut buffers = Vec::with_capacity(outs.len());
    for (i, out) in outs.iter_mut().enumerate() {
        buffers.push(as_buffer(out).map_err(|e| in_job(py, i, e))?);
    }
    let mut core_jobs: Vec<Job<'_>> = buffers
        .into_iter()
        .zip(&specs)
        .map(|(out, s)| {
            let place = match &s.place {
                Place::Offset(offset) => Placement::Offset(*offset),
                Place::Region { full_shape, start } => Placement::Region(Region { full_shape, start, shape: &s.shape }),
            };
            Job { out, dist: s.dist, key: s.key, place }
        })
        .collect();
    let bytes = core_jobs.iter().map(|j| j.out.bytes()).sum();
    run(py, bytes, || crate::fill_many(&mut core_jobs, &opts))
}
