"""A seeded source that gives each call its own stream."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Optional

from . import _initializers as init
from . import _orthogonal
from ._checks import as_seed, as_stream


def _method(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def method(self: "Generator", *args: Any, **kwargs: Any) -> Any:
        for name in ("seed", "stream"):
            if name in kwargs:
                raise TypeError(f"Generator.{func.__name__}() takes no {name!r}; the generator supplies it")
        return func(*args, seed=self.seed, stream=self._next_stream(), **kwargs)

    method.__doc__ = (
        f"Same as :func:`varscale.{func.__name__}` with this generator's seed and its next stream.\n\n"
        + (func.__doc__ or "")
    )
    return method


class Generator:
    """A seed plus a stream counter: every call draws from the next stream.

    Streams are independent sequences under one seed, so the parameters of a
    model initialised call by call get independent, reproducible values: the
    k-th call of ``Generator(seed)`` always equals the module-level function
    with ``seed=seed, stream=start + k``, whatever the shapes, dtypes or
    thread counts of the calls.

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

    xavier_uniform = _method(init.xavier_uniform)
    xavier_normal = _method(init.xavier_normal)
    kaiming_uniform = _method(init.kaiming_uniform)
    kaiming_normal = _method(init.kaiming_normal)
    lecun_uniform = _method(init.lecun_uniform)
    lecun_normal = _method(init.lecun_normal)
    variance_scaling = _method(init.variance_scaling)
    uniform = _method(init.uniform)
    normal = _method(init.normal)
    truncated_normal = _method(init.truncated_normal)
    constant = _method(init.constant)
    xavier_uniform_ = _method(init.xavier_uniform_)
    xavier_normal_ = _method(init.xavier_normal_)
    kaiming_uniform_ = _method(init.kaiming_uniform_)
    kaiming_normal_ = _method(init.kaiming_normal_)
    lecun_uniform_ = _method(init.lecun_uniform_)
    lecun_normal_ = _method(init.lecun_normal_)
    variance_scaling_ = _method(init.variance_scaling_)
    uniform_ = _method(init.uniform_)
    normal_ = _method(init.normal_)
    truncated_normal_ = _method(init.truncated_normal_)
    constant_ = _method(init.constant_)
    orthogonal = _method(_orthogonal.orthogonal)
    orthogonal_ = _method(_orthogonal.orthogonal_)
