"""region= beyond tests/test_region.py: a small region of a tensor far too
large to allocate costs only its own elements and holds the right ones;
every initialiser and dtype; tilings of a 4-D tensor."""

import math
import time

import numpy as np
import pytest

import varscale
from varscale import _core
from conftest import core_dist

try:
    import ml_dtypes  # noqa: F401

    DTYPES = ["float32", "float64", "float16", "bfloat16"]
except ImportError:
    DTYPES = ["float32", "float64", "float16"]

# 2**58 elements: 1 EiB of float32, beyond any machine
HUGE = (2**30, 2**28)


def bits(a):
    return np.ascontiguousarray(a).view(np.dtype(f"u{a.dtype.itemsize}"))


def flat_run(dist, params, offset, n, seed=5, stream=2):
    """Elements offset .. offset + n of the flat sample stream."""
    return _core.generate((n,), "float32", core_dist(dist, params), seed, stream, offset, 1)


@pytest.mark.parametrize("name, dist, params", [
    ("uniform", "uniform", (0.0, 1.0)),  # the defaults of each function
    ("normal", "normal", (0.0, 1.0)),
    ("truncated_normal", "truncated_normal", (0.0, 1.0, -2.0, 2.0)),
])
def test_small_region_of_an_unallocatable_tensor(name, dist, params):
    f = getattr(varscale, name)
    with pytest.raises(MemoryError):
        f(HUGE, seed=5, stream=2)  # the whole tensor cannot exist
    rows, cols = HUGE
    start = time.perf_counter()
    tail = f(HUGE, seed=5, stream=2, region=(slice(-3, None), slice(5, 1005)), threads=1)
    column = f(HUGE, seed=5, stream=2, region=(slice(2**29, 2**29 + 1000), slice(cols - 3, None)), threads=1)
    last = f(HUGE, seed=5, stream=2, region=(-1, -1), threads=1)
    elapsed = time.perf_counter() - start
    # 6001 elements: microseconds of work. A cost that grew with the full
    # tensor (2**58 elements) could not finish at all; 2 s allows for a
    # loaded machine.
    assert elapsed < 2.0
    assert tail.shape == (3, 1000) and column.shape == (1000, 3) and last.shape == ()
    # element (r, c) is flat element r * cols + c of the stream
    for i, r in enumerate(range(rows - 3, rows)):
        np.testing.assert_array_equal(bits(tail[i]), bits(flat_run(dist, params, r * cols + 5, 1000)))
    for i in (0, 1, 500, 999):
        r = 2**29 + i
        np.testing.assert_array_equal(bits(column[i]), bits(flat_run(dist, params, r * cols + cols - 3, 3)))
    np.testing.assert_array_equal(bits(last.reshape(1)), bits(flat_run(dist, params, rows * cols - 1, 1)))


def test_fans_of_an_unallocatable_tensor():
    # He-uniform bound sqrt(6 / fan_in) with fan_in = 2**28 (torch layout)
    part = varscale.kaiming_uniform(HUGE, nonlinearity="relu", seed=0, dtype="float64",
                                    region=(slice(12345, 12349), slice(None, 10_000)))
    bound = math.sqrt(6.0 / HUGE[1])
    assert part.shape == (4, 10_000)
    assert np.abs(part).max() <= bound and np.abs(part).max() > 0.99 * bound


FNS = [
    ("xavier_uniform", (), {}),
    ("xavier_normal", (), {"gain": 0.5}),
    ("kaiming_uniform", (), {"nonlinearity": "relu"}),
    ("kaiming_normal", (), {"mode": "fan_out"}),
    ("lecun_uniform", (), {}),
    ("lecun_normal", (), {"in_axis": 1, "out_axis": 0}),
    ("variance_scaling", (), {"distribution": "uniform", "mode": "fan_geo_avg"}),
    ("uniform", (), {"low": 2.0, "high": 3.0}),
    ("normal", (), {}),
    ("truncated_normal", (), {"std": 0.5}),
    ("constant", (-1.5,), {}),
]
SHAPE4 = (6, 5, 4, 7)
REGIONS4 = [
    (slice(1, 5), slice(0, 5), slice(1, 3), slice(2, 7)),
    (2, slice(None), 3),
    (..., slice(3, 4)),
    (slice(5, 6), slice(4, 5), slice(3, 4), slice(6, 7)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, args, kwargs", FNS, ids=[f[0] for f in FNS])
def test_every_initializer_and_dtype(name, args, kwargs, dtype):
    f, f_ = getattr(varscale, name), getattr(varscale, name + "_")
    whole = f(SHAPE4, *args, dtype=dtype, seed=21, stream=8, **kwargs)
    for region in REGIONS4:
        want = whole[region]
        part = f(SHAPE4, *args, dtype=dtype, seed=21, stream=8, region=region, **kwargs)
        assert part.shape == want.shape and part.dtype == want.dtype
        np.testing.assert_array_equal(bits(part), bits(want), err_msg=str(region))
        out = np.empty(want.shape, want.dtype)
        f_(out, *args, seed=21, stream=8, region=region, full_shape=SHAPE4, **kwargs)
        np.testing.assert_array_equal(bits(out), bits(want), err_msg=str(region))


def test_random_tilings_of_a_4d_tensor_assemble_the_whole():
    shape = (9, 14, 5, 33)
    whole = varscale.variance_scaling(shape, seed=4, threads=1)
    rng = np.random.default_rng(0)
    for _ in range(5):
        edges = [np.unique(np.r_[0, rng.integers(1, n, size=min(n - 1, 3)), n]) if n > 1 else np.array([0, 1])
                 for n in shape]
        assembled = np.full(shape, np.nan, np.float32)
        for idx in np.ndindex(*(len(e) - 1 for e in edges)):
            region = tuple(slice(e[i], e[i + 1]) for e, i in zip(edges, idx))
            assembled[region] = varscale.variance_scaling(shape, seed=4, region=region, threads=2)
        np.testing.assert_array_equal(bits(assembled), bits(whole))
