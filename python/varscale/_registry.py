"""The registry: every initialiser of varscale, written once.

An :class:`Initializer` names the distribution it builds from the fans
(``build``), its own parameters with their defaults and docs, and its
docstring text. From :data:`REGISTRY` are made (see ``_codegen.py``):

* the fresh functions ``varscale.<name>`` and their in-place twins
  ``varscale.<name>_`` (``_api.py``), and ``varscale.__all__``;
* the methods of :class:`varscale.Generator`;
* the lazy Dask arrays of ``varscale.dask`` (entries with ``regions``);
* the initialisers ``varscale.dtensor.fill_dtensor_`` accepts (``regions``);
* the weight schemes of ``varscale.torch.init_module`` (``scheme``) and the
  keyword arguments each takes;
* the type stubs ``_api.pyi``, ``_generator.pyi`` and ``dask.pyi``.

To add an initialiser: write its builder in ``_specs.py`` (a function of
the fans and its own parameters returning a ``Spec``), add an entry below,
run ``make stubs``, and add its pinned values to ``tests/test_values.py``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import numpy as np

from . import _backend, _misuse, _orthogonal, _specs
from ._args import Arg, kw
from ._checks import ShapeLike, as_dtype, as_out, dtype_name
from ._fans import FanSpec

Build = Callable[..., _backend.Spec]  # build(fans_or_None, **own_params) -> Spec


@dataclass(frozen=True)
class Initializer:
    """One initialiser: what it computes, its own parameters, its docs.

    ``build(fans, **params)`` checks the parameters and returns the
    distribution as a function of the full shape (``fans`` is a
    :class:`~varscale._fans.FanSpec` when ``fans`` is true, else None).
    ``regions``: the values are the core's pure function of the element
    index, so ``region=``, ``full_shape=``, Dask blocks and DTensor shards
    work (orthogonal's QR couples all elements: it has none of these).
    ``scheme``: usable as a weight scheme of ``varscale.torch.init_module``.
    ``renamed``: old keyword spellings still accepted, with a
    DeprecationWarning, for one release. ``culprits``: the own parameters
    named when the derived distribution overflows the dtype (default: all
    real-valued ones).
    """

    name: str
    summary: str
    params: Tuple[Arg, ...]
    body: str = ""
    build: Optional[Build] = None
    fans: bool = True
    regions: bool = True
    scheme: bool = False
    renamed: Tuple[Tuple[str, str], ...] = ()
    examples: str = ""
    culprits: Tuple[str, ...] = ()
    #: the entry is the core distribution of the same name, its own parameters
    #: the distribution's in order: a plain in-place call goes straight to the core
    #: (see :meth:`fill`)
    direct: bool = False
    #: for an initialiser that is not one distribution per element (orthogonal)
    create_impl: Optional[Callable[..., np.ndarray]] = None
    fill_impl: Optional[Callable[..., Any]] = None

    @property
    def param_names(self) -> Tuple[str, ...]:
        """Names of the initialiser's own parameters."""
        return tuple(p.name for p in self.params)

    def spec(self, own: Mapping[str, Any], fans: Optional[FanSpec], dtype: str = "float64") -> _backend.Spec:
        """The checked distribution of this call (``own``: its own parameters), every sample finite in ``dtype``."""
        if self.build is None:
            raise TypeError(f"{self.name} is not a per-element distribution")
        culprits = self.culprits or tuple(p.name for p in self.params if p.annotation == "float")
        return _misuse.in_dtype_range(self.name, self.build(fans, **own), own, culprits, dtype)

    def create(self, shape: ShapeLike, own: Mapping[str, Any], fans: Optional[FanSpec], dtype: Any,
               seed: Optional[int], stream: int, threads: Optional[int], region: Any = None) -> np.ndarray:
        """A new array, as the generated ``varscale.<name>`` returns it."""
        try:
            if self.create_impl is not None:
                return self.create_impl(shape, dtype=dtype, seed=seed, stream=stream, threads=threads, **own)
            return _backend.create(shape, self.spec(own, fans, as_dtype(dtype)), dtype, seed, stream, threads,
                                   region)
        except ValueError as e:
            first = self.params[0].name if self.params and not self.params[0].keyword_only else None
            clear = _misuse.bare_int_shape_error(self.name, shape, own, first, e)
            if clear is None:
                raise
            raise clear from e

    def fill(self, out: Any, own: Mapping[str, Any], fans: Optional[FanSpec], seed: Optional[int], stream: int,
             threads: Optional[int], region: Any = None, full_shape: Optional[ShapeLike] = None) -> Any:
        """``out`` filled in place, as the generated ``varscale.<name>_`` does it.

        A plain call of a :attr:`direct` entry (a float32/float64 NumPy array
        or CPU tensor, an int seed, real parameters, no region or thread
        count) is handed to the core at once, which checks everything this
        path checks (the parameters, the dtype's range, the array); when it
        refuses, the full path below runs to raise its error, which names the
        parameters. Small tensors are dominated by this per-call cost. Inside
        a :func:`varscale._backend.batched` block the full path runs (it collects).
        """
        view = None
        if self.direct and region is None and full_shape is None and threads is None:
            if type(out) is not np.ndarray:
                view = as_out(out)  # e.g. a tensor's NumPy view, once for both paths
            if (view is None or view[1] is None) and _backend.try_fill_direct(
                    out if view is None else view[0], self.name, tuple(own.values()),
                    0 if seed is None and self.name == "constant" else seed, stream):
                return out
        if self.fill_impl is not None:
            return self.fill_impl(out, seed=seed, stream=stream, threads=threads, **own)
        array, half = as_out(out) if view is None else view
        try:
            return _backend.fill(out, self.spec(own, fans, half or dtype_name(array)), seed, stream, threads, region,
                                 full_shape, (array, half))
        except ValueError as e:
            clear = _misuse.clear_borrow_error(e)
            if clear is None:
                raise
            raise clear from e


# ------------------------------------------------------------- parameters

GAIN = Arg("gain", "float", "1.0", "float >= 0", "Scale factor, e.g. :func:`varscale.calculate_gain` of the "
           "nonlinearity.")
SLOPE = Arg("a", "float", "0", "float", "Negative slope of the leaky ReLU (``nonlinearity=\"leaky_relu\"``), "
            "torch's name.")
KAIMING_MODE = Arg("mode", "str", '"fan_in"', '{"fan_in", "fan_out"}',
                   "``fan_in`` keeps the forward variance, ``fan_out`` the backward one.")
NONLINEARITY = Arg("nonlinearity", "str", '"leaky_relu"', "str", "See :func:`varscale.calculate_gain`.")
MEAN = Arg("mean", "float", "0.0", "float", "Mean of the normal.")


def _std(bound: str) -> Arg:
    return Arg("std", "float", "1.0", f"float {bound} 0", "Standard deviation of the normal (before truncation).")


def _xavier_like(name: str, summary: str, body: str, build: Build, params: Tuple[Arg, ...] = (GAIN,),
                 examples: str = "") -> Initializer:
    # the distribution's scale comes from gain (xavier, lecun) or scale (variance_scaling); kaiming's gain is
    # at most sqrt(2) of the fans' std, so a = ... can never overflow: name every real parameter
    culprits = tuple(p.name for p in params if p.name in ("gain", "scale"))
    return Initializer(name, summary, params, body, build, scheme=True, examples=examples, culprits=culprits)


_VS_BODY = """\
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
    Keras kernels use ``layout="keras"`` (or ``in_axis=-2, out_axis=-1``)."""

_ORTHOGONAL_BODY = """\
    The tensor is read as the matrix ``(rows, cols) = (shape[0],
    prod(shape[1:]))``. A ``(max, min)`` matrix ``A`` with i.i.d. N(0, 1)
    entries (``A`` or its transpose) is factored ``A = QR`` and
    ``Q diag(sign(diag(R)))`` is Haar-distributed with orthonormal columns
    (Mezzadri 2007); transposed back when ``rows < cols``. So
    ``W W^T = gain^2 I`` (rows <= cols) or ``W^T W = gain^2 I`` (rows >= cols).

    All singular values equal ``gain``: every input direction keeps its norm
    (times ``gain``), exactly rather than in expectation as with
    Xavier/He/LeCun (Saxe, McClelland & Ganguli, ICLR 2014). Each entry has
    variance ``gain^2 / max(rows, cols)``.

    The normal matrix is a pure function of ``(seed, stream)`` like every
    varscale sample, but the QR is LAPACK's: its last bits may differ between
    NumPy/BLAS builds or CPUs, so orthogonal results are reproducible on one
    installation, not bit-identical across all of them. The QR costs
    ``O(max * min^2)`` time and a few copies of the matrix in memory, so this
    initialiser is not meant for multi-GiB tensors; the normal draw uses
    ``threads``, the QR NumPy's BLAS threads. Not available with ``region=``
    (its elements are not independent)."""

REGISTRY: Tuple[Initializer, ...] = (
    _xavier_like(
        "xavier_uniform", "Xavier/Glorot uniform: ``U(-b, b)`` with ``b = gain * sqrt(6 / (fan_in + fan_out))``.",
        """\
    Keeps the variance of activations (forward) and of gradients (backward)
    by setting ``Var(W) = 2 / (fan_in + fan_out)``, the compromise between
    ``1/fan_in`` and ``1/fan_out`` (Glorot & Bengio, AISTATS 2010); a uniform
    on ``[-b, b]`` has variance ``b^2 / 3``. As ``torch.nn.init.xavier_uniform_``.""",
        functools.partial(_specs.xavier, is_uniform=True),
        examples=">>> w = varscale.xavier_uniform((256, 128), seed=0)\n>>> w.shape\n(256, 128)"),
    _xavier_like(
        "xavier_normal", "Xavier/Glorot normal: ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``.",
        "    Same variance as :func:`varscale.xavier_uniform`; as ``torch.nn.init.xavier_normal_``.",
        functools.partial(_specs.xavier, is_uniform=False)),
    _xavier_like(
        "kaiming_uniform", "He/Kaiming uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``.",
        """\
    ``gain = calculate_gain(nonlinearity, a)``; for ReLU ``sqrt(2)``, which
    compensates the half of the activations ReLU zeroes (He et al., ICCV
    2015), so ``b = sqrt(6 / fan_in)``. ``fan`` is ``fan_in`` or ``fan_out``
    per ``mode``. As ``torch.nn.init.kaiming_uniform_``; ``a=math.sqrt(5)``
    (torch's Linear/Conv default) gives ``b = 1 / sqrt(fan_in)``.""",
        functools.partial(_specs.kaiming, is_uniform=True), (SLOPE, KAIMING_MODE, NONLINEARITY),
        examples=">>> w = varscale.kaiming_uniform((4096, 1024), nonlinearity=\"relu\", seed=0)\n"
                 ">>> bool(abs(w).max() <= (6 / 1024) ** 0.5)\nTrue"),
    _xavier_like(
        "kaiming_normal", "He/Kaiming normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan)``.",
        "    ``sqrt(2 / fan_in)`` for ReLU. As ``torch.nn.init.kaiming_normal_``; see\n"
        "    :func:`varscale.kaiming_uniform` for ``gain`` and ``fan``.",
        functools.partial(_specs.kaiming, is_uniform=False), (SLOPE, KAIMING_MODE, NONLINEARITY)),
    _xavier_like(
        "lecun_uniform", "LeCun uniform: ``U(-b, b)`` with ``b = gain * sqrt(3 / fan_in)``.",
        """\
    ``Var(W) = gain^2 / fan_in`` preserves the forward variance for linear
    units and is the initialiser of self-normalising (SELU) networks (LeCun
    et al. 1998; Klambauer et al. 2017). Equals
    ``jax.nn.initializers.lecun_uniform`` for ``gain=1``.""",
        functools.partial(_specs.lecun, is_uniform=True)),
    _xavier_like(
        "lecun_normal", "LeCun normal: ``N(0, std^2)`` with ``std = gain / sqrt(fan_in)``.",
        """\
    The untruncated normal of the LeCun/SELU derivation. Note that Keras and
    JAX call a *truncated* normal ``lecun_normal``; for that use
    ``variance_scaling(shape, 1.0, "fan_in", "truncated_normal")``.""",
        functools.partial(_specs.lecun, is_uniform=False)),
    _xavier_like(
        "variance_scaling", "Variance scaling, as ``jax.nn.initializers.variance_scaling`` and Keras'.",
        _VS_BODY, _specs.variance_scaling,
        (Arg("scale", "float", "1.0", "float > 0", "Target variance times ``n``."),
         Arg("mode", "str", '"fan_in"', '{"fan_in", "fan_out", "fan_avg", "fan_geo_avg"}', "The ``n`` above."),
         Arg("distribution", "str", '"truncated_normal"',
             '{"truncated_normal", "normal", "untruncated_normal", "uniform"}', "The distribution above."))),
    Initializer(
        "uniform", "Uniform on the closed interval ``[low, high]`` (``low <= high``, finite).",
        (Arg("low", "float", "0.0", "float", "Lower bound."), Arg("high", "float", "1.0", "float", "Upper bound.")),
        """\
    No value lies outside ``[low, high]``, compared in exact arithmetic
    (bounds that the dtype cannot represent are rounded inward); the
    endpoints themselves are drawn only by rounding. As
    ``torch.nn.init.uniform_(t, a=low, b=high)``.""",
        _specs.uniform_bounds, fans=False, direct=True),
    Initializer(
        "normal", "Normal ``N(mean, std^2)`` by the Box-Muller transform (``std >= 0``).",
        (MEAN, _std(">=")),
        """\
    Tails reach 6.7 std in float32 and 8.6 std in float64 (32 and 52 random
    bits for the radius). As ``torch.nn.init.normal_``.""",
        _specs.normal_moments, fans=False, direct=True),
    Initializer(
        "truncated_normal", "``N(mean, std^2)`` conditioned on ``[low, high]``, by inversion (no rejection).",
        (MEAN, _std(">"),
         Arg("low", "float", "-2.0", "float", "Absolute lower bound (not in units of ``std``); may be -inf."),
         Arg("high", "float", "2.0", "float", """\
Absolute upper bound, ``low < high``; may be inf. An interval lying entirely
more than 8 std from ``mean`` is refused (inversion would be inaccurate there).""")),
        """\
    ``low`` and ``high`` are **absolute** bounds, as ``a`` and ``b`` of
    ``torch.nn.init.trunc_normal_`` (not in units of ``std``): the defaults
    truncate at +-2 when ``std=1``. No value lies outside ``[low, high]`` in
    exact arithmetic. Note the variance is below ``std^2``; see
    :func:`varscale.variance_scaling` for the corrected initialiser. The
    spellings ``a=``/``b=`` are deprecated (removed in the next release).""",
        _specs.truncated, fans=False, renamed=(("a", "low"), ("b", "high")), direct=True),
    Initializer(
        "constant", "Every element equal to ``value``, as ``torch.nn.init.constant_``.",
        (Arg("value", "float", kind="float", doc="The value (rounded to the dtype)."),),
        "    ``seed`` and ``stream`` are accepted, for a uniform signature, and unused.",
        _specs.constant_value, fans=False, direct=True),
    Initializer(
        "orthogonal", "(Semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_``.",
        (Arg("gain", "float", "1.0", "float", "Scale factor (any finite real; a negative gain flips the signs)."),
         kw(Arg("compute_dtype", "Optional[Any]", "None", '{"float32", "float64"}, optional', """\
Precision of the draw and the QR; default float64 for float64 output,
float32 otherwise. ``W^T W`` deviates from ``I`` by ~1e-6 in float32,
~1e-15 in float64."""))),
        _ORTHOGONAL_BODY, fans=False, regions=False, scheme=True,
        examples=">>> w = varscale.orthogonal((256, 128), seed=0, dtype=\"float64\")\n"
                 ">>> bool(np.allclose(w.T @ w, np.eye(128)))\nTrue",
        create_impl=_orthogonal.create, fill_impl=_orthogonal.fill),
)

#: name -> entry
BY_NAME: Dict[str, Initializer] = {e.name: e for e in REGISTRY}
#: the initialisers whose values are a pure function of the element index
REGIONAL: Tuple[str, ...] = tuple(e.name for e in REGISTRY if e.regions)
#: the weight schemes of varscale.torch.init_module, with the keyword arguments each takes
SCHEME_KWARGS: Dict[str, Tuple[str, ...]] = {e.name: e.param_names for e in REGISTRY if e.scheme}
