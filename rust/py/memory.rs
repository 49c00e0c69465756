//! Caller memory given by address: the `out` form `(owner, address, length,
//! dtype)` that `fill` and `fill_many` take besides NumPy arrays.
//!
//! Why: varscale.torch fills contiguous CPU tensors. Their NumPy view
//! (`tensor.numpy()`) costs about 1 us a tensor, most of a (768,) fill and a
//! third of `init_module` on many small layers, while `data_ptr()` and
//! `numel()` cost 0.1 us (benches/README.md). The adapter passes those and
//! the tensor itself.
//!
//! What the caller promises (varscale's torch adapter is the only caller;
//! `_core` is private): `address` is the start of `length` writable,
//! initialised elements of `dtype` that `owner` keeps alive, and nothing
//! else writes them during the call. What is checked here, before any
//! slice is made: the tuple's shape and types, a known dtype, a non-null
//! address aligned for the dtype, a byte size that fits the address space,
//! and that no two buffers of one call overlap (with each other or with the
//! call's NumPy arrays), so no two `&mut` slices alias. `owner` is held for
//! the whole call.
#![allow(unsafe_code)]

use core::ops::Range;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::{BufferMut, Dtype};

/// One caller buffer by address, its owner held.
pub(super) struct Memory<'py> {
    _owner: Bound<'py, PyAny>,
    address: usize,
    length: usize,
    dtype: Dtype,
}

impl<'py> Memory<'py> {
    /// `obj` as a memory tuple, or `None` when it is not a 4-tuple (the caller
    /// then treats it as an array). A 4-tuple with bad entries is an error.
    pub fn extract(obj: &Bound<'py, PyAny>) -> PyResult<Option<Memory<'py>>> {
        let Ok(t) = obj.cast::<PyTuple>() else { return Ok(None) };
        if t.len() != 4 {
            return Err(PyTypeError::new_err(format!(
                "out given by address is a tuple (owner, address, length, dtype), got {} entries",
                t.len()
            )));
        }
        let address: usize = t.get_item(1)?.extract()?;
        let length: usize = t.get_item(2)?.extract()?;
        let name: String = t.get_item(3)?.extract()?;
        let dtype = Dtype::from_name(&name).ok_or_else(|| {
            PyTypeError::new_err(format!(
                "unsupported dtype {name:?}; expected 'float16', 'bfloat16', 'float32' or 'float64'"
            ))
        })?;
        let bytes = length.checked_mul(dtype.size()).filter(|&b| b <= isize::MAX as usize);
        if address == 0 || !address.is_multiple_of(dtype.size()) || bytes.and_then(|b| address.checked_add(b)).is_none()
        {
            return Err(PyValueError::new_err(format!(
                "out at address {address:#x} with {length} elements of {name} is not a valid buffer \
                 (null, misaligned or too large)"
            )));
        }
        Ok(Some(Memory { _owner: t.get_item(0)?, address, length, dtype }))
    }

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
/// the index of its job, which the message names.
pub(super) fn check_disjoint(mut ranges: Vec<(Range<usize>, usize)>) -> PyResult<()> {
    ranges.retain(|(r, _)| !r.is_empty());
    ranges.sort_unstable_by_key(|(r, _)| r.start);
    for w in ranges.windows(2) {
        if w[0].0.end > w[1].0.start {
            return Err(PyValueError::new_err(format!(
                "buffers {} and {} overlap; fill them in separate calls",
                w[0].1.min(w[1].1),
                w[0].1.max(w[1].1)
            )));
        }
    }
    Ok(())
}

/// The buffer of `memory`, for as long as it is borrowed.
///
/// Call only after [`check_disjoint`] has passed over every buffer the
/// slices will live alongside (the other memories and arrays of the call).
pub(super) fn buffer<'a>(memory: &'a mut Memory<'_>) -> BufferMut<'a> {
    let (p, n) = (memory.address, memory.length);
    // SAFETY: by the caller's promise (module docs) `p` starts `n` writable,
    // initialised elements of the dtype that the held owner keeps alive; the
    // address is non-null and aligned and the size fits (checked in
    // `extract`); no other live slice of this call overlaps it (checked by
    // `check_disjoint`), and `&'a mut memory` keeps a second slice of this
    // memory from being made while this one lives.
    unsafe {
        match memory.dtype {
            Dtype::Float32 => BufferMut::F32(core::slice::from_raw_parts_mut(p as *mut f32, n)),
            Dtype::Float64 => BufferMut::F64(core::slice::from_raw_parts_mut(p as *mut f64, n)),
            Dtype::Float16 => BufferMut::F16(core::slice::from_raw_parts_mut(p as *mut half::f16, n)),
            Dtype::BFloat16 => BufferMut::Bf16(core::slice::from_raw_parts_mut(p as *mut half::bf16, n)),
        }
    }
}
