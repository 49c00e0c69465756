"""(Semi-)orthogonal initialisation (Saxe et al. 2014), as ``torch.nn.init.orthogonal_``.

The normal matrix comes from varscale's generator (so it is a pure function
of seed and stream); the QR factorisation is NumPy's (LAPACK ``geqrf``).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Tuple, TypeVar

import numpy as np

from ._backend import Dist, normal
from ._backend import create as create_array
from ._checks import ShapeLike, as_dtype, as_out, as_real, as_shape, check_memory, dtype_max, numpy_dtype
from ._misuse import NEED_2D

Out = TypeVar("Out")

COMPUTE_DTYPES = ("float32", "float64")


def _standard_normal(shape: Tuple[int, ...]) -> Dist:
    return normal(0.0, 1.0)


def _compute_dtype(compute_dtype: Optional[Any], out_dtype: str) -> str:
    """float64 work for float64 output, float32 otherwise, unless given."""
    if compute_dtype is None:
        return "float64" if out_dtype == "float64" else "float32"
    name = as_dtype(compute_dtype)
    if name not in COMPUTE_DTYPES:
        raise TypeError(f"compute_dtype must be one of {COMPUTE_DTYPES}, got {name}")
    return name


def _matrix(shape: Tuple[int, ...], gain: float, seed: Optional[int], stream: int, threads: Optional[int],
            work: str) -> np.ndarray:
    """The ``(shape[0], prod(shape[1:]))`` semi-orthogonal matrix times ``gain``, in ``work`` precision."""
    rows = shape[0]
    cols = math.prod(shape[1:])
    a = create_array((rows, cols), _standard_normal, work, seed, stream, threads)
    if rows < cols:
        a = a.T  # QR of the tall matrix; transposed back below
    q, r = np.linalg.qr(a)  # reduced: q is (max, min) with orthonormal columns
    # Q's column signs follow LAPACK's Householder convention; multiplying by
    # sign(diag(R)) makes Q Haar-distributed (Mezzadri 2007). A zero on R's
    # diagonal (a rank-deficient draw, probability 0) keeps its column as is
    # rather than zeroing it as torch's sign() would.
    d = np.sign(np.diagonal(r))
    d[d == 0] = 1
    q *= d
    if rows < cols:
        q = q.T
    scaled: np.ndarray = q * np.asarray(gain, dtype=work)
    return scaled


def _check_gain(gain: float, out_dtype: str, work: str) -> float:
    """A finite ``gain`` whose products stay finite: entries of a matrix with
    orthonormal rows or columns are at most 1 in magnitude, so ``|W| <= |gain|``,
    scaled in ``work`` precision and stored in ``out_dtype``."""
    g = as_real("gain", gain)
    limit = min(dtype_max(out_dtype), dtype_max(work))
    if abs(g) > limit:
        narrow = out_dtype if dtype_max(out_dtype) <= dtype_max(work) else work
        raise ValueError(f"orthogonal(gain={gain!r}) overflows the dtype {narrow}: |gain| bounds the entries and "
                         f"exceeds its largest value {limit:.4g}; use a smaller gain or a wider dtype")
    return g


def create(shape: ShapeLike, *, gain: float, compute_dtype: Optional[Any], dtype: Any, seed: Optional[int],
           stream: int, threads: Optional[int]) -> np.ndarray:
    """A new array: the semi-orthogonal matrix of ``shape``'s rows and flattened columns."""
    dims = as_shape(shape)
    dtype_name = as_dtype(dtype)
    if len(dims) < 2:
        raise ValueError(NEED_2D)
    work = _compute_dtype(compute_dtype, dtype_name)
    gain = _check_gain(gain, dtype_name, work)
    check_memory(dims, "float64")  # the QR's working copies dominate
    q = _matrix(dims, gain, seed, stream, threads, work)
    result: np.ndarray = np.ascontiguousarray(q.reshape(dims).astype(numpy_dtype(dtype_name), copy=False))
    return result


def fill(out: Out, *, gain: float, compute_dtype: Optional[Any], seed: Optional[int], stream: int,
         threads: Optional[int]) -> Out:
    """Fill ``out`` in place with ``create(out.shape, ...)``'s values."""
    array, half = as_out(out)
    if array.ndim < 2:
        raise ValueError(NEED_2D)
    out_dtype = half or array.dtype.name
    work = _compute_dtype(compute_dtype, out_dtype)
    gain = _check_gain(gain, out_dtype, work)
    if array.size == 0:
        return out
    q = _matrix(array.shape, gain, seed, stream, threads, work).reshape(array.shape)
    if half is not None:
        # round in NumPy, then store the bit patterns through the uint16 view
        np.copyto(array, q.astype(numpy_dtype(half)).view(array.dtype))
    else:
        np.copyto(array, q, casting="same_kind")
    return out
