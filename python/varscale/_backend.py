"""The one boundary to the Rust core (``varscale._core``).

Everything above this module describes a distribution as a :class:`Dist`
(built by the initialisers from the fans of the full shape) and asks for a
new array (:func:`create`), an in-place fill (:func:`fill`), or many
in-place fills in one call (:func:`fill_many`, :func:`fill_range`). Only
this module generates with ``_core`` (others read its constants, such as
``MAX_THREADS``): a change of the extension's fill interface changes this
file alone.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

import numpy as np

from . import _core
from ._checks import (
    FLOAT8_DTYPES,
    HALF_DTYPES,
    ShapeLike,
    as_dtype,
    as_out,
    as_region,
    as_seed,
    as_shape,
    as_stream,
    as_threads,
    check_memory,
    numpy_dtype,
)

Out = TypeVar("Out")

#: A distribution object of the core; its constructor checks the parameters.
CoreDist = Union[_core.Uniform, _core.Normal, _core.TruncatedNormal, _core.Constant]

_KINDS: Dict[str, Callable[..., CoreDist]] = {
    "uniform": _core.Uniform,
    "normal": _core.Normal,
    "truncated_normal": _core.TruncatedNormal,
    "constant": _core.Constant,
}


#: Each distribution's parameters, in the order :class:`Dist` takes them.
PARAM_NAMES: Dict[str, Tuple[str, ...]] = {"uniform": ("low", "high"), "normal": ("mean", "std"),
                                           "truncated_normal": ("mean", "std", "low", "high"),
                                           "constant": ("value",)}


_KIND_OF: Dict[type, str] = {v: k for k, v in _KINDS.items()}  # type: ignore[misc]


class DistributionError(ValueError):
    """The core refused a distribution's parameters (the message names the parameter)."""


class Dist:
    """A distribution the core can sample, checked when built.

    Parameters
    ----------
    kind : {"uniform", "normal", "truncated_normal", "constant"}
        The distribution.
    params : sequence of float
        Its parameters: ``(low, high)``, ``(mean, std)``,
        ``(mean, std, low, high)`` or ``(value,)``.

    Raises
    ------
    ValueError
        For an unknown ``kind``, or parameters the core refuses (the Rust
        constructors are the one home of these checks; the message names
        the parameter).
    TypeError
        For the wrong number of parameters, or parameters that are not real
        numbers.
    """

    __slots__ = ("core",)

    def __init__(self, kind: str, params: Sequence[float]) -> None:
        try:
            make = _KINDS[kind]
        except KeyError:
            raise ValueError(f"unknown distribution {kind!r}; expected one of {tuple(_KINDS)}") from None
        try:
            self.core: CoreDist = make(*params)
        except ValueError as e:
            raise DistributionError(str(e)) from None

    @property
    def kind(self) -> str:
        """The distribution's name, as :class:`Dist` takes it."""
        return _KIND_OF[type(self.core)]

    @property
    def params(self) -> Tuple[float, ...]:
        """The parameters, in the order :class:`Dist` takes them (see ``PARAM_NAMES``)."""
        return tuple(float(getattr(self.core, n)) for n in PARAM_NAMES[self.kind])

    def __repr__(self) -> str:
        return f"Dist({self.core!r})"


#: A distribution as a function of the full tensor's shape (for its fans).
Spec = Callable[[Tuple[int, ...]], Dist]


def uniform(low: float, high: float) -> Dist:
    """``U(low, high)``."""
    return Dist("uniform", (low, high))


def normal(mean: float, std: float) -> Dist:
    """``N(mean, std^2)``."""
    return Dist("normal", (mean, std))


def truncated_normal(mean: float, std: float, low: float, high: float) -> Dist:
    """``N(mean, std^2)`` truncated to ``[low, high]`` (absolute bounds)."""
    return Dist("truncated_normal", (mean, std, low, high))


def constant(value: float) -> Dist:
    """Every element ``value``."""
    return Dist("constant", (value,))


def symmetric_uniform(bound: float) -> Dist:
    """``U(-bound, bound)``."""
    return uniform(-bound, bound)


def centered_normal(std: float) -> Dist:
    """``N(0, std^2)``."""
    return normal(0.0, std)


#: Elements converted at a time to float8 (the float32 temporary is 4 bytes each).
FLOAT8_CHUNK = 1 << 22


def _float8_fill(array: np.ndarray, dist: Dist, dtype_name: str, seed: int, stream: int, threads: Optional[int],
                 place: Union[int, Tuple[Tuple[int, ...], Tuple[int, ...], Tuple[int, ...]], None] = None) -> None:
    """Fill a float8 array: float32 samples of ``dist`` narrowed to the type's values inside its bounds, rounded.

    ``place`` is ``(full_shape, start, extent)`` for a region, or the flat
    offset of the array's first element; the flat case is drawn in chunks of
    ``FLOAT8_CHUNK`` (bounded temporaries).
    """
    from ._float8 import narrowed_params

    names = PARAM_NAMES[dist.kind]
    params = narrowed_params(dist.kind, dict(zip(names, dist.params)), dtype_name)
    base = 0 if place is None or isinstance(place, tuple) else place
    narrow = Dist(dist.kind, [params[n] for n in names])
    target = array.view(numpy_dtype(dtype_name)).reshape(-1)
    if isinstance(place, tuple):
        full, start, extent = place
        wide = _core.generate(extent, "float32", narrow.core, seed, stream, 0, threads, region=(full, start))
        target[...] = wide.reshape(-1).astype(target.dtype)
        return
    for begin in range(0, target.size, FLOAT8_CHUNK):
        count = min(FLOAT8_CHUNK, target.size - begin)
        wide = _core.generate((count,), "float32", narrow.core, seed, stream, base + begin, threads)
        target[begin:begin + count] = wide.astype(target.dtype)


def create(shape: ShapeLike, spec: Spec, dtype: Any, seed: Optional[int], stream: int, threads: Optional[int],
           region: Any = None) -> np.ndarray:
    """A new array of ``shape`` (or of ``full[region]``) drawn from ``spec(shape)``."""
    dims = as_shape(shape, virtual=region is not None)
    dtype_name = as_dtype(dtype)
    seed_v, stream_v, threads_v = as_seed(seed), as_stream(stream), as_threads(threads)
    dist = spec(dims)  # fans from the full shape, also for a region
    if dtype_name in FLOAT8_DTYPES:
        r = as_region(dims, region) if region is not None else None
        check_memory(r.extent if r is not None else dims, dtype_name)
        result = np.empty(r.shape if r is not None else dims, numpy_dtype(dtype_name))
        _float8_fill(result, dist, dtype_name, seed_v, stream_v, threads_v,
                     None if r is None else (dims, r.start, r.extent))
        return result
    if region is None:
        check_memory(dims, dtype_name)
        result = _core.generate(dims, dtype_name, dist.core, seed_v, stream_v, 0, threads_v)
    else:
        r = as_region(dims, region)
        check_memory(r.extent, dtype_name)
        result = _core.generate(r.extent, dtype_name, dist.core, seed_v, stream_v, 0, threads_v,
                                region=(dims, r.start)).reshape(r.shape)
    if dtype_name in HALF_DTYPES:
        # the core returns the bit patterns as uint16; view them (no copy)
        result = result.view(numpy_dtype(dtype_name))
    return result


def fill(out: Out, spec: Spec, seed: Optional[int], stream: int, threads: Optional[int], region: Any = None,
         full_shape: Optional[ShapeLike] = None, view: Optional[Tuple[np.ndarray, Optional[str]]] = None) -> Out:
    """Fill ``out`` in place from ``spec``; with ``region``, ``out`` holds ``full[region]``.
    ``view`` is ``as_out(out)`` when the caller has it already (a tensor's view costs 1.5 us)."""
    array, half = as_out(out) if view is None else view
    seed_v, stream_v, threads_v = as_seed(seed), as_stream(stream), as_threads(threads)
    if region is None and full_shape is None:
        if array.size == 0:
            return out  # nothing to fill (torch.nn.init does the same)
        dist = spec(array.shape)
        if half in FLOAT8_DTYPES:
            _float8_fill(array, dist, half, seed_v, stream_v, threads_v)
        else:
            collector = _batch.jobs
            if collector is not None and threads is None:
                collector.append((array, dist.core, seed_v, stream_v, 0, half))  # written by batched()
            else:
                _core.fill(array, dist.core, seed_v, stream_v, 0, threads_v, None, half)  # positional: cheaper
        return out
    if region is None or full_shape is None:
        raise ValueError("region and full_shape go together: out holds the region of a tensor of full_shape")
    dims = as_shape(full_shape, virtual=True)
    r = as_region(dims, region)
    if array.shape != r.shape:
        raise ValueError(f"out has shape {array.shape} but region {region!r} of {dims} has shape {r.shape}")
    dist = spec(dims)
    if half in FLOAT8_DTYPES:
        _float8_fill(array, dist, half, seed_v, stream_v, threads_v, (dims, r.start, r.extent))
    else:
        _core.fill(array.reshape(r.extent), dist.core, seed_v, stream_v, 0, threads_v, half=half,
                   region=(dims, r.start))
    return out


class _Collector(threading.local):
    """Per thread: ``jobs``, the collector of the innermost :func:`batched`
    block, None outside one. A class-level default instead of
    ``getattr(local, "jobs", None)``, which raises and catches an
    AttributeError on every thread that never set it: 0.4 us, a sixth of a
    small fill."""

    jobs: Optional[List[Tuple[Any, ...]]] = None


_batch = _Collector()


def collecting() -> bool:
    """Whether a :func:`batched` block on this thread is collecting fills."""
    return _batch.jobs is not None


def try_fill_direct(out: Any, kind: str, params: Tuple[Any, ...], seed: Any, stream: Any) -> bool:
    """Fill ``out`` straight from the core when the call is plain, and say whether it did.

    Plain: ``out`` a non-empty float32/float64 NumPy array or memory by
    address (a :class:`varscale._core.Memory` from ``varscale.torch``'s
    adapter), ``seed`` and ``stream`` ints, every
    parameter an int or float, and no :func:`batched` block collecting. The
    core then checks the rest (the parameters, the dtype's range, the array's
    layout and borrow, the address). Anything else, or anything
    the core refuses, returns False with nothing written: the caller runs its
    full path, which raises the error with its own message. This is the fast
    path of small fills: for a (768,) tensor the per-call cost is most of the time.
    """
    # plain tests in a row, no generator: the checks are a third of the call
    if type(out) is np.ndarray:
        if out.dtype.char not in "fd" or not out.size:
            return False
    elif type(out) is not _core.Memory:
        return False
    if type(seed) is not int or type(stream) is not int or _batch.jobs is not None:
        return False
    for v in params:
        if type(v) is not float and type(v) is not int:
            return False
    try:
        _core.fill(out, _KINDS[kind](*params), seed, stream, 0, as_threads(None))
    except (TypeError, ValueError, OverflowError):
        return False
    return True


#: One job of :func:`fill_many`: ``(out, dist, seed, stream)``.
FillJob = Tuple[Any, Dist, Optional[int], int]


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Collect this thread's plain whole-array fills and write them in one core call at the end.

    Inside the block, :func:`fill` of a whole array (no region, not float8,
    default threads) only records its job; on a normal exit every recorded
    job is written by one :func:`fill_many`-style call of the core (one GIL
    release, small arrays spread over the threads). The values are those
    the calls would have written one by one. On an exception nothing
    recorded is written.

    Notes
    -----
    The caller promises that nothing reads or writes a recorded array before
    the block ends. Blocks nest: an inner block writes its own jobs when it
    closes.
    """
    jobs: List[Tuple[Any, ...]] = []
    with _collecting_into(jobs):
        yield
    if not jobs:
        return
    threads = as_threads(None)  # as each fill would have read it
    try:
        _core.fill_many(jobs, threads)
    except ValueError:
        # refused before anything was written: an array given twice (the
        # batch borrows each once); one by one, in call order, the later
        # fill wins as it would have without the block
        for job in jobs:
            _core.fill(job[0], job[1], job[2], job[3], 0, threads, None, job[5])


@contextlib.contextmanager
def immediately() -> Iterator[None]:
    """Inside a :func:`batched` block, a stretch whose fills are written at
    once (for a caller that reads what it fills: a staging buffer)."""
    with _collecting_into(None):
        yield


@contextlib.contextmanager
def _collecting_into(jobs: Optional[List[Tuple[Any, ...]]]) -> Iterator[None]:
    """This thread's :func:`fill` collects into ``jobs`` (None: writes at once) inside the block."""
    outer = _batch.jobs
    _batch.jobs = jobs
    try:
        yield
    finally:
        _batch.jobs = outer


_U64_MAX = 2**64 - 1


def fill_many(jobs: Iterable[FillJob], threads: Optional[int] = None) -> None:
    """Fill many arrays in place in one call of the core.

    Parameters
    ----------
    jobs : iterable of (out, dist, seed, stream)
        ``out`` is anything :func:`fill` takes (a writable C-contiguous NumPy
        array of float16/bfloat16/float32/float64, or a CPU torch tensor), or
        memory by address, a :class:`varscale._core.Memory` from
        ``varscale.torch``'s adapter (the core checks that it overlaps no
        other buffer of the call);
        ``dist`` a :class:`Dist`; ``seed`` an int in ``[0, 2**64)`` or None
        (drawn from the OS); ``stream`` an int in ``[0, 2**64)``.
    threads : int, optional
        Worker threads (default: ``VARSCALE_NUM_THREADS`` or all cores).

    Raises
    ------
    TypeError, ValueError
        For a bad job, before anything is written; the message starts with
        ``buffer i:``, the job's index.

    Notes
    -----
    Each array gets exactly what ``fill(out, lambda _: dist, seed, stream,
    threads)`` writes, bit for bit. Small arrays are spread over the
    threads, large ones split across them, and the GIL is released once.
    """
    threads_v = as_threads(threads)
    core_jobs: List[Tuple[Any, ...]] = []
    plain: List[Optional[np.ndarray]] = []  # the arrays as_out has not checked
    for i, job in enumerate(jobs):
        try:
            out, dist, seed, stream = job
            if not isinstance(dist, Dist):
                raise TypeError(f"dist must be a varscale Dist, got {type(dist).__name__}")
            array: Any
            if type(out) is np.ndarray and out.dtype.char in "fd":
                array, half = out, None  # the core checks the rest; a refusal is re-checked below
                plain.append(out)
            elif type(out) is _core.Memory:  # memory by address: the core checks it
                array, half = out, None
                plain.append(None)
            else:
                array, half = as_out(out)
                plain.append(None)
            if half in FLOAT8_DTYPES:
                raise TypeError(f"{half} outputs are drawn in the Python layer; fill them with fill(), "
                                "not fill_many()")
            if not (type(seed) is int and type(stream) is int and 0 <= seed <= _U64_MAX and 0 <= stream <= _U64_MAX):
                seed, stream = as_seed(seed), as_stream(stream)
            core_jobs.append((array, dist.core, seed, stream, 0, half))
        except (TypeError, ValueError) as e:
            raise type(e)(f"buffer {i}: {e}") from None
    try:
        _core.fill_many(core_jobs, threads_v)
    except (TypeError, ValueError):  # nothing written: say why as fill() would (read-only, strides, ...)
        for i, unchecked in enumerate(plain):
            try:
                if unchecked is not None:
                    as_out(unchecked)
            except (TypeError, ValueError) as e:
                raise type(e)(f"buffer {i}: {e}") from None
        raise


def fill_range(out: np.ndarray, dist: Dist, seed: int, stream: int, offset: int, threads: Optional[int] = None) -> None:
    """Fill ``out`` with the elements ``offset, offset + 1, ...`` of the stream of ``dist``, in flat C order.

    Parameters
    ----------
    out : numpy.ndarray
        A writable C-contiguous array of a supported dtype: element ``k`` gets
        element ``offset + k`` of the tensor whose flat range this is.
    dist : Dist
        The distribution.
    seed, stream : int
        The generator's key.
    offset : int
        Flat index, in the whole tensor, of ``out``'s first element.
    threads : int, optional
        Worker threads.

    Notes
    -----
    The same values as the part of a ``fill`` of the whole tensor, for a
    contiguous flat range: no per-row work, as a region fill would do.
    """
    array, half = as_out(out)
    if array.size == 0:
        return
    threads_v = as_threads(threads)
    if half in FLOAT8_DTYPES:
        _float8_fill(array, dist, half, as_seed(seed), as_stream(stream), threads_v, int(offset))
    else:
        _core.fill(array, dist.core, as_seed(seed), as_stream(stream), int(offset), threads_v, None, half)
