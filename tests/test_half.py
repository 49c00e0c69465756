"""float16 and bfloat16: element i is the float32 element i rounded to
nearest even, kept inside the bounds of bounded distributions."""

import math
import sys

import numpy as np
import pytest

import varscale
from varscale import _core
from conftest import ISAS

ml_dtypes = pytest.importorskip("ml_dtypes")
HALVES = {"float16": np.dtype(np.float16), "bfloat16": np.dtype(ml_dtypes.bfloat16)}


@pytest.fixture(params=sorted(HALVES))
def half(request):
    return request.param


CASES = [
    ("normal", dict(mean=0.0, std=0.02)),
    ("uniform", dict(low=-0.1, high=0.1)),
    ("truncated_normal", dict(mean=0.0, std=1.0, low=-2.0, high=2.0)),
    ("kaiming_uniform", dict(nonlinearity="relu")),
    ("xavier_normal", dict(gain=1.3)),
    ("variance_scaling", dict(scale=2.0)),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_half_is_the_float32_sample_rounded(name, kwargs, half):
    shape = (300, 200)
    h = getattr(varscale, name)(shape, dtype=half, seed=4, **kwargs)
    f = getattr(varscale, name)(shape, dtype="float32", seed=4, **kwargs)
    assert h.dtype == HALVES[half] and h.shape == shape
    rounded = f.astype(HALVES[half])
    same = h == rounded
    # elements differ only where rounding stepped past a bound: they are
    # clamped to the bound, i.e. equal to the largest magnitude in the array
    assert same.mean() > 0.99
    edge = np.abs(h.astype(np.float64)).max()
    assert np.all(np.abs(h[~same].astype(np.float64)) == edge)
    if name in ("normal", "xavier_normal"):
        assert same.all()


def test_bounds_hold_in_real_arithmetic(half):
    # xavier's bound is not representable; no half value may exceed it
    bound = math.sqrt(6 / (1 + 2))
    w = varscale.xavier_uniform((1000, 2), dtype=half, seed=1, fan_in=1, fan_out=2)
    assert float(np.abs(w.astype(np.float64)).max()) <= bound
    t = varscale.truncated_normal((100_000,), 0.0, 1.0, -0.3, 0.7, dtype=half, seed=2)
    assert t.astype(np.float64).min() >= -0.3 and t.astype(np.float64).max() <= 0.7


def test_in_place_and_fresh_agree(half):
    out = np.empty((64, 33), HALVES[half])
    assert varscale.lecun_normal_(out, seed=9, stream=3) is out
    np.testing.assert_array_equal(out.view(np.uint16),
                                  varscale.lecun_normal((64, 33), dtype=half, seed=9, stream=3).view(np.uint16))


def test_half_is_bit_identical_across_threads_and_builds(half):
    ref = _core.generate((300_001,), half, _core.Normal(0.0, 1.0), 5, 6, threads=1, isa="portable")
    for isa in ISAS:
        for threads in [2, 7]:
            got = _core.generate((300_001,), half, _core.Normal(0.0, 1.0), 5, 6, threads=threads, isa=isa)
            np.testing.assert_array_equal(got, ref)


def test_fresh_half_arrays_are_views_of_the_rust_buffer(half):
    h = varscale.normal((100, 100), dtype=half, seed=0)
    assert h.base.dtype == np.uint16 and type(h.base.base).__name__ == "PySliceContainer"


def test_empty_intervals_and_overflow_are_errors():
    with pytest.raises(ValueError, match="no float16 value lies in"):
        varscale.uniform(4, 0.1, 0.1, dtype="float16", seed=0)
    with pytest.raises(ValueError, match="no bfloat16 value lies in"):
        varscale.truncated_normal(4, 0.0, 1.0, 0.1001, 0.1005, dtype="bfloat16", seed=0)  # between 0.10010 and 0.10059
    with pytest.raises(ValueError, match="overflows"):
        varscale.normal(4, 0.0, 1e4, dtype="float16", seed=0)  # samples up to 9e4 > 65504
    varscale.normal(4, 0.0, 1e4, dtype="bfloat16", seed=0)  # fine in bfloat16's range


def test_bfloat16_without_ml_dtypes_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)
    with pytest.raises(TypeError, match="ml_dtypes"):
        varscale.uniform(4, dtype="bfloat16", seed=0)
