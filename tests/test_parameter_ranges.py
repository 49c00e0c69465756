"""Every initialiser of the registry, every dtype, wide parameter ranges: finite values inside the
documented bounds, or a ValueError naming a parameter. Never silent garbage (issue 13)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import varscale
from varscale._checks import numpy_dtype
from varscale._registry import REGISTRY

DTYPES = ["float32", "float64", "float16", "bfloat16", "float8_e4m3fn", "float8_e5m2"]
SHAPES = [(1, 1), (3, 5), (16, 2, 3)]

#: magnitudes from subnormal to the float64 limit, with the edges of every dtype's range
MAGNITUDES = st.one_of(
    st.sampled_from([0.0, 5e-324, 1e-300, 1e-45, 1e-8, 1.0, 6.5e4, 6.6e4, 3.38e38, 3.4e38, 3.5e38, 1e39, 1e46,
                     1e100, 1e200, 1e300, 1.7e308]),
    st.floats(min_value=0.0, max_value=1.7e308, allow_nan=False, allow_infinity=False),
)
SIGNED = st.builds(lambda m, negative: -m if negative else m, MAGNITUDES, st.booleans())

OWN = {  # each initialiser's own parameters, over wide ranges
    "xavier_uniform": st.fixed_dictionaries({"gain": MAGNITUDES}),
    "xavier_normal": st.fixed_dictionaries({"gain": MAGNITUDES}),
    "kaiming_uniform": st.fixed_dictionaries({"a": SIGNED, "nonlinearity": st.sampled_from(["relu", "leaky_relu",
                                                                                            "tanh", "linear"])}),
    "kaiming_normal": st.fixed_dictionaries({"a": SIGNED, "nonlinearity": st.sampled_from(["relu", "leaky_relu"])}),
    "lecun_uniform": st.fixed_dictionaries({"gain": MAGNITUDES}),
    "lecun_normal": st.fixed_dictionaries({"gain": MAGNITUDES}),
    "variance_scaling": st.fixed_dictionaries({"scale": MAGNITUDES, "distribution": st.sampled_from(
        ["truncated_normal", "normal", "uniform"]), "mode": st.sampled_from(["fan_in", "fan_avg"])}),
    "uniform": st.fixed_dictionaries({"low": SIGNED, "high": SIGNED}),
    "normal": st.fixed_dictionaries({"mean": SIGNED, "std": MAGNITUDES}),
    "truncated_normal": st.fixed_dictionaries({"mean": SIGNED, "std": MAGNITUDES, "low": SIGNED, "high": SIGNED}),
    "constant": st.fixed_dictionaries({"value": SIGNED}),
    "orthogonal": st.fixed_dictionaries({"gain": SIGNED}),
}


def test_every_initialiser_is_covered():
    assert set(OWN) == {e.name for e in REGISTRY}


def _fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def bound(name, own, shape, dtype):
    """The documented ``(low, high)`` of every value, in exact arithmetic (None: unbounded but finite)."""
    fi, fo = _fans(shape)
    if name == "xavier_uniform":
        b = own["gain"] * math.sqrt(6 / (fi + fo))
    elif name == "kaiming_uniform":
        b = varscale.calculate_gain(own["nonlinearity"], own["a"]) * math.sqrt(3 / fi)
    elif name == "lecun_uniform":
        b = own["gain"] * math.sqrt(3 / fi)
    elif name == "variance_scaling":
        n = fi if own["mode"] == "fan_in" else (fi + fo) / 2
        sd = math.sqrt(own["scale"]) / math.sqrt(n)  # no underflow of scale / n for a tiny scale
        b = {"truncated_normal": 2 * sd / varscale.TRUNCATED_STD_2, "uniform": math.sqrt(3) * sd,
             "normal": None}[own["distribution"]]
    elif name in ("uniform", "truncated_normal"):
        return own["low"], own["high"]
    elif name == "constant":  # documented: the value rounded to the dtype
        v = float(np.asarray(own["value"]).astype(numpy_dtype(dtype)))
        return v, v
    elif name == "orthogonal":  # |W| <= |gain|, scaled in float32 (float64 for float64) and rounded to dtype
        work = np.float64 if dtype == "float64" else np.float32
        b = float(np.asarray(abs(own["gain"]), work).astype(numpy_dtype(dtype)))
    else:
        return None
    return (None if b is None else (-b, b))


def check(name, own, shape, dtype):
    """Run one call: a ValueError must name a parameter; a result must be finite and within its bound."""
    fn = getattr(varscale, name)
    try:
        w = fn(shape, dtype=dtype, seed=0, **own)
    except ValueError as e:
        names = (*own, "shape", "fan_in", "fan_out", "negative_slope", "sample bound")
        assert any(n in str(e) for n in names), f"{name}{own} {dtype}: {e}"
        return
    x = np.asarray(w, dtype=np.float64)
    assert np.isfinite(x).all(), f"{name}{own} {dtype}: non-finite values {x.ravel()[:4]}"
    limits = bound(name, own, shape, dtype)
    if limits is not None:
        lo, hi = limits
        slack = 1e-12 * max(abs(lo), abs(hi))  # the bound here and the library's differ in the last bits
        assert x.min() >= lo - slack and x.max() <= hi + slack, f"{name}{own} {dtype}: [{x.min()}, {x.max()}]"


@pytest.mark.parametrize("name", sorted(OWN))
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_finite_within_bounds_or_a_value_error_naming_a_parameter(name, dtype, data):
    own = data.draw(OWN[name], label="own")
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    check(name, own, shape, dtype)


@pytest.mark.parametrize("name", ["uniform", "truncated_normal"])
def test_an_interval_without_a_representable_value_names_low_and_high(name):
    with pytest.raises(ValueError, match=r"low.*high"):
        getattr(varscale, name)((4, 4), low=1e-300, high=2e-300, seed=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("std", [1e39, 1e46, 1e200])
def test_truncated_normal_with_a_huge_std(std, dtype):
    """[-2, 2] with std >> 4: (nearly) uniform on [-2, 2] (std 4 / sqrt(12)), or a ValueError naming std."""
    try:
        w = varscale.truncated_normal((64, 64), std=std, dtype=dtype, seed=0)
    except ValueError as e:
        assert "std" in str(e)
        return
    x = np.asarray(w, dtype=np.float64)
    assert np.isfinite(x).all() and x.min() >= -2 and x.max() <= 2
    assert 0.95 < x.std() / (4 / math.sqrt(12)) < 1.05
    assert np.unique(x).size > 100
