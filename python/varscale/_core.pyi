"""Type stubs of the Rust extension module (rust/py.rs)."""

from typing import Optional, Sequence, Tuple

import numpy as np

__all__ = ["generate", "fill", "supported_isas", "best_isa", "fill_many", "GENERATOR", "MAX_THREADS", "__version__"]

GENERATOR: str
MAX_THREADS: int
__version__: str

def generate(
    shape: Sequence[int],
    dtype: str,
    dist: str,
    params: Sequence[float],
    seed: int,
    stream: int,
    offset: int = 0,
    threads: Optional[int] = None,
    isa: Optional[str] = None,
    region: Optional[Tuple[Sequence[int], Sequence[int]]] = None,
) -> np.ndarray:
    """New C-contiguous array of ``shape`` with elements ``offset..`` of the
    stream ``(seed, stream)`` of ``dist`` ("uniform" (low, high), "normal"
    (mean, std), "truncated_normal" (mean, std, a, b) or "constant" (value,)).
    ``dtype`` is "float32", "float64", "float16" or "bfloat16" (the last two
    returned as uint16 bit patterns). The array owns the Rust buffer."""

def fill(
    out: np.ndarray,
    dist: str,
    params: Sequence[float],
    seed: int,
    stream: int,
    offset: int = 0,
    threads: Optional[int] = None,
    isa: Optional[str] = None,
    half: Optional[str] = None,
    region: Optional[Tuple[Sequence[int], Sequence[int]]] = None,
) -> None:
    """Fill a writable C-contiguous float32/float64 array in place with
    elements ``offset..`` of the stream, in flat C order; with ``half``
    ("float16"/"bfloat16"), ``out`` is the uint16 view of such an array."""

def supported_isas() -> list[str]:
    """Instruction-set builds this CPU can run, narrowest first."""

def best_isa() -> str:
    """The build used when ``isa`` is not given."""

def fill_many(
    jobs: Sequence[Tuple[np.ndarray, str, Sequence[float], int, int]],
    threads: Optional[int] = None,
    isa: Optional[str] = None,
) -> None:
    """Fill many writable C-contiguous float32/float64 arrays in one call (one
    GIL release): each job ``(out, dist, params, seed, stream)`` gets elements
    ``0..`` of its own stream, bit-identical to ``fill`` of that job alone.
    All jobs are checked before any is written; errors name ``buffer i``."""
