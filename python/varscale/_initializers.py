"""The initialisers: each builds a distribution from the fans, then the Rust
core fills a new array (``name(shape, ...)``) or an existing one in place
(``name_(out, ...)``, as ``torch.nn.init``).

Every element is a pure function of (seed, stream, flat index, parameters),
so results do not depend on the thread count, and equal the same flat range
of any larger request.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Tuple, TypeVar

import numpy as np

from ._checks import (
    ShapeLike,
    as_choice,
    as_real,
)
from ._backend import Dist, Spec, centered_normal, create, fill, symmetric_uniform
from ._fans import Axes, FanSpec
from ._gain import calculate_gain

#: Standard deviation of N(0, 1) truncated to [-2, 2], as Keras and JAX use it
#: to correct the truncated-normal variance scaling.
TRUNCATED_STD_2 = 0.87962566103423978

_SQRT3 = math.sqrt(3.0)
Out = TypeVar("Out")


# ---------------------------------------------------------------- specs


def _xavier(gain: float, fans: FanSpec, uniform: bool) -> Spec:
    gain = as_real("gain", gain, min_value=0.0)

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, fo = fans.fans(shape)
        std = gain * math.sqrt(2.0 / (fi + fo))
        return symmetric_uniform(_SQRT3 * std) if uniform else centered_normal(std)

    return spec


def _kaiming(a: float, mode: str, nonlinearity: str, fans: FanSpec, uniform: bool) -> Spec:
    a = as_real("a", a)
    mode = as_choice("mode", mode, ("fan_in", "fan_out"))
    gain = calculate_gain(nonlinearity, a)

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, fo = fans.fans(shape, need=(mode,))
        std = gain / math.sqrt(fi if mode == "fan_in" else fo)
        return symmetric_uniform(_SQRT3 * std) if uniform else centered_normal(std)

    return spec


def _lecun(gain: float, fans: FanSpec, uniform: bool) -> Spec:
    gain = as_real("gain", gain, min_value=0.0)

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, _ = fans.fans(shape, need=("fan_in",))
        std = gain / math.sqrt(fi)
        return symmetric_uniform(_SQRT3 * std) if uniform else centered_normal(std)

    return spec


VS_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
VS_DISTRIBUTIONS = ("truncated_normal", "normal", "untruncated_normal", "uniform")


def _variance_scaling(scale: float, mode: str, distribution: str, fans: FanSpec) -> Spec:
    scale = as_real("scale", scale, min_value=0.0, exclusive=True)
    mode = as_choice("mode", mode, VS_MODES)
    distribution = as_choice("distribution", distribution, VS_DISTRIBUTIONS)
    need = ("fan_in",) if mode == "fan_in" else ("fan_out",) if mode == "fan_out" else ("fan_in", "fan_out")

    def spec(shape: Tuple[int, ...]) -> Dist:
        fi, fo = fans.fans(shape, need=need)
        denominator = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2.0,
                       "fan_geo_avg": math.sqrt(fi * fo)}[mode]
        variance = scale / denominator
        if distribution == "truncated_normal":
            std = math.sqrt(variance) / TRUNCATED_STD_2
            return Dist("truncated_normal", (0.0, std, -2.0 * std, 2.0 * std))
        if distribution == "uniform":
            return symmetric_uniform(math.sqrt(3.0 * variance))
        return centered_normal(math.sqrt(variance))

    return spec


def _uniform(low: float, high: float) -> Spec:
    low, high = as_real("low", low), as_real("high", high)
    if low > high:
        raise ValueError(f"low={low} must not exceed high={high}")
    return lambda shape: Dist("uniform", (low, high))


def _normal(mean: float, std: float) -> Spec:
    mean, std = as_real("mean", mean), as_real("std", std, min_value=0.0)
    return lambda shape: Dist("normal", (mean, std))


def _truncated_normal(mean: float, std: float, a: float, b: float) -> Spec:
    mean, std = as_real("mean", mean), as_real("std", std, min_value=0.0, exclusive=True)
    a, b = as_real("a", a, allow_inf=True), as_real("b", b, allow_inf=True)
    if not a < b:
        raise ValueError(f"a={a} must be less than b={b}")
    return lambda shape: Dist("truncated_normal", (mean, std, a, b))


def _constant(value: float) -> Spec:
    value = as_real("value", value)
    return lambda shape: Dist("constant", (value,))


# ---------------------------------------------------------------- public API

_COMMON_DOC = """
    dtype : {"float32", "float64", "float16", "bfloat16"} or numpy dtype, default "float32"
        Element type of the new array. float16/bfloat16 elements are the
        float32 samples rounded to nearest even (bfloat16 arrays need the
        ``ml_dtypes`` package).
    seed : int in [0, 2**64), optional
        Seed of the counter-based generator; None draws one from the OS.
    stream : int in [0, 2**64), default 0
        Independent sequence under the same seed (one per tensor of a model;
        see :class:`varscale.Generator`).
    threads : int, optional
        Worker threads; default all cores, or ``VARSCALE_NUM_THREADS``.
        The values do not depend on it.
    region : tuple of slices/ints, optional
        Generate only ``full[region]`` of the tensor of ``shape``, bit for bit
        (step-1 slices, integers, one ``...``; as NumPy indexing). Fans come
        from the full ``shape``; the cost is that of the region. For sharded
        initialisation: each host builds its own shard."""

_FANS_DOC = """
    layout : {"torch", "keras", "jax"}, default "torch"
        Where the fans are in ``shape``; see :func:`compute_fans`.
    fan_in, fan_out : int, optional
        Override the fans computed from ``shape``.
    in_axis, out_axis, batch_axis : int or tuple of int, optional
        Explicit axes as in ``jax.nn.initializers`` (override ``layout``);
        see :func:`compute_fans`."""


def xavier_uniform(shape: ShapeLike, gain: float = 1.0, *, dtype: Any = "float32", seed: Optional[int] = None,
                   stream: int = 0, layout: str = "torch", fan_in: Optional[int] = None,
                   fan_out: Optional[int] = None, in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None,
                   batch_axis: Axes = (), threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """Xavier/Glorot uniform: ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Keeps the variance of activations (forward) and of gradients (backward)
    by setting ``Var(W) = 2 / (fan_in + fan_out)``, the compromise between
    ``1/fan_in`` and ``1/fan_out`` (Glorot & Bengio, AISTATS 2010); a uniform
    on ``[-a, a]`` has variance ``a^2 / 3``. Same as
    ``torch.nn.init.xavier_uniform_``.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the weight tensor (every dimension >= 1).
    gain : float, default 1.0
        Scale factor, e.g. :func:`calculate_gain` of the nonlinearity.""" + _FANS_DOC + _COMMON_DOC + """

    Returns
    -------
    numpy.ndarray
        A new C-contiguous array that owns its (Rust-allocated) buffer.
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _xavier(gain, fans, True), dtype, seed, stream, threads, region)


def xavier_normal(shape: ShapeLike, gain: float = 1.0, *, dtype: Any = "float32", seed: Optional[int] = None,
                  stream: int = 0, layout: str = "torch", fan_in: Optional[int] = None,
                  fan_out: Optional[int] = None, in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None,
                  batch_axis: Axes = (), threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """Xavier/Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Same variance as :func:`xavier_uniform`; as ``torch.nn.init.xavier_normal_``.
    Parameters as :func:`xavier_uniform`.
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _xavier(gain, fans, False), dtype, seed, stream, threads, region)


def kaiming_uniform(shape: ShapeLike, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *,
                    dtype: Any = "float32", seed: Optional[int] = None, stream: int = 0, layout: str = "torch",
                    fan_in: Optional[int] = None, fan_out: Optional[int] = None, in_axis: Optional[Axes] = None,
                    out_axis: Optional[Axes] = None, batch_axis: Axes = (), threads: Optional[int] = None,
                    region: Any = None) -> np.ndarray:
    """He/Kaiming uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``.

    ``gain = calculate_gain(nonlinearity, a)``; for ReLU ``sqrt(2)``, which
    compensates the half of the activations ReLU zeroes (He et al., ICCV
    2015): ``Var(W) = 2 / fan``. ``fan`` is ``fan_in`` (preserve the forward
    variance) or ``fan_out`` (the backward one). As
    ``torch.nn.init.kaiming_uniform_``.

    Parameters
    ----------
    shape : int or tuple of int
        Shape of the weight tensor.
    a : float, default 0
        Negative slope of the leaky ReLU that follows (only used with
        ``nonlinearity="leaky_relu"``).
    mode : {"fan_in", "fan_out"}, default "fan_in"
    nonlinearity : str, default "leaky_relu"
        See :func:`calculate_gain`.""" + _FANS_DOC + _COMMON_DOC + """
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _kaiming(a, mode, nonlinearity, fans, True), dtype, seed, stream, threads, region)


def kaiming_normal(shape: ShapeLike, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *,
                   dtype: Any = "float32", seed: Optional[int] = None, stream: int = 0, layout: str = "torch",
                   fan_in: Optional[int] = None, fan_out: Optional[int] = None, in_axis: Optional[Axes] = None,
                   out_axis: Optional[Axes] = None, batch_axis: Axes = (), threads: Optional[int] = None,
                   region: Any = None) -> np.ndarray:
    """He/Kaiming normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan)``.

    As ``torch.nn.init.kaiming_normal_``; parameters as :func:`kaiming_uniform`.
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _kaiming(a, mode, nonlinearity, fans, False), dtype, seed, stream, threads, region)


def lecun_uniform(shape: ShapeLike, gain: float = 1.0, *, dtype: Any = "float32", seed: Optional[int] = None,
                  stream: int = 0, layout: str = "torch", fan_in: Optional[int] = None,
                  fan_out: Optional[int] = None, in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None,
                  batch_axis: Axes = (), threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """LeCun uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan_in)``, so ``Var(W) = gain^2 / fan_in``.

    Preserves the forward variance for linear units and is the initialiser
    of self-normalising (SELU) networks (LeCun et al. 1998; Klambauer et al.
    2017). Equals ``jax.nn.initializers.lecun_uniform`` for ``gain=1``.
    Parameters as :func:`xavier_uniform`.
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _lecun(gain, fans, True), dtype, seed, stream, threads, region)


def lecun_normal(shape: ShapeLike, gain: float = 1.0, *, dtype: Any = "float32", seed: Optional[int] = None,
                 stream: int = 0, layout: str = "torch", fan_in: Optional[int] = None,
                 fan_out: Optional[int] = None, in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None,
                 batch_axis: Axes = (), threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """LeCun normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan_in)``.

    The untruncated normal of the LeCun/SELU derivation. Note that Keras and
    JAX call a *truncated* normal ``lecun_normal``; for that use
    ``variance_scaling(shape, 1.0, "fan_in", "truncated_normal")``.
    Parameters as :func:`xavier_uniform`.
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _lecun(gain, fans, False), dtype, seed, stream, threads, region)


def variance_scaling(shape: ShapeLike, scale: float = 1.0, mode: str = "fan_in",
                     distribution: str = "truncated_normal", *, dtype: Any = "float32", seed: Optional[int] = None,
                     stream: int = 0, layout: str = "torch", fan_in: Optional[int] = None,
                     fan_out: Optional[int] = None, in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None,
                     batch_axis: Axes = (), threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """Variance scaling, as ``jax.nn.initializers.variance_scaling`` and Keras ``VarianceScaling``.

    ``variance = scale / n`` with ``n`` = ``fan_in``, ``fan_out``,
    ``(fan_in + fan_out) / 2`` (``"fan_avg"``) or ``sqrt(fan_in * fan_out)``
    (``"fan_geo_avg"``). Then:

    * ``"truncated_normal"``: ``N(0, s^2)`` truncated to ``[-2s, 2s]`` with
      ``s = sqrt(variance) / 0.87962566103423978``, the standard deviation of a
      standard normal truncated to [-2, 2]: the result has variance ``variance``;
    * ``"normal"`` (alias ``"untruncated_normal"``): ``N(0, variance)``;
    * ``"uniform"``: ``U(-b, b)`` with ``b = sqrt(3 * variance)``.

    Xavier is ``scale=1, "fan_avg"``, He ``scale=2, "fan_in"``, LeCun
    ``scale=1, "fan_in"``. Note the default layout is ``"torch"``; JAX and
    Keras kernels use ``layout="keras"`` (or ``in_axis=-2, out_axis=-1``).

    Parameters
    ----------
    shape : int or tuple of int
    scale : float > 0, default 1.0
    mode : {"fan_in", "fan_out", "fan_avg", "fan_geo_avg"}, default "fan_in"
    distribution : {"truncated_normal", "normal", "untruncated_normal", "uniform"}""" + _FANS_DOC + _COMMON_DOC + """
    """
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return create(shape, _variance_scaling(scale, mode, distribution, fans), dtype, seed, stream, threads, region)


def uniform(shape: ShapeLike, low: float = 0.0, high: float = 1.0, *, dtype: Any = "float32",
            seed: Optional[int] = None, stream: int = 0, threads: Optional[int] = None,
            region: Any = None) -> np.ndarray:
    """Uniform on the closed interval ``[low, high]`` (``low <= high``, finite).

    No value lies outside ``[low, high]``, compared in exact arithmetic
    (bounds that the dtype cannot represent are rounded inward); the
    endpoints themselves are drawn only by rounding. As
    ``torch.nn.init.uniform_(t, a=low, b=high)``.

    Parameters
    ----------
    shape : int or tuple of int
    low, high : float, default 0.0 and 1.0""" + _COMMON_DOC + """
    """
    return create(shape, _uniform(low, high), dtype, seed, stream, threads, region)


def normal(shape: ShapeLike, mean: float = 0.0, std: float = 1.0, *, dtype: Any = "float32",
           seed: Optional[int] = None, stream: int = 0, threads: Optional[int] = None,
           region: Any = None) -> np.ndarray:
    """Normal ``N(mean, std^2)`` by the Box-Muller transform (``std >= 0``).

    Tails reach 6.7 std in float32 and 8.6 std in float64 (32 and 52 random
    bits for the radius). As ``torch.nn.init.normal_``.

    Parameters
    ----------
    shape : int or tuple of int
    mean : float, default 0.0
    std : float >= 0, default 1.0""" + _COMMON_DOC + """
    """
    return create(shape, _normal(mean, std), dtype, seed, stream, threads, region)


def truncated_normal(shape: ShapeLike, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, *,
                     dtype: Any = "float32", seed: Optional[int] = None, stream: int = 0,
                     threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """``N(mean, std^2)`` conditioned on ``[a, b]``, by inversion (no rejection).

    ``a`` and ``b`` are **absolute** bounds, as in
    ``torch.nn.init.trunc_normal_`` (not in units of ``std``): the defaults
    truncate at +-2 when ``std=1``. They may be infinite. No value lies
    outside ``[a, b]`` in exact arithmetic. Note the variance is below
    ``std^2``; see :func:`variance_scaling` for the corrected initialiser.

    Parameters
    ----------
    shape : int or tuple of int
    mean : float, default 0.0
    std : float > 0, default 1.0
    a, b : float, default -2.0 and 2.0
        ``a < b``; an interval lying entirely more than 8 std from ``mean``
        is refused (inversion would be inaccurate there).""" + _COMMON_DOC + """
    """
    return create(shape, _truncated_normal(mean, std, a, b), dtype, seed, stream, threads, region)


def constant(shape: ShapeLike, value: float, *, dtype: Any = "float32", seed: Optional[int] = None,
             stream: int = 0, threads: Optional[int] = None, region: Any = None) -> np.ndarray:
    """Every element equal to ``value`` (``seed``/``stream`` are accepted, for a
    uniform signature, and unused). As ``torch.nn.init.constant_``."""
    return create(shape, _constant(value), dtype, seed, stream, threads, region)


# ------------------------------------------------------------ in-place twins

_INPLACE_DOC = """In-place twin of :func:`{name}`: fills ``out`` and returns it.

    ``out`` is a writable, C-contiguous, aligned float16/bfloat16/float32/
    float64 numpy array (a memmap too) or a CPU torch tensor of those dtypes;
    it is written directly, without a copy. Fans come from ``out.shape``. A
    zero-size ``out`` is returned unchanged. With ``region`` and
    ``full_shape``, ``out`` holds ``full[region]`` of a tensor of
    ``full_shape`` (fans from ``full_shape``), e.g. the local shard of a
    distributed parameter. Other parameters as :func:`{name}`.
    """


def xavier_uniform_(out: Out, gain: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
                    layout: str = "torch", fan_in: Optional[int] = None, fan_out: Optional[int] = None,
                    in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None, batch_axis: Axes = (),
                    threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _xavier(gain, fans, True), seed, stream, threads, region, full_shape)


def xavier_normal_(out: Out, gain: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
                   layout: str = "torch", fan_in: Optional[int] = None, fan_out: Optional[int] = None,
                   in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None, batch_axis: Axes = (),
                   threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _xavier(gain, fans, False), seed, stream, threads, region, full_shape)


def kaiming_uniform_(out: Out, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *,
                     seed: Optional[int] = None, stream: int = 0, layout: str = "torch",
                     fan_in: Optional[int] = None, fan_out: Optional[int] = None, in_axis: Optional[Axes] = None,
                     out_axis: Optional[Axes] = None, batch_axis: Axes = (), threads: Optional[int] = None,
                     region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _kaiming(a, mode, nonlinearity, fans, True), seed, stream, threads, region, full_shape)


def kaiming_normal_(out: Out, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", *,
                    seed: Optional[int] = None, stream: int = 0, layout: str = "torch",
                    fan_in: Optional[int] = None, fan_out: Optional[int] = None, in_axis: Optional[Axes] = None,
                    out_axis: Optional[Axes] = None, batch_axis: Axes = (), threads: Optional[int] = None,
                    region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _kaiming(a, mode, nonlinearity, fans, False), seed, stream, threads, region, full_shape)


def lecun_uniform_(out: Out, gain: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
                   layout: str = "torch", fan_in: Optional[int] = None, fan_out: Optional[int] = None,
                   in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None, batch_axis: Axes = (),
                   threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _lecun(gain, fans, True), seed, stream, threads, region, full_shape)


def lecun_normal_(out: Out, gain: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
                  layout: str = "torch", fan_in: Optional[int] = None, fan_out: Optional[int] = None,
                  in_axis: Optional[Axes] = None, out_axis: Optional[Axes] = None, batch_axis: Axes = (),
                  threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _lecun(gain, fans, False), seed, stream, threads, region, full_shape)


def variance_scaling_(out: Out, scale: float = 1.0, mode: str = "fan_in", distribution: str = "truncated_normal",
                      *, seed: Optional[int] = None, stream: int = 0, layout: str = "torch",
                      fan_in: Optional[int] = None, fan_out: Optional[int] = None, in_axis: Optional[Axes] = None,
                      out_axis: Optional[Axes] = None, batch_axis: Axes = (), threads: Optional[int] = None,
                      region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    fans = FanSpec.make(layout, fan_in, fan_out, in_axis, out_axis, batch_axis)
    return fill(out, _variance_scaling(scale, mode, distribution, fans), seed, stream, threads, region, full_shape)


def uniform_(out: Out, low: float = 0.0, high: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
             threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    return fill(out, _uniform(low, high), seed, stream, threads, region, full_shape)


def normal_(out: Out, mean: float = 0.0, std: float = 1.0, *, seed: Optional[int] = None, stream: int = 0,
            threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    return fill(out, _normal(mean, std), seed, stream, threads, region, full_shape)


def truncated_normal_(out: Out, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, *,
                      seed: Optional[int] = None, stream: int = 0, threads: Optional[int] = None,
                      region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    return fill(out, _truncated_normal(mean, std, a, b), seed, stream, threads, region, full_shape)


def constant_(out: Out, value: float, *, seed: Optional[int] = None, stream: int = 0,
              threads: Optional[int] = None, region: Any = None, full_shape: Optional[ShapeLike] = None) -> Out:
    return fill(out, _constant(value), seed, stream, threads, region, full_shape)


FRESH = (xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, lecun_uniform, lecun_normal,
         variance_scaling, uniform, normal, truncated_normal, constant)
IN_PLACE = (xavier_uniform_, xavier_normal_, kaiming_uniform_, kaiming_normal_, lecun_uniform_, lecun_normal_,
            variance_scaling_, uniform_, normal_, truncated_normal_, constant_)

for _fresh, _twin in zip(FRESH, IN_PLACE):
    _twin.__doc__ = _INPLACE_DOC.format(name=_fresh.__name__)
