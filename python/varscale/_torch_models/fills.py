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
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, Optional, Protocol, Tuple

import torch
from torch import Tensor, nn

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

_FLOAT_DTYPES = frozenset((torch.float16, torch.bfloat16, torch.float32, torch.float64))
_PLAIN_TYPES = (torch.Tensor, nn.Parameter)


class Keys(Protocol):
    """Where the random fills take their seed and stream from."""

    def seed(self) -> int:
        """The seed of the current ``fast_init`` block."""

    def next_stream(self) -> int:
        """A fresh stream for one fill."""


def fillable(tensor: Any, method: bool) -> bool:
    """Whether varscale fills ``tensor`` (see the module docstring); ``method``
    for the Tensor methods, which must leave autograd-recorded writes to torch."""
    if type(tensor) not in _PLAIN_TYPES:
        return False
    if tensor.device.type != "cpu" or tensor.dtype not in _FLOAT_DTYPES or tensor.layout != torch.strided:
        return False
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        return False  # torch raises its own error for the in-place write
    return not (method and tensor.requires_grad and torch.is_grad_enabled())


def _seeding(keys: Keys, generator: Optional[torch.Generator]) -> Dict[str, Any]:
    """``seed``/``stream``/``generator`` for a drop-in: the block's seed and a
    fresh stream, or, when the caller passed its own generator, a seed drawn
    from that generator (torch's meaning of the argument)."""
    if generator is not None:
        return {"generator": generator, "stream": keys.next_stream()}
    return {"seed": keys.seed(), "stream": keys.next_stream()}


def fill_init(name: str, keys: Keys, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Tensor:
    """Run the varscale drop-in for the nn.init function ``name`` with the
    caller's arguments (bound to torch's signature)."""
    from .. import torch as vt

    bound = _SIGNATURES[name].bind(*args, **kwargs)
    arguments = dict(bound.arguments)
    if name in CONSTANT_INIT_NAMES:
        return getattr(vt, name)(**arguments)
    return getattr(vt, name)(**arguments, **_seeding(keys, arguments.pop("generator", None)))


def _arg(args: Tuple[Any, ...], kwargs: Dict[str, Any], index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def fill_method(name: str, keys: Keys, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Optional[Tensor]:
    """Run the Tensor method ``name`` (``args[0]`` is ``self``) on varscale;
    None where varscale does not take these arguments (torch then runs)."""
    from .. import torch as vt

    tensor = args[0]
    if name == "zero_":
        return vt.constant_(tensor, 0.0)
    if name == "fill_":
        value = _arg(args, kwargs, 1, "value", None)
        if type(value) not in (int, float):  # tensors, complex, bool: torch's own rules
            return None
        return vt.constant_(tensor, float(value))
    generator = kwargs.get("generator")
    if name == "normal_":
        mean, std = _arg(args, kwargs, 1, "mean", 0.0), _arg(args, kwargs, 2, "std", 1.0)
        return vt.normal_(tensor, mean, std, **_seeding(keys, generator))
    low, high = _arg(args, kwargs, 1, "from", 0.0), _arg(args, kwargs, 2, "to", 1.0)
    return vt.uniform_(tensor, low, high, **_seeding(keys, generator))
