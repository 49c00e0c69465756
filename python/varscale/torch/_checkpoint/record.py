"""Record what a model's own init code asks for, without memory.

:func:`record_build` runs ``build()`` with every parameter moved to the meta
device as soon as it is registered (buffers stay real, on the CPU, so that
computed buffers such as RoPE's ``inv_freq`` are computed by the module's own
code), while a ``TorchFunctionMode`` watches every in-place operation on those
parameters:

- ``normal_``, ``uniform_``, ``fill_``, ``zero_`` (also through ``.data`` and
  ``torch.nn.init``'s functions, which end in them) are recorded with their
  arguments; constants may also cover a rectangular part (``w[pad].zero_()``);
- ``trunc_normal_``, ``orthogonal_``, ``eye_``, ``dirac_`` are recorded whole
  by patching the functions wherever model code holds them
  (:func:`varscale.torch._captured.holders`: ``torch.nn``'s modules, timm,
  ``__main__`` and transformers' captured ``TORCH_INIT_FUNCTIONS``) and timm's
  own ``trunc_normal_``;
- ``copy_`` from a real tensor is recorded as its values;
- anything else writing a parameter is recorded as unsupported, and is an
  error naming the parameter and the operation if it decides a final value.

Operations are recorded per storage, so ``.data``, views and tied weights all
land on their parameter; names are attached once the model is built.
"""

from __future__ import annotations

import inspect
import math
import sys
import threading
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import torch
from torch import nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.overrides import TorchFunctionMode

from .._captured import holders, replace_everywhere
from .boxes import Box, view_box
from .ops import literal_op

#: Operations on a parameter, in call order; each a JSON-able dict.
Op = Dict[str, Any]

_LOCK = threading.Lock()  # patches are process-wide: one recording at a time

# in-place methods that do not write values
_NOT_WRITES = {"requires_grad_", "share_memory_", "retain_grad", "__set__", "__get__"}
_RANDOM = {"normal_": ("mean", "std"), "uniform_": ("from", "to")}
_FACTORIES = {"empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like", "full_like"}
# torch's defaults for the Tensor methods' arguments
_DEFAULTS = {"normal_": (0.0, 1.0), "uniform_": (0.0, 1.0)}

# high-level init functions recorded whole (patched in every holder of them)
_HIGH_LEVEL = ("trunc_normal_", "orthogonal_", "eye_", "dirac_", "sparse_")


_INPLACE_DUNDERS = {f"__i{op}__" for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "and", "or",
                                             "xor", "lshift", "rshift", "matmul")}


def _writes(name: str) -> bool:
    """Whether the Tensor method or function ``name`` writes its first argument in place."""
    if name.startswith("__"):
        return name in _INPLACE_DUNDERS
    return name.endswith("_") and name not in _NOT_WRITES


def storage_key(t: torch.Tensor) -> int:
    """Identity of a tensor's storage (shared by ``.data``, views and tied weights)."""
    return int(t.untyped_storage()._cdata)


class Recording:
    """Operations per parameter storage, gathered while a model is built."""

    def __init__(self) -> None:
        self.ops: Dict[int, List[Op]] = {}
        self.params: Dict[int, torch.Tensor] = {}  # strong refs: keys stay unique
        self._created: Dict[int, Tuple[StorageWeakRef, Op]] = {}

    # -- parameters
    def track(self, param: torch.Tensor, creation: Optional[Op]) -> None:
        key = storage_key(param)
        self.params[key] = param
        self.ops.setdefault(key, [])
        if creation is not None:
            self.ops[key].append(creation)

    def creation_of(self, t: torch.Tensor) -> Optional[Op]:
        entry = self._created.get(storage_key(t))
        if entry is None or entry[0].expired():  # type: ignore[no-untyped-call]
            return None
        return entry[1]

    def created(self, t: Any, op: Op) -> None:
        if isinstance(t, torch.Tensor) and t.device.type == "cpu":
            ref = StorageWeakRef(t.untyped_storage())  # type: ignore[no-untyped-call]
            self._created[storage_key(t)] = (ref, op)

    def tracked(self, t: Any) -> bool:
        return isinstance(t, torch.Tensor) and t.device.type == "meta" and storage_key(t) in self.ops

    def box(self, t: torch.Tensor) -> Optional[Box]:
        base = self.params[storage_key(t)]
        return view_box(tuple(base.shape), tuple(t.shape), t.stride(), int(t.storage_offset()))

    def add(self, t: torch.Tensor, op: Op, random: bool = True) -> None:
        box = self.box(t)
        if box is None or (random and not box.is_whole()):
            what = f"{op['op']} on a part of the tensor" if box is not None else f"{op['op']} on a strided view"
            op = {"op": "unsupported", "what": what}
        elif not box.is_whole():
            op = dict(op, box=box.to_json())
        self.ops[storage_key(t)].append(op)


# torch.nn.init functions that call handle_torch_function (checked by the tests)
_DISPATCHED_INIT = tuple(getattr(torch.nn.init, n) for n in ("uniform_", "normal_", "constant_", "kaiming_uniform_"))


def _dispatched_op(name: str, a: Dict[str, Any]) -> Tuple[Op, bool]:
    if name == "uniform_":
        return {"op": "uniform", "low": float(a["a"]), "high": float(a["b"])}, True
    if name == "normal_":
        return {"op": "normal", "mean": float(a["mean"]), "std": float(a["std"])}, True
    if name == "constant_":
        return {"op": "constant", "value": float(a["val"])}, False
    # kaiming_uniform_, with torch's own arithmetic (torch/nn/init.py)
    fan = torch.nn.init._calculate_correct_fan(a["tensor"], a["mode"])
    gain = torch.nn.init.calculate_gain(a["nonlinearity"], a["a"])
    bound = math.sqrt(3.0) * (gain / math.sqrt(fan))
    return {"op": "uniform", "low": -bound, "high": bound}, True


def _creation_op(name: str, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Op:
    if name.startswith("empty"):
        return {"op": "empty"}
    if name.startswith("zeros"):
        return {"op": "constant", "value": 0.0}
    if name.startswith("ones"):
        return {"op": "constant", "value": 1.0}
    value = kwargs.get("fill_value", args[1] if len(args) > 1 else None)
    return {"op": "constant", "value": float(value)} if isinstance(value, (int, float)) else {"op": "computed"}


class _Watch(TorchFunctionMode):
    """Records in-place writes to tracked parameters and the factories that create tensors."""

    def __init__(self, rec: Recording) -> None:
        super().__init__()
        self.rec = rec

    def __torch_function__(self, func: Any, types: Any, args: Tuple[Any, ...] = (),
                           kwargs: Optional[Dict[str, Any]] = None) -> Any:
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        target = args[0] if args else kwargs.get("tensor")
        if isinstance(target, torch.Tensor) and func in _DISPATCHED_INIT and self.rec.tracked(target):
            # torch.nn.init functions that dispatch to the mode themselves: their
            # own Tensor calls would run with the mode off, so record them here
            bound = inspect.signature(func).bind(*args, **kwargs)
            bound.apply_defaults()
            self.rec.add(target, *_dispatched_op(name, bound.arguments))
            return target
        if isinstance(target, torch.Tensor) and _writes(name) and self.rec.tracked(target):
            self._record(name, target, args[1:], kwargs)
            return target
        if isinstance(target, torch.Tensor) and name == "__setitem__" and self.rec.tracked(target):
            self.rec.add(target, {"op": "unsupported", "what": "item assignment"}, random=False)
            return None
        result = func(*args, **kwargs)
        if name in _FACTORIES:
            self.rec.created(result, _creation_op(name, args, kwargs))
        return result

    def _record(self, name: str, t: torch.Tensor, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> None:
        rec = self.rec
        if name in _RANDOM:
            names = _RANDOM[name]
            values = [kwargs.get(k, args[i] if i < len(args) else _DEFAULTS[name][i]) for i, k in enumerate(names)]
            if name == "normal_":
                rec.add(t, {"op": "normal", "mean": float(values[0]), "std": float(values[1])}, random=True)
            else:
                rec.add(t, {"op": "uniform", "low": float(values[0]), "high": float(values[1])}, random=True)
        elif name == "zero_":
            rec.add(t, {"op": "constant", "value": 0.0}, random=False)
        elif name == "fill_" and args and isinstance(args[0], (int, float, bool)):
            rec.add(t, {"op": "constant", "value": float(args[0])}, random=False)
        elif name == "copy_" and args and isinstance(args[0], torch.Tensor) and args[0].device.type != "meta" \
                and rec.box(t) is not None and rec.box(t).is_whole():  # type: ignore[union-attr]
            rec.add(t, literal_op(args[0].expand(t.shape)), random=False)
        else:
            rec.add(t, {"op": "unsupported", "what": f"Tensor.{name}"}, random=False)


def _high_level(rec: Recording, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def record(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if not rec.tracked(tensor):
            return original(tensor, *args, **kwargs)
        kwargs.pop("generator", None)
        if name == "trunc_normal_":
            p = dict(zip(("mean", "std", "a", "b"), args), **kwargs)
            op = {"op": "truncated_normal", "mean": float(p.get("mean", 0.0)), "std": float(p.get("std", 1.0)),
                  "low": float(p.get("a", -2.0)), "high": float(p.get("b", 2.0))}
        elif name == "orthogonal_":
            op = {"op": "orthogonal", "gain": float(dict(zip(("gain",), args), **kwargs).get("gain", 1.0))}
        elif name == "eye_":
            op = {"op": "eye"}
        elif name == "dirac_":
            op = {"op": "dirac", "groups": int(dict(zip(("groups",), args), **kwargs).get("groups", 1))}
        else:
            op = {"op": "unsupported", "what": f"torch.nn.init.{name}"}
        rec.add(tensor, op, random=op["op"] != "unsupported")
        return tensor

    record.__wrapped__ = original  # type: ignore[attr-defined]
    return record


def _timm_trunc_normal(rec: Recording, original: Callable[..., Any], tf_style: bool) -> Callable[..., Any]:
    def record(tensor: torch.Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0) -> Any:
        if not rec.tracked(tensor):
            return original(tensor, mean, std, a, b)
        lo, hi = (mean + a * std, mean + b * std) if tf_style else (a, b)
        rec.add(tensor, {"op": "truncated_normal", "mean": float(mean), "std": float(std), "low": float(lo),
                         "high": float(hi)}, random=True)
        return tensor

    return record


@contextmanager
def _patched(rec: Recording) -> Iterator[None]:
    saved: List[Tuple[Any, str, Any, bool]] = []  # (owner, key, old value, is_dict)
    unwrap: Dict[int, Any] = {}  # id(wrapper) -> torch's function
    wrappers: List[Any] = []  # keeps the ids in ``unwrap`` alive

    def put(owner: Any, key: str, value: Any, is_dict: bool = False) -> None:
        saved.append((owner, key, owner[key] if is_dict else getattr(owner, key), is_dict))
        if is_dict:
            owner[key] = value
        else:
            setattr(owner, key, value)

    try:
        for fname in _HIGH_LEVEL:
            original = getattr(torch.nn.init, fname)
            wrapper = _high_level(rec, fname, original)
            wrappers.append(wrapper)
            unwrap[id(wrapper)] = original
            for namespace in holders():  # module namespaces and transformers' table
                if namespace.get(fname) is original:
                    put(namespace, fname, wrapper, True)
        timm = sys.modules.get("timm.layers.weight_init")
        if timm is not None:
            for fname, tf_style in (("trunc_normal_", False), ("trunc_normal_tf_", True)):
                if hasattr(timm, fname):
                    put(timm, fname, _timm_trunc_normal(rec, getattr(timm, fname), tf_style))
        old_register = nn.Module.register_parameter

        def register_parameter(module: nn.Module, name: str, param: Optional[nn.Parameter]) -> None:
            old_register(module, name, param)
            if param is None or (param.device.type == "meta" and rec.tracked(param)):
                return
            creation = rec.creation_of(param) if param.device.type == "cpu" else None
            if creation is None:
                creation = literal_op(param) if param.device.type != "meta" else {"op": "empty"}
            elif creation["op"] == "computed":
                creation = literal_op(param)
            meta = type(param)(param.detach().to("meta"), requires_grad=param.requires_grad)
            module._parameters[name] = meta
            rec.track(meta, None if creation["op"] == "empty" else creation)

        put(nn.Module, "register_parameter", register_parameter)
        yield
    finally:
        for owner, key, old, is_dict in reversed(saved):
            if is_dict:
                owner[key] = old
            else:
                setattr(owner, key, old)
        # copies taken while patched (transformers imported by build() fills
        # its TORCH_INIT_FUNCTIONS from torch.nn.init): torch's functions back
        replace_everywhere(unwrap)


def record_build(build: Callable[[], nn.Module]) -> Tuple[nn.Module, Recording]:
    """Run ``build()`` with parameters on the meta device, recording their initialisation.

    Returns the model (parameters on meta, buffers real) and the recording.
    """
    if not callable(build):
        raise TypeError(f"build must be a zero-argument callable returning an nn.Module, got {build!r}")
    rec = Recording()
    with _LOCK, ExitStack() as stack:
        stack.enter_context(_patched(rec))
        stack.enter_context(_Watch(rec))
        model = build()
    if not isinstance(model, nn.Module):
        raise TypeError(f"build() must return a torch.nn.Module, got {type(model).__name__}")
    return model, rec
