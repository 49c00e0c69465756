"""(Semi-)orthogonal initialisation (Saxe et al. 2014), as ``torch.nn.init.orthogonal_``.

The normal matrix comes from varscale's generator (so it is a pure function
of seed and stream); the QR factorisation is NumPy's (LAPACK ``geqrf``).
"""

from __future__ import annotations

import math
from typing import Any, Optional, Tuple, TypeVar

import numpy as np

from . import _initializers as init
from ._checks import ShapeLike, as_dtype, as_out, as_real, as_shape, check_memory, numpy_dtype

Out = TypeVar("Out")

COMPUTE_DTYPES = ("float32", "float64")
_NEED_2D = "Only tensors with 2 or more dimensions are supported"  # torch's message


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
    a = init.normal((rows, cols), dtype=work, seed=seed, stream=stream, threads=threads)
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
    return q * np.asarray(gain, dtype=work)


def _check_gain(gain: float) -> float:
    return as_real("gain", gain)


def orthogonal(shape: ShapeLike, gain: float = 1.0, *, dtype: Any = "float32", seed: Optional[int] = None,
               stream: int = 0, threads: Optional[int] = None, compute_dtype: Optional[Any] = None) -> np.ndarray:
    """(Semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_``.

    The tensor is read as the matrix ``(rows, cols) = (shape[0],
    prod(shape[1:]))``. A ``(max, min)`` matrix ``A`` with i.i.d. N(0, 1)
    entries (``A`` or its transpose) is factored ``A = QR`` and
    ``Q diag(sign(diag(R)))`` is Haar-distributed with orthonormal columns
    (Mezzadri 2007); transposed back when ``rows < cols``. So

    .. math::

        W W^T = g^2 I_\\text{rows} \\ (\\text{rows} \\le \\text{cols}), \\qquad
        W^T W = g^2 I_\\text{cols} \\ (\\text{rows} \\ge \\text{cols}).

    All singular values equal ``gain``: every input direction keeps its norm
    (times ``gain``), exactly rather than in expectation as with
    Xavier/He/LeCun (Saxe, McClelland & Ganguli, ICLR 2014). Each entry has
    variance ``gain^2 / max(rows, cols)``.

    Parameters
    ----------
    shape : int or tuple of int
        At least 2 dimensions; trailing dimensions are flattened into columns.
    gain : float, default 1.0
        Scale factor (any finite real; a negative gain flips the signs).
    dtype : {"float32", "float64", "float16", "bfloat16"}, default "float32"
        Output type; float16/bfloat16 are the working-precision result rounded
        to nearest even.
    seed, stream, threads
        Of the normal draw, as :func:`varscale.normal`.
    compute_dtype : {"float32", "float64"}, optional
        Precision of the draw and the QR; default float64 for float64 output,
        float32 otherwise. ``W^T W`` deviates from ``I`` by ~1e-6 in float32,
        ~1e-15 in float64.

    Returns
    -------
    numpy.ndarray
        A new C-contiguous array of ``shape`` and ``dtype``.

    Notes
    -----
    The normal matrix is a pure function of ``(seed, stream)`` like every
    varscale sample, but the QR is LAPACK's: its last bits may differ between
    NumPy/BLAS builds or CPUs, so orthogonal results are reproducible on one
    installation, not bit-identical across all of them. The QR costs
    ``O(max * min^2)`` time and a few copies of the matrix in memory, so this
    initialiser is not meant for the multi-GiB tensors the others fill in
    place; the normal draw uses ``threads``, the QR NumPy's BLAS threads.

    References
    ----------
    Saxe, A. M., McClelland, J. L. & Ganguli, S. (2014). Exact solutions to the
    nonlinear dynamics of learning in deep linear neural networks. ICLR.
    Mezzadri, F. (2007). How to generate random matrices from the classical
    compact groups. Notices of the AMS 54(5).

    Examples
    --------
    >>> w = orthogonal((256, 128), seed=0, dtype="float64")
    >>> bool(np.allclose(w.T @ w, np.eye(128)))
    True
    """
    dims = as_shape(shape)
    dtype_name = as_dtype(dtype)
    gain = _check_gain(gain)
    if len(dims) < 2:
        raise ValueError(_NEED_2D)
    work = _compute_dtype(compute_dtype, dtype_name)
    check_memory(dims, "float64")  # the QR's working copies dominate
    q = _matrix(dims, gain, seed, stream, threads, work)
    return np.ascontiguousarray(q.reshape(dims).astype(numpy_dtype(dtype_name), copy=False))


def orthogonal_(out: Out, gain: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
                threads: Optional[int] = None, compute_dtype: Optional[Any] = None) -> Out:
    """In-place twin of :func:`orthogonal`: fills ``out`` and returns it.

    ``out`` is a writable, C-contiguous float16/bfloat16/float32/float64
    NumPy array or CPU torch tensor with at least 2 dimensions, written in
    place (its memory is kept; the QR itself works on temporaries). A
    zero-size ``out`` is returned unchanged, as torch does. The values equal
    ``orthogonal(out.shape, gain, dtype=out.dtype, ...)``.
    """
    array, half = as_out(out)
    gain = _check_gain(gain)
    if array.ndim < 2:
        raise ValueError(_NEED_2D)
    out_dtype = half or array.dtype.name
    work = _compute_dtype(compute_dtype, out_dtype)
    if array.size == 0:
        return out
    q = _matrix(array.shape, gain, seed, stream, threads, work).reshape(array.shape)
    if half is not None:
        # round in NumPy, then store the bit patterns through the uint16 view
        np.copyto(array, q.astype(numpy_dtype(half)).view(np.uint16))
    else:
        np.copyto(array, q, casting="same_kind")
    return out
