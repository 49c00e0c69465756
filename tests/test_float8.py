"""float8_e4m3fn / float8_e5m2: the float32 samples (bounds narrowed to the type's values) rounded, in the NumPy
API (fresh, in place, regions) and in torch float8 tensors in place."""

import numpy as np
import pytest

import varscale

ml_dtypes = pytest.importorskip("ml_dtypes")
FLOAT8 = ["float8_e4m3fn", "float8_e5m2"]


@pytest.mark.parametrize("dtype", FLOAT8)
def test_normal_is_the_float32_sample_rounded(dtype):
    f8 = varscale.kaiming_normal((300, 500), dtype=dtype, seed=4)
    f32 = varscale.kaiming_normal((300, 500), dtype="float32", seed=4)
    assert f8.dtype == np.dtype(getattr(ml_dtypes, dtype))
    assert np.array_equal(f8.view(np.uint8), f32.astype(f8.dtype).view(np.uint8))


# bounds whose nearest float8 value lies outside them, so plain rounding would cross them
EDGE = {"float8_e4m3fn": 0.0499, "float8_e5m2": 0.06}


@pytest.mark.parametrize("dtype", FLOAT8)
@pytest.mark.parametrize("name", ["uniform", "truncated_normal"])
def test_bounded_samples_never_leave_the_bounds_after_rounding(dtype, name):
    b = EDGE[dtype]
    assert float(np.float32(b).astype(getattr(ml_dtypes, dtype))) > b  # rounding alone would cross
    args = (-b, b) if name == "uniform" else (0.0, b, -b, b)
    x = getattr(varscale, name)((1000, 1000), *args, dtype=dtype, seed=1).astype(np.float64)
    assert np.isfinite(x).all() and x.min() >= -b and x.max() <= b


@pytest.mark.parametrize("dtype", FLOAT8)
def test_in_place_and_regions_equal_the_whole(dtype):
    whole = varscale.xavier_uniform((64, 96), dtype=dtype, seed=9)
    out = np.empty((64, 96), getattr(ml_dtypes, dtype))
    varscale.xavier_uniform_(out, seed=9)
    assert np.array_equal(out.view(np.uint8), whole.view(np.uint8))
    part = varscale.xavier_uniform((64, 96), dtype=dtype, seed=9, region=(slice(3, 40), slice(10, 90)))
    assert np.array_equal(part.view(np.uint8), whole[3:40, 10:90].view(np.uint8))


def test_a_normal_beyond_the_type_is_refused_naming_the_parameters():
    with pytest.raises(ValueError, match="std"):
        varscale.normal((10, 10), 0.0, 100.0, dtype="float8_e4m3fn", seed=0)
    with pytest.raises(ValueError, match="low.*high"):
        varscale.uniform((10, 10), 1e-9, 2e-9, dtype="float8_e5m2", seed=0)


@pytest.mark.parametrize("dtype", FLOAT8)
def test_moments(dtype):
    x = varscale.normal((2000, 2000), 0.0, 0.05, dtype=dtype, seed=2).astype(np.float64)
    assert abs(x.mean()) < 5 * 0.05 / 2000
    assert abs(x.std() / 0.05 - 1) < 0.02  # rounding adds variance (coarse grid), bounded here


@pytest.mark.parametrize("dtype", FLOAT8)
def test_torch_float8_tensors_in_place(dtype):
    torch = pytest.importorskip("torch")
    import varscale.torch as vt

    t = torch.empty(300, 200, dtype=getattr(torch, dtype))
    ptr = t.data_ptr()
    vt.kaiming_uniform_(t, nonlinearity="relu", seed=3)
    ref = varscale.kaiming_uniform((300, 200), nonlinearity="relu", seed=3, dtype=dtype)
    assert t.data_ptr() == ptr  # no copy
    assert np.array_equal(t.view(torch.uint8).numpy(), ref.view(np.uint8))
    assert t.float().abs().max().item() <= (6 / 200) ** 0.5
