"""Fan-in and fan-out of a weight tensor: the torch and Keras/JAX layouts,
or explicit axes as ``jax.nn.initializers``."""

from __future__ import annotations

import math
from typing import NamedTuple, Optional, Sequence, Tuple, Union

from ._checks import _as_int, as_choice

#: ``"torch"``: ``(out, in, *kernel)``; ``"keras"`` and its alias ``"jax"``:
#: ``(*kernel, in, out)``.
LAYOUTS = ("torch", "keras", "jax")

Axes = Union[int, Sequence[int]]


#: torch's message for the fans of a tensor of fewer than 2 dimensions
FEWER_THAN_2D = "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"


def _axes(name: str, axes: Axes, ndim: int) -> Tuple[int, ...]:
    """Axis indices normalised to [0, ndim), checked."""
    items = tuple(axes) if hasattr(axes, "__iter__") and not isinstance(axes, (str, bytes)) else (axes,)
    out = []
    for a in items:
        i = _as_int(name, a)
        if not -ndim <= i < ndim:
            raise ValueError(f"{name} {i} is out of range for a {ndim}-dimensional shape")
        out.append(i % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} {axes!r} repeats an axis")
    return tuple(out)


def compute_fans(shape: Sequence[int], layout: str = "torch", *, in_axis: Optional[Axes] = None,
                 out_axis: Optional[Axes] = None, batch_axis: Optional[Axes] = ()) -> Tuple[int, int]:
    """Fan-in and fan-out of a weight tensor of ``shape``.

    Parameters
    ----------
    shape : sequence of int
        The tensor's shape.
    layout : {"torch", "keras", "jax"}
        ``"torch"``: ``(out_features, in_features, *kernel)`` as
        ``torch.nn.Linear``/``Conv*d`` weights. ``"keras"``/``"jax"``:
        ``(*kernel, in_features, out_features)`` as Keras and Flax kernels.
    in_axis, out_axis, batch_axis : int or sequence of int, optional
        Explicit axes, as ``jax.nn.initializers.variance_scaling``: the
        product of the ``in_axis`` dimensions is the input size, that of
        ``out_axis`` the output size, ``batch_axis`` dimensions are
        independent copies (they count in neither fan), and every other
        dimension is receptive field. Giving any of them overrides
        ``layout``; ``in_axis``/``out_axis`` then default to -2/-1 as in JAX.

    Returns
    -------
    (fan_in, fan_out) : tuple of int
        ``fan_in = in_size * r`` and ``fan_out = out_size * r`` with ``r``
        the receptive field size (product of the kernel dimensions).

    Raises
    ------
    ValueError
        For fewer than 2 dimensions in the torch layout (torch's own error;
        the keras layout follows Keras: ``()`` gives ``(1, 1)`` and ``(n,)``
        gives ``(n, n)``) or with explicit axes (JAX's rule), negative
        dimensions, bad axes, or an unknown layout.

    Examples
    --------
    >>> compute_fans((64, 3, 7, 7))
    (147, 3136)
    >>> compute_fans((7, 7, 3, 64), layout="keras")
    (147, 3136)
    >>> compute_fans((8, 7, 7, 3, 64), in_axis=-2, out_axis=-1, batch_axis=0)
    (147, 3136)
    """
    layout = as_choice("layout", layout, LAYOUTS)
    dims = tuple(_as_int("shape entries", d) for d in shape)
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {dims} has a negative dimension")
    if batch_axis is None:
        batch_axis = ()
    if in_axis is not None or out_axis is not None or batch_axis != ():
        return _fans_from_axes(dims, -2 if in_axis is None else in_axis, -1 if out_axis is None else out_axis,
                               batch_axis)
    if layout == "torch":
        if len(dims) < 2:
            raise ValueError(FEWER_THAN_2D)
        receptive = math.prod(dims[2:])
        return dims[1] * receptive, dims[0] * receptive
    if len(dims) == 0:
        return 1, 1
    if len(dims) == 1:
        return dims[0], dims[0]
    receptive = math.prod(dims[:-2])
    return dims[-2] * receptive, dims[-1] * receptive


def _fans_from_axes(dims: Tuple[int, ...], in_axis: Axes, out_axis: Axes, batch_axis: Axes) -> Tuple[int, int]:
    if len(dims) < 2:
        raise ValueError(f"Can't compute input and output sizes of a {len(dims)}-dimensional weights tensor. "
                         "Must be at least 2D.")
    ins, outs = _axes("in_axis", in_axis, len(dims)), _axes("out_axis", out_axis, len(dims))
    batch = _axes("batch_axis", batch_axis, len(dims))
    if set(ins) & set(outs) or set(batch) & (set(ins) | set(outs)):
        raise ValueError(f"in_axis {in_axis!r}, out_axis {out_axis!r} and batch_axis {batch_axis!r} must not overlap")
    in_size = math.prod(dims[i] for i in ins)
    out_size = math.prod(dims[i] for i in outs)
    used = set(ins) | set(outs) | set(batch)
    receptive = math.prod(d for i, d in enumerate(dims) if i not in used)
    return in_size * receptive, out_size * receptive


class FanSpec(NamedTuple):
    """How an initialiser finds its fans: layout or axes, and overrides."""

    layout: str = "torch"
    fan_in: Optional[int] = None
    fan_out: Optional[int] = None
    in_axis: Optional[Axes] = None
    out_axis: Optional[Axes] = None
    batch_axis: Axes = ()

    @classmethod
    def make(cls, layout: str, fan_in: Optional[int], fan_out: Optional[int], in_axis: Optional[Axes],
             out_axis: Optional[Axes], batch_axis: Axes) -> FanSpec:
        """Checks everything that does not depend on the shape, eagerly."""
        layout = as_choice("layout", layout, LAYOUTS)
        return cls(layout, _override("fan_in", fan_in), _override("fan_out", fan_out), in_axis, out_axis,
                   batch_axis if batch_axis is not None else ())

    def fans(self, shape: Sequence[int], need: Tuple[str, ...] = ("fan_in", "fan_out")) -> Tuple[int, int]:
        """The overrides where given, else computed from ``shape`` (only if a
        fan in ``need`` is missing, so that an override lets any shape through)."""
        fan_in, fan_out = self.fan_in, self.fan_out
        given = {"fan_in": fan_in, "fan_out": fan_out}
        if any(given[n] is None for n in need):
            fi, fo = compute_fans(shape, self.layout, in_axis=self.in_axis, out_axis=self.out_axis,
                                  batch_axis=self.batch_axis)
            fan_in = fi if fan_in is None else fan_in
            fan_out = fo if fan_out is None else fan_out
        for n, v in (("fan_in", fan_in), ("fan_out", fan_out)):
            if n in need and (v is None or v <= 0):
                raise ValueError(f"{n} of shape {tuple(shape)} is {v}; it must be positive")
        return fan_in or 0, fan_out or 0


def _override(name: str, value: Optional[int]) -> Optional[int]:
    if value is None:
        return None
    v = _as_int(name, value)
    if v <= 0:
        raise ValueError(f"{name} must be a positive integer, got {v}")
    return v
