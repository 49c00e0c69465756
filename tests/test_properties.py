"""Property tests (hypothesis): any shape, dtype, seed and option gives the
right shape and dtype, stays in bounds, and is deterministic."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import varscale
from conftest import bits

shapes = st.lists(st.integers(1, 40), min_size=2, max_size=4).map(tuple)
seeds = st.integers(0, 2**64 - 1)
dtypes = st.sampled_from(["float32", "float64"])
threads = st.sampled_from([None, 1, 2, 3])


@settings(max_examples=150, deadline=None)
@given(shape=shapes, dtype=dtypes, seed=seeds, stream=seeds, threads=threads,
       gain=st.floats(0.0, 10.0), layout=st.sampled_from(["torch", "keras"]))
def test_xavier_uniform_any_input(shape, dtype, seed, stream, threads, gain, layout):
    w = varscale.xavier_uniform(shape, gain, dtype=dtype, seed=seed, stream=stream, threads=threads, layout=layout)
    assert w.shape == shape and w.dtype == dtype
    fi, fo = varscale.compute_fans(shape, layout)
    bound = gain * math.sqrt(6 / (fi + fo))
    assert float(np.abs(w).max()) <= bound  # in real arithmetic
    again = np.empty(shape, dtype)
    varscale.xavier_uniform_(again, gain, seed=seed, stream=stream, threads=1, layout=layout)
    np.testing.assert_array_equal(bits(again), bits(w))


@settings(max_examples=150, deadline=None)
@given(shape=shapes, dtype=dtypes, seed=seeds, mode=st.sampled_from(["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]),
       distribution=st.sampled_from(["truncated_normal", "normal", "uniform"]), scale=st.floats(1e-3, 1e3))
def test_variance_scaling_any_input(shape, dtype, seed, mode, distribution, scale):
    w = varscale.variance_scaling(shape, scale, mode, distribution, dtype=dtype, seed=seed)
    assert w.shape == shape and w.dtype == dtype and np.all(np.isfinite(w))
    np.testing.assert_array_equal(
        bits(w), bits(varscale.variance_scaling(shape, scale, mode, distribution, dtype=dtype, seed=seed)))


@settings(max_examples=150, deadline=None)
@given(n=st.integers(1, 5000), dtype=dtypes, seed=seeds, mean=st.floats(-1e3, 1e3),
       std=st.floats(1e-6, 1e3), lo=st.floats(-6, 5.9), width=st.floats(0.01, 20))
def test_truncated_normal_never_leaves_its_interval(n, dtype, seed, mean, std, lo, width):
    a, b = mean + lo * std, mean + (lo + width) * std
    if not a < b:
        return
    # the smallest value of the dtype >= a and the largest <= b
    # (compared as Python floats: NumPy 2 would compare float32 with a float in float32)
    lo_t, hi_t = np.dtype(dtype).type(a), np.dtype(dtype).type(b)
    lo_t = lo_t if float(lo_t) >= a else np.nextafter(lo_t, np.inf)
    hi_t = hi_t if float(hi_t) <= b else np.nextafter(hi_t, -np.inf)
    if float(lo_t) > float(hi_t):  # no value of the dtype lies in [a, b]
        with pytest.raises(ValueError, match=f"no {dtype} value lies in"):
            varscale.truncated_normal(n, mean, std, a, b, dtype=dtype, seed=seed)
        return
    x = varscale.truncated_normal(n, mean, std, a, b, dtype=dtype, seed=seed)
    # inside [a, b] in real arithmetic, not just after rounding the bounds
    assert np.all(np.isfinite(x)) and x.astype(np.float64).min() >= a and x.astype(np.float64).max() <= b
