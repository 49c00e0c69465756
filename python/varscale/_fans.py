"""Fan-in and fan-out of a weight tensor, for the two layout conventions."""

from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple

from ._checks import _as_int, as_choice

#: ``"torch"``: ``(out, in, *kernel)``; ``"keras"`` and its alias ``"jax"``:
#: ``(*kernel, in, out)``.
LAYOUTS = ("torch", "keras", "jax")


def compute_fans(shape: Sequence[int], layout: str = "torch") -> Tuple[int, int]:
    """Fan-in and fan-out of a weight tensor of ``shape``.

    Parameters
    ----------
    shape : sequence of int
        The tensor's shape.
    layout : {"torch", "keras", "jax"}
        ``"torch"``: ``(out_features, in_features, *kernel)`` as
        ``torch.nn.Linear``/``Conv*d`` weights. ``"keras"``/``"jax"``:
        ``(*kernel, in_features, out_features)`` as Keras and Flax kernels.

    Returns
    -------
    (fan_in, fan_out) : tuple of int
        With ``r = prod(kernel)`` the receptive field size,
        ``fan_in = in_features * r`` and ``fan_out = out_features * r``.

    Raises
    ------
    ValueError
        For fewer than 2 dimensions in the torch layout (torch's own error;
        the keras layout follows Keras: ``()`` gives ``(1, 1)`` and ``(n,)``
        gives ``(n, n)``), negative dimensions, or an unknown layout.

    Examples
    --------
    >>> compute_fans((64, 3, 7, 7))
    (147, 3136)
    >>> compute_fans((7, 7, 3, 64), layout="keras")
    (147, 3136)
    """
    layout = as_choice("layout", layout, LAYOUTS)
    dims = tuple(_as_int("shape entries", d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {dims} has a negative dimension")
    if layout == "torch":
        if len(dims) < 2:
            raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
        receptive = math.prod(dims[2:])
        return dims[1] * receptive, dims[0] * receptive
    if len(dims) == 0:
        return 1, 1
    if len(dims) == 1:
        return dims[0], dims[0]
    receptive = math.prod(dims[:-2])
    return dims[-2] * receptive, dims[-1] * receptive


def _override(name: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    v = _as_int(name, value)
    if v <= 0:
        raise ValueError(f"{name} must be a positive integer, got {v}")
    return v


def resolve_fans(shape: Sequence[int], layout: str, fan_in: Optional[int], fan_out: Optional[int],
                 need: Tuple[str, ...] = ("fan_in", "fan_out")) -> Tuple[int, int]:
    """The fans an initialiser uses: the overrides where given, otherwise
    computed from ``shape`` (only if a fan in ``need`` is missing, so that an
    override lets any shape through)."""
    layout = as_choice("layout", layout, LAYOUTS)
    fan_in, fan_out = _override("fan_in", fan_in), _override("fan_out", fan_out)
    given = {"fan_in": fan_in, "fan_out": fan_out}
    if any(given[n] is None for n in need):
        fi, fo = compute_fans(shape, layout)
        fan_in = fi if fan_in is None else fan_in
        fan_out = fo if fan_out is None else fan_out
    for n, v in (("fan_in", fan_in), ("fan_out", fan_out)):
        if n in need and (v is None or v <= 0):
            raise ValueError(f"{n} of shape {tuple(shape)} is {v}; it must be positive")
    return fan_in or 0, fan_out or 0
