"""Statistical claims, tested against scipy with fixed seeds.

Each distribution x dtype x {portable, widest SIMD} build: 10^6 samples,
Kolmogorov-Smirnov and chi-square (100 equiprobable bins) against the exact
scipy distribution, first two moments within 6 standard errors, and bounds.
At n = 10^6 KS detects a scale error of about 1%, the moment check one of
about 0.1% (see test_wrong_constants_are_detected).
"""

import math

import numpy as np
import pytest
from scipy import stats

import varscale
from varscale import _core
from conftest import core_dist

N = 1_000_000
BUILDS = sorted({"portable", _core.best_isa()})

CASES = [
    ("uniform", (-0.3, 0.7), stats.uniform(-0.3, 1.0)),
    ("uniform", (-1e-3, 1e-3), stats.uniform(-1e-3, 2e-3)),
    ("normal", (0.0, 1.0), stats.norm(0.0, 1.0)),
    ("normal", (2.0, 0.05), stats.norm(2.0, 0.05)),
    ("truncated_normal", (0.0, 1.0, -2.0, 2.0), stats.truncnorm(-2, 2)),           # bounded mode
    ("truncated_normal", (0.5, 2.0, -0.5, 3.5), stats.truncnorm(-0.5, 1.5, 0.5, 2.0)),
    ("truncated_normal", (0.0, 1.0, -4.0, 1.0), stats.truncnorm(-4, 1)),           # central mode
    ("truncated_normal", (0.0, 1.0, -np.inf, np.inf), stats.norm()),               # central, unbounded
    ("truncated_normal", (0.0, 1.0, 2.5, 6.0), stats.truncnorm(2.5, 6)),           # upper tail
    ("truncated_normal", (1.0, 2.0, -np.inf, -5.0), stats.truncnorm(-np.inf, -3, 1.0, 2.0)),  # lower tail
    ("truncated_normal", (0.0, 1.0, 7.5, np.inf), stats.truncnorm(7.5, np.inf)),     # far tail (limit is 8)
    ("truncated_normal", (0.0, 1.0, -1.0, np.inf), stats.truncnorm(-1, np.inf)),     # central, one-sided
    ("truncated_normal", (-2.0, 0.5, -2.1, -1.2), stats.truncnorm(-0.2, 1.6, -2.0, 0.5)),  # bounded, off-centre
]


def _sample(dist, params, dtype, build, seed):
    return _core.generate((N,), dtype, core_dist(dist, params), seed, 0, isa=build).astype(np.float64)


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("i", range(len(CASES)))
def test_distribution_matches_scipy(i, build, dtype):
    dist, params, ref = CASES[i]
    x = _sample(dist, params, dtype, build, seed=1000 + i)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3
    edges = ref.ppf(np.linspace(0, 1, 101))
    counts = np.histogram(x, bins=np.clip(edges, x.min() - 1, x.max() + 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-4
    mean, var = ref.stats("mv")
    assert abs(x.mean() - mean) < 6 * math.sqrt(var / N)
    assert abs(x.var() - var) < 6 * var * math.sqrt(2 / N) * (1.3 if dist != "uniform" else 1)
    lo, hi = ref.support()
    assert x.min() >= lo and x.max() <= hi


def test_uniform_stays_inside_its_closed_bound_f32(dtype):
    # endpoints that are not exactly representable still bound the output
    bound = math.sqrt(6 / (3 + 7))
    for seed in range(4):
        x = _core.generate((1 << 22,), dtype, _core.Uniform(-bound, bound), seed, 0)
        assert float(x.min()) >= -bound and float(x.max()) <= bound  # in real arithmetic
        # and the sample reaches within 2^-20 of both ends
        assert x.min() < -bound * (1 - 2**-20) and x.max() > bound * (1 - 2**-20)


def test_normal_tails_are_not_cut_short(dtype):
    # Box-Muller with a 32-bit (f32) / 52-bit (f64) radius: |z| > 5 occurs at
    # the normal rate 5.73e-7; a 24-bit uniform would stop at 5.76.
    n, count, top = 1 << 24, 0, 0.0
    for stream in range(8):
        z = _core.generate((n,), dtype, _core.Normal(0.0, 1.0), 77, stream)
        count += int(np.count_nonzero(np.abs(z) > 5.0))
        top = max(top, float(np.abs(z).max()))
    expected = 8 * n * 2 * stats.norm.sf(5.0)  # 76.9
    assert abs(count - expected) < 5 * math.sqrt(expected), (count, expected)
    assert top > 5.2


def test_truncated_normal_corrected_variance():
    x = varscale.variance_scaling((2048, 2048), 1.0, "fan_in", "truncated_normal", seed=8, dtype="float64")
    var = 1.0 / 2048
    assert abs(x.var() / var - 1) < 6 * math.sqrt(2 / x.size)
    s = math.sqrt(var) / varscale.TRUNCATED_STD_2
    assert np.abs(x).max() <= 2 * s
    assert stats.kstest(x.ravel()[:N] / s, stats.truncnorm(-2, 2).cdf).pvalue > 1e-3


def test_wrong_constants_are_detected():
    """The checks above are strong enough to notice a 1% error in a scale."""
    x = _sample("normal", (0.0, 1.0), "float32", _core.best_isa(), seed=5)
    assert stats.kstest(x, stats.norm(0, 1.01).cdf).pvalue < 1e-3
    assert abs(x.var() - 1.01**2) > 6 * 1.01**2 * math.sqrt(2 / N)
    u = _sample("uniform", (-1.0, 1.0), "float32", _core.best_isa(), seed=6)
    assert stats.kstest(u, stats.uniform(-1.01, 2.02).cdf).pvalue < 1e-3


def test_streams_are_uncorrelated():
    a = _core.generate((N,), "float64", _core.Normal(0.0, 1.0), 3, 0)
    b = _core.generate((N,), "float64", _core.Normal(0.0, 1.0), 3, 1)
    c = _core.generate((N,), "float64", _core.Normal(0.0, 1.0), 4, 0)
    for x, y in [(a, b), (a, c), (a[:-1], a[1:])]:
        assert abs(np.corrcoef(x, y)[0, 1]) < 6 / math.sqrt(N)
