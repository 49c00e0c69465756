# mypy: disallow-subclassing-any=False
# (keras ships no type information: its classes are Any to mypy, and subclassing them is the point here)
"""Keras 3 initialisers whose samples come from varscale.

Each class subclasses its ``keras.initializers`` namesake, so arguments,
defaults, validation, ``get_config``/``from_config`` and seed handling are
Keras' own; only ``__call__`` differs: varscale draws the array on the host
and it is converted to a tensor of the active backend (JAX, torch, ...).

Seeds, as in Keras: an int seed repeats its values on every call; ``None``
draws a fresh int seed when the initialiser is built (Keras'
``make_default_seed``), which then repeats; a ``keras.random.SeedGenerator``
gives new values on each call. The int seed ``s`` maps to varscale's
``seed=s % 2**64, stream=0``; a SeedGenerator's two words ``w`` to
``seed=w[0] * 2**32 + w[1]`` (as :mod:`varscale.jax` maps JAX keys).

The classes are registered for Keras serialisation under the package
``"varscale"``, so saved models restore them.

>>> import keras, varscale.keras
>>> layer = keras.layers.Dense(64, kernel_initializer=varscale.keras.HeNormal(seed=0))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import keras  # type: ignore[import-untyped]
import numpy as np
from keras.src.initializers.random_initializers import compute_fans  # type: ignore[import-untyped]

import varscale as _vs
from varscale._checks import FRAMEWORK_DTYPES

__all__ = [
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "LecunNormal",
    "LecunUniform",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
]

#: Standard deviation of N(0, 1) truncated to [-2, 2], Keras' correction.
TRUNCATED_STD_2 = 0.87962566103423978
_register = keras.saving.register_keras_serializable(package="varscale")
# (shape, dtype name, seed, stream) -> array
Sampler = Callable[[tuple[int, ...], str, int, int], np.ndarray]


def _seed_stream(seed: Any) -> tuple[int, int]:
    """varscale's (seed, stream) from a Keras int seed or SeedGenerator."""
    if isinstance(seed, keras.random.SeedGenerator):
        words = np.asarray(keras.ops.convert_to_numpy(seed.next())).astype(np.int64).astype(np.uint32)
        w = [int(x) for x in words.reshape(-1)]
        return (w[0] << 32) | w[1], 0
    return int(seed) % 2**64, 0


def _draw(initializer: Any, shape: Any, dtype: Any, sample: Sampler) -> Any:
    """The common ``__call__``: check shape and dtype, draw with varscale, convert to a backend tensor."""
    dims = tuple(int(d) for d in shape)
    name = keras.backend.standardize_dtype(dtype or keras.config.floatx())
    if name not in FRAMEWORK_DTYPES:
        raise ValueError(f"varscale.keras.{type(initializer).__name__} draws floats ({', '.join(FRAMEWORK_DTYPES)}); "
                         f"got dtype={name}")
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {dims} has a negative dimension")
    seed, stream = _seed_stream(initializer.seed)
    if math.prod(dims) == 0:  # varscale refuses zero-size shapes; Keras returns them empty
        return keras.ops.zeros(dims, dtype=name)
    array = sample(dims, name, seed, stream)
    if name == "bfloat16":
        # not every backend takes NumPy's (ml_dtypes) bfloat16; bfloat16 -> float32 -> bfloat16 is exact
        array = array.astype(np.float32)
    return keras.ops.convert_to_tensor(array, dtype=name)


class _VarianceScalingDraw:
    """``__call__`` of Keras' ``VarianceScaling`` family, drawn by varscale."""

    scale: float
    mode: str
    distribution: str
    input_axes: Any
    output_axes: Any

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        """Draw an array of ``shape`` (Keras' fans, scale, mode, distribution)."""
        fan_in, fan_out = compute_fans(tuple(shape), input_axes=self.input_axes, output_axes=self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out}.get(self.mode, (fan_in + fan_out) / 2.0)
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            std = math.sqrt(variance) / TRUNCATED_STD_2
            return _draw(self, shape, dtype, lambda d, t, s, r: _vs.truncated_normal(
                d, 0.0, std, -2.0 * std, 2.0 * std, dtype=t, seed=s, stream=r))
        if self.distribution == "untruncated_normal":
            std = math.sqrt(variance)
            return _draw(self, shape, dtype, lambda d, t, s, r: _vs.normal(d, 0.0, std, dtype=t, seed=s, stream=r))
        limit = math.sqrt(3.0 * variance)
        return _draw(self, shape, dtype, lambda d, t, s, r: _vs.uniform(d, -limit, limit, dtype=t, seed=s, stream=r))


@_register
class VarianceScaling(_VarianceScalingDraw, keras.initializers.VarianceScaling):
    """``keras.initializers.VarianceScaling`` (same arguments) drawn by varscale.

    Parameters
    ----------
    scale : float > 0, default 1.0
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}, default "truncated_normal"
        ``"normal"`` means ``"truncated_normal"``, as in Keras.
    seed : int, keras.random.SeedGenerator or None
    input_axes, output_axes : sequence of int, optional
        Keras' explicit fan axes.
    """


@_register
class GlorotUniform(_VarianceScalingDraw, keras.initializers.GlorotUniform):
    """``keras.initializers.GlorotUniform`` (``seed``, ``input_axes``, ``output_axes``) drawn by varscale."""


@_register
class GlorotNormal(_VarianceScalingDraw, keras.initializers.GlorotNormal):
    """``keras.initializers.GlorotNormal`` (truncated normal) drawn by varscale."""


@_register
class HeUniform(_VarianceScalingDraw, keras.initializers.HeUniform):
    """``keras.initializers.HeUniform`` drawn by varscale."""


@_register
class HeNormal(_VarianceScalingDraw, keras.initializers.HeNormal):
    """``keras.initializers.HeNormal`` (truncated normal) drawn by varscale."""


@_register
class LecunUniform(_VarianceScalingDraw, keras.initializers.LecunUniform):
    """``keras.initializers.LecunUniform`` drawn by varscale."""


@_register
class LecunNormal(_VarianceScalingDraw, keras.initializers.LecunNormal):
    """``keras.initializers.LecunNormal`` (truncated normal) drawn by varscale."""


@_register
class Orthogonal(keras.initializers.Orthogonal):
    """``keras.initializers.Orthogonal(gain=1.0, seed=None)`` drawn by varscale.

    The tensor is read as the ``(prod(shape[:-1]), shape[-1])`` matrix, as
    in Keras; the normal draw is varscale's, the QR NumPy's.
    """

    gain: float

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        """Draw a (semi-)orthogonal array of ``shape`` times ``gain``."""
        dims = tuple(shape)
        if len(dims) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: "
                             f"shape={dims} of rank {len(dims)}.")
        rows = math.prod(dims[:-1])

        def sample(d: tuple[int, ...], t: str, s: int, r: int) -> np.ndarray:
            q = _vs.orthogonal((rows, d[-1]), float(self.gain), dtype=t, seed=s, stream=r)
            return q.reshape(d)

        return _draw(self, dims, dtype, sample)


# (shape, first parameter, second parameter, dtype name, seed, stream) -> array
TwoParamSampler = Callable[[tuple[int, ...], float, float, str, int, int], np.ndarray]


def _two_param_call(first: str, second: str, sample: TwoParamSampler) -> Callable[[Any, Any, Any], Any]:
    """The ``__call__`` of an initialiser drawn from its two float attributes ``first`` and ``second``."""

    def __call__(self: Any, shape: Any, dtype: Any = None) -> Any:
        """Draw an array of ``shape``."""
        a, b = float(getattr(self, first)), float(getattr(self, second))
        return _draw(self, shape, dtype, lambda d, t, seed, r: sample(d, a, b, t, seed, r))

    return __call__


@_register
class TruncatedNormal(keras.initializers.TruncatedNormal):
    """``keras.initializers.TruncatedNormal(mean=0.0, stddev=0.05, seed=None)``
    drawn by varscale: ``N(mean, stddev^2)`` within ``mean +- 2 stddev``."""

    __call__ = _two_param_call("mean", "stddev", lambda d, m, s, t, seed, r: _vs.truncated_normal(
        d, m, s, m - 2.0 * s, m + 2.0 * s, dtype=t, seed=seed, stream=r))


@_register
class RandomNormal(keras.initializers.RandomNormal):
    """``keras.initializers.RandomNormal(mean=0.0, stddev=0.05, seed=None)`` drawn by varscale."""

    __call__ = _two_param_call("mean", "stddev", lambda d, m, s, t, seed, r: _vs.normal(
        d, m, s, dtype=t, seed=seed, stream=r))


@_register
class RandomUniform(keras.initializers.RandomUniform):
    """``keras.initializers.RandomUniform(minval=-0.05, maxval=0.05, seed=None)`` drawn by varscale."""

    __call__ = _two_param_call("minval", "maxval", lambda d, lo, hi, t, seed, r: _vs.uniform(
        d, lo, hi, dtype=t, seed=seed, stream=r))
