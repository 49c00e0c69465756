"""Caller memory by address, ``_core.Memory(owner, address, length, dtype)``:
the ``out`` that ``_core.fill`` and ``_core.fill_many`` take from varscale's
torch adapter (``tensor_memory``). It must give the values of the array path
for every dtype, and refuse before writing anything: null or misaligned
addresses, sizes beyond the address space, unknown dtypes, and buffers of
one call that overlap each other or the call's arrays. A plain tuple is
never taken for an address. NumPy arrays stand in for the tensors here
(their address is ``a.ctypes.data``)."""

from typing import Any

import ml_dtypes
import numpy as np
import pytest

from varscale import _core

DTYPES = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16]
DIST = _core.Normal(0.5, 2.0)


def memory(a: np.ndarray, start: int = 0, length: int = -1) -> Any:
    """Elements ``start .. start + length`` of ``a`` by address."""
    length = a.size - start if length < 0 else length
    return _core.Memory(a, a.ctypes.data + start * a.itemsize, length, np.dtype(a.dtype).name)


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
    with pytest.raises(ValueError, match=r"^buffer 1: overlaps buffer 0; fill them in separate calls"):
        _core.fill_many(jobs(a))
    assert not a.any(), "nothing written"


def test_an_overlap_past_a_neighbour_is_found() -> None:
    # the first buffer reaches past the second into the third: not only neighbours are compared
    a = np.zeros(128, np.float32)
    jobs = [(memory(a, 0, 100), DIST, 7, 3), (memory(a, 10, 5), DIST, 7, 3), (memory(a, 50, 5), DIST, 7, 3)]
    with pytest.raises(ValueError, match="overlaps buffer 0"):
        _core.fill_many(jobs[::2])
    with pytest.raises(ValueError, match="overlaps buffer 0"):
        _core.fill_many(jobs)
    _core.fill_many(jobs[1:])  # the two small ones are disjoint
    assert a[10:15].any() and a[50:55].any() and not a[:10].any()


@pytest.mark.parametrize("args, error, match", [
    (lambda a: (a, 0, 4, "float32"), ValueError, "address 0x0 with 4 elements of float32 is not a valid buffer"),
    (lambda a: (a, a.ctypes.data + 1, 4, "float32"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data + 2, 4, "float32"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data + 1, 4, "bfloat16"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data, 2**62, "float32"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, 2**64 - 8, 4, "float64"), ValueError, "null, misaligned or too large"),
    (lambda a: (a, a.ctypes.data, 4, "int32"), TypeError, 'unsupported dtype "int32"'),
    (lambda a: (a, -1, 4, "float32"), OverflowError, "negative"),
    (lambda a: (a, a.ctypes.data, "4", "float32"), TypeError, "str"),
])
def test_bad_memory_is_refused_when_made(args: Any, error: type, match: str) -> None:
    a = np.zeros(8, np.float32)
    with pytest.raises(error, match=match):
        _core.Memory(*args(a))
    assert _core.Memory(a, a.ctypes.data + 2, 4, "float16").length == 4  # aligned for float16


def test_a_tuple_is_never_an_address() -> None:
    a = np.zeros(8, np.float32)
    as_tuple = (a, a.ctypes.data, 8, "float32")
    with pytest.raises(TypeError, match="float32 or float64 numpy array, got tuple"):
        _core.fill(as_tuple, DIST, 7, 3)
    with pytest.raises(TypeError, match="buffer 0: .*got tuple"):
        _core.fill_many([(as_tuple, DIST, 7, 3)])
    assert not a.any()


def test_memory_keeps_its_owner() -> None:
    a = np.zeros(8, np.float32)
    m = _core.Memory(a, a.ctypes.data, 8, "float32")
    assert m.owner is a and m.address == a.ctypes.data and (m.length, m.dtype) == (8, "float32")


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
