"""Fan-in and fan-out of grouped and transposed convolution weights.

``torch.nn.init._calculate_fan_in_and_fan_out`` reads any weight as
``(out, in, *kernel)``. That is right for an ungrouped convolution, but

* a grouped convolution (weight ``(C_out, C_in / g, *k)``) connects each
  input to only the ``C_out / g`` output channels of its group, so torch's
  ``fan_out = C_out * k`` is ``g`` times too large (pytorch issue #23854);
* a transposed convolution stores its weight as ``(C_in, C_out / g, *k)``,
  so torch's reading swaps the roles: its "fan_in" is ``(C_out / g) * k``
  and its "fan_out" is ``C_in * k``.

Derivation. A convolution computes
``y[o, p] = sum over c in group(o), t in kernel of W[o, c, t] x[c, p + t]``:
every output sums ``(C_in / g) * k`` products (fan_in), and every input
element reaches ``(C_out / g)`` channels at ``k`` kernel offsets (fan_out).
A transposed convolution is the adjoint (the gradient) of a convolution from
``C_out`` to ``C_in`` channels with the same weight ``W[c_in, c_out/g, t]``:
``y[o, p + t] += W[c, o, t] x[c, p]`` for ``c`` in the group of ``o``. Every
input element is scattered to ``(C_out / g) * k`` outputs (fan_out), and
every output gathers from ``(C_in / g)`` channels at ``k`` offsets (fan_in).
So in terms of the module's ``in_channels`` and ``out_channels`` both kinds
have ``fan_in = (C_in / g) * k`` and ``fan_out = (C_out / g) * k``.

Like every framework, the fans count kernel taps and ignore stride,
dilation and padding: they are exact for stride 1 away from the borders.
With stride ``s`` (per dimension, ``d`` dimensions) an input of a
convolution is used by ``(C_out / g) * k / s^d`` outputs on average, and an
output of a transposed convolution gathers ``(C_in / g) * k / s^d`` inputs.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Optional, Sequence, Tuple

from ._checks import _as_int


def _shape_of(weight: Any) -> Tuple[int, ...]:
    shape = getattr(weight, "shape", weight)
    try:
        dims = tuple(_as_int("weight shape entries", d) for d in shape)
    except TypeError:
        raise TypeError(f"expected a conv module, a weight tensor/array or a shape, got {type(weight).__name__}") \
            from None
    return dims


def conv_fans(module_or_weight: Any, groups: Optional[int] = None,
              transposed: Optional[bool] = None) -> Tuple[int, int]:
    """Correct ``(fan_in, fan_out)`` of a (grouped, possibly transposed) convolution.

    .. math::

        \\text{fan\\_in} = \\frac{C_\\text{in}}{g} \\prod_i k_i, \\qquad
        \\text{fan\\_out} = \\frac{C_\\text{out}}{g} \\prod_i k_i

    for ``torch.nn.Conv*d`` (weight ``(C_out, C_in/g, *k)``) and
    ``torch.nn.ConvTranspose*d`` (weight ``(C_in, C_out/g, *k)``) alike.
    torch's own fans (``torch.nn.init._calculate_fan_in_and_fan_out``,
    :func:`varscale.compute_fans` with ``layout="torch"``) differ:

    ====================  ===========================  ==============================
    weight                torch (fan_in, fan_out)      correct (fan_in, fan_out)
    ====================  ===========================  ==============================
    Conv, groups g        ((C_in/g) k, C_out k)        ((C_in/g) k, (C_out/g) k)
    ConvTranspose, g      ((C_out/g) k, C_in k)        ((C_in/g) k, (C_out/g) k)
    ====================  ===========================  ==============================

    They agree for ungrouped, non-transposed convolutions and for Linear
    weights. Stride, dilation and padding are ignored, as by every framework
    (see the module docstring for the derivation and the stride caveat).

    Parameters
    ----------
    module_or_weight : torch conv module, tensor, array or shape
        A ``torch.nn.Conv*d``/``ConvTranspose*d`` module (its ``weight``,
        ``groups`` and ``transposed`` are used), or a weight (anything with
        ``.shape``) or shape in torch's layout, with at least 2 dimensions.
    groups : int, optional
        Number of groups for a weight or shape (default 1); must not be
        given with a module.
    transposed : bool, optional
        Whether a weight or shape belongs to a transposed convolution
        (default False); must not be given with a module.

    Returns
    -------
    (fan_in, fan_out) : tuple of int

    Raises
    ------
    ValueError
        Fewer than 2 dimensions, a non-positive ``groups``, or a leading
        dimension that ``groups`` does not divide.
    TypeError
        ``groups``/``transposed`` given together with a module, or values of
        the wrong type.

    References
    ----------
    pytorch/pytorch issue #23854, "Fan out calculation broken for depthwise
    convolution": ``Conv2d(4, 4, 3, groups=4)`` should have fans ``(9, 9)``,
    torch computes ``(9, 36)``.

    Examples
    --------
    >>> conv_fans((64, 8, 3, 3), groups=8)                      # Conv2d(64, 64, 3, groups=8)
    (72, 72)
    >>> conv_fans((16, 32, 4, 4), transposed=True)              # ConvTranspose2d(16, 32, 4)
    (256, 512)
    """
    weight = getattr(module_or_weight, "weight", None)
    if weight is not None and hasattr(module_or_weight, "groups"):
        if groups is not None or transposed is not None:
            raise TypeError("conv_fans takes groups and transposed from the module; do not pass them")
        groups = module_or_weight.groups
        transposed = bool(getattr(module_or_weight, "transposed", False))
        shape = _shape_of(weight)
    else:
        shape = _shape_of(module_or_weight)
    groups = 1 if groups is None else _as_int("groups", groups)
    if transposed is None:
        transposed = False
    elif not isinstance(transposed, bool):
        raise TypeError(f"transposed must be a bool, got {transposed!r}")
    if len(shape) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    if any(d < 0 for d in shape):
        raise ValueError(f"weight shape {shape} has a negative dimension")
    if groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups}")
    if shape[0] % groups != 0:
        raise ValueError(f"groups={groups} does not divide the leading dimension {shape[0]} of weight shape {shape}")
    k = math.prod(shape[2:])
    if transposed:  # (C_in, C_out/g, *k)
        return (shape[0] // groups) * k, shape[1] * k
    return shape[1] * k, (shape[0] // groups) * k  # (C_out, C_in/g, *k)


def torch_fans(shape: Sequence[int]) -> Tuple[int, int]:
    """torch's ``_calculate_fan_in_and_fan_out`` for a weight ``shape`` (any kind of layer)."""
    if isinstance(shape, tuple) and all(type(d) is int for d in shape):
        # also torch.Size; a model repeats a few shapes (1 us a check). Only
        # plain ints: the cache would take (2.0, 3) for (2, 3), which are equal.
        return _torch_fans_cached(shape)
    return _torch_fans(shape)


def _torch_fans(shape: Sequence[int]) -> Tuple[int, int]:
    dims = _shape_of(shape)
    if len(dims) < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    k = math.prod(dims[2:])
    return dims[1] * k, dims[0] * k


_torch_fans_cached = functools.lru_cache(maxsize=4096)(_torch_fans)
