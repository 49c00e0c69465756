"""What each initialiser computes from the fans: a :class:`~varscale._backend.Dist` per shape.

Each builder checks its own parameters eagerly (before anything is
allocated) and returns a :data:`~varscale._backend.Spec`, the distribution
as a function of the full tensor's shape. The registry (``_registry.py``)
names them; nothing else calls them.
"""

from __future__ import annotations

import math
import sys
from typing import Optional, Tuple

from . import _core
from ._backend import Dist, Spec, centered_normal, constant, normal, symmetric_uniform, truncated_normal, uniform
from ._checks import as_choice, as_real
from ._fans import FanSpec
from ._gain import calculate_gain

#: Standard deviation of N(0, 1) truncated to [-2, 2], as Keras and JAX use it
#: to correct the truncated-normal variance scaling.
TRUNCATED_STD_2 = 0.87962566103423978

VS_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
VS_DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")

_SQRT3 = math.sqrt(3.0)

#: Samples of ``normal`` stay within this many std of the mean (Box-Muller), and those of
#: ``truncated_normal`` within ``TRUNCATED_REACH`` std: the reaches the core checks against
#: the dtype's range (rust/distribution.rs, ``MAX_REACH`` in rust/sampler/truncated_normal.rs).
NORMAL_REACH: float = _core.NORMAL_REACH
TRUNCATED_REACH: float = _core.TRUNCATED_REACH


def reach(dist: Dist) -> float:
    """The largest ``|sample|`` ``dist`` can give (inf or NaN when a derived parameter overflowed)."""
    p = dist.params
    if dist.kind == "uniform":
        return max(abs(p[0]), abs(p[1]))
    if dist.kind == "normal":
        return abs(p[0]) + NORMAL_REACH * p[1]
    if dist.kind == "truncated_normal":
        mean, std, low, high = p
        return max(abs(max(low, mean - TRUNCATED_REACH * std)), abs(min(high, mean + TRUNCATED_REACH * std)))
    return abs(p[0])


def _fans(fans: Optional[FanSpec]) -> FanSpec:
    if fans is None:  # only the registry calls these; a fan-based entry always gets a FanSpec
        raise TypeError("a fan-based initialiser needs a FanSpec")
    return fans


def _scaled(std: float, is_uniform: bool) -> Dist:
    """``U(-sqrt(3) std, sqrt(3) std)`` or ``N(0, std^2)``: the same variance."""
    return symmetric_uniform(_SQRT3 * std) if is_uniform else centered_normal(std)


def xavier(fans: Optional[FanSpec], is_uniform: bool, *, gain: float) -> Spec:
    """``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    spec_fans, gain = _fans(fans), as_real("gain", gain, min_value=0.0)

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, fo = spec_fans.fans(shape)
        return _scaled(gain * math.sqrt(2.0 / (fi + fo)), is_uniform)

    return spec


def kaiming(fans: Optional[FanSpec], is_uniform: bool, *, a: float, mode: str, nonlinearity: str) -> Spec:
    """``std = calculate_gain(nonlinearity, a) / sqrt(fan)``, ``fan`` per ``mode``."""
    spec_fans = _fans(fans)
    a = as_real("a", a)
    mode = as_choice("mode", mode, ("fan_in", "fan_out"))
    gain = calculate_gain(nonlinearity, a)

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, fo = spec_fans.fans(shape, need=(mode,))
        return _scaled(gain / math.sqrt(fi if mode == "fan_in" else fo), is_uniform)

    return spec


def lecun(fans: Optional[FanSpec], is_uniform: bool, *, gain: float) -> Spec:
    """``std = gain / sqrt(fan_in)``."""
    spec_fans, gain = _fans(fans), as_real("gain", gain, min_value=0.0)

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, _ = spec_fans.fans(shape, need=("fan_in",))
        return _scaled(gain / math.sqrt(fi), is_uniform)

    return spec


def variance_scaling(fans: Optional[FanSpec], *, scale: float, mode: str, distribution: str) -> Spec:
    """``variance = scale / n(mode)``, then a truncated normal, normal or uniform of that variance."""
    spec_fans = _fans(fans)
    scale = as_real("scale", scale, min_value=0.0, exclusive=True)
    mode = as_choice("mode", mode, VS_MODES)
    distribution = as_choice("distribution", distribution, VS_DISTRIBUTIONS)
    need = ("fan_in",) if mode == "fan_in" else ("fan_out",) if mode == "fan_out" else ("fan_in", "fan_out")

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, fo = spec_fans.fans(shape, need=need)
        denominator = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2.0,
                       "fan_geo_avg": math.sqrt(fi * fo)}[mode]
        variance = scale / denominator
        if variance < sys.float_info.min:  # a tiny scale: the variance underflows, its square root does not
            std = math.sqrt(scale) / math.sqrt(denominator)
            return _vs_dist(std / TRUNCATED_STD_2, _SQRT3 * std, std, distribution)
        std = math.sqrt(variance) / TRUNCATED_STD_2
        return _vs_dist(std, math.sqrt(3.0 * variance), math.sqrt(variance), distribution)

    return spec


def _vs_dist(truncated_std: float, uniform_bound: float, std: float, distribution: str) -> Dist:
    if distribution == "truncated_normal":
        return truncated_normal(0.0, truncated_std, -2.0 * truncated_std, 2.0 * truncated_std)
    if distribution == "uniform":
        return symmetric_uniform(uniform_bound)
    return centered_normal(std)


def uniform_bounds(fans: Optional[FanSpec], *, low: float, high: float) -> Spec:
    """``U(low, high)``, ``low <= high``."""
    low, high = as_real("low", low), as_real("high", high)
    if low > high:
        raise ValueError(f"low={low} must not exceed high={high}")
    dist = uniform(low, high)
    return lambda shape: dist


def normal_moments(fans: Optional[FanSpec], *, mean: float, std: float) -> Spec:
    """``N(mean, std^2)``, ``std >= 0``."""
    dist = normal(as_real("mean", mean), as_real("std", std, min_value=0.0))
    return lambda shape: dist


def truncated(fans: Optional[FanSpec], *, mean: float, std: float, low: float, high: float) -> Spec:
    """``N(mean, std^2)`` on ``[low, high]`` (absolute bounds, may be infinite)."""
    mean, std = as_real("mean", mean), as_real("std", std, min_value=0.0, exclusive=True)
    low, high = as_real("low", low, allow_inf=True), as_real("high", high, allow_inf=True)
    if not low < high:
        raise ValueError(f"low={low} must be less than high={high}")
    dist = truncated_normal(mean, std, low, high)
    return lambda shape: dist


def constant_value(fans: Optional[FanSpec], *, value: float) -> Spec:
    """Every element ``value``."""
    dist = constant(as_real("value", value))
    return lambda shape: dist
