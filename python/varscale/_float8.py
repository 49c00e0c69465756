"""float8 (``float8_e4m3fn``, ``float8_e5m2``, from ``ml_dtypes``): float32 samples rounded to nearest even,
never out of bounds.

Rounding a sample to the nearest float8 value could cross a distribution's
bound (the nearest value to 0.0499 may be 0.0508). So bounded distributions
are drawn in float32 between the float8 values nearest to the bounds *inside*
them; rounding is monotonic, so every rounded sample stays in
``[low8, high8]`` within ``[low, high]``. Unbounded normals are refused where
their tails (beyond 9 std) could leave float8's finite range.
"""

from __future__ import annotations

import functools
from typing import Any, Dict

import numpy as np

from . import _core
from ._checks import FLOAT8_DTYPES, ml_dtype

FLOAT8 = FLOAT8_DTYPES


def float8_dtype(name: str) -> np.dtype[Any]:
    """The ml_dtypes NumPy dtype of a float8 type (``_checks.ml_dtype``: a clear error without ml_dtypes)."""
    dtype: np.dtype[Any] = ml_dtype(name)
    return dtype


@functools.cache
def _finite_values(dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """Every finite value of a float8 type, ascending (there are at most 256)."""
    values = np.arange(256, dtype=np.uint8).view(dtype).astype(np.float64)
    return np.unique(values[np.isfinite(values)])


def at_or_above(value: float, dtype: np.dtype[Any]) -> float:
    """The smallest finite value of the float8 ``dtype`` that is ``>= value`` (ValueError if none)."""
    grid = _finite_values(dtype)
    i = int(np.searchsorted(grid, value, side="left"))
    if i == len(grid):
        raise ValueError(f"no {dtype} value is at or above {value}")
    return float(grid[i])


def at_or_below(value: float, dtype: np.dtype[Any]) -> float:
    """The largest finite value of the float8 ``dtype`` that is ``<= value`` (ValueError if none)."""
    grid = _finite_values(dtype)
    i = int(np.searchsorted(grid, value, side="right")) - 1
    if i < 0:
        raise ValueError(f"no {dtype} value is at or below {value}")
    return float(grid[i])


def narrowed_params(kind: str, params: Dict[str, float], dtype_name: str) -> Dict[str, float]:
    """The parameters to draw in float32 so that every sample rounded to ``dtype_name`` stays within bounds.

    Parameters
    ----------
    kind : {"uniform", "normal", "truncated_normal", "constant"}
        The distribution.
    params : dict of str to float
        Its parameters by name (``low``, ``high``, ``mean``, ``std``, ``value``).
    dtype_name : {"float8_e4m3fn", "float8_e5m2"}
        The float8 type.

    Returns
    -------
    dict of str to float
        ``params`` with bounds moved inward to the nearest float8 values.

    Raises
    ------
    ValueError
        Naming the parameter, if the distribution cannot be held by the type.
    """
    dtype = float8_dtype(dtype_name)
    top = float(_finite_values(dtype)[-1])
    if kind in ("uniform", "truncated_normal"):
        low, high = params["low"], params["high"]
        if low > top or high < -top:
            raise ValueError(f"[low={low}, high={high}] lies beyond {dtype_name}'s range +-{top}; "
                             "use float16, bfloat16 or float32")
        lo8, hi8 = at_or_above(max(low, -top), dtype), at_or_below(min(high, top), dtype)
        if not (lo8 < hi8 if kind == "truncated_normal" else lo8 <= hi8):
            raise ValueError(f"[low={low}, high={high}] holds no {dtype_name} value; "
                             "use a wider interval or float16/bfloat16")
        return dict(params, low=lo8, high=hi8)
    if kind == "normal":
        reach = abs(params["mean"]) + _core.NORMAL_REACH * params["std"]  # the core's own check, as _specs.reach
        if reach > top:
            raise ValueError(f"normal(mean={params['mean']}, std={params['std']}) reaches {reach:.4g} within "
                             f"{_core.NORMAL_REACH:g} std, "
                             f"beyond {dtype_name}'s largest value {top}; use a smaller std or a wider type")
        return dict(params)
    if abs(params["value"]) > top:
        raise ValueError(f"value={params['value']} is beyond {dtype_name}'s largest value {top}")
    return dict(params)
