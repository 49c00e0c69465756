"""Argument checking shared by the public functions.

Every bad value is reported with a ValueError or TypeError that names it,
before anything is allocated or written.
"""

from __future__ import annotations

import functools
import importlib
import math
import operator
import os
import secrets
import sys
from typing import Any, Callable, Dict, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

MAX_U64 = 2**64 - 1
SUPPORTED_DTYPES = ("float16", "bfloat16", "float32", "float64", "float8_e4m3fn", "float8_e5m2")
HALF_DTYPES = ("float16", "bfloat16")
#: The dtypes the framework adapters (varscale.jax, varscale.keras) produce: float8 stays NumPy's and torch's.
FRAMEWORK_DTYPES = (*HALF_DTYPES, "float32", "float64")
#: float8 types (ml_dtypes): float32 samples rounded, drawn in the Python layer (see _float8.py)
FLOAT8_DTYPES = ("float8_e4m3fn", "float8_e5m2")
#: types NumPy knows only through the optional ml_dtypes package
ML_DTYPES = ("bfloat16", *FLOAT8_DTYPES)
ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "float8_e4m3fn": 1, "float8_e5m2": 1}
ShapeLike = Union[int, Sequence[int]]


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {value!r}") from None


def as_shape(shape: Any, virtual: bool = False) -> Tuple[int, ...]:
    """A tuple of positive ints whose element count can be addressed: in
    memory, or (``virtual``, the full shape of a region request) by the
    generator's 64-bit element index."""
    if isinstance(shape, (bool, np.bool_)):
        raise TypeError(f"shape must be an int or a sequence of ints, got {shape!r}")
    try:
        dims: Tuple[int, ...] = (operator.index(shape),)
    except TypeError:
        if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
            raise TypeError(f"shape must be an int or a sequence of ints, got {shape!r}") from None
        dims = tuple(_as_int("shape entries", d) for d in shape)
    for d in dims:
        if d <= 0:
            raise ValueError(f"shape {dims} has a dimension {d}; every dimension must be at least 1")
    limit = MAX_U64 if virtual else sys.maxsize // 8
    if math.prod(dims) > limit:
        raise ValueError(f"shape {dims} has {math.prod(dims)} elements, too many to address")
    return dims


def as_dtype(dtype: Any) -> str:
    """One of SUPPORTED_DTYPES (None means float32, the default). bfloat16
    is NumPy's extension type from ``ml_dtypes`` (string "bfloat16" works
    too, if ml_dtypes is installed)."""
    if dtype is None:
        return "float32"
    if isinstance(dtype, str) and dtype in ML_DTYPES:
        ml_dtype(dtype)  # clear error if ml_dtypes is missing
        return dtype
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}; expected one of {SUPPORTED_DTYPES}") from None
    name = str(resolved.name)
    if name not in SUPPORTED_DTYPES:
        raise TypeError(f"unsupported dtype {name}; expected one of {SUPPORTED_DTYPES}")
    if not resolved.isnative:
        # never silently native: the caller asked for another byte order
        raise TypeError(f"dtype {dtype!r} has non-native byte order; varscale generates native-order arrays: "
                        f"ask for dtype={name!r} and convert with .astype({resolved.str!r})")
    return name


def ml_dtype(name: str) -> np.dtype:
    """NumPy's bfloat16 or float8 type ``name`` (from the optional ``ml_dtypes`` package)."""
    try:
        import ml_dtypes
    except ImportError:
        raise TypeError(f"dtype {name} needs the ml_dtypes package (pip install ml_dtypes)") from None
    dtype: np.dtype[Any] = np.dtype(getattr(ml_dtypes, name))
    return dtype


def numpy_dtype(name: str) -> np.dtype:
    return ml_dtype(name) if name in ML_DTYPES else np.dtype(name)


@functools.cache  # np.finfo per call cost a microsecond of every small fill
def dtype_max(name: str) -> float:
    """The largest finite value of dtype ``name`` (one of SUPPORTED_DTYPES)."""
    if name in ML_DTYPES:
        ml_dtypes: Any = importlib.import_module("ml_dtypes")  # its finfo is untyped
        return float(ml_dtypes.finfo(getattr(ml_dtypes, name)).max)
    return float(np.finfo(np.dtype(name)).max)


def _as_u64(name: str, value: Any) -> int:
    """``value`` as an int in [0, 2**64), else a TypeError/ValueError naming ``name``."""
    if type(value) is int and 0 <= value <= MAX_U64:  # the common case, without the general checks
        return value
    s = _as_int(name, value)
    if not 0 <= s <= MAX_U64:
        raise ValueError(f"{name} must be in [0, 2**64), got {s}")
    return s


def as_seed(seed: Optional[int]) -> int:
    """A 64-bit seed; None draws one from the operating system's entropy."""
    if seed is None:
        return secrets.randbits(64)
    return _as_u64("seed", seed)


def as_stream(stream: int) -> int:
    """A 64-bit stream number."""
    return _as_u64("stream", stream)


#: The key of VARSCALE_NUM_THREADS in ``os.environ``'s own store (CPython's
#: ``os._Environ._data``), None where this Python has no such store.
_THREADS_KEY: Any = (os.environ.encodekey("VARSCALE_NUM_THREADS")
                     if isinstance(getattr(os.environ, "_data", None), dict) and hasattr(os.environ, "encodekey")
                     else None)


def _threads_env() -> str:
    """The value of VARSCALE_NUM_THREADS, "" when unset.

    ``os.environ.get`` of a missing key costs 0.5 us (a KeyError raised and
    caught), a quarter of a small fill; a lookup in the store costs 0.05 us
    and sees every change made through ``os.environ``, which writes the store.
    """
    store = getattr(os.environ, "_data", None)  # read each call: os.environ may be replaced
    if _THREADS_KEY is None or not isinstance(store, dict):
        return os.environ.get("VARSCALE_NUM_THREADS", "")
    raw = store.get(_THREADS_KEY)
    return "" if raw is None else str(os.environ.decodevalue(raw))


def as_threads(threads: Optional[int]) -> Optional[int]:
    """Explicit count, else VARSCALE_NUM_THREADS, else None (all cores)."""
    if threads is None:
        env = _threads_env().strip()
        if not env:
            return None
        try:
            threads = int(env)
        except ValueError:
            raise ValueError(f"VARSCALE_NUM_THREADS must be a positive integer, got {env!r}") from None
        name = "VARSCALE_NUM_THREADS"
    else:
        name = "threads"
        threads = _as_int("threads", threads)
    if threads < 1:
        raise ValueError(f"{name} must be at least 1, got {threads}")
    if threads > _core.MAX_THREADS:
        raise ValueError(f"{name}={threads} exceeds the maximum of {_core.MAX_THREADS}")
    return threads


def as_real(name: str, value: Any, *, allow_inf: bool = False, min_value: Optional[float] = None,
            exclusive: bool = False) -> float:
    """A float that is not NaN (nor infinite unless allowed), optionally bounded below."""
    if isinstance(value, (bool, np.bool_)) or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        v = float(value)
    except OverflowError:  # an int beyond float64, e.g. 10**400
        raise ValueError(f"{name} must be finite, got an integer too large for a float ({len(str(abs(value)))} "
                         "digits)") from None
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(v):
        raise ValueError(f"{name} must not be NaN")
    if math.isinf(v) and not allow_inf:
        raise ValueError(f"{name} must be finite, got {v}")
    if min_value is not None and (v < min_value or (exclusive and v == min_value)):
        op = ">" if exclusive else ">="
        raise ValueError(f"{name} must be {op} {min_value}, got {v}")
    return v


def as_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {tuple(choices)}")
    return value


def _meminfo() -> Dict[str, int]:
    """``/proc/meminfo`` in bytes (Linux), or empty."""
    try:
        with open("/proc/meminfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return {}
    info = {}
    for line in lines:
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            info[key] = int(fields[0]) * (1024 if fields[1:] == ["kB"] else 1)
    return info


def available_memory() -> Optional[int]:
    """Bytes a new array can use now without the process being killed: free
    RAM including reclaimable caches, plus free swap (``psutil`` if
    installed, else ``/proc/meminfo``'s ``MemAvailable + SwapFree``, else
    the free physical pages); None where none of these can be read."""
    try:
        psutil = importlib.import_module("psutil")  # optional; untyped
    except ImportError:
        pass
    else:
        return int(psutil.virtual_memory().available) + int(psutil.swap_memory().free)
    info = _meminfo()
    if "MemAvailable" in info:
        return info["MemAvailable"] + info.get("SwapFree", 0)
    try:
        free = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return free if free > 0 else None


#: Requests below this size are not checked against the memory available:
#: reading it costs 50-160 us (``/proc/meminfo`` or psutil), 50x the fill of
#: a (768,) array, while at 16 MiB the fill itself takes milliseconds.
MEMORY_CHECK_MIN_BYTES = 16 << 20


def check_memory(shape: Tuple[int, ...], dtype: str) -> None:
    """MemoryError for a request larger than the memory available now (see
    :func:`available_memory`), which could only end with the process killed
    mid-fill. Requests below :data:`MEMORY_CHECK_MIN_BYTES` are not checked."""
    nbytes = math.prod(shape) * ITEMSIZE[dtype]
    if nbytes < MEMORY_CHECK_MIN_BYTES:
        return
    available = available_memory()
    if available is not None and nbytes > available:
        raise MemoryError(
            f"an array of shape {shape} and dtype {dtype} needs {nbytes} bytes "
            f"({nbytes / 2**30:.3g} GiB), more than the {available / 2**30:.3g} GiB of memory available now "
            "(free RAM and swap)"
        )


#: Adapters of array types other than NumPy's that the core can fill in place:
#: ``type -> adapter(out) -> (numpy array sharing out's memory, half dtype name or None)``.
OutAdapter = Callable[[Any], Tuple[np.ndarray, Optional[str]]]
_OUT_ADAPTERS: Dict[type, OutAdapter] = {}
#: Packages whose array types a varscale module adapts: imported (so that it
#: registers them) the first time such an object is passed as ``out``.
_ADAPTER_MODULES = {"torch": "varscale.torch"}


def register_out_type(cls: type, adapter: OutAdapter) -> None:
    """Let the in-place initialisers fill objects of ``cls`` through ``adapter``."""
    _OUT_ADAPTERS[cls] = adapter


def _adapter(out: Any) -> Optional[OutAdapter]:
    for cls in type(out).__mro__:
        if cls in _OUT_ADAPTERS:
            return _OUT_ADAPTERS[cls]
    package = type(out).__module__.partition(".")[0]
    if package in _ADAPTER_MODULES and package in sys.modules:
        importlib.import_module(_ADAPTER_MODULES[package])  # registers its adapters
        for cls in type(out).__mro__:
            if cls in _OUT_ADAPTERS:
                return _OUT_ADAPTERS[cls]
    return None


#: Dtypes of ``out`` already accepted (supported, native byte order), by
#: descriptor: ``dtype.name`` is a Python-level property costing about a
#: microsecond, a large share of a small tensor's fill.
_ACCEPTED_OUT_DTYPES: Dict[np.dtype, str] = {np.dtype(n): n for n in ("float16", "float32", "float64")}


def dtype_name(array: np.ndarray) -> str:
    """``array.dtype.name``, from the cache of accepted dtypes where it is there."""
    return _ACCEPTED_OUT_DTYPES.get(array.dtype) or array.dtype.name


def as_out(out: Any) -> Tuple[np.ndarray, Optional[str]]:
    """The NumPy array the core fills, sharing memory with ``out`` (a
    writable, C-contiguous array, or an object of a registered type such as
    a CPU torch tensor), and the half type name when that array is the
    uint16 view of a float16/bfloat16 buffer (uint8 view of a float8 one)."""
    if not isinstance(out, np.ndarray):
        adapter = _adapter(out)
        if adapter is None:
            raise TypeError(f"out must be a numpy array or a CPU torch tensor, got {type(out).__name__}")
        return adapter(out)
    dtype = out.dtype
    name = _ACCEPTED_OUT_DTYPES.get(dtype)
    if name is None and dtype.name not in SUPPORTED_DTYPES:
        raise TypeError(f"unsupported dtype {dtype} of out; expected one of {SUPPORTED_DTYPES}")
    flags = out.flags
    if not flags.writeable:
        raise ValueError("out is read-only")
    if not flags.c_contiguous:
        raise ValueError(f"out must be C-contiguous (got strides {out.strides} for shape {out.shape})")
    if not flags.aligned:
        raise ValueError("out must be aligned to its element size")
    if name is None:
        if not dtype.isnative:
            raise TypeError(f"out must have native byte order, got dtype {dtype.str}")
        name = _ACCEPTED_OUT_DTYPES[dtype] = dtype.name
    if name in HALF_DTYPES:
        return out.view(np.uint16), name
    if name in FLOAT8_DTYPES:
        return out.view(np.uint8), name
    return out, None


class RegionSpec(NamedTuple):
    """A hyper-rectangle of a tensor: per-axis start and extent, and the
    shape NumPy would give ``full[region]`` (integer indices drop their axis)."""

    start: Tuple[int, ...]
    extent: Tuple[int, ...]
    shape: Tuple[int, ...]


def as_region(full_shape: Tuple[int, ...], region: Any) -> RegionSpec:
    """Resolve ``region`` (slices with step 1, ints, one Ellipsis; missing
    trailing axes are taken whole) against ``full_shape``."""
    items = region if isinstance(region, tuple) else (region,)
    if sum(1 for r in items if r is Ellipsis) > 1:
        raise ValueError("region may contain at most one Ellipsis")
    if Ellipsis in items:
        i = items.index(Ellipsis)
        fill = len(full_shape) - (len(items) - 1)
        items = items[:i] + (slice(None),) * max(fill, 0) + items[i + 1:]
    if len(items) > len(full_shape):
        raise ValueError(f"region {region!r} has {len(items)} entries for a {len(full_shape)}-dimensional shape")
    items = items + (slice(None),) * (len(full_shape) - len(items))
    start, extent, shape = [], [], []
    for axis, (item, n) in enumerate(zip(items, full_shape)):
        if isinstance(item, slice):
            lo, hi, step = item.indices(n)
            if step != 1:
                raise ValueError(f"region slices must have step 1, got {item} on axis {axis}")
            if hi <= lo:
                raise ValueError(f"region {item} selects no elements of axis {axis} (length {n})")
            start.append(lo)
            extent.append(hi - lo)
            shape.append(hi - lo)
        else:
            i = _as_int(f"region entry for axis {axis}", item)
            if not -n <= i < n:
                raise ValueError(f"region index {i} is out of range for axis {axis} of length {n}")
            start.append(i % n)
            extent.append(1)
    return RegionSpec(tuple(start), tuple(extent), tuple(shape))
