"""Shard-exact initialisation of torch ``DTensor`` and FSDP2 parameters.

Each rank fills only its own shard, with the values the single-process
initialiser gives that part of the full tensor: every element is a pure
function of (seed, stream, its index in the full tensor), so no rank needs
another's samples and no communication takes place. After
``fill_dtensor_``, ``param.full_tensor()`` equals
``varscale.<initializer>(param.shape, seed=..., stream=...)`` bit for bit,
for any mesh and any ``Shard``/``Replicate`` placements.

Needs torch (with ``torch.distributed``); not imported by ``import varscale``:

>>> from varscale.dtensor import fill_dtensor_
>>> fully_shard(model)                      # FSDP2: parameters become DTensors
>>> for stream, p in enumerate(model.parameters()):
...     if p.ndim > 1:
...         fill_dtensor_(p, "kaiming_uniform", nonlinearity="relu", seed=0, stream=stream)
...     else:
...         fill_dtensor_(p, "constant", 0.0, seed=0, stream=stream)
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple, Union

from ._extras import missing

try:
    import torch
except ImportError as e:
    raise missing("torch", "torch", "dtensor", e) from e

from ._api import FUNCTIONS
from ._registry import REGIONAL
from .torch._writer import bump_version, write

__all__ = ["fill_dtensor_", "shard_region"]

#: the initialisers whose shards are the same part of the whole (orthogonal's are not)
_NAMES = REGIONAL
# set by fill_dtensor_ itself: the shard's place in the full tensor
_RESERVED = ("out", "region", "full_shape")


def _dtensor_type() -> Any:
    """``torch.distributed.tensor.DTensor``, or None where torch was built
    without distributed support (plain tensors still work there)."""
    if not torch.distributed.is_available():
        return None
    from torch.distributed.tensor import DTensor

    return DTensor


def shard_region(param: Any) -> Tuple[Optional[Tuple[slice, ...]], Tuple[int, ...]]:
    """Where this rank's shard of ``param`` lies in the full tensor.

    Parameters
    ----------
    param : torch.distributed.tensor.DTensor or torch.Tensor
        A DTensor whose placements are ``Shard(dim)`` or ``Replicate()`` on
        each mesh dimension (a plain tensor is its own full tensor).

    Returns
    -------
    (region, full_shape)
        ``region`` is a tuple of slices, one per dimension, such that the
        local tensor is ``full[region]`` of a tensor of ``full_shape``; None
        when this rank holds no elements (an uneven split can leave a rank
        empty, and a rank outside the mesh holds nothing).

    Raises
    ------
    ValueError
        For a ``Partial`` placement (its local values are summands, not a
        part of the tensor), a ``_StridedShard`` (a union of strided pieces,
        as FSDP combined with tensor parallelism makes), or any other
        placement.
    RuntimeError
        If the computed shard shape differs from the local tensor's (a
        sharding rule this function does not know).

    Notes
    -----
    Uneven splits follow ``torch.chunk``, as DTensor does: along a dimension
    of size ``n`` over ``k`` ranks every rank but the last ones holds
    ``ceil(n / k)`` elements. Several mesh dimensions sharding one tensor
    dimension split it left to right (mesh dimension 0 first).
    """
    dtensor = _dtensor_type()
    if dtensor is None or not isinstance(param, dtensor):
        if not isinstance(param, torch.Tensor):
            raise TypeError(f"param must be a torch DTensor or Tensor, got {type(param).__name__}")
        full_shape = tuple(param.shape)
        return (tuple(slice(0, n) for n in full_shape) if param.numel() else None), full_shape
    full_shape = tuple(param.shape)
    mesh = param.device_mesh
    coordinate = mesh.get_coordinate()
    if coordinate is None:
        return None, full_shape  # this rank is not part of the mesh: it holds nothing
    from torch.distributed.tensor import Shard

    start = [0] * len(full_shape)
    size = list(full_shape)
    for mesh_dim, placement in enumerate(param.placements):
        if placement.is_replicate():
            continue
        if type(placement) is not Shard:  # exact type: _StridedShard must not pass as a Shard
            raise ValueError(
                f"unsupported placement {placement!r} on mesh dimension {mesh_dim} of a DTensor of shape "
                f"{full_shape}: fill_dtensor_ handles Shard(dim) and Replicate() only"
                + (" (a Partial tensor's local values are summands, not a part of the tensor)"
                   if placement.is_partial() else "")
            )
        d = placement.dim % len(full_shape) if full_shape else placement.dim
        # torch.chunk's split of what the previous mesh dimensions left
        n, k, rank = size[d], mesh.size(mesh_dim), coordinate[mesh_dim]
        chunk = -(-n // k)
        lo = min(chunk * rank, n)
        start[d] += lo
        size[d] = min(n, lo + chunk) - lo
    local_shape = tuple(param.to_local().shape)
    if tuple(size) != local_shape:
        raise RuntimeError(
            f"the shard of a DTensor of shape {full_shape} with placements {param.placements} on this rank "
            f"(mesh coordinate {coordinate}) should have shape {tuple(size)}, but its local tensor has shape "
            f"{local_shape}: a sharding rule fill_dtensor_ does not know"
        )
    if 0 in size:
        return None, full_shape
    return tuple(slice(s, s + n) for s, n in zip(start, size)), full_shape


def _in_place(initializer: Union[str, Callable[..., Any]]) -> Callable[..., Any]:
    """The in-place twin of an initialiser given by name or function."""
    name = initializer if isinstance(initializer, str) else getattr(initializer, "__name__", None)
    base = name[:-1] if isinstance(name, str) and name.endswith("_") else name
    if base not in _NAMES:
        raise ValueError(f"unknown initializer {initializer!r}; expected one of {_NAMES} (or its in-place twin)")
    return FUNCTIONS[base + "_"]


def fill_dtensor_(param: Any, initializer: Union[str, Callable[..., Any]] = "kaiming_uniform", *args: Any,
                  seed: int, stream: int = 0, **kwargs: Any) -> Any:
    """Fill this rank's shard of ``param`` in place, as the single-process
    initialiser fills that part of the full tensor.

    Parameters
    ----------
    param : torch.distributed.tensor.DTensor or torch.Tensor
        A DTensor (e.g. a parameter after FSDP2's ``fully_shard``, or made
        by ``distribute_tensor``) with ``Shard(dim)``/``Replicate()``
        placements, of dtype float16/bfloat16/float32/float64. A plain
        tensor is filled whole.
    initializer : str or function, default "kaiming_uniform"
        Name of a varscale initialiser (``"xavier_normal"``,
        ``"truncated_normal"``, ...; a trailing ``_`` is allowed) or the
        function itself.
    *args, **kwargs
        The initialiser's other arguments (``gain``, ``nonlinearity``,
        ``mode``, ``layout``, ``std``, ``threads``, ...). Fans come from the
        full shape ``param.shape``, not the shard's.
    seed : int in [0, 2**64)
        Required, and the same on every rank: with a seed drawn per rank
        the shards would not fit together.
    stream : int, default 0
        Give every parameter of a model its own stream.

    Returns
    -------
    param
        The same object, filled.

    Raises
    ------
    ValueError
        For unsupported placements (see :func:`shard_region`), a local
        tensor on the ``meta`` device, or an unknown initialiser; and for
        the initialiser's own bad arguments.
    TypeError
        For ``seed=None``, an unsupported dtype, or a ``param`` that is
        not a tensor.

    Notes
    -----
    A CPU, contiguous local tensor is written directly, without a copy. Any
    other (a CUDA shard, a non-contiguous one) is generated into a CPU
    buffer of the shard's size and copied in with ``Tensor.copy_``.
    """
    if seed is None:
        raise TypeError("fill_dtensor_ needs an explicit seed, the same on every rank: with seed=None each "
                        "rank would draw its own and the shards would not fit together")
    for name in _RESERVED:
        if name in kwargs:
            raise TypeError(f"fill_dtensor_ sets {name!r} itself, from the shard's place in the full tensor")
    fill = _in_place(initializer)
    region, full_shape = shard_region(param)
    if region is None:
        return param  # this rank holds no elements
    dtensor = _dtensor_type()
    is_dtensor = dtensor is not None and isinstance(param, dtensor)
    with torch.no_grad():  # parameters require grad; initialising is not part of the graph
        local = param.to_local() if is_dtensor else param
    if local.device.type == "meta":
        raise ValueError("param is on the meta device and has no storage to fill; materialise it first "
                         "(e.g. module.to_empty(device=...))")
    write(local, lambda target: fill(target, *args, seed=seed, stream=stream, region=region, full_shape=full_shape,
                                     **kwargs))
    if is_dtensor:
        bump_version(param)  # the DTensor wrapper keeps a version counter of its own
    return param
