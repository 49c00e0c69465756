"""Type stubs of the Rust extension module (rust/py/)."""

from typing import Optional, Sequence, Tuple, Union, final

import numpy as np

__all__ = [
    "Uniform",
    "Normal",
    "TruncatedNormal",
    "Constant",
    "Memory",
    "generate",
    "fill",
    "fill_many",
    "supported_isas",
    "best_isa",
    "default_threads",
    "max_useful_threads",
    "GENERATOR",
    "MAX_THREADS",
    "GIL_MIN_BYTES",
    "SLICE_BYTES",
    "NORMAL_REACH",
    "TRUNCATED_REACH",
    "__version__",
]

GENERATOR: str
MAX_THREADS: int
GIL_MIN_BYTES: int
SLICE_BYTES: int
NORMAL_REACH: float
TRUNCATED_REACH: float
__version__: str

@final
class Uniform:
    """``U(low, high)`` on the closed interval: both finite, ``low <= high``
    (ValueError naming the parameter otherwise)."""

    def __new__(cls, low: float, high: float) -> Uniform: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...

@final
class Normal:
    """``N(mean, std^2)``: both finite, ``std >= 0``."""

    def __new__(cls, mean: float, std: float) -> Normal: ...
    @property
    def mean(self) -> float: ...
    @property
    def std(self) -> float: ...

@final
class TruncatedNormal:
    """``N(mean, std^2)`` truncated to ``[low, high]`` (absolute bounds, either
    may be infinite): ``std > 0``, ``low < high``, the interval at most 8 std
    from the mean, ``std`` at most 2**64 times ``high - low``."""

    def __new__(cls, mean: float, std: float, low: float, high: float) -> TruncatedNormal: ...
    @property
    def mean(self) -> float: ...
    @property
    def std(self) -> float: ...
    @property
    def low(self) -> float: ...
    @property
    def high(self) -> float: ...

@final
class Constant:
    """Every element ``value`` (finite)."""

    def __new__(cls, value: float) -> Constant: ...
    @property
    def value(self) -> float: ...

_Distribution = Union[Uniform, Normal, TruncatedNormal, Constant]
#: ``(full_shape, start)``; the region's extent is the array's shape.
_Region = Tuple[Sequence[int], Sequence[int]]

def generate(
    shape: Sequence[int],
    dtype: str,
    dist: _Distribution,
    seed: int,
    stream: int,
    offset: int = 0,
    threads: Optional[int] = None,
    isa: Optional[str] = None,
    region: Optional[_Region] = None,
) -> np.ndarray:
    """New C-contiguous array of ``shape`` with elements ``offset..`` of the
    stream ``(seed, stream)`` of ``dist``. ``dtype`` is "float32", "float64",
    "float16" or "bfloat16" (the last two returned as uint16 bit patterns).
    The array owns the Rust buffer. ValueError if a sample could overflow
    ``dtype``; Ctrl-C stops a large fill (the partial array is freed)."""

@final
class Memory:
    """``length`` elements of ``dtype`` at ``address``, kept alive by ``owner``
    (varscale's torch adapter: a tensor's ``data_ptr()`` and ``numel()``). The
    caller promises the memory is writable and valid for the calls it is
    given to; a null or misaligned address, an unknown dtype or a size beyond
    the address space is refused here. See ``rust/py/memory.rs``."""

    def __new__(cls, owner: object, address: int, length: int, dtype: str) -> Memory: ...
    @property
    def owner(self) -> object: ...
    @property
    def address(self) -> int: ...
    @property
    def length(self) -> int: ...
    @property
    def dtype(self) -> str: ...

_Out = Union[np.ndarray, Memory]

def fill(
    out: _Out,
    dist: _Distribution,
    seed: int,
    stream: int,
    offset: int = 0,
    threads: Optional[int] = None,
    isa: Optional[str] = None,
    half: Optional[str] = None,
    region: Optional[_Region] = None,
) -> None:
    """Fill a writable C-contiguous float32/float64 array in place with
    elements ``offset..`` of the stream, in flat C order; with ``half``
    ("float16"/"bfloat16"), ``out`` is the uint16 view of such an array.
    ``out`` may also be memory by address, a :class:`Memory` (no ``half``,
    no ``region``). Ctrl-C stops a large fill and leaves ``out`` partly written."""

_Job = Union[
    Tuple[_Out, _Distribution, int, int],
    Tuple[_Out, _Distribution, int, int, Optional[int]],
    Tuple[_Out, _Distribution, int, int, Optional[int], Optional[str]],
    Tuple[_Out, _Distribution, int, int, Optional[int], Optional[str], Optional[_Region]],
]

def fill_many(jobs: Sequence[_Job], threads: Optional[int] = None, isa: Optional[str] = None) -> None:
    """Fill many arrays in one call: each job ``(out, dist, seed, stream[,
    offset[, half[, region]]])`` (entries as in ``fill``; None for a default)
    gets what ``fill`` of that job alone writes, bit for bit. Small arrays are
    spread over the threads, large ones split across them; the GIL is
    released once. Everything is checked before anything is written; errors
    name the job as ``buffer i``. Memory given by address must overlap no
    other buffer of the call. Ctrl-C stops the call, leaving the arrays
    partly written."""

def supported_isas() -> list[str]:
    """Instruction-set builds this CPU can run, narrowest first."""

def best_isa() -> str:
    """The build used when ``isa`` is not given."""

def default_threads() -> int:
    """Worker threads of a fill with ``threads=None``."""

def max_useful_threads() -> int:
    """The most worker threads a fill uses (4 per core)."""
