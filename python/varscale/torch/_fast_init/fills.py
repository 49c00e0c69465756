"""What ``fast_init`` intercepts, and how each call becomes a varscale fill.

Two kinds of callables fill tensors in model code:

* the ``torch.nn.init`` functions (:data:`INIT_NAMES`), called through
  ``torch.nn.init``, through references captured at import
  (``from torch.nn.init import trunc_normal_``, transformers'
  ``TORCH_INIT_FUNCTIONS``), or through ``nn.Module.reset_parameters``;
* the Tensor methods :data:`TENSOR_METHODS` (``w.normal_()``,
  ``w.data.uniform_()``, ``b.zero_()``), which the nn.init functions call
  themselves.

A call is *fillable* when its tensor is a plain CPU ``torch.Tensor`` or
``nn.Parameter`` (not a subclass such as FakeTensor), strided, of dtype
float16/bfloat16/float32/float64, not an inference tensor outside inference
mode, and (for the Tensor methods, which autograd records) not a tensor
requiring grad while grad mode is on. Anything else -- CUDA, meta, complex,
integer, subclasses -- goes to torch's own function unchanged, so meta
tensors advance no generator.

Each fillable call becomes a :class:`Job`: its seed and stream are taken
when the call is made, the write itself may run later (``fast_init`` defers
writes that a later fill of the whole tensor may make redundant). A job is
*deferrable* only when its arguments are such that the write cannot fail or
warn (:func:`_cannot_fail`): errors and warnings always surface at the call.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Dict, NamedTuple, Optional, Protocol, Tuple

import torch
from torch import Tensor, nn

from ..._conv import torch_fans
from ..._gain import NONLINEARITIES
from .. import _dropins
from .._sparse import sparse_
from .._writer import FLOAT_DTYPES, draw_seed

#: nn.init functions replaced by their varscale drop-ins (eye_ and dirac_
#: are deterministic and stay torch's).
RANDOM_INIT_NAMES = ("uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_",
                     "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_")
CONSTANT_INIT_NAMES = ("constant_", "ones_", "zeros_")
INIT_NAMES = RANDOM_INIT_NAMES + CONSTANT_INIT_NAMES

#: torch's own functions, taken when this module is first imported.
ORIGINAL_INIT: Dict[str, Callable[..., Any]] = {name: getattr(nn.init, name) for name in INIT_NAMES}
_SIGNATURES = {name: inspect.signature(fn) for name, fn in ORIGINAL_INIT.items()}

#: Tensor methods replaced inside fast_init.
TENSOR_METHODS: Dict[Any, str] = {torch.Tensor.normal_: "normal_", torch.Tensor.uniform_: "uniform_",
                                  torch.Tensor.zero_: "zero_", torch.Tensor.fill_: "fill_"}

#: The varscale drop-in of each replaced function, by name.
DROP_INS: Dict[str, Callable[..., Tensor]] = {
    name: sparse_ if name == "sparse_" else getattr(_dropins, name) for name in INIT_NAMES}

_PLAIN_TYPES = (torch.Tensor, nn.Parameter)


class Keys(Protocol):
    """Where the random fills take their seed and stream from."""

    def seed(self) -> int:
        """The seed of the current ``fast_init`` block."""

    def next_stream(self) -> int:
        """A fresh stream for one fill."""


class Job(NamedTuple):
    """One fill: ``run()`` writes ``tensor`` (and returns it)."""

    tensor: Tensor
    run: Callable[[], Tensor]
    deferrable: bool


def fillable(tensor: Any, method: bool) -> bool:
    """Whether varscale fills ``tensor`` (see the module docstring); ``method``
    for the Tensor methods, which must leave autograd-recorded writes to torch."""
    if type(tensor) not in _PLAIN_TYPES:
        return False
    if not tensor.is_cpu or tensor.dtype not in FLOAT_DTYPES or tensor.layout != torch.strided:
        return False
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        return False  # torch raises its own error for the in-place write
    return not (method and tensor.requires_grad and torch.is_grad_enabled())


def _seeding(keys: Keys, generator: Optional[torch.Generator]) -> Dict[str, Any]:
    """``seed``/``stream`` for a drop-in, taken now: the block's seed and a
    fresh stream; when the caller passed its own generator, a seed drawn from
    it (torch's meaning of the argument: it advances)."""
    seed = draw_seed(generator) if generator is not None else keys.seed()
    return {"seed": seed, "stream": keys.next_stream()}


def _finite(*values: Any) -> bool:
    return all(type(v) in (int, float) and math.isfinite(v) for v in values)


def _cannot_fail(name: str, tensor: Tensor, a: Dict[str, Any]) -> bool:
    """Whether the drop-in ``name`` with arguments ``a`` surely writes without
    an error or warning (then its write may be deferred). Conservative:
    anything not listed runs at once."""
    if tensor.numel() == 0:
        return False
    if name in ("uniform_",):
        return _finite(a.get("a", 0.0), a.get("b", 1.0)) and a.get("a", 0.0) <= a.get("b", 1.0)
    if name == "normal_":
        return _finite(a.get("mean", 0.0), a.get("std", 1.0)) and a.get("std", 1.0) >= 0
    if name in ("constant_", "ones_", "zeros_"):
        return _finite(a.get("val", 0.0))
    if name == "trunc_normal_":
        mean, std, low, high = (a.get(k, d) for k, d in (("mean", 0.0), ("std", 1.0), ("a", -2.0), ("b", 2.0)))
        return _finite(mean, std, low, high) and std > 0 and low < high and low - 2 * std <= mean <= high + 2 * std
    if tensor.dim() < 2:
        return False
    fan_in, fan_out = torch_fans(tensor.shape)
    if name.startswith("xavier_"):
        return _finite(a.get("gain", 1.0)) and a.get("gain", 1.0) >= 0 and fan_in + fan_out > 0
    if name.startswith("kaiming_"):
        mode, nonlinearity = a.get("mode", "fan_in"), a.get("nonlinearity", "leaky_relu")
        return (_finite(a.get("a", 0)) and isinstance(mode, str) and mode.lower() in ("fan_in", "fan_out")
                and nonlinearity in NONLINEARITIES and (fan_in if mode.lower() == "fan_in" else fan_out) > 0)
    return False  # orthogonal_, sparse_: at once


def prepare_init(name: str, keys: Keys, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Optional[Job]:
    """The job for the nn.init function ``name`` with the caller's arguments
    (bound to torch's signature), run by the varscale drop-in."""
    arguments = dict(_SIGNATURES[name].bind(*args, **kwargs).arguments)
    tensor = arguments["tensor"]
    drop_in = DROP_INS[name]
    if name not in CONSTANT_INIT_NAMES:
        arguments.update(_seeding(keys, arguments.pop("generator", None)))
    return Job(tensor, lambda: drop_in(**arguments), _cannot_fail(name, tensor, arguments))


def _arg(args: Tuple[Any, ...], kwargs: Dict[str, Any], index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def prepare_method(name: str, keys: Keys, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Optional[Job]:
    """The job for the Tensor method ``name`` (``args[0]`` is ``self``); None
    where varscale does not take these arguments (torch then runs)."""
    tensor = args[0]
    if name in ("zero_", "fill_"):
        value = 0.0 if name == "zero_" else _arg(args, kwargs, 1, "value", None)
        if type(value) not in (int, float):  # tensors, complex, bool: torch's own rules
            return None
        return Job(tensor, lambda: _dropins.constant_(tensor, float(value)), _cannot_fail("constant_", tensor,
                                                                                     {"val": value}))
    if name == "normal_":
        dist = {"mean": _arg(args, kwargs, 1, "mean", 0.0), "std": _arg(args, kwargs, 2, "std", 1.0)}
    else:
        dist = {"a": _arg(args, kwargs, 1, "from", 0.0), "b": _arg(args, kwargs, 2, "to", 1.0)}
    seeding = _seeding(keys, kwargs.get("generator"))
    drop_in = DROP_INS[name]
    return Job(tensor, lambda: drop_in(tensor, *dist.values(), **seeding), _cannot_fail(name, tensor, dist))
