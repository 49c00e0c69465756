"""Caller memory by address, ``(owner, address, length, dtype)``: the ``out``
form ``_core.fill`` and ``_core.fill_many`` take from varscale's torch adapter
(``tensor_memory``). It must give the values of the array path for every
dtype, and refuse before writing anything: malformed tuples, null or
misaligned addresses, sizes beyond the address space, and buffers of one
call that overlap each other or the call's arrays. NumPy arrays stand in
for the tensors here (their address is ``a.ctypes.data``)."""

from typing import Any, Tuple

import ml_dtypes
import numpy as np
import pytest

from varscale import _core

DTYPES = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16]
DIST = _core.Normal(0.5, 2.0)


def memory(a: np.ndarray, start: int = 0, length: int = -1) -> Tuple[Any, int, int, str]:
    """Elements ``start .. start + length`` of ``a`` by address."""
    length = a.size - start if length < 0 else length
    return (a, a.ctypes.data + start * a.itemsize, length, np.dtype(a.dtype).name)


def expected(dtype: Any, n: int, offset: int = 0) -> np.ndarray:
    a = np.zeros(n, dtype)
    name = np.dtype(dtype).name
    half = name if name in ("float16", "bfloat16") else None
    _core.fill(a.view(np.uint16) if half else a, DIST, 7, 3, offset, None, None, half)
    return a


@pytest.mark.parametrize("n", [1, 63, 1000, 300_001])  # partial group, several, split over threads
@pytest.mark.parametrize("dtype", DTYPES)
def test_fill_by_address_equals_the_array_path(dtype: Any, n: int) -> None:
    a = np.zeros(n, dtype)
    _core.fill(memory(a), DIST, 7, 3)
    assert a.tobytes() == expected(dtype, n).tobytes() and a.any()
    b = np.zeros(n + 5, dtype)
    _core.fill(memory(b, 5), DIST, 7, 3, 2)  # an offset, and memory not at the array's start
    assert b[5:].tobytes() == expected(dtype, n, 2).tobytes() and not b[:5].any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_fill_many_by_address_equals_the_array_path(dtype: Any) -> None:
    a, b = np.zeros(100, dtype), np.zeros(70_000, dtype)
    array = np.zeros(100, np.float32)
    _core.fill_many([(memory(a), DIST, 7, 3), (array, DIST, 7, 3), (memory(b), DIST, 7, 3, 9)])
    assert a.tobytes() == expected(dtype, 100).tobytes()
    assert b.tobytes() == expected(dtype, 70_000, 9).tobytes()
    assert array.tobytes() == expected(np.float32, 100).tobytes()


def test_halves_of_one_array_are_two_buffers() -> None:
    # adjacent, not overlapping: accepted (the overlap check below can pass)
    a = np.zeros(128, np.float32)
    _core.fill_many([(memory(a, 0, 64), DIST, 7, 3), (memory(a, 64, 64), DIST, 7, 3, 64)])
    assert a.tobytes() == expected(np.float32, 128).tobytes()


@pytest.mark.parametrize("jobs", [
    lambda a: [(memory(a, 0, 65), DIST, 7, 3), (memory(a, 64, 64), DIST, 7, 3)],  # one element shared
    lambda a: [(memory(a), DIST, 7, 3), (memory(a, 10, 1), DIST, 7, 3)],  # one inside the other
    lambda a: [(memory(a), DIST, 7, 3), (memory(a), DIST, 7, 3)],  # the same memory twice
    lambda a: [(a[5:], DIST, 7, 3), (memory(a, 0, 6), DIST, 7, 3)],  # an array and memory
])
def test_overlapping_buffers_are_refused(jobs: Any) -> None:
    a = np.zeros(128, np.float32)
    with pytest.raises(ValueError, match="overlap; fill them in separate calls"):
        _core.fill_many(jobs(a))
    assert not a.any(), "nothing written"


@pytest.mark.parametrize("out, error, match", [
    (lambda a: (a, a.ctypes.data, 4), TypeError, "tuple \\(owner, address, length, dtype\\), got 3"),
    (lambda a: (a, 0, 4, "float32"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data + 1, 4, "float32"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data, 2**62, "float32"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data, 4, "int32"), TypeError, 'unsupported dtype "int32"'),
    (lambda a: (a, -1, 4, "float32"), OverflowError, "negative"),
    (lambda a: (a, a.ctypes.data, "4", "float32"), TypeError, "str"),
])
def test_bad_memory_is_refused_before_writing(out: Any, error: type, match: str) -> None:
    a = np.zeros(8, np.float32)
    with pytest.raises(error, match=match):
        _core.fill(out(a), DIST, 7, 3)
    with pytest.raises(error, match=match):
        _core.fill_many([(np.zeros(4, np.float32), DIST, 7, 3), (out(a), DIST, 7, 3)])
    assert not a.any()


def test_memory_takes_neither_half_nor_region() -> None:
    a = np.zeros(8, np.float16)
    with pytest.raises(ValueError, match="takes no half"):
        _core.fill(memory(a), DIST, 7, 3, 0, None, None, "float16")
    with pytest.raises(ValueError, match="takes no region"):
        _core.fill(memory(a), DIST, 7, 3, 0, None, None, None, ((16,), (0,)))
    with pytest.raises(ValueError, match="neither half nor region"):
        _core.fill_many([(memory(a), DIST, 7, 3, 0, "float16")])
    assert not a.any()


def test_the_dtype_range_check_applies() -> None:
    a = np.zeros(8, np.float16)
    with pytest.raises(ValueError, match="float16"):
        _core.fill(memory(a), _core.Normal(0.0, 1e6), 7, 3)
    assert not a.any()
