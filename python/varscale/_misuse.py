"""Checks of a call as a whole, which no single argument's check can make.

* :func:`bare_int_shape_error`: ``xavier_uniform(4096, 4096)`` reads the
  second 4096 as ``gain``; the shape must be a tuple.
* :func:`in_dtype_range`: a distribution derived from the user's parameters
  (``gain``, ``scale``, ...) whose samples would overflow the dtype is
  reported naming *those* parameters, not the derived ``low=`` the core sees.
* :func:`clear_borrow_error`: two threads filling one array at once.
"""

from __future__ import annotations

import operator
from typing import Any, Mapping, Optional, Sequence

from ._backend import PARAM_NAMES, Dist, Spec
from ._checks import FLOAT8_DTYPES, dtype_max
from ._fans import FEWER_THAN_2D
from ._float8 import narrowed_params
from ._specs import reach

#: torch's message for orthogonal_ of a 1-d tensor
NEED_2D = "Only tensors with 2 or more dimensions are supported"


def bare_int_shape_error(name: str, shape: Any, own: Mapping[str, Any], first: Optional[str],
                         error: ValueError) -> Optional[ValueError]:
    """A clearer ``error`` when ``shape`` is one int and the call failed for too few dimensions, else None.

    ``first`` is the initialiser's first own parameter: what a second
    positional argument becomes (``xavier_uniform(4096, 4096)`` takes
    ``gain=4096``).
    """
    if isinstance(shape, bool) or str(error) not in (FEWER_THAN_2D, NEED_2D):
        return None
    try:
        n = operator.index(shape)
    except TypeError:
        return None
    hint = ""
    value = own.get(first) if first is not None else None
    if isinstance(value, int) and not isinstance(value, bool):
        hint = (f"; {name}({n}, {value}) took {first}={value}: for a {n} x {value} matrix write "
                f"{name}(({n}, {value}))")
    return ValueError(f"{error}: the shape of {name} is the single int {n}; pass the shape as a tuple{hint}")


def in_dtype_range(name: str, spec: Spec, own: Mapping[str, Any], culprits: Sequence[str], dtype: str) -> Spec:
    """``spec``, checked so that every sample is finite in ``dtype``.

    The error names ``culprits`` (the user's parameters the distribution was
    derived from) with their values, and the way out.
    """
    limit = dtype_max(dtype)

    def checked(shape: Any) -> Dist:
        try:
            dist = spec(shape)
        except ValueError as e:  # the core refused the derived distribution: say which input led there
            given = ", ".join(f"{c}={own[c]!r}" for c in culprits)
            raise ValueError(f"{name}({given}) gives a distribution the core refuses for shape "
                             f"{tuple(shape)}: {e}; check {' and '.join(culprits)}") from e
        if dtype in FLOAT8_DTYPES:  # the bounds narrowed to the type's values (see _float8.py) must hold
            try:
                narrowed_params(dist.kind, dict(zip(PARAM_NAMES[dist.kind], dist.params)), dtype)
            except ValueError as e:
                given = ", ".join(f"{c}={own[c]!r}" for c in culprits)
                raise ValueError(f"{name}({given}) cannot be drawn in {dtype} for shape {tuple(shape)}: {e}; "
                                 f"check {' and '.join(culprits)}") from e
        r = reach(dist)
        if not r <= limit:  # also NaN, inf
            given = ", ".join(f"{c}={own[c]!r}" for c in culprits)
            raise ValueError(f"{name}({given}) overflows the dtype {dtype}: samples reach {r:.4g} for shape "
                             f"{tuple(shape)}, beyond its largest value {limit:.4g}; use a smaller "
                             f"{' or '.join(culprits)} or a wider dtype")
        return dist

    return checked


def clear_borrow_error(error: ValueError) -> Optional[ValueError]:
    """A clear ValueError for rust-numpy's "already borrowed" (another fill of the same array is running), or
    None for any other error."""
    if "already borrowed" not in str(error):
        return None
    return ValueError("out is being written by another varscale call at this moment (another thread filling "
                      "the same array, or an overlapping view of it); one array can have one fill at a time: "
                      "fill it from one thread, or give each thread its own array or a disjoint part of it "
                      f"(region= with full_shape=). [{error}]")
