"""varscale.orthogonal: (semi-)orthogonality, gain, Haar sign convention,
determinism, dtypes and errors (as torch.nn.init.orthogonal_)."""

import numpy as np
import pytest

import varscale

SHAPES = [(64, 32), (32, 64), (50, 50), (16, 4, 3, 3), (1, 7), (7, 1)]


def _gram(w):
    m = w.reshape(w.shape[0], -1).astype(np.float64)
    return m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype, tol", [("float32", 2e-6), ("float64", 1e-13)])
def test_semi_orthogonal(shape, dtype, tol):
    w = varscale.orthogonal(shape, dtype=dtype, seed=2)
    assert w.shape == shape and w.dtype == dtype and w.flags.c_contiguous
    g = _gram(w)
    np.testing.assert_allclose(g, np.eye(g.shape[0]), atol=tol * max(shape[0], g.shape[0]), rtol=0)


def test_float64_work_is_more_exact_than_float32():
    kw = dict(dtype="float64", seed=0)  # float64 output: only the working precision differs
    e32 = np.abs(_gram(varscale.orthogonal((200, 100), compute_dtype="float32", **kw)) - np.eye(100)).max()
    e64 = np.abs(_gram(varscale.orthogonal((200, 100), **kw)) - np.eye(100)).max()
    assert e64 < 1e-13 and 1e-8 < e32 < 1e-5


@pytest.mark.parametrize("gain", [2.0, 0.5, 1.7, -1.0])
def test_gain_scales(gain):
    base = varscale.orthogonal((40, 30), dtype="float64", seed=5)
    w = varscale.orthogonal((40, 30), gain, dtype="float64", seed=5)
    np.testing.assert_allclose(w, gain * base, rtol=1e-15, atol=0)
    np.testing.assert_allclose(_gram(w), gain**2 * np.eye(30), atol=1e-12)


def test_deterministic_per_seed_and_stream():
    a = varscale.orthogonal((30, 20), seed=1, stream=4)
    np.testing.assert_array_equal(a, varscale.orthogonal((30, 20), seed=1, stream=4))
    assert not np.array_equal(a, varscale.orthogonal((30, 20), seed=1, stream=5))
    assert not np.array_equal(a, varscale.orthogonal((30, 20), seed=2, stream=4))
    # same threads-independence as the normal draw it starts from
    np.testing.assert_array_equal(a, varscale.orthogonal((30, 20), seed=1, stream=4, threads=1))


def test_haar_sign_convention():
    """Without the sign(diag(R)) correction, Householder QR gives a first
    column pointing away from the first normal column, so Q[0, 0] < 0 always;
    Haar-distributed Q has E[Q[0, 0]] = 0 and Var = 1/n."""
    first = np.array([varscale.orthogonal((3, 3), dtype="float64", seed=9, stream=s)[0, 0] for s in range(2000)])
    assert abs(first.mean()) < 4 * np.sqrt(1 / 3 / first.size)
    assert abs(first.var() - 1 / 3) < 0.05
    assert (first > 0).mean() == pytest.approx(0.5, abs=0.05)


def test_columns_are_the_normalised_normal_draw_for_tall_matrices():
    """Q R = A with R's diagonal positive: Q's first column is A's first
    column normalised, A being varscale's normal draw of (rows, cols)."""
    a = varscale.normal((20, 5), dtype="float64", seed=3, stream=1)
    q = varscale.orthogonal((20, 5), dtype="float64", seed=3, stream=1)
    np.testing.assert_allclose(q[:, 0], a[:, 0] / np.linalg.norm(a[:, 0]), rtol=1e-12, atol=1e-14)
    # wide: the transpose
    aw = varscale.normal((5, 20), dtype="float64", seed=3, stream=1)
    qw = varscale.orthogonal((5, 20), dtype="float64", seed=3, stream=1)
    np.testing.assert_allclose(qw[0], aw[0] / np.linalg.norm(aw[0]), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_is_the_float32_result_rounded(dtype):
    pytest.importorskip("ml_dtypes")
    h = varscale.orthogonal((48, 24, 2), dtype=dtype, seed=6)
    f = varscale.orthogonal((48, 24, 2), dtype="float32", seed=6)
    assert h.dtype.name == dtype
    np.testing.assert_array_equal(h.view(np.uint16), f.astype(h.dtype).view(np.uint16))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_in_place_twin_equals_fresh(dtype):
    if dtype == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes")
        np_dtype = np.dtype(ml_dtypes.bfloat16)
    else:
        np_dtype = np.dtype(dtype)
    out = np.zeros((24, 5, 2), np_dtype)
    assert varscale.orthogonal_(out, 1.3, seed=8, stream=2) is out
    want = varscale.orthogonal((24, 5, 2), 1.3, dtype=dtype, seed=8, stream=2)
    np.testing.assert_array_equal(out.view(np.uint8), want.view(np.uint8))


def test_compute_dtype():
    w = varscale.orthogonal((30, 20), seed=1, compute_dtype="float64")
    np.testing.assert_array_equal(w, varscale.orthogonal((30, 20), seed=1, dtype="float64").astype(np.float32))
    with pytest.raises(TypeError, match="compute_dtype"):
        varscale.orthogonal((30, 20), seed=1, compute_dtype="float16")


def test_generator_methods():
    g = varscale.Generator(77, stream=3)
    a = g.orthogonal((10, 6))
    out = np.empty((6, 10), np.float64)
    g.orthogonal_(out)
    np.testing.assert_array_equal(a, varscale.orthogonal((10, 6), seed=77, stream=3))
    np.testing.assert_array_equal(out, varscale.orthogonal((6, 10), dtype="float64", seed=77, stream=4))


def test_errors():
    for shape in [(5,), ()]:
        with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
            varscale.orthogonal(shape or 1, seed=0)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        varscale.orthogonal_(np.empty(5, np.float32), seed=0)
    with pytest.raises(ValueError, match="gain"):
        varscale.orthogonal((3, 3), float("nan"), seed=0)
    with pytest.raises(TypeError, match="gain"):
        varscale.orthogonal((3, 3), "1", seed=0)
    with pytest.raises(ValueError, match="dimension 0"):
        varscale.orthogonal((0, 3), seed=0)
    with pytest.raises(TypeError, match="dtype"):
        varscale.orthogonal((3, 3), dtype="int32", seed=0)
    with pytest.raises(ValueError, match="C-contiguous"):
        varscale.orthogonal_(np.empty((4, 6), np.float32).T, seed=0)
    empty = np.empty((0, 4), np.float32)
    assert varscale.orthogonal_(empty, seed=0) is empty  # zero-size: a no-op, as torch


# hypothesis: any shape, dtype, seed, stream, gain and thread count gives a
# finite, deterministic, (semi-)orthogonal result equal to the in-place twin

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(1, 12), min_size=2, max_size=4).map(tuple),
       dtype=st.sampled_from(["float32", "float64", "float16"]),
       seed=st.integers(0, 2**64 - 1), stream=st.integers(0, 2**64 - 1),
       gain=st.floats(-4, 4, allow_nan=False).filter(lambda g: abs(g) > 1e-3),
       threads=st.sampled_from([None, 1, 3]))
def test_any_input(shape, dtype, seed, stream, gain, threads):
    w = varscale.orthogonal(shape, gain, dtype=dtype, seed=seed, stream=stream, threads=threads)
    assert w.shape == shape and w.dtype == dtype and np.all(np.isfinite(w))
    again = varscale.orthogonal(shape, gain, dtype=dtype, seed=seed, stream=stream)
    np.testing.assert_array_equal(w.view(np.uint8), again.view(np.uint8))
    out = np.empty(shape, dtype)
    varscale.orthogonal_(out, gain, seed=seed, stream=stream, threads=threads)
    np.testing.assert_array_equal(out.view(np.uint8), w.view(np.uint8))
    tol = {"float16": 4e-3, "float32": 1e-5, "float64": 1e-12}[dtype] * max(shape[0], w.size // shape[0])
    np.testing.assert_allclose(_gram(w) / gain**2, np.eye(min(shape[0], w.size // shape[0])), atol=tol)
