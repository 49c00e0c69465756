"""The public API: formulas, fans, gains, layouts, in-place twins, Generator."""

import math

import numpy as np
import pytest

import varscale
from conftest import bits

FRESH = [
    ("xavier_uniform", {}),
    ("xavier_normal", {}),
    ("kaiming_uniform", {}),
    ("kaiming_normal", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("lecun_uniform", {}),
    ("lecun_normal", {}),
    ("variance_scaling", {}),
    ("variance_scaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform"}),
    ("uniform", {"low": -1.0, "high": 3.0}),
    ("normal", {"mean": 1.0, "std": 0.5}),
    ("truncated_normal", {"mean": 0.0, "std": 1.0, "low": -1.0, "high": 2.0}),
    ("constant", {"value": 0.5}),
]


def test_every_initialiser_is_listed():
    regional = [e.name for e in varscale._registry.REGISTRY if e.regions]
    assert list(dict.fromkeys(name for name, _ in FRESH)) == regional


def test_torch_gain_table():
    g = varscale.calculate_gain
    for name in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid"]:
        assert g(name) == 1
    assert g("tanh") == 5.0 / 3
    assert g("relu") == math.sqrt(2.0)
    assert g("leaky_relu") == math.sqrt(2.0 / (1 + 0.01**2))
    assert g("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    assert g("leaky_relu", 0) == math.sqrt(2.0)
    assert g("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        g("gelu")
    for bad in [True, "0.1", float("nan"), float("inf")]:
        with pytest.raises(ValueError, match="negative_slope"):
            g("leaky_relu", bad)


@pytest.mark.parametrize(
    "shape, layout, fans",
    [
        ((30, 20), "torch", (20, 30)),
        ((64, 3, 7, 7), "torch", (147, 3136)),
        ((16, 8, 3), "torch", (24, 48)),
        ((20, 30), "keras", (20, 30)),
        ((7, 7, 3, 64), "keras", (147, 3136)),
        ((7, 7, 3, 64), "jax", (147, 3136)),
        ((5,), "keras", (5, 5)),
        ((), "keras", (1, 1)),
    ],
)
def test_compute_fans(shape, layout, fans):
    assert varscale.compute_fans(shape, layout=layout) == fans


def test_torch_layout_needs_two_dimensions():
    for shape in [(), (5,)]:
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            varscale.compute_fans(shape)
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            varscale.xavier_uniform(shape or 1)
    # with both fans given any shape works
    w = varscale.xavier_uniform((10,), fan_in=4, fan_out=8, seed=1)
    assert np.abs(w).max() <= math.sqrt(6 / 12)


def _std_and_bound(name, shape, kwargs, layout="torch"):
    fi, fo = varscale.compute_fans(shape, layout)
    gain = kwargs.get("gain", 1.0)
    if name.startswith("xavier"):
        std = gain * math.sqrt(2 / (fi + fo))
    elif name.startswith("kaiming"):
        fan = fi if kwargs.get("mode", "fan_in") == "fan_in" else fo
        std = varscale.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0)) / math.sqrt(fan)
    elif name.startswith("lecun"):
        std = gain / math.sqrt(fi)
    return std, (math.sqrt(3) * std if name.endswith("uniform") else None)


@pytest.mark.parametrize("name", ["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
                                  "lecun_uniform", "lecun_normal"])
@pytest.mark.parametrize("layout, shape", [("torch", (384, 96, 3, 3)), ("keras", (3, 3, 96, 384))])
def test_initialiser_formulas(name, layout, shape, dtype):
    kwargs = {"gain": 1.7} if not name.startswith("kaiming") else {"a": 0.2, "mode": "fan_out"}
    w = getattr(varscale, name)(shape, dtype=dtype, seed=11, layout=layout, **kwargs)
    assert w.shape == shape and w.dtype == dtype and w.flags.c_contiguous
    std, bound = _std_and_bound(name, shape, kwargs, layout)
    n = w.size
    assert abs(w.mean()) < 6 * std / math.sqrt(n)
    assert abs(w.std() / std - 1) < 6 * math.sqrt(2 / n) * (0.8 if bound else 1)
    if bound is not None:
        assert float(np.abs(w).max()) <= bound  # in real arithmetic, not after rounding the bound
        assert np.abs(w).max() > 0.999 * bound  # the whole interval is used


@pytest.mark.parametrize("mode, denom", [("fan_in", lambda i, o: i), ("fan_out", lambda i, o: o),
                                          ("fan_avg", lambda i, o: (i + o) / 2),
                                          ("fan_geo_avg", lambda i, o: math.sqrt(i * o))])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "untruncated_normal", "uniform"])
def test_variance_scaling(mode, denom, distribution):
    shape = (512, 1024)
    w = varscale.variance_scaling(shape, 0.5, mode, distribution, seed=3, dtype="float64")
    fi, fo = varscale.compute_fans(shape)
    var = 0.5 / denom(fi, fo)
    # every distribution has the requested variance (truncation is corrected)
    assert abs(w.var() / var - 1) < 6 * math.sqrt(2 / w.size)
    if distribution == "truncated_normal":
        s = math.sqrt(var) / varscale.TRUNCATED_STD_2
        assert np.abs(w).max() <= 2 * s
    if distribution == "uniform":
        assert np.abs(w).max() <= math.sqrt(3 * var)


def test_truncated_std_constant():
    from scipy import stats
    assert varscale.TRUNCATED_STD_2 == pytest.approx(stats.truncnorm(-2, 2).std(), rel=1e-15)


def test_fan_overrides():
    w = varscale.kaiming_normal((100, 50), fan_in=400, seed=0, dtype="float64")
    assert abs(w.std() / math.sqrt(2 / (1 + 0.0) / 400) - 1) < 0.05
    # only the needed fan is computed: a 1-D bias with fan_in given
    b = varscale.lecun_uniform(64, fan_in=256, seed=0)
    assert np.abs(b).max() <= math.sqrt(3 / 256)


@pytest.mark.parametrize("name, kwargs", FRESH)
def test_in_place_twin_equals_fresh(name, kwargs, dtype):
    shape = (33, 17, 3)
    fresh = getattr(varscale, name)(shape, dtype=dtype, seed=5, stream=2, **kwargs)
    out = np.empty(shape, dtype)
    ret = getattr(varscale, name + "_")(out, seed=5, stream=2, **kwargs)
    assert ret is out
    np.testing.assert_array_equal(bits(out), bits(fresh))


def test_in_place_writes_through_views_and_memmaps(tmp_path):
    big = np.zeros((8, 40), np.float32)
    view = big[2:5]  # C-contiguous view
    varscale.uniform_(view, -1, 1, seed=1)
    assert np.all(big[:2] == 0) and np.all(big[5:] == 0) and np.all(view != 0)
    mm = np.memmap(tmp_path / "w.bin", dtype=np.float64, mode="w+", shape=(64, 32))
    varscale.xavier_uniform_(mm, seed=2)
    mm.flush()
    again = np.fromfile(tmp_path / "w.bin", dtype=np.float64).reshape(64, 32)
    np.testing.assert_array_equal(again, varscale.xavier_uniform((64, 32), seed=2, dtype="float64"))


def test_zero_size_out_is_returned_unchanged():
    for shape in [(0, 5), (3, 0, 2)]:
        out = np.empty(shape, np.float32)
        assert varscale.kaiming_uniform_(out, seed=1) is out


def test_fresh_arrays_own_the_rust_buffer():
    w = varscale.normal((1000, 1000), seed=0)
    # the array's memory belongs to the Rust Vec moved into it (no NumPy copy)
    assert not w.flags.owndata
    assert type(w.base).__name__ == "PySliceContainer"
    assert w.flags.writeable and w.flags.c_contiguous and w.flags.aligned


def test_generator_streams():
    g = varscale.Generator(99, stream=10)
    assert g.seed == 99 and g.stream == 10
    a = g.xavier_uniform((64, 32))
    b = g.kaiming_normal((64, 32))
    out = np.empty((8, 8), np.float64)
    g.normal_(out, std=2.0)
    assert g.stream == 13
    np.testing.assert_array_equal(a, varscale.xavier_uniform((64, 32), seed=99, stream=10))
    np.testing.assert_array_equal(b, varscale.kaiming_normal((64, 32), seed=99, stream=11))
    np.testing.assert_array_equal(out, varscale.normal((8, 8), std=2.0, seed=99, stream=12, dtype="float64"))
    with pytest.raises(TypeError, match="seed"):
        g.uniform((2, 2), seed=1)
    assert varscale.Generator().seed != varscale.Generator().seed  # OS entropy
    assert "Generator(seed=99, stream=13)" == repr(g)


def test_seed_none_uses_fresh_entropy():
    assert not np.array_equal(varscale.uniform(64), varscale.uniform(64))


def test_scalar_and_int_shapes():
    assert varscale.uniform(5, seed=0).shape == (5,)
    assert varscale.uniform((), seed=0).shape == ()
    assert varscale.uniform(np.int64(3), seed=0).shape == (3,)
    assert varscale.uniform([2, np.int32(3)], seed=0).shape == (2, 3)
    assert varscale.uniform((4,), dtype=np.float64, seed=0).dtype == np.float64
    assert varscale.uniform((4,), dtype=None, seed=0).dtype == np.float32


@pytest.mark.parametrize(
    "shape, axes, fans",
    [
        ((3, 3, 16, 32), dict(in_axis=-2, out_axis=-1), (144, 288)),
        ((32, 16, 3, 3), dict(in_axis=1, out_axis=0), (144, 288)),
        ((8, 3, 3, 16, 32), dict(batch_axis=0), (144, 288)),          # JAX defaults for in/out
        ((4, 5, 6), dict(in_axis=(0, 1), out_axis=2), (20, 6)),
        ((2, 4, 5, 6), dict(in_axis=(1, 2), out_axis=3, batch_axis=0), (20, 6)),
    ],
)
def test_explicit_axes_as_jax(shape, axes, fans):
    assert varscale.compute_fans(shape, **axes) == fans
    # the axes override the layout in every fan-based initialiser
    w = varscale.variance_scaling(shape, 1.0, "fan_in", "uniform", seed=0, dtype="float64", layout="torch", **axes)
    assert np.abs(w).max() <= math.sqrt(3 / fans[0])


@pytest.mark.parametrize(
    "axes, match",
    [
        (dict(in_axis=5), "out of range"),
        (dict(in_axis=0, out_axis=0), "must not overlap"),
        (dict(in_axis=(0, 0)), "repeats an axis"),
        (dict(batch_axis=1, in_axis=1, out_axis=2), "must not overlap"),
        (dict(in_axis=1.5), "in_axis"),
    ],
)
def test_bad_axes(axes, match):
    with pytest.raises((ValueError, TypeError), match=match):
        varscale.xavier_uniform((4, 5, 6), seed=0, **axes)


def test_explicit_axes_need_two_dimensions():
    with pytest.raises(ValueError, match="Must be at least 2D"):
        varscale.compute_fans((5,), in_axis=0)
