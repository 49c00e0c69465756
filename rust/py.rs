//! Python bindings (`varscale._core`): two coarse functions over the core.
//!
//! Fans, gains and argument checking live in the Python package; this file
//! converts arguments, releases the GIL around every fill, moves fresh Rust
//! buffers into NumPy without a copy, and maps [`Error`] to Python exceptions
//! in one place.

use std::num::NonZeroUsize;

use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{IntoPyArray, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyMemoryError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::{
    fill as core_fill, fill_region, generate as core_generate, generate_region, Distribution, Element, Error, Isa, Key,
    Options, Region,
};

fn to_py(err: Error) -> PyErr {
    match err {
        Error::InvalidParameter(_) | Error::TooLarge { .. } => PyValueError::new_err(err.to_string()),
        Error::OutOfMemory { .. } => PyMemoryError::new_err(err.to_string()),
        Error::ThreadPool(_) => PyRuntimeError::new_err(err.to_string()),
    }
}

fn distribution(name: &str, params: &[f64]) -> PyResult<Distribution> {
    let arity = |n: usize| {
        if params.len() == n {
            Ok(())
        } else {
            Err(PyValueError::new_err(format!("{name} takes {n} parameters, got {}", params.len())))
        }
    };
    match name {
        "uniform" => arity(2).map(|_| Distribution::Uniform { low: params[0], high: params[1] }),
        "normal" => arity(2).map(|_| Distribution::Normal { mean: params[0], std: params[1] }),
        "truncated_normal" => arity(4).map(|_| Distribution::TruncatedNormal {
            mean: params[0],
            std: params[1],
            low: params[2],
            high: params[3],
        }),
        "constant" => arity(1).map(|_| Distribution::Constant { value: params[0] }),
        _ => Err(PyValueError::new_err(format!(
            "unknown distribution {name:?}; expected 'uniform', 'normal', 'truncated_normal' or 'constant'"
        ))),
    }
}

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

/// Which elements of the stream: a flat range from `offset`, or a region
/// (full shape, start) whose extent is the array's shape.
enum Place {
    Offset(u64),
    Region { full_shape: Vec<usize>, start: Vec<usize> },
}

impl Place {
    fn new(offset: u64, region: Option<(Vec<usize>, Vec<usize>)>) -> PyResult<Place> {
        match region {
            None => Ok(Place::Offset(offset)),
            Some(_) if offset != 0 => Err(PyValueError::new_err("give either offset or region, not both")),
            Some((full_shape, start)) => Ok(Place::Region { full_shape, start }),
        }
    }

    fn generate<T: Element>(
        &self,
        shape: &[usize],
        len: usize,
        d: &Distribution,
        key: Key,
        o: &Options,
    ) -> Result<Vec<T>, Error> {
        match self {
            Place::Offset(offset) => core_generate::<T>(len, d, key, *offset, o),
            Place::Region { full_shape, start } => {
                generate_region::<T>(&Region { full_shape, start, shape }, d, key, o)
            }
        }
    }

    fn fill<T: Element>(
        &self,
        out: &mut [T],
        shape: &[usize],
        d: &Distribution,
        key: Key,
        o: &Options,
    ) -> Result<(), Error> {
        match self {
            Place::Offset(offset) => core_fill(out, d, key, *offset, o),
            Place::Region { full_shape, start } => fill_region(out, &Region { full_shape, start, shape }, d, key, o),
        }
    }
}

/// A new array of `shape` owning the Rust buffer (moved, not copied).
/// Half types go to Python as `uint16` bit patterns, which the Python layer
/// views as `float16` or `ml_dtypes.bfloat16`: the extension needs no
/// bfloat16 NumPy type of its own.
fn new_array<'py, T: Element + bytemuck::Pod, B: numpy::Element + bytemuck::Pod>(
    py: Python<'py>,
    shape: &[usize],
    len: usize,
    place: &Place,
    dist: &Distribution,
    key: Key,
    opts: &Options,
) -> PyResult<Bound<'py, PyAny>> {
    let v: Vec<T> = py.detach(|| place.generate::<T>(shape, len, dist, key, opts)).map_err(to_py)?;
    let v: Vec<B> = bytemuck::allocation::cast_vec(v); // same type or f16/bf16 -> u16: no copy
    let array = ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(array.into_pyarray(py).into_any())
}

/// A new C-contiguous array of `shape` holding elements `offset ..` of the
/// sample stream `(seed, stream)` of distribution `dist` (or, with `region =
/// (full_shape, start)`, the region of that shape of a tensor of
/// `full_shape`). The array owns the Rust buffer (no copy).
#[pyfunction]
#[pyo3(signature = (shape, dtype, dist, params, seed, stream, offset=0, threads=None, isa=None, region=None))]
#[allow(clippy::too_many_arguments)]
fn generate<'py>(
    py: Python<'py>,
    shape: Vec<usize>,
    dtype: &str,
    dist: &str,
    params: Vec<f64>,
    seed: u64,
    stream: u64,
    offset: u64,
    threads: Option<i64>,
    isa: Option<&str>,
    region: Option<(Vec<usize>, Vec<usize>)>,
) -> PyResult<Bound<'py, PyAny>> {
    let d = distribution(dist, &params)?;
    let opts = options(threads, isa)?;
    let place = Place::new(offset, region)?;
    let len = shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .ok_or_else(|| PyValueError::new_err(format!("shape {shape:?} has too many elements to address")))?;
    let key = Key::new(seed, stream);
    match dtype {
        "float32" => new_array::<f32, f32>(py, &shape, len, &place, &d, key, &opts),
        "float64" => new_array::<f64, f64>(py, &shape, len, &place, &d, key, &opts),
        "float16" => new_array::<half::f16, u16>(py, &shape, len, &place, &d, key, &opts),
        "bfloat16" => new_array::<half::bf16, u16>(py, &shape, len, &place, &d, key, &opts),
        _ => Err(PyTypeError::new_err(format!(
            "unsupported dtype {dtype:?}; expected 'float16', 'bfloat16', 'float32' or 'float64'"
        ))),
    }
}

/// Fills the array in place; `T` is what the core writes, `B` the NumPy
/// element type of `array` (the same, or u16 for the half types).
fn fill_array<T: Element + bytemuck::Pod, B: numpy::Element + bytemuck::Pod>(
    py: Python<'_>,
    array: &Bound<'_, PyArrayDyn<B>>,
    place: &Place,
    dist: &Distribution,
    key: Key,
    opts: &Options,
) -> PyResult<()> {
    // `as_slice_mut` below also accepts Fortran order, whose memory order is
    // not the flat C order in which element `i` gets stream value `i`.
    if !array.is_c_contiguous() {
        return Err(PyValueError::new_err("out must be C-contiguous and aligned"));
    }
    let shape = array.shape().to_vec();
    let mut guard = array.try_readwrite().map_err(|e| PyValueError::new_err(format!("out is not writable: {e}")))?;
    let slice = guard.as_slice_mut().map_err(|_| PyValueError::new_err("out must be C-contiguous and aligned"))?;
    let values: &mut [T] = bytemuck::cast_slice_mut(slice);
    py.detach(|| place.fill(values, &shape, dist, key, opts)).map_err(to_py)
}

/// Fills `out` (a writable, C-contiguous float32 or float64 array, or the
/// `uint16` view of a float16/bfloat16 array with `half` naming which) in
/// place with elements `offset ..` of the sample stream in flat C order, or
/// with `region = (full_shape, start)` the region of shape `out.shape`.
#[pyfunction]
#[pyo3(signature = (out, dist, params, seed, stream, offset=0, threads=None, isa=None, half=None, region=None))]
#[allow(clippy::too_many_arguments)]
fn fill(
    py: Python<'_>,
    out: &Bound<'_, PyAny>,
    dist: &str,
    params: Vec<f64>,
    seed: u64,
    stream: u64,
    offset: u64,
    threads: Option<i64>,
    isa: Option<&str>,
    half: Option<&str>,
    region: Option<(Vec<usize>, Vec<usize>)>,
) -> PyResult<()> {
    let d = distribution(dist, &params)?;
    let opts = options(threads, isa)?;
    let place = Place::new(offset, region)?;
    let key = Key::new(seed, stream);
    if let Some(name) = half {
        let a = out.cast::<PyArrayDyn<u16>>().map_err(|_| {
            PyTypeError::new_err(format!("with half={name:?}, out must be the uint16 view of the array"))
        })?;
        return match name {
            "float16" => fill_array::<half::f16, u16>(py, a, &place, &d, key, &opts),
            "bfloat16" => fill_array::<half::bf16, u16>(py, a, &place, &d, key, &opts),
            _ => Err(PyTypeError::new_err(format!("unknown half type {name:?}; expected 'float16' or 'bfloat16'"))),
        };
    }
    if let Ok(a) = out.cast::<PyArrayDyn<f32>>() {
        fill_array::<f32, f32>(py, a, &place, &d, key, &opts)
    } else if let Ok(a) = out.cast::<PyArrayDyn<f64>>() {
        fill_array::<f64, f64>(py, a, &place, &d, key, &opts)
    } else {
        let what = out.cast::<numpy::PyUntypedArray>().map_or_else(
            |_| out.get_type().name().map_or_else(|_| "object".into(), |n| n.to_string()),
            |a| format!("array of dtype {}", a.dtype()),
        );
        Err(PyTypeError::new_err(format!("out must be a float32 or float64 numpy array, got {what}")))
    }
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

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(generate, m)?)?;
    m.add_function(wrap_pyfunction!(fill, m)?)?;
    m.add_function(wrap_pyfunction!(supported_isas, m)?)?;
    m.add_function(wrap_pyfunction!(best_isa, m)?)?;
    m.add_function(wrap_pyfunction!(fill_many, m)?)?;
    m.add("GENERATOR", <crate::Ars4x32_7 as crate::CounterRng>::NAME)?;
    m.add("MAX_THREADS", crate::MAX_THREADS)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// "array of dtype D", or the type's name, for error messages.
fn describe(out: &Bound<'_, PyAny>) -> String {
    out.cast::<numpy::PyUntypedArray>().map_or_else(
        |_| out.get_type().name().map_or_else(|_| "object".into(), |n| n.to_string()),
        |a| format!("array of dtype {}", a.dtype()),
    )
}

/// A borrowed, writable NumPy buffer of a `fill_many` job.
enum ManyOut<'py> {
    F32(numpy::PyReadwriteArrayDyn<'py, f32>),
    F64(numpy::PyReadwriteArrayDyn<'py, f64>),
}

fn many_out<'py>(i: usize, out: &Bound<'py, PyAny>) -> PyResult<ManyOut<'py>> {
    let writable = |e: numpy::BorrowError| {
        PyValueError::new_err(format!("buffer {i}: out is not writable, or is given twice: {e}"))
    };
    let contiguous = PyValueError::new_err(format!("buffer {i}: out must be C-contiguous and aligned"));
    if let Ok(a) = out.cast::<PyArrayDyn<f32>>() {
        if !a.is_c_contiguous() {
            return Err(contiguous);
        }
        return a.try_readwrite().map(ManyOut::F32).map_err(writable);
    }
    if let Ok(a) = out.cast::<PyArrayDyn<f64>>() {
        if !a.is_c_contiguous() {
            return Err(contiguous);
        }
        return a.try_readwrite().map(ManyOut::F64).map_err(writable);
    }
    Err(PyTypeError::new_err(format!(
        "buffer {i}: out must be a float32 or float64 numpy array, got {}",
        describe(out)
    )))
}

/// Fills many arrays in one call with one GIL release: `jobs` is a list of
/// `(out, dist, params, seed, stream)` with `out` a writable C-contiguous
/// float32 or float64 array; each is filled with elements `0 ..` of its own
/// stream, bit-identical to `fill(out, dist, params, seed, stream)`, in
/// parallel across arrays (and within large ones). Everything is checked
/// before anything is written; errors name the job's index as `buffer i`.
#[pyfunction]
#[pyo3(signature = (jobs, threads=None, isa=None))]
#[allow(clippy::type_complexity)]
fn fill_many(
    py: Python<'_>,
    jobs: Vec<(Bound<'_, PyAny>, String, Vec<f64>, u64, u64)>,
    threads: Option<i64>,
    isa: Option<&str>,
) -> PyResult<()> {
    use crate::{BufferMut, Job, Placement};
    let opts = options(threads, isa)?;
    let mut outs = Vec::with_capacity(jobs.len());
    let mut specs = Vec::with_capacity(jobs.len());
    for (i, (out, dist, params, seed, stream)) in jobs.iter().enumerate() {
        let d =
            distribution(dist, params).map_err(|e| PyValueError::new_err(format!("buffer {i}: {}", e.value(py))))?;
        specs.push((d, Key::new(*seed, *stream)));
        outs.push(many_out(i, out)?);
    }
    let mut core_jobs = Vec::with_capacity(jobs.len());
    for (out, &(dist, key)) in outs.iter_mut().zip(&specs) {
        let out = match out {
            ManyOut::F32(a) => BufferMut::F32(a.as_slice_mut().map_err(|e| PyValueError::new_err(e.to_string()))?),
            ManyOut::F64(a) => BufferMut::F64(a.as_slice_mut().map_err(|e| PyValueError::new_err(e.to_string()))?),
        };
        core_jobs.push(Job { out, dist, key, place: Placement::Offset(0) });
    }
    py.detach(|| crate::fill_many(&mut core_jobs, &opts)).map_err(to_py)
}
