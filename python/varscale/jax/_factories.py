"""The ``jax.nn.initializers`` factories, each a planner (fans and parameters
from the full shape) over varscale's NumPy initialisers."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Union

import numpy as np

import varscale as _vs

from ._adapter import Draw, Initializer, Shape, make_initializer, positive, region_draw

Axes = Union[int, Sequence[int]]

#: Standard deviation of N(0, 1) truncated to (-2, 2): JAX's variance correction.
TRUNCATED_STD_2 = 0.87962566103423978
MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")


def _compute_fans(dims: Shape, in_axis: Axes, out_axis: Axes, batch_axis: Axes) -> tuple[float, float]:
    """Fans with JAX's rules (``jax.nn.initializers`` ``_compute_fans``), errors included:
    IndexError for an axis out of range, ValueError for a 0-D/1-D shape with the default in_axis."""
    if isinstance(in_axis, int) and in_axis == -2 and len(dims) <= 1:
        raise ValueError(f"Can't compute input and output sizes of a {len(dims)}-dimensional weights tensor "
                         "with default in_axis. Must be at least 2D or specify in_axis explicitly.")

    def size(axes: Axes) -> int:
        return dims[axes] if isinstance(axes, int) else math.prod(dims[i] for i in axes)

    receptive = math.prod(dims) / size(in_axis) / size(out_axis) / size(batch_axis)
    return size(in_axis) * receptive, size(out_axis) * receptive


def variance_scaling(scale: Any, mode: str, distribution: str, in_axis: Axes = -2, out_axis: Axes = -1,
                     batch_axis: Axes = (), dtype: Any = None) -> Initializer:
    """Variance scaling, as ``jax.nn.initializers.variance_scaling``, drawn by varscale.

    ``variance = scale / n``, ``n`` = fan_in, fan_out, their mean
    (``"fan_avg"``) or geometric mean (``"fan_geo_avg"``); fans from
    ``in_axis``/``out_axis`` (products over tuples) times the receptive field
    (the axes in no argument), ``batch_axis`` excluded.

    Parameters
    ----------
    scale : float > 0
    mode : {"fan_in", "fan_out", "fan_avg", "fan_geo_avg"}
    distribution : {"truncated_normal", "normal", "uniform"}
        ``"truncated_normal"``: ``N(0, s^2)`` truncated to ``[-2s, 2s]``,
        ``s = sqrt(variance) / 0.87962566103423978`` (so the variance is
        ``variance``); ``"normal"``: ``N(0, variance)``; ``"uniform"``:
        ``U(-b, b)``, ``b = sqrt(3 variance)``.
    in_axis, out_axis, batch_axis : int or sequence of int, default -2, -1, ()
    dtype : dtype, optional
        Default dtype of the initialiser (JAX's default float when None).

    Returns
    -------
    Initializer
        ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``.

    Raises
    ------
    ValueError
        Unknown mode or distribution (as JAX), ``scale`` not positive.
    """
    if mode not in MODES:
        raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")
    scale_v = positive("scale", scale)

    def plan(dims: Shape, dtype_name: str) -> Draw:
        fan_in, fan_out = _compute_fans(dims, in_axis, out_axis, batch_axis)
        denominator = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
                       "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
        variance = scale_v / denominator  # ZeroDivisionError for a zero-size shape, as JAX
        if distribution == "truncated_normal":
            std = math.sqrt(variance) / TRUNCATED_STD_2
            return region_draw(_vs.truncated_normal_, dims, 0.0, std, -2.0 * std, 2.0 * std)
        if distribution == "normal":
            std = math.sqrt(variance)
            return region_draw(_vs.normal_, dims, 0.0, std)
        bound = math.sqrt(3.0 * variance)
        return region_draw(_vs.uniform_, dims, -bound, bound)

    return make_initializer(plan, "variance_scaling", dtype)


_AXES_DOC = """
    Parameters
    ----------
    in_axis, out_axis, batch_axis : int or sequence of int, default -2, -1, ()
        As :func:`variance_scaling`.
    dtype : dtype, optional
        Default dtype of the initialiser.

    Returns
    -------
    Initializer
        ``init(key, shape, dtype=dtype, out_sharding=None) -> jax.Array``.
    """


def _specialised(name: str, scale: float, mode: str, distribution: str, summary: str) -> Any:
    """A JAX specialisation of :func:`variance_scaling` (same signature as JAX's)."""

    def factory(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (), dtype: Any = None) -> Initializer:
        return variance_scaling(scale, mode, distribution, in_axis=in_axis, out_axis=out_axis,
                                batch_axis=batch_axis, dtype=dtype)

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = (f"{summary}: :func:`variance_scaling` with ``scale={scale}``, ``mode={mode!r}``, "
                       f"``distribution={distribution!r}``, as ``jax.nn.initializers.{name}``.\n" + _AXES_DOC)
    return factory


glorot_uniform = _specialised("glorot_uniform", 1.0, "fan_avg", "uniform", "Glorot/Xavier uniform")
glorot_normal = _specialised("glorot_normal", 1.0, "fan_avg", "truncated_normal",
                             "Glorot/Xavier normal (truncated, as JAX)")
he_uniform = _specialised("he_uniform", 2.0, "fan_in", "uniform", "He/Kaiming uniform")
he_normal = _specialised("he_normal", 2.0, "fan_in", "truncated_normal", "He/Kaiming normal (truncated, as JAX)")
lecun_uniform = _specialised("lecun_uniform", 1.0, "fan_in", "uniform", "LeCun uniform")
lecun_normal = _specialised("lecun_normal", 1.0, "fan_in", "truncated_normal", "LeCun normal (truncated, as JAX)")
xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def normal(stddev: Any = 1e-2, dtype: Any = None) -> Initializer:
    """``N(0, stddev^2)``, as ``jax.nn.initializers.normal``.

    Parameters
    ----------
    stddev : float, default 0.01
        A negative ``stddev`` gives the same distribution as ``|stddev|``.
    dtype : dtype, optional
        Default dtype of the initialiser.

    Returns
    -------
    Initializer
    """
    std = abs(float(stddev))

    def plan(dims: Shape, dtype_name: str) -> Draw:
        return region_draw(_vs.normal_, dims, 0.0, std)

    return make_initializer(plan, "normal", dtype)


def uniform(scale: Any = 1e-2, dtype: Any = None) -> Initializer:
    """``U(0, scale)``, as ``jax.nn.initializers.uniform`` (closed bounds here, ``[0, scale)`` in JAX).

    Parameters
    ----------
    scale : float, default 0.01
        Upper bound (a negative ``scale`` gives ``U(scale, 0)``, as JAX).
    dtype : dtype, optional
        Default dtype of the initialiser.

    Returns
    -------
    Initializer
    """
    low, high = sorted((0.0, float(scale)))

    def plan(dims: Shape, dtype_name: str) -> Draw:
        return region_draw(_vs.uniform_, dims, low, high)

    return make_initializer(plan, "uniform", dtype)


def truncated_normal(stddev: Any = 1e-2, dtype: Any = None, lower: Any = -2.0, upper: Any = 2.0) -> Initializer:
    """``N(0, stddev^2)`` truncated to ``(lower * stddev, upper * stddev)``, as
    ``jax.nn.initializers.truncated_normal`` (no variance correction).

    Parameters
    ----------
    stddev : float, default 0.01
        Standard deviation before truncation (0 gives zeros).
    dtype : dtype, optional
        Default dtype of the initialiser.
    lower, upper : float, default -2.0 and 2.0
        Bounds in units of ``stddev``, ``lower < upper``.

    Returns
    -------
    Initializer
        ``init(key, shape, dtype=dtype)``: ``stddev`` times N(0, 1) truncated to ``[lower, upper]``.

    Raises
    ------
    ValueError
        ``lower >= upper`` (JAX would return NaN or garbage).
    """
    s, lo, hi = float(stddev), float(lower), float(upper)
    if not lo < hi:
        raise ValueError(f"lower={lower} must be less than upper={upper}")
    low, high = sorted((lo * s, hi * s))  # a negative stddev mirrors the interval

    def plan(dims: Shape, dtype_name: str) -> Draw:
        if s == 0.0:
            return region_draw(_vs.normal_, dims, 0.0, 0.0)
        return region_draw(_vs.truncated_normal_, dims, 0.0, abs(s), low, high)

    return make_initializer(plan, "truncated_normal", dtype)


def _orthogonal_matrix(dims: Shape, scale: float, column_axis: int, dtype_name: str, seed: int,
                       stream: int) -> np.ndarray:
    """JAX's layout: a ``(prod / n_cols, n_cols)`` semi-orthogonal matrix, its
    columns moved to ``column_axis``."""
    n_cols = dims[column_axis]
    n_rows = math.prod(dims) // n_cols
    q = _vs.orthogonal((n_rows, n_cols), scale, dtype=dtype_name, seed=seed, stream=stream)
    rest = tuple(np.delete(np.array(dims), column_axis))
    return np.moveaxis(q.reshape((*rest, n_cols)), -1, column_axis)


def _whole_then_region(make: Any) -> Draw:
    """The QR needs the whole matrix: compute it once per (seed, stream), copy each region from it."""
    cache: dict[tuple[int, int], np.ndarray] = {}

    def draw(seed: int, stream: int, region: Any, out: np.ndarray) -> None:
        if (seed, stream) not in cache:
            cache.clear()
            cache[(seed, stream)] = make(seed, stream)
        whole = cache[(seed, stream)]
        out[...] = whole if region is None else whole[region]

    return draw


def orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """Uniformly (Haar) distributed (semi-)orthogonal matrices, as ``jax.nn.initializers.orthogonal``.

    The tensor is read as the matrix with ``shape[column_axis]`` columns and
    all other axes flattened into rows: ``W^T W = scale^2 I`` over
    ``column_axis`` when there are at least as many rows as columns,
    ``W W^T = scale^2 I`` otherwise. The normal draw is varscale's, the QR NumPy's.

    Parameters
    ----------
    scale : float, default 1.0
        Multiplies the orthogonal matrix.
    column_axis : int, default -1
        The axis holding the columns.
    dtype : dtype, optional
        Default dtype of the initialiser.

    Returns
    -------
    Initializer
        Also with ``out_sharding`` (JAX raises NotImplementedError): the host
        computes the matrix once and each device receives its shard.

    Raises
    ------
    ValueError
        Fewer than 2 dimensions (as JAX).
    IndexError
        ``column_axis`` out of range (as JAX).
    """
    scale_v = float(scale)

    def plan(dims: Shape, dtype_name: str) -> Draw:
        if len(dims) < 2:
            raise ValueError("orthogonal initializer requires at least a 2D shape")
        dims[column_axis]  # IndexError as JAX, before any work
        return _whole_then_region(lambda seed, stream: _orthogonal_matrix(dims, scale_v, column_axis,
                                                                          dtype_name, seed, stream))

    return make_initializer(plan, "orthogonal", dtype)


def delta_orthogonal(scale: Any = 1.0, column_axis: int = -1, dtype: Any = None) -> Initializer:
    """Delta-orthogonal convolution kernels (Xiao et al. 2018), as ``jax.nn.initializers.delta_orthogonal``.

    Zero everywhere but the kernel's centre tap, which holds an orthogonal
    ``shape[-2:]`` matrix (:func:`orthogonal` with ``column_axis``).

    Parameters
    ----------
    scale : float, default 1.0
    column_axis : int, default -1
    dtype : dtype, optional

    Returns
    -------
    Initializer
        The whole kernel is computed once on the host (per seed and stream), as in :func:`orthogonal`.

    Raises
    ------
    ValueError
        A shape that is not 3-D, 4-D or 5-D, or ``shape[-1] < shape[-2]`` (as JAX).
    """
    scale_v = float(scale)

    def plan(dims: Shape, dtype_name: str) -> Draw:
        if len(dims) not in (3, 4, 5):
            raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
        if dims[-1] < dims[-2]:
            raise ValueError("`fan_in` must be less or equal than `fan_out`. ")

        def make(seed: int, stream: int) -> np.ndarray:
            w = np.zeros(dims, dtype=_vs_np_dtype(dtype_name))
            centre = tuple((k - 1) // 2 for k in dims[:-2])
            w[centre] = _orthogonal_matrix(dims[-2:], scale_v, column_axis, dtype_name, seed, stream)
            return w

        return _whole_then_region(make)

    return make_initializer(plan, "delta_orthogonal", dtype)


def _vs_np_dtype(name: str) -> np.dtype[Any]:
    import jax.numpy as jnp

    return np.dtype(jnp.dtype(name))
