"""Turn a recorded operation list into values: resolve it, then fill any box of the tensor.

A parameter's recorded operations are resolved to one *base* operation that
covers the whole tensor (the last whole write: later whole writes replace
earlier ones) followed by constants on parts of it (``w[padding_idx] = 0``).
Values are a pure function of (seed, stream, operation, element index), so
any box is filled alone, bit-identical to the same box of the whole.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch

import varscale

from ... import _backend
from ..._checks import numpy_dtype
from .._writer import numpy_view
from .boxes import Box

Op = Dict[str, Any]

#: Base operations whose values come from the counter-based generator.
RANDOM_OPS = ("normal", "uniform", "truncated_normal", "orthogonal")
_WHOLE_OPS = (*RANDOM_OPS, "constant", "literal", "eye", "dirac")


class PlanError(RuntimeError):
    """A model's init code did something a plan cannot reproduce exactly.

    Attributes
    ----------
    args : tuple of str
        The message: the parameter's qualified name, the operation, and what
        to use instead.
    """


def resolve(name: str, ops: List[Op]) -> Tuple[Op, List[Op]]:
    """The base operation of parameter ``name`` and the partial constants after it.

    Raises
    ------
    PlanError
        If an unsupported write decides a final value, or nothing initialises the parameter.
    """
    base = None
    for i, op in enumerate(ops):
        if op["op"] in _WHOLE_OPS and "box" not in op:
            base = i
    if base is None:
        bad = [op["what"] for op in ops if op["op"] == "unsupported"]
        if bad:
            raise PlanError(f"{name}: its initialisation uses {bad[-1]}, which a plan cannot record exactly; "
                            "initialise it with torch.nn.init functions or Tensor.normal_/uniform_/fill_/zero_")
        raise PlanError(f"{name}: the model's code never initialises it (created with torch.empty and never "
                        "written); give its module a reset_parameters or an _init_weights rule")
    partial = []
    for op in ops[base + 1:]:
        if op["op"] == "unsupported":
            raise PlanError(f"{name}: after its initialisation the model's code applies {op['what']}, which a plan "
                            "cannot record exactly")
        partial.append(op)
    return ops[base], partial


def literal_op(src: torch.Tensor) -> Op:
    """An operation holding ``src``'s values (raw bytes in its own dtype)."""
    t = src.detach().to("cpu").contiguous()
    return {"op": "literal", "dtype": str(t.dtype).removeprefix("torch."),
            "data": base64.b64encode(t.reshape(-1).view(torch.uint8).numpy().tobytes()).decode("ascii")}


def _literal_tensor(op: Op, shape: Tuple[int, ...]) -> torch.Tensor:
    raw = bytearray(base64.b64decode(op["data"]))
    dtype = getattr(torch, op["dtype"])
    return torch.frombuffer(raw, dtype=torch.uint8).view(dtype).reshape(shape) if raw else \
        torch.empty(shape, dtype=dtype)


def computed_values(op: Op, shape: Tuple[int, ...], seed: int, stream: int) -> torch.Tensor:
    """Whole-tensor values of the operations computed by torch or NumPy (small tensors)."""
    if op["op"] == "literal":
        return _literal_tensor(op, shape)
    if op["op"] == "orthogonal":
        return torch.from_numpy(varscale.orthogonal(shape, op["gain"], dtype="float64", seed=seed, stream=stream))
    t = torch.zeros(shape, dtype=torch.float64)
    if op["op"] == "eye":
        torch.nn.init.eye_(t)
    else:
        torch.nn.init.dirac_(t, op["groups"])
    return t


def fill_box(out: np.ndarray, shape: Tuple[int, ...], box: Box, base: Op, partial: List[Op], seed: int,
             stream: int, whole: Optional[torch.Tensor] = None) -> None:
    """Write the values of ``box`` of the tensor into ``out`` (an array of the box's extent or shape).

    ``out`` is any writable NumPy array of the box's elements in C order
    (float32/float64/float16/bfloat16/float8: see varscale's ``dtype=``).
    """
    flat = box.flat_range()
    dist = batch_dist(base)
    if flat is not None and dist is not None and base["op"] != "constant":
        # a contiguous run of the tensor (every file window is one): fill it by flat offset
        _backend.fill_range(out.reshape(-1), dist, seed, stream, flat[0])
        _apply_partial_box(out.reshape(box.extent), shape, box, partial)
        return
    region = box.region()
    kind = base["op"]
    place: Dict[str, Any] = {} if box.is_whole() else {"region": region, "full_shape": shape}
    target = out.reshape(box.extent)
    if kind == "normal":
        varscale.normal_(target, base["mean"], base["std"], seed=seed, stream=stream, **place)
    elif kind == "uniform":
        varscale.uniform_(target, base["low"], base["high"], seed=seed, stream=stream, **place)
    elif kind == "truncated_normal":
        varscale.truncated_normal_(target, base["mean"], base["std"], base["low"], base["high"], seed=seed,
                                   stream=stream, **place)
    elif kind == "constant":
        target[...] = base["value"]
    else:
        source = whole if whole is not None else computed_values(base, shape, seed, stream)
        values = source[region].reshape(box.extent)
        target[...] = values.to(torch.float64).numpy().astype(target.dtype)
    _apply_partial_box(target, shape, box, partial)


def _apply_partial_box(target: np.ndarray, shape: Tuple[int, ...], box: Box, partial: List[Op]) -> None:
    for op in partial:
        part = Box(shape, op["box"][0], op["box"][1]).intersect(box)
        if part is not None:
            target[part.relative_to(box)] = op["value"]


def batch_dist(base: Op) -> Optional[_backend.Dist]:
    """The core distribution of a whole-tensor random or constant operation, or None (computed ones)."""
    kind = base["op"]
    if kind == "normal":
        return _backend.normal(base["mean"], base["std"])
    if kind == "uniform":
        return _backend.uniform(base["low"], base["high"])
    if kind == "truncated_normal":
        return _backend.truncated_normal(base["mean"], base["std"], base["low"], base["high"])
    if kind == "constant":
        return _backend.constant(base["value"])
    return None


def apply_partial(out: np.ndarray, shape: Tuple[int, ...], partial: List[Op]) -> None:
    """Apply the constants on parts of the tensor (``w[padding_idx] = 0``) to its whole values ``out``."""
    whole = Box.whole(shape)
    target = out.reshape(shape)
    for op in partial:
        target[Box(shape, op["box"][0], op["box"][1]).relative_to(whole)] = op["value"]


def tensor_box(shape: Tuple[int, ...], dtype: torch.dtype, base: Op, partial: List[Op], seed: int, stream: int,
               box: Optional[Box] = None) -> torch.Tensor:
    """A new CPU tensor of ``box`` (default: the whole tensor) in ``dtype``."""
    box = box or Box.whole(shape)
    if not dtype.is_floating_point or base["op"] == "literal":
        t = _literal_tensor(base, shape) if base["op"] == "literal" else \
            torch.full(shape, base.get("value", 0), dtype=dtype)
        out = t[box.region()].reshape(box.extent).to(dtype).clone()
        for op in partial:
            part = Box(shape, op["box"][0], op["box"][1]).intersect(box)
            if part is not None:
                out[part.relative_to(box)] = op["value"]
        return out
    out_t = torch.empty(box.extent, dtype=dtype)
    fill_box(as_numpy(out_t), shape, box, base, partial, seed, stream)
    return out_t


def as_numpy(t: torch.Tensor) -> np.ndarray:
    """A NumPy view of a CPU tensor's memory, with ml_dtypes types for bfloat16 and float8 (0-d tensors too)."""
    flat, name = numpy_view(t.reshape(-1))
    return (flat if name is None else flat.view(numpy_dtype(name))).reshape(tuple(t.shape))
