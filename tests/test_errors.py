"""Bad input is answered with a clear exception that names the bad value."""

import numpy as np
import pytest

import varscale
from varscale import _core


@pytest.mark.parametrize(
    "shape, exc, match",
    [
        ((3, -1), ValueError, "dimension -1"),
        ((0, 5), ValueError, "dimension 0"),
        (0, ValueError, "dimension 0"),
        ((2**40, 2**40), ValueError, "too many"),
        ((3.0, 2), TypeError, "3.0"),
        ("10", TypeError, "shape"),
        (True, TypeError, "shape"),
        (None, TypeError, "shape"),
    ],
)
def test_bad_shapes(shape, exc, match):
    with pytest.raises(exc, match=match):
        varscale.uniform(shape, seed=0)


def test_absurd_size_is_a_memory_error_not_an_abort():
    with pytest.raises(MemoryError, match="GiB"):
        varscale.normal((2**31, 2**20), seed=0)
    # below the physical-memory check, the Rust allocator's refusal is a MemoryError too
    with pytest.raises(MemoryError):
        _core.generate((2**45,), "float32", _core.Normal(0.0, 1.0), 0, 0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0])
def test_bad_gain(bad):
    with pytest.raises(ValueError, match="gain"):
        varscale.xavier_uniform((4, 4), gain=bad, seed=0)
    with pytest.raises(ValueError, match="gain"):
        varscale.lecun_normal_(np.empty((4, 4), np.float32), gain=bad, seed=0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.5])
def test_bad_std(bad):
    with pytest.raises(ValueError, match="std"):
        varscale.normal((4, 4), std=bad, seed=0)
    with pytest.raises(ValueError, match="std"):
        varscale.truncated_normal((4, 4), std=bad, seed=0)


def test_bad_ranges():
    with pytest.raises(ValueError, match="low=2.0 must not exceed high=1.0"):
        varscale.uniform((4,), 2.0, 1.0, seed=0)
    with pytest.raises(ValueError, match="low=1.0 must be less than high=1.0"):
        varscale.truncated_normal((4,), low=1.0, high=1.0, seed=0)
    with pytest.raises(ValueError, match="mean"):
        varscale.normal((4,), mean=float("nan"), seed=0)
    with pytest.raises(ValueError, match="std must be > 0"):
        varscale.truncated_normal((4,), std=0.0, seed=0)
    with pytest.raises(ValueError, match="standard deviations from the mean"):
        varscale.truncated_normal((4,), low=9.0, high=10.0, seed=0)
    with pytest.raises(ValueError, match="overflows"):
        varscale.normal((4,), std=1e38, seed=0)  # float32 samples would be inf
    with pytest.raises(TypeError, match="value"):
        varscale.constant((4,), "1", seed=0)
    with pytest.raises(ValueError, match="scale must be > 0.0"):
        varscale.variance_scaling((4, 4), scale=0.0, seed=0)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: varscale.kaiming_uniform((4, 4), mode="fan_avg"), "mode 'fan_avg'"),
        (lambda: varscale.kaiming_uniform((4, 4), nonlinearity="swish"), "Unsupported nonlinearity swish"),
        (lambda: varscale.variance_scaling((4, 4), mode="avg"), "mode 'avg'"),
        (lambda: varscale.variance_scaling((4, 4), distribution="gaussian"), "distribution 'gaussian'"),
        (lambda: varscale.xavier_normal((4, 4), layout="tf"), "layout 'tf'"),
        (lambda: varscale.compute_fans((4, 4), layout="nchw"), "layout 'nchw'"),
        (lambda: varscale.xavier_normal((4, 4), fan_in=0), "fan_in must be a positive integer, got 0"),
        (lambda: varscale.xavier_normal((4, 4), fan_out=-3), "fan_out must be a positive integer, got -3"),
    ],
)
def test_unknown_choices(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("dtype", ["int32", "float128", np.complex64, "bogus", object, np.uint16])
def test_unsupported_dtype(dtype):
    with pytest.raises(TypeError, match="dtype"):
        varscale.uniform((4,), dtype=dtype, seed=0)


@pytest.mark.parametrize(
    "seed, exc, match",
    [(-1, ValueError, "seed must be in"), (2**64, ValueError, "seed must be in"), (1.5, TypeError, "seed"),
     ("7", TypeError, "seed")],
)
def test_bad_seeds(seed, exc, match):
    with pytest.raises(exc, match=match):
        varscale.uniform((4,), seed=seed)


def test_bad_streams_and_threads():
    with pytest.raises(ValueError, match="stream must be in"):
        varscale.uniform((4,), seed=0, stream=-1)
    with pytest.raises(ValueError, match="threads must be at least 1, got 0"):
        varscale.uniform((4,), seed=0, threads=0)
    with pytest.raises(ValueError, match="threads must be at least 1, got -2"):
        varscale.uniform((4,), seed=0, threads=-2)
    with pytest.raises(ValueError, match="exceeds the maximum"):
        varscale.uniform((4,), seed=0, threads=10**6)
    with pytest.raises(TypeError, match="threads"):
        varscale.uniform((4,), seed=0, threads=2.0)
    with pytest.raises(ValueError, match="stream must be in"):
        g = varscale.Generator(0, stream=2**64 - 1)
        g.uniform(2)
        g.uniform(2)


def test_bad_out_arrays():
    with pytest.raises(TypeError, match="numpy array or a CPU torch tensor, got list"):
        varscale.xavier_uniform_([[0.0, 1.0]], seed=0)
    with pytest.raises(TypeError, match="dtype int32"):
        varscale.xavier_uniform_(np.zeros((4, 4), np.int32), seed=0)
    ro = np.zeros((4, 4), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        varscale.xavier_uniform_(ro, seed=0)
    with pytest.raises(ValueError, match="C-contiguous"):
        varscale.xavier_uniform_(np.zeros((4, 8), np.float32)[:, ::2], seed=0)
    with pytest.raises(ValueError, match="C-contiguous"):
        varscale.xavier_uniform_(np.zeros((4, 8), np.float64).T, seed=0)
    with pytest.raises(TypeError, match="byte order"):
        varscale.uniform_(np.zeros(8, ">f4"), seed=0)
    unaligned = np.frombuffer(bytearray(4 * 9), dtype=np.uint8)[1:33].view(np.float32)
    unaligned.flags.writeable = True
    if not unaligned.flags.aligned:
        with pytest.raises(ValueError, match="aligned"):
            varscale.uniform_(unaligned, seed=0)


def test_core_rejects_bad_arguments_too():
    out = np.zeros(4, np.float32)
    with pytest.raises(TypeError, match="float32 or float64 numpy array"):
        _core.fill(np.zeros(4, np.int64), _core.Uniform(0.0, 1.0), 0, 0)
    with pytest.raises(TypeError, match="dist must be a varscale._core Uniform"):
        _core.fill(out, "cauchy", 0, 0)
    with pytest.raises(TypeError, match="high"):
        _core.Uniform(0.0)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="unknown isa"):
        _core.fill(out, _core.Uniform(0.0, 1.0), 0, 0, isa="neon")
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        _core.fill(out, _core.Uniform(0.0, 1.0), 0, 0, threads=0)
    with pytest.raises(TypeError, match="dtype"):
        _core.generate((4,), "int8", _core.Uniform(0.0, 1.0), 0, 0)
    with pytest.raises(ValueError, match="element index exceeds"):
        _core.generate((8,), "float32", _core.Uniform(0.0, 1.0), 0, 0, offset=2**64 - 4)
    with pytest.raises(OverflowError):
        _core.generate((4,), "float32", _core.Uniform(0.0, 1.0), -1, 0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_truncated_normal_far_tail_that_would_overflow_is_refused(dtype):
    # Regression (issue 4): validation assumed every sample lies within 9 std
    # of the mean, but the one-sided tail mode reaches 11.6 std. With
    # std = max / 9 and a = 7.5 std, about 3 in 10^6 samples were inf.
    big = float(np.finfo(dtype).max)
    std = big / 9 * 0.999999
    with pytest.raises(ValueError, match="overflows"):
        varscale.truncated_normal(1 << 22, 0.0, std, 7.5 * std, np.inf, dtype=dtype, seed=0)
    std = big / 12.5  # within reach: accepted, and every sample finite
    x = varscale.truncated_normal(1 << 22, 0.0, std, 7.5 * std, np.inf, dtype=dtype, seed=0)
    assert np.all(np.isfinite(x)) and x.min() >= np.asarray(7.5 * std, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_core_fill_refuses_arrays_not_in_c_order(dtype):
    # Regression (issue 4): the extension accepted Fortran-contiguous arrays
    # (a transpose, np.asfortranarray) and filled them in memory order, not
    # in the flat C order that defines which element gets which value. The
    # public functions check first; _core.fill must not rely on that.
    base = np.arange(48, dtype=dtype).reshape(6, 8)
    for out in [base.T, np.asfortranarray(base), base.reshape(2, 3, 8).swapaxes(0, 2),
                base.reshape(2, 3, 8).transpose(1, 0, 2), base[:, ::2], base[::-1]]:
        before = out.copy()
        with pytest.raises(ValueError, match="C-contiguous"):
            _core.fill(out, _core.Uniform(0.0, 1.0), 0, 0)
        np.testing.assert_array_equal(out, before)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32"])
@pytest.mark.parametrize("std", [1e39, 1e46])
def test_truncated_normal_whose_arithmetic_would_overflow_is_refused(std, dtype):
    # Regression (issue 13): std=1e39 returned only -2.0 and 2.0, std=1e46 NaN.
    with pytest.raises(ValueError, match="std"):
        varscale.truncated_normal((1000,), std=std, dtype=dtype, seed=0)
    with pytest.raises(ValueError, match="std"):
        _core.generate((1000,), dtype, _core.TruncatedNormal(0.0, std, -2.0, 2.0), 0, 0)


def test_parameters_beyond_the_dtype_range_are_refused_by_name():
    with pytest.raises(ValueError, match="high=100000"):
        _core.generate((4,), "float16", _core.Uniform(0.0, 1e5), 0, 0)
    with pytest.raises(ValueError, match="value=70000"):
        _core.generate((4,), "float16", _core.Constant(7e4), 0, 0)
    assert np.isfinite(_core.generate((4,), "float32", _core.Uniform(0.0, 1e5), 0, 0)).all()
