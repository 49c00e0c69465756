"""``fast_init``: build any model with its random and constant fills on varscale.

How a fill reaches varscale inside a block
------------------------------------------
* Tensor methods (``w.normal_()``, ``w.data.uniform_()``, ``b.zero_()``,
  ``b.fill_(1)``) and the nn.init functions torch routes through
  ``__torch_function__`` (``normal_``, ``uniform_``, ``constant_``,
  ``kaiming_uniform_``) are caught by a ``TorchFunctionMode`` pushed on the
  *calling thread's* mode stack -- torch keeps that stack per thread, so
  other threads never see it.
* The other nn.init functions (``trunc_normal_``, ``sparse_``,
  ``xavier_*``, ``kaiming_normal_``, ``orthogonal_``, ``ones_``,
  ``zeros_``) have no such hook, and model code holds references to them
  (transformers' ``TORCH_INIT_FUNCTIONS``); they are replaced process-wide
  by dispatchers (:mod:`.patching`) while any block is open, and a
  dispatcher called from a thread outside a block runs torch's function.

Either way the call is handed to the varscale drop-in of
:mod:`varscale.torch` with the caller's own arguments (so the model's own
distributions), when the tensor is fillable (:func:`.fills.fillable`), and
to torch's original otherwise, or where varscale refuses arguments torch
accepts (e.g. a truncation interval more than 8 std from the mean).

Keys
----
Values are keyed by **call order**: the block holds a seed and a counter;
the k-th random fill (on a fillable tensor) inside the block uses stream
``k`` of that seed (constants use none). The same code with the same seed
therefore gives bit-identical tensors, for any thread count; what changes
them is anything that changes the sequence of fills before a tensor: other
modules constructed first, a different transformers or torch version
whose init code fills in another order, a config change adding a layer
before it. Meta tensors and tensors torch fills advance neither the
counter nor any generator.
"""

from __future__ import annotations

import contextlib
import threading
from types import TracebackType
from typing import Any, Callable, Dict, List, Optional, Tuple, Type

import torch
from torch.overrides import TorchFunctionMode

from .._writer import draw_seed
from . import patching
from .deferral import Pending
from .fills import (
    ORIGINAL_INIT,
    TENSOR_METHODS,
    Job,
    fillable,
    prepare_init,
    prepare_method,
)

_lock = threading.Lock()  # guards _open_blocks and the process-wide swap
_open_blocks = 0  # fast_init blocks open in all threads
_local = threading.local()  # .keys: List[_Keys], .modes: List[Optional[_Interceptor]]

_HOOKED: Dict[Any, str] = {fn: name for name, fn in ORIGINAL_INIT.items()}


class _Keys:
    """Seed and fill counter of one fast_init block (see the module docstring)."""

    def __init__(self, seed: Optional[int], stream_base: int) -> None:
        self._seed = seed
        self._counter = stream_base

    def seed(self) -> int:
        if self._seed is None:
            # drawn at the first random fill, not at entry: a block that only
            # builds meta tensors advances no generator
            self._seed = draw_seed(None)
        return self._seed

    def next_stream(self) -> int:
        stream = self._counter
        self._counter = (stream + 1) % 2**64
        return stream


def _thread_list(name: str) -> List[Any]:
    value = getattr(_local, name, None)
    if value is None:
        value = []
        setattr(_local, name, value)
    return value


def _current_keys() -> Optional[_Keys]:
    keys: List[_Keys] = getattr(_local, "keys", None) or []
    return keys[-1] if keys else None


def _pending() -> Pending:
    pending = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = Pending()
    return pending


_Prepare = Callable[[str, _Keys, Tuple[Any, ...], Dict[str, Any]], Optional[Job]]


def _run(prepare: _Prepare, name: str, keys: _Keys, original: Callable[..., Any], args: Tuple[Any, ...],
         kwargs: Dict[str, Any]) -> Any:
    """The call on varscale (deferred when it may be made redundant, see
    :mod:`.deferral`), with torch-function handling off (the drop-ins' own
    tensor calls are not model fills); torch's ``original`` where varscale
    declines (None) or refuses the arguments."""
    pending = _pending()
    try:
        with torch._C.DisableTorchFunction():
            job = prepare(name, keys, args, kwargs)
            if job is not None:
                return pending.submit(job)
    except (ValueError, TypeError):
        pass  # torch decides: it accepts (its semantics) or raises its own error
    with torch._C.DisableTorchFunction():
        pending.flush_for((args, kwargs))  # earlier deferred writes land before torch's
    return original(*args, **kwargs)


def _route(name: str, original: Callable[..., Any], args: Tuple[Any, ...],
           kwargs: Dict[str, Any]) -> Optional[Callable[[], Any]]:
    """For a patched nn.init dispatcher: the varscale call, or None (torch's)."""
    keys = _current_keys()
    if keys is None:
        return None
    tensor = args[0] if args else kwargs.get("tensor")
    if not fillable(tensor, method=False):
        return None
    return lambda: _run(prepare_init, name, keys, original, args, kwargs)


class _Interceptor(TorchFunctionMode):
    """On this thread: the Tensor methods and hooked nn.init functions go to
    varscale; any other call that may read or write a tensor with a deferred
    write first lets that write land."""

    def __torch_function__(self, func: Any, types: Any, args: Tuple[Any, ...] = (),
                           kwargs: Optional[Dict[str, Any]] = None) -> Any:
        kwargs = kwargs or {}
        keys = _current_keys()
        if keys is not None and args:
            try:
                method, init = TENSOR_METHODS.get(func), _HOOKED.get(func)
            except TypeError:  # an unhashable callable: not one of ours
                method = init = None
            if method is not None and fillable(args[0], method=True):
                return _run(prepare_method, method, keys, func, args, kwargs)
            if init is not None and fillable(args[0], method=False):
                return _run(prepare_init, init, keys, func, args, kwargs)
        pending = _pending()
        if pending and not pending.harmless(func, args):
            with torch._C.DisableTorchFunction():
                pending.flush_for((args, kwargs))
        return func(*args, **kwargs)


class fast_init(contextlib.ContextDecorator):
    """Construct models with their fills on varscale: a context manager and decorator.

    Inside the block every ``torch.nn.init`` function (``uniform_``,
    ``normal_``, ``trunc_normal_``, ``xavier_*``, ``kaiming_*``,
    ``orthogonal_``, ``sparse_``, ``constant_``, ``ones_``, ``zeros_``;
    ``eye_`` and ``dirac_`` stay torch's), also through references captured
    at import (transformers' ``TORCH_INIT_FUNCTIONS``, ``from torch.nn.init
    import ...``), and the Tensor methods ``normal_``, ``uniform_``,
    ``zero_`` and ``fill_`` (also through ``.data``) fill with varscale,
    with the arguments the model's code passes: the model's own
    distributions (torch's ``reset_parameters``, HF's ``_init_weights``,
    timm's init), generated at memory speed.

    Parameters
    ----------
    seed : int in [0, 2**64), optional
        With a seed, the k-th random fill in the block uses stream k of it:
        the same code builds bit-identical tensors run after run, for any
        thread count. None: a seed is drawn from torch's default generator
        at the first random fill (so ``torch.manual_seed`` applies). A
        nested block without a seed continues the enclosing block's
        sequence; one with a seed starts its own until it closes.

    Notes
    -----
    Tensors varscale cannot fill (CUDA and other devices, meta, complex,
    integer, sparse layouts, subclasses such as FakeTensor, inference
    tensors outside inference mode, Tensor-method calls autograd records)
    go to torch's own function, as do arguments varscale refuses and torch
    accepts; those values then come from torch's generator. Everything is
    restored when the last open block of the process closes, also after an
    exception. Threads outside a block keep torch's behaviour throughout.
    See ``docs/models.md``.

    Examples
    --------
    >>> import torch, varscale.torch as vinit
    >>> with vinit.fast_init(seed=0):
    ...     model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.LayerNorm(32))
    """

    def __init__(self, seed: Optional[int] = None) -> None:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
            raise ValueError(f"seed must be None or an int in [0, 2**64), got {seed!r}")
        self.seed = seed
        self._stream_base = 0

    def __enter__(self) -> fast_init:  # not typing.Self: it needs Python 3.11
        global _open_blocks
        keys_stack: List[_Keys] = _thread_list("keys")
        modes: List[Optional[_Interceptor]] = _thread_list("modes")
        if self.seed is None and keys_stack:
            keys = keys_stack[-1]  # continue the enclosing block's sequence
        else:
            keys = _Keys(self.seed, self._stream_base)
        with _lock:
            if _open_blocks == 0:
                patching.install(_route)
            _open_blocks += 1
        mode: Optional[_Interceptor] = None
        if not keys_stack:  # one mode per thread, pushed by its outermost block
            mode = _Interceptor()
            mode.__enter__()  # type: ignore[no-untyped-call]
        keys_stack.append(keys)
        modes.append(mode)
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        global _open_blocks
        try:
            with torch._C.DisableTorchFunction():
                _pending().flush_all()  # every deferred write lands before the block closes
        finally:
            _thread_list("keys").pop()
            mode = _thread_list("modes").pop()
            if mode is not None:
                mode.__exit__(exc_type, exc, tb)
            with _lock:
                _open_blocks -= 1
                if _open_blocks == 0:
                    patching.uninstall()


def keyed_block(seed: int, stream_base: int) -> fast_init:
    """A block whose k-th random fill uses stream ``stream_base + k`` (mod
    2**64): ``init_module`` keys each module's own initialisation by its name."""
    block = fast_init(seed)
    block._stream_base = stream_base
    return block
