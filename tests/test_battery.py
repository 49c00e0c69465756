"""Large-sample statistical battery: closed bounds, normal tails, truncation.

The 10^6-sample KS/chi-square tests are in test_statistics.py; these stream
10^8 to 2 * 10^9 samples of one long stream through a reused 2^24-element
buffer (``_core.fill`` with ``offset``), so memory stays at 128 MiB while
the claims are checked where they matter: at the extremes.

Every seed is fixed, so each test is deterministic; each threshold below is
chosen so that a correct generator fails it with probability <= ~1e-6 (i.e.
almost no seed would fail), while the named wrong constant would fail it.
"""

import math

import numpy as np
import pytest
from scipy import stats

import varscale
from varscale import _core
from conftest import bits, core_dist

CHUNK = 1 << 24  # elements per fill: 64/128 MiB, filled by every core
BEST = _core.best_isa()


def chunks(dtype, dist, params, seed, stream, n_chunks, isa=None):
    """Yields (offset, array) for consecutive chunks of one stream; the array
    is the same buffer every time (consume it before the next step)."""
    buf = np.empty(CHUNK, dtype)
    for k in range(n_chunks):
        _core.fill(buf, core_dist(dist, params), seed, stream, offset=k * CHUNK, isa=isa)
        yield k * CHUNK, buf


# ------------------------------------------------------------------ uniform

UNIFORM_CHUNKS = 6  # 6 * 2^24 = 1.007e8 samples per case


@pytest.mark.parametrize("low, high", [
    (-math.sqrt(6 / 10), math.sqrt(6 / 10)),  # Xavier bound, not representable
    (-0.3, 0.7),  # asymmetric: center + half * s rounds near high
    (1.0, 1.0 + 2**-20),  # narrow: few f32 values, rounding at both ends
    # Narrow intervals where, in f32, center + half * s rounds past the end
    # for the top 108 of the 2^24 variates (6.4e-6 of the samples, ~640 of
    # them here): only the clamp keeps these inside. (In f64 such variates
    # have probability ~2^-45 and cannot be reached by sampling.)
    (0.5, 0.501),   # past high without the clamp
    (0.999, 1.0),   # past low without the clamp
])
def test_uniform_stays_inside_its_closed_bound_on_1e8_samples(low, high, dtype):
    lo, hi = np.asarray(low, dtype), np.asarray(high, dtype)
    n = UNIFORM_CHUNKS * CHUNK
    xmin, xmax = math.inf, -math.inf
    for _, x in chunks(dtype, "uniform", (low, high), 2024, 0, UNIFORM_CHUNKS):
        xmin, xmax = min(xmin, x.min()), max(xmax, x.max())
    assert xmin >= lo and xmax <= hi, (xmin, xmax)
    # ...and uses the whole interval: P(no sample in the top eps of it) =
    # (1 - eps)^n = exp(-n eps) = exp(-30) for eps = 30 / n (3e-7). A half
    # width off by 1e-6 relative, or an end cut by rounding, fails here.
    eps = 30 / n
    width = high - low
    assert xmax >= high - eps * width and xmin <= low + eps * width, (xmin, xmax)


def test_uniform_portable_build_gives_the_same_bits_on_a_chunk(dtype):
    # The portable build is ~5-30x slower; one chunk bit-identical to the
    # SIMD build (including its extremes) carries the 1e8-sample result over.
    low, high = -math.sqrt(6 / 10), math.sqrt(6 / 10)
    ((_, simd),) = chunks(dtype, "uniform", (low, high), 2024, 0, 1)
    simd = simd.copy()
    ((_, portable),) = chunks(dtype, "uniform", (low, high), 2024, 0, 1, isa="portable")
    np.testing.assert_array_equal(bits(portable), bits(simd))


# ------------------------------------------------------------------ normal tails

# |z| bin edges of the tail histogram. 2 * sf(4) = 6.3e-5, so 2^30 samples
# give ~68 000 counts beyond 4, and the last bin (|z| > 5.5, 3.8e-8 per
# sample) ~41 (f64, 2^30) or ~82 (f32, 2^31).
TAIL_EDGES = np.array([4.0, 4.25, 4.5, 4.75, 5.0, 5.25, 5.5, np.inf])
ALPHA = 1e-6  # two-sided false-alarm level of every Poisson / chi-square bound


def scan_tails(dtype, isa, n_chunks, seed=5500, stream=3):
    """Global indices and values of every |z| > TAIL_EDGES[0] in a stream."""
    idx, val = [], []
    t = TAIL_EDGES[0]
    for offset, z in chunks(dtype, "normal", (0.0, 1.0), seed, stream, n_chunks, isa):
        # two comparisons and no np.abs temporary: ~3x faster on 2^24 elements
        i = np.concatenate([np.flatnonzero(z > t), np.flatnonzero(z < -t)])
        idx.append(i + offset)
        val.append(z[i].astype(np.float64))
    return np.concatenate(idx), np.concatenate(val)


def check_tail_rate(absz, n):
    """The histogram of |z| beyond 4 matches 2 * (sf(e_i) - sf(e_i+1)) per
    sample (chi-square), the count beyond 5.5 is inside its Poisson interval."""
    counts = np.histogram(absz, TAIL_EDGES)[0]
    sf = stats.norm.sf(TAIL_EDGES)
    expected = n * 2 * (sf[:-1] - sf[1:])
    # Independent Poisson bins: sum (O - E)^2 / E ~ chi2(len(bins)). A 1% error
    # in the scale moves the count beyond 4 by ~17% (d ln sf / d ln z = -z^2 - 1),
    # i.e. a chi-square in the thousands.
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert stats.chi2.sf(chi2, len(counts)) > ALPHA, (counts, expected.round(1))
    lam = n * 2 * stats.norm.sf(5.5)
    lo, hi = stats.poisson.interval(1 - ALPHA, lam)
    assert lo <= counts[-1] <= hi, (counts[-1], lam, lo, hi)
    return counts


@pytest.mark.parametrize("dtype, n_chunks, reach", [
    # P(max |z| < reach) = exp(-n * 2 * sf(reach)): exp(-14.2) and exp(-12.9)
    ("float32", 128, 5.8),  # 2^31 samples: 82 expected beyond 5.5
    ("float64", 64, 5.7),   # 2^30 samples: 41 expected beyond 5.5
])
def test_normal_tails_beyond_5_5_std_at_the_normal_rate(dtype, n_chunks, reach):
    n = n_chunks * CHUNK
    idx, z = scan_tails(dtype, BEST, n_chunks)
    counts = check_tail_rate(np.abs(z), n)
    # A radius from a 24-bit uniform (u >= 2^-24, as many generators use)
    # stops at sqrt(48 ln 2) = 5.77. The tail must go on.
    assert np.abs(z).max() > reach, np.abs(z).max()
    # Both tails, in about equal numbers (binomial, 5 sigma).
    k = int((z > 0).sum())
    assert abs(k - len(z) / 2) < 5 * math.sqrt(len(z) / 4), (k, len(z))

    # The portable build gives the very same tail events: regenerate the
    # 64-element window around each |z| > 5.5 sample and compare bits.
    far = idx[np.abs(z) > 5.5]
    assert len(far) == counts[-1] > 0
    for i in far:
        start = int(i) - int(i) % 64
        w = [_core.generate((64,), dtype, _core.Normal(0.0, 1.0), 5500, 3, offset=start, isa=isa)
             for isa in ("portable", BEST)]
        np.testing.assert_array_equal(bits(w[0]), bits(w[1]))
        assert abs(w[0][i - start]) > 5.5


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_normal_tails_of_the_portable_build(dtype):
    # The portable build alone, on fewer samples (it is ~30x slower):
    # 2^25 samples give ~2100 beyond 4 std and ~1.3 beyond 5.5; the
    # histogram test covers the 4-5.5 range, the Poisson bound the rest.
    n_chunks = 2
    _, z = scan_tails(dtype, "portable", n_chunks, seed=77, stream=0)
    counts = check_tail_rate(np.abs(z), n_chunks * CHUNK)
    assert counts[:3].sum() > 1500  # the tail exists (~2060 expected in 4-4.75)


# ------------------------------------------------------------------ truncated normal

TRUNC_CASES = [
    # (mean, std, a, b): absolute bounds as varscale.truncated_normal
    (0.0, 1.0, -2.0, 2.0),               # bounded mode (the initialiser case)
    (0.3, 0.02, 0.29, 0.34),             # bounded, asymmetric, small std
    (0.0, 1.0, -3.0, 1.5),               # central mode
    (1.0, 2.0, -np.inf, np.inf),         # central, unbounded
    (0.0, 1.0, -0.5, np.inf),            # central, one-sided
    (0.0, 1.0, 2.5, 6.0),                # upper tail
    (-1.0, 0.5, -np.inf, -2.5),          # lower tail, one-sided infinite
    (0.0, 1.0, 7.5, np.inf),             # far tail, near the 8-std limit
    (0.0, 1.0, 1.0, 1.0 + 1e-6),         # an interval narrower than f32 resolution around it
]


@pytest.mark.parametrize("case", TRUNC_CASES, ids=lambda c: "{}_{}_{}_{}".format(*c))
def test_truncated_normal_never_leaves_its_interval(case, dtype):
    mean, std, a, b = case
    n_chunks = 2  # 2^25 samples per case and dtype
    n = n_chunks * CHUNK
    xmin, xmax = math.inf, -math.inf
    for _, x in chunks(dtype, "truncated_normal", case, 31337, 1, n_chunks):
        xmin, xmax = min(xmin, float(x.min())), max(xmax, float(x.max()))
        assert np.isfinite(xmin) and np.isfinite(xmax)
    assert np.asarray(a, dtype) <= xmin and xmax <= np.asarray(b, dtype), (xmin, xmax)
    # The samples reach the ends: the top and bottom 30/n of the probability
    # mass are each missed with probability exp(-30). An inverse-CDF built on
    # a wrong erf/erfc constant shifts these quantiles and fails.
    ref = stats.truncnorm((a - mean) / std, (b - mean) / std, mean, std)
    q_lo, q_hi = ref.ppf([30 / n, 1 - 30 / n])
    # f32 output cannot resolve below its spacing at the quantile
    tol = np.spacing(np.asarray(max(abs(q_lo), abs(q_hi)), dtype)).item()
    assert xmin <= q_lo + tol and xmax >= q_hi - tol, (xmin, q_lo, xmax, q_hi)


@pytest.mark.parametrize("mode, shape", [("fan_in", (4096, 4096)), ("fan_avg", (2048, 8192))])
def test_variance_scaling_truncated_normal_has_the_corrected_variance(mode, shape, dtype):
    # 8 fills of 2^24 (streams 0..7) = 1.3e8 samples. The sample second
    # moment of N(0, s^2) truncated at +-2s has relative standard error
    # sqrt((kurtosis - 1) / n) = sqrt(1.365 / n) = 1.0e-4; the tolerance is
    # 5 of those, so a 0.1% error in TRUNCATED_STD_2 (0.2% in variance), or
    # no correction at all (29%), fails.
    fi, fo = varscale.compute_fans(shape)
    var = 1.0 / (fi if mode == "fan_in" else (fi + fo) / 2)
    s = math.sqrt(var) / varscale.TRUNCATED_STD_2
    w = np.empty(shape, dtype)
    total, n = 0.0, 0
    for stream in range(8):
        varscale.variance_scaling_(w, 1.0, mode, "truncated_normal", seed=99, stream=stream)
        assert np.abs(w).max() <= np.asarray(2 * s, dtype)
        total += float(np.dot(w.ravel(), w.ravel())) if dtype == "float64" else \
            float(np.square(w).sum(dtype=np.float64))
        n += w.size
    kurtosis = stats.truncnorm(-2, 2).stats("k") + 3.0
    se = math.sqrt((kurtosis - 1) / n)
    assert abs(total / n / var - 1) < 5 * se, (total / n / var - 1, se)
