"""The one way varscale writes a torch tensor: in place, or generate and copy.

A contiguous CPU tensor of a supported dtype is handed to the core without
a copy: by address (:func:`tensor_memory`: ``data_ptr()`` and ``numel()``,
0.1 us) for the plain fills of the drop-ins and ``init_module``, else as a
NumPy view of its memory (about 1 us). Any other tensor (another device, or
strided memory NumPy cannot be given) is filled through a CPU tensor of the
same shape and dtype, then ``copy_``: the values are the same bit for bit.
Either way the tensor's version counter is bumped, as an in-place torch op
does, so autograd notices a stale graph. ``varscale.torch``'s drop-ins,
``init_module`` and ``varscale.dtensor`` all write through :func:`write`.
"""

from __future__ import annotations

from typing import Any, Callable, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .. import _core
from .._backend import immediately
from .._checks import FLOAT8_DTYPES, HALF_DTYPES, SUPPORTED_DTYPES, register_out_type

#: torch dtypes varscale fills, by varscale's (and ml_dtypes') name
DTYPE_NAMES = {torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
               torch.float64: "float64", torch.float8_e4m3fn: "float8_e4m3fn", torch.float8_e5m2: "float8_e5m2"}
FLOAT_DTYPES = tuple(DTYPE_NAMES)

_increment_version = getattr(getattr(torch.autograd, "graph", None), "increment_version", None)


def _list_increment() -> Optional[Callable[[Any], None]]:
    """torch's C function behind ``increment_version`` when it takes a list
    (torch 2.1 and later), else None. Called directly it costs 0.15 us where
    the Python wrapper costs 0.38 us: a tenth of a small fill."""
    c_increment = getattr(torch._C, "_increment_version", None)
    if c_increment is None or _increment_version is None:
        return None
    try:
        with torch.inference_mode(False):  # imported inside inference_mode: a probe with a version counter
            probe = torch.empty(1)
            before = probe._version
            c_increment([probe])
            bumped = probe._version == before + 1
    except (TypeError, RuntimeError):  # an older torch: one tensor per call
        return None
    return c_increment if bumped else None


_c_increment_version = _list_increment()


def numpy_view(tensor: Tensor) -> Tuple[np.ndarray, Optional[str]]:
    """The NumPy array sharing ``tensor``'s memory that the core fills, and the
    half dtype name when it is the uint16 view of a float16/bfloat16 tensor (the
    uint8 view of a float8 one)."""
    if not tensor.is_cpu:
        raise ValueError(f"out is on device {tensor.device}; varscale fills CPU tensors")
    if tensor.dtype not in DTYPE_NAMES:
        raise TypeError(f"unsupported dtype {tensor.dtype} of out; expected one of {SUPPORTED_DTYPES}")
    if not tensor.is_contiguous():
        raise ValueError("out must be contiguous")
    name = DTYPE_NAMES[tensor.dtype]
    if name in HALF_DTYPES:
        return tensor.detach().view(torch.int16).numpy().view(np.uint16), name
    if name in FLOAT8_DTYPES:
        return tensor.detach().view(torch.uint8).numpy(), name
    return numpy_memory(tensor), None


register_out_type(Tensor, numpy_view)


def bump_version(tensor: Tensor) -> None:
    """Mark ``tensor`` as modified in place, for autograd's checks."""
    if _c_increment_version is not None:
        _c_increment_version((tensor,))  # an empty tensor too: torch's in-place ops bump it as well
    elif _increment_version is not None and tensor.numel() > 0:
        _increment_version(tensor)


def bump_versions(tensors: List[Tensor]) -> None:
    """:func:`bump_version` of each of ``tensors`` (the caller passes
    non-empty ones), in one call where torch takes a list (2.2 and later):
    0.2 us a tensor less."""
    if _increment_version is None or not tensors:
        return
    if _c_increment_version is not None:
        _c_increment_version(tensors)
        return
    try:
        _increment_version(tensors)
    except TypeError:  # torch 2.1: one tensor per call
        for tensor in tensors:
            bump_version(tensor)


def write(tensor: Tensor, fill: Callable[[Any], Any], as_array: bool = False) -> Tensor:
    """Run ``fill(target)`` on ``tensor`` itself when the core can write it in
    place (contiguous, CPU), else on a CPU tensor that is then copied in;
    ``tensor`` ends with its version counter bumped. Returns ``tensor``.
    With ``as_array``, a float32/float64 ``target`` is handed over as the
    NumPy array sharing its memory (the NumPy API's direct path for small
    fills takes arrays; other dtypes stay tensors)."""
    if tensor.is_cpu and tensor.is_contiguous():
        fill(core_view(tensor) if as_array else tensor)  # the tensor's own memory: no copy
        bump_version(tensor)
        return tensor
    # another device, or strided memory NumPy cannot be handed: generate the
    # same values (element i by flat row-major index) on the CPU, then copy
    staging = torch.empty(tuple(tensor.shape), dtype=tensor.dtype)
    with immediately():  # copied right below: not deferred by a batched() block
        fill(core_view(staging) if as_array else staging)
    with torch.no_grad():
        tensor.copy_(staging)  # an in-place op: bumps the version itself
    return tensor


#: dtypes whose tensors NumPy views directly (float16/bfloat16/float8 go through :func:`numpy_view`)
NUMPY_NATIVE = (torch.float32, torch.float64)

#: dtypes the core writes by address (float8 is drawn in the Python layer)
BY_ADDRESS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)

#: tensors written by address: plain ones (a subclass such as FakeTensor may have no memory to write)
_PLAIN_TYPES = (torch.Tensor, torch.nn.Parameter)
_BY_ADDRESS_NAMES = {dtype: DTYPE_NAMES[dtype] for dtype in BY_ADDRESS}
_STRIDED = torch.strided


def tensor_memory(tensor: Tensor) -> Optional[_core.Memory]:
    """``tensor``'s memory for the core to write by address, or None when it
    cannot be: not a plain (not subclassed), non-empty, contiguous, strided
    CPU tensor of float16, bfloat16, float32 or float64 with a data pointer
    (functional and other wrapper tensors have none), or a negated view,
    whose memory holds ``-value``, or an inference tensor (outside
    ``torch.inference_mode`` torch forbids writing it; the full paths say
    so, and inside it they write it through its NumPy view).

    ``data_ptr()`` and ``numel()`` cost 0.1 us where the NumPy view costs
    about 1 us: most of a small fill. The :class:`varscale._core.Memory`
    holds the tensor object for the call (not its storage: a storage swapped
    or resized meanwhile, e.g. by another thread, is the caller's race, as
    with a NumPy view); the core checks the address (non-null, aligned) and
    that no two buffers of one call overlap.
    """
    # the cheapest refusals first; one dict lookup for the dtype and its name
    if type(tensor) in _PLAIN_TYPES:
        name = _BY_ADDRESS_NAMES.get(tensor.dtype)
        if (name is not None and tensor.is_cpu and tensor.layout is _STRIDED and tensor.is_contiguous()
                and not tensor.is_neg() and not tensor.is_inference()):
            n, address = tensor.numel(), tensor.data_ptr()
            if n and address:
                return _core.Memory(tensor, address, n, name)
    return None


def numpy_memory(tensor: Tensor) -> np.ndarray:
    """The NumPy array sharing a CPU float32/float64 ``tensor``'s memory
    (``detach`` only when autograd tracks it: it costs 0.25 us a call)."""
    return tensor.detach().numpy() if tensor.requires_grad else tensor.numpy()


def core_view(tensor: Tensor) -> Any:
    """A contiguous CPU ``tensor`` as the varscale NumPy API takes it: the
    float32/float64 NumPy array sharing its memory (which the direct path of
    small fills accepts), else the tensor itself (converted by :func:`numpy_view`)."""
    return numpy_memory(tensor) if tensor.dtype in NUMPY_NATIVE else tensor


def draw_seed(generator: Optional[torch.Generator]) -> int:
    """A 64-bit seed from two 32-bit draws of ``generator`` (or torch's default one)."""
    device = generator.device if generator is not None else torch.device("cpu")
    hi, lo = torch.randint(0, 2**32, (2,), dtype=torch.int64, generator=generator, device=device).tolist()
    return int((hi << 32) | lo)


def resolve_seed(seed: Optional[int], generator: Optional[torch.Generator]) -> int:
    """``seed`` itself, else one drawn from ``generator`` or torch's default generator."""
    if generator is not None:
        if seed is not None:
            raise TypeError(f"pass either seed ({seed!r}) or generator, not both")
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        return draw_seed(generator)
    if seed is None:
        return draw_seed(None)
    return seed  # checked (type, range) by varscale
