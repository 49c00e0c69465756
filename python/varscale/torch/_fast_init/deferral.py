"""Skipping the fills a model's own code overwrites.

Every ``nn.Linear`` / ``nn.Embedding`` / GPT-2 ``Conv1D`` constructor fills
its weight (``reset_parameters``), and transformers' ``post_init`` then
fills the same weight again with ``_init_weights``: the first fill is
wasted. Inside ``fast_init`` a fill of a *whole* tensor (contiguous, the
entire storage) whose arguments cannot fail is therefore not written at
once but recorded here, with its seed and stream already taken; the write
lands

* never, if a later whole-tensor fill of the same storage replaces it
  (provably overwritten: nothing looked at the values in between);
* before any other torch call on this thread that is given a tensor on
  that storage (a read, a partial write, ``copy_``, ``repr``, a forward
  pass, ``numpy()``, ``data_ptr()``...), except pure metadata and aliasing
  calls (``.shape``, ``.data``, ``size()``, basic indexing), see
  :meth:`Pending.harmless`;
* at the latest when the ``fast_init`` block closes (also on an exception).

The values are the same as without deferral (keys are taken at the call).
Accesses torch cannot intercept -- another thread reading the tensor
before the block closes, code running under
``torch._C.DisableTorchFunction`` -- would see the tensor unwritten; build
and hand over models only after the block. Set :data:`ENABLED` to False to
write every fill at once.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import torch
from torch import Tensor, nn

from ..._backend import batched
from .fills import Job

#: Whether fast_init defers whole-tensor fills (False: every fill written at once).
ENABLED = True

_PLAIN = (torch.Tensor, nn.Parameter)

#: Tensor methods that only read metadata or make an alias (the alias's own
#: later use is caught through the shared storage).
_HARMLESS_METHODS = frozenset(getattr(torch.Tensor, n) for n in (
    "dim", "ndimension", "size", "numel", "nelement", "stride", "storage_offset", "is_contiguous", "element_size",
    "is_floating_point", "is_complex", "requires_grad_", "__len__", "__hash__", "view", "detach", "t", "transpose",
    "unsqueeze", "squeeze", "narrow", "select", "expand", "get_device", "is_inference"))


def _basic_index(index: Any) -> bool:
    """ints, slices, None and Ellipsis (a view; advanced indexing copies)."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or type(i) in (int, slice) for i in items)


def _storage_key(tensor: Any) -> Optional[int]:
    if type(tensor) not in _PLAIN or tensor.device.type != "cpu":
        return None
    pointer: int = tensor.untyped_storage().data_ptr()
    return pointer or None


def _whole_key(tensor: Tensor) -> Optional[int]:
    """The storage key of a tensor that covers its entire storage, else None."""
    key = _storage_key(tensor)
    if key is None or not tensor.is_contiguous() or tensor.storage_offset() != 0:
        return None
    return key if tensor.numel() * tensor.element_size() == tensor.untyped_storage().nbytes() else None


class Pending:
    """The deferred writes of one thread, by storage, in call order."""

    def __init__(self) -> None:
        self._jobs: Dict[int, Job] = {}
        #: bytes whose write was skipped because a later fill replaced it
        self.skipped_bytes = 0

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def submit(self, job: Job) -> Tensor:
        """Defer ``job`` if allowed (replacing an earlier whole write of the
        same storage), else write it now, after any deferred write it overlaps."""
        key = _whole_key(job.tensor) if ENABLED and job.deferrable else None
        if key is not None:
            replaced = self._jobs.pop(key, None)
            if replaced is not None:
                self.skipped_bytes += replaced.tensor.numel() * replaced.tensor.element_size()
            self._jobs[key] = job
            return job.tensor
        self._flush_key(_storage_key(job.tensor))
        return job.run()

    def _flush_key(self, key: Optional[int]) -> None:
        job = self._jobs.pop(key, None) if key is not None else None
        if job is not None:
            job.run()

    def flush_for(self, obj: Any) -> None:
        """Write the deferred fills of every tensor in ``obj`` (nested
        tuples, lists and dicts of call arguments)."""
        if isinstance(obj, (tuple, list)):
            for item in obj:
                self.flush_for(item)
        elif isinstance(obj, dict):
            for item in obj.values():
                self.flush_for(item)
        elif isinstance(obj, torch.Tensor):
            self._flush_key(_storage_key(obj))

    def flush_all(self) -> None:
        """Write every deferred fill (all are attempted; the first error, if
        any, is raised afterwards). The writes go to the core in one batched
        call (:func:`varscale._backend.batched`: one GIL release, small
        tensors spread over the threads)."""
        jobs, self._jobs = list(self._jobs.values()), {}
        error: Optional[BaseException] = None
        with batched():
            for job in jobs:
                try:
                    job.run()
                except Exception as exc:  # keep writing the others, then raise
                    error = error or exc
        if error is not None:
            raise error

    @staticmethod
    def harmless(func: Any, args: Any) -> bool:
        """Whether ``func(*args)`` neither reads nor writes tensor values."""
        if getattr(func, "__name__", None) == "__get__":  # a Tensor property: .shape, .data, .grad ...
            return True
        try:
            if func in _HARMLESS_METHODS:
                return True
        except TypeError:
            return False
        return func is torch.Tensor.__getitem__ and len(args) > 1 and _basic_index(args[1])
