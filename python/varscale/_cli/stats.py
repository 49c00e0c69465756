"""The main job's statistics check: z-scores whose tolerance scales with the sample size.

For ``n`` i.i.d. samples ``x`` of a distribution with mean 0, variance
``s^2`` and kurtosis ``k = E[x^4] / s^4``:

* the sample mean ``m = sum(x) / n`` has variance ``s^2 / n``, so
  ``z_mean = m * sqrt(n) / s``;
* the second moment about the known mean, ``v = sum(x^2) / n``, has mean
  ``s^2`` and variance ``(E[x^4] - s^4) / n = (k - 1) s^4 / n``, so
  ``z_var = (v - s^2) / (s^2 sqrt((k - 1) / n))``.

By the central limit theorem both are standard normal for a correct
generator, whatever ``n``: the check passes when ``|z| < Z_LIMIT = 5``
for both. A correct generator fails it with probability about
``2 * 5.7e-7`` per run (``P(|N(0, 1)| > 5) = 5.7e-7``), for any seed and
any size, while the resolution grows with the size: at 1 GiB of float32
(2^28 samples) a relative error of the standard deviation of 2e-4 is
caught, at 1 MiB one of 1%.

``k`` is 3 for the normal, 9/5 for the uniform and, for the normal
truncated to ``[-c s', c s']`` (``s'`` the std before truncation),
``m4 / m2^2`` with ``m2 = 1 - 2 c phi(c) / Z``, ``m4 = 3 m2 - 2 c^3 phi(c) / Z``,
``Z = 2 Phi(c) - 1`` (integration by parts of ``x^2 phi`` and ``x^4 phi``).

The normal approximation needs enough samples: :data:`MIN_ELEMENTS` =
2^16. There the skewness of ``v`` is ``sqrt(8 / n) = 0.011`` (normal
samples) and the exact false-alarm probability of ``|z_var| > 5`` is
5.9e-7 (chi-squared with ``n`` degrees of freedom) against 5.7e-7 for the
normal approximation; at 2^10 samples it would be 1.4e-6, and a handful of
samples says nothing about a formula at all.

Independently, every value must lie within the distribution's bound
(uniform and truncated normal), exactly.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np

#: |z| below this passes (see the module docstring).
Z_LIMIT = 5.0
#: Fewest samples for which the z-scores are near-normal (see the module docstring).
MIN_ELEMENTS = 2**16

NORMAL_KURTOSIS = 3.0
UNIFORM_KURTOSIS = 9.0 / 5.0


def truncated_normal_kurtosis(c: float) -> float:
    """Kurtosis of the standard normal truncated to ``[-c, c]``."""
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    z = math.erf(c / math.sqrt(2))  # 2 Phi(c) - 1
    m2 = 1 - 2 * c * phi / z
    m4 = 3 * m2 - 2 * c**3 * phi / z
    return m4 / (m2 * m2)


class Moments(NamedTuple):
    """Sample statistics of a tensor, in float64."""

    n: int
    mean: float
    second: float  # sum(x^2) / n, the variance about the known mean 0
    lo: float
    hi: float

    @property
    def std(self) -> float:
        """The sample standard deviation (about the sample mean)."""
        return math.sqrt(max(self.second - self.mean * self.mean, 0.0))


def moments(x: np.ndarray, chunk: int = 1 << 22) -> Moments:
    """Mean, second moment, min, max in float64, chunk by chunk (no full-size temporary)."""
    flat = x.reshape(-1)
    total, total_sq, lo, hi = 0.0, 0.0, math.inf, -math.inf
    for start in range(0, flat.size, chunk):
        part = flat[start:start + chunk].astype(np.float64)
        total += float(part.sum())
        total_sq += float(np.dot(part, part))
        lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
    return Moments(flat.size, total / flat.size, total_sq / flat.size, lo, hi)


class Verdict(NamedTuple):
    """The z-scores of a tensor's mean and variance and whether all checks pass."""

    z_mean: float
    z_var: float
    in_bound: bool

    @property
    def ok(self) -> bool:
        """Both ``|z| < Z_LIMIT`` and no value outside the bound."""
        return abs(self.z_mean) < Z_LIMIT and abs(self.z_var) < Z_LIMIT and self.in_bound


def check(m: Moments, std: float, kurtosis: float, bound: Optional[float]) -> Verdict:
    """Compare ``m`` with a zero-mean distribution of ``std`` and ``kurtosis``, bounded by ``+-bound``."""
    z_mean = m.mean * math.sqrt(m.n) / std
    z_var = (m.second - std * std) / (std * std * math.sqrt((kurtosis - 1) / m.n))
    # 1e-9: the bound here and the core's may differ in the last bits of a float64
    in_bound = bound is None or max(-m.lo, m.hi) <= bound * (1 + 1e-9)
    return Verdict(z_mean, z_var, in_bound)
