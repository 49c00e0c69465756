//! Caller memory by address: `_core.Memory(owner, address, length, dtype)`,
//! the `out` that `fill` and `fill_many` take besides NumPy arrays.
//!
//! Why: varscale.torch fills contiguous CPU tensors. Their NumPy view
//! (`tensor.numpy()`) costs about 1 us a tensor, most of a (768,) fill and a
//! third of `init_module` on many small layers, while `data_ptr()` and
//! `numel()` cost 0.1 us (benches/README.md). The adapter passes those and
//! the tensor itself.
//!
//! What the caller promises (varscale's torch adapter is the only caller;
//! `_core` is private): `address` is the start of `length` writable,
//! initialised elements of `dtype`, which stay valid for the call (the
//! held `owner` keeps the object alive, not a storage someone swaps or
//! resizes meanwhile: that is the caller's race, as with a NumPy view), and
//! nothing else writes them during the call. What is checked here: a known
//! dtype, a non-null address aligned for it and a byte size that fits the
//! address space (when the object is made), and, before any slice is made,
//! that no two buffers of one call overlap (with each other or with the
//! call's NumPy arrays), so no two `&mut` slices alias. A dedicated type
//! rather than a tuple: no tuple a user passes by mistake is ever taken for
//! an address.
#![allow(unsafe_code)]

use core::ops::Range;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::{BufferMut, Dtype};

/// `length` elements of `dtype` at `address`, kept alive by `owner`
/// (checked when made: a known dtype, a non-null aligned address, a size
/// within the address space).
#[pyclass(frozen, module = "varscale._core")]
pub(super) struct Memory {
    #[pyo3(get)]
    owner: Py<PyAny>,
    #[pyo3(get)]
    address: usize,
    #[pyo3(get)]
    length: usize,
    dtype: Dtype,
}

#[pymethods]
impl Memory {
    #[new]
    fn new(owner: Py<PyAny>, address: usize, length: usize, dtype: &str) -> PyResult<Self> {
        let dtype = Dtype::from_name(dtype).ok_or_else(|| {
            PyTypeError::new_err(format!(
                "unsupported dtype {dtype:?}; expected 'float16', 'bfloat16', 'float32' or 'float64'"
            ))
        })?;
        let bytes = length.checked_mul(dtype.size()).filter(|&b| b <= isize::MAX as usize);
        if address == 0 || !address.is_multiple_of(dtype.size()) || bytes.and_then(|b| address.checked_add(b)).is_none()
        {
            return Err(PyValueError::new_err(format!(
                "memory at address {address:#x} with {length} elements of {} is not a valid buffer \
                 (null, misaligned or too large)",
                dtype.name()
            )));
        }
        Ok(Memory { owner, address, length, dtype })
    }

    /// The dtype's name.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.dtype.name()
    }
}

impl Memory {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.length
    }

    /// The bytes it spans.
    pub fn range(&self) -> Range<usize> {
        self.address..self.address + self.length * self.dtype.size()
    }
}

/// Errors unless the non-empty ranges are pairwise disjoint; each comes with
/// the index of its job, which the message names (`buffer j: ...`, as every
/// error about one job).
pub(super) fn check_disjoint(mut ranges: Vec<(Range<usize>, usize)>) -> PyResult<()> {
    ranges.retain(|(r, _)| !r.is_empty());
    ranges.sort_unstable_by_key(|(r, _)| r.start);
    let mut reach: Option<(usize, usize)> = None; // the farthest end so far, and its job
    for (r, job) in ranges {
        if let Some((_, other)) = reach.filter(|&(end, _)| end > r.start) {
            let (first, second) = (other.min(job), other.max(job));
            return Err(PyValueError::new_err(format!(
                "buffer {second}: overlaps buffer {first}; fill them in separate calls"
            )));
        }
        if reach.is_none_or(|(end, _)| r.end > end) {
            reach = Some((r.end, job));
        }
    }
    Ok(())
}

/// The buffer of `memory`.
///
/// Call only after [`check_disjoint`] has passed over every buffer the
/// slice will live alongside (the other memories and arrays of the call).
pub(super) fn buffer(memory: &Memory) -> BufferMut<'_> {
    let (p, n) = (memory.address, memory.length);
    // SAFETY: by the caller's promise (module docs) `p` starts `n` writable,
    // initialised elements of the dtype, valid for the call (the owner is
    // held); the address is non-null and aligned and the size fits (checked
    // in `new`); no other live slice of this call overlaps it (checked by
    // `check_disjoint`, which also refuses the same memory given twice).
    unsafe {
        match memory.dtype {
            Dtype::Float32 => BufferMut::F32(core::slice::from_raw_parts_mut(p as *mut f32, n)),
            Dtype::Float64 => BufferMut::F64(core::slice::from_raw_parts_mut(p as *mut f64, n)),
            Dtype::Float16 => BufferMut::F16(core::slice::from_raw_parts_mut(p as *mut half::f16, n)),
            Dtype::BFloat16 => BufferMut::Bf16(core::slice::from_raw_parts_mut(p as *mut half::bf16, n)),
        }
    }
}
