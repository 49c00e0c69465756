"""A seeded source that gives each call its own stream."""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional

import numpy as np

from . import _api, _codegen
from ._checks import ShapeLike, as_seed, as_stream
from ._fans import Axes
from ._registry import REGISTRY

Out = _api.Out  # the in-place methods return their argument's type


class Generator:
    """A seed plus a stream counter: every call draws from the next stream.

    Streams are independent sequences under one seed, so the parameters of a
    model initialised call by call get independent, reproducible values: the
    k-th call of ``Generator(seed)`` always equals the module-level function
    with ``seed=seed, stream=start + k``, whatever the shapes, dtypes or
    thread counts of the calls. Every initialiser of varscale is a method,
    fresh (``g.xavier_uniform(shape)``) and in place (``g.xavier_uniform_(out)``).

    Parameters
    ----------
    seed : int in [0, 2**64), optional
        None draws a seed from the OS; it is then available as ``.seed``.
    stream : int, default 0
        The stream of the first call.

    Examples
    --------
    >>> g = Generator(1234)
    >>> w1 = g.kaiming_uniform((256, 128))
    >>> w2 = g.kaiming_uniform((10, 256))   # stream 1, independent of w1
    """

    def __init__(self, seed: Optional[int] = None, stream: int = 0) -> None:
        self.seed = as_seed(seed)
        self._stream = as_stream(stream)
        self._lock = threading.Lock()  # calls from several threads get distinct streams

    def _next_stream(self) -> int:
        with self._lock:
            s = as_stream(self._stream)  # refuses to run past 2**64 - 1
            self._stream += 1
        return s

    @property
    def stream(self) -> int:
        """The stream the next call will use."""
        return self._stream

    def __repr__(self) -> str:
        return f"Generator(seed={self.seed}, stream={self.stream})"


def _add_methods() -> None:
    types: Dict[str, Any] = {"Any": Any, "Optional": Optional, "ShapeLike": ShapeLike, "Axes": Axes, "np": np,
                             "Out": Out}
    for entry in REGISTRY:
        for inplace in (False, True):
            name = entry.name + ("_" if inplace else "")
            args = _codegen.inplace_args(entry) if inplace else _codegen.fresh_args(entry)
            source = _codegen.method_source(name, args, "Out" if inplace else "np.ndarray")
            method = _codegen.make(source, name, dict(types, _FN=_api.FUNCTIONS[name]),
                                   _codegen.method_doc(entry, inplace), "varscale", f"Generator.{name}",
                                   renamed=entry.renamed)
            setattr(Generator, name, method)


_add_methods()
