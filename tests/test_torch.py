"""varscale.torch: drop-ins for torch.nn.init (signatures, in-place, zero copy,
dtypes, devices, seeds) and their distributions against torch's own."""

import inspect
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

import varscale  # noqa: E402
import varscale.torch as vinit  # noqa: E402

RANDOM = ["uniform_", "normal_", "trunc_normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
          "kaiming_normal_", "orthogonal_"]
CONSTANT = ["constant_", "ones_", "zeros_"]
TORCH_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]


def _np_dtype(dtype):
    return {torch.float16: "float16", torch.bfloat16: "bfloat16", torch.float32: "float32",
            torch.float64: "float64"}[dtype]


def _as_numpy(t):
    """float32/float64 values of a CPU tensor (halves widened exactly)."""
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t.numpy()


@pytest.mark.parametrize("name", RANDOM + CONSTANT + ["calculate_gain"])
def test_signature_extends_torch(name):
    ours = inspect.signature(getattr(vinit, name)).parameters
    theirs = inspect.signature(getattr(torch.nn.init, name)).parameters
    # torch's parameters, in torch's order, with torch's defaults and kinds ...
    assert list(ours)[:len(theirs)] == list(theirs)
    for p in theirs.values():
        assert ours[p.name].kind == p.kind, p.name
        assert ours[p.name].default == p.default, p.name
    # ... then only keyword-only extras
    extra = list(ours)[len(theirs):]
    assert all(ours[n].kind is inspect.Parameter.KEYWORD_ONLY for n in extra)
    if name != "calculate_gain":
        assert extra == ["seed", "stream"]


def test_lecun_signatures():
    for name in ["lecun_uniform_", "lecun_normal_"]:
        params = inspect.signature(getattr(vinit, name)).parameters
        assert list(params) == ["tensor", "gain", "generator", "seed", "stream"]


def _call(name, t, **kw):
    fn = getattr(vinit, name)
    if name == "uniform_":
        return fn(t, -0.5, 0.5, **kw)
    if name == "trunc_normal_":
        return fn(t, 0.1, 0.5, -0.5, 1.0, **kw)
    if name == "kaiming_uniform_" or name == "kaiming_normal_":
        return fn(t, nonlinearity="relu", **kw)
    return fn(t, **kw)


@pytest.mark.parametrize("name", RANDOM + ["lecun_uniform_", "lecun_normal_"])
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_fills_in_place_without_copy(name, dtype):
    p = torch.nn.Parameter(torch.zeros(48, 20, 3, dtype=dtype))  # requires_grad leaf
    ptr, version = p.data_ptr(), p._version
    out = _call(name, p, seed=3, stream=1)
    assert out is p
    assert p.data_ptr() == ptr and p.requires_grad and p.grad_fn is None
    assert p._version > version  # autograd sees the in-place write
    assert torch.count_nonzero(p).item() > 0.99 * p.numel()
    again = _call(name, torch.empty(48, 20, 3, dtype=dtype), seed=3, stream=1)
    assert torch.equal(p.detach(), again)  # deterministic per (seed, stream)
    other = _call(name, torch.empty(48, 20, 3, dtype=dtype), seed=3, stream=2)
    assert not torch.equal(p.detach(), other)


FRESH_TWINS = [
    ("uniform_", lambda s, d: varscale.uniform(s, -0.5, 0.5, dtype=d, seed=3, stream=1)),
    ("normal_", lambda s, d: varscale.normal(s, dtype=d, seed=3, stream=1)),
    ("trunc_normal_", lambda s, d: varscale.truncated_normal(s, 0.1, 0.5, -0.5, 1.0, dtype=d, seed=3, stream=1)),
    ("xavier_uniform_", lambda s, d: varscale.xavier_uniform(s, dtype=d, seed=3, stream=1)),
    ("xavier_normal_", lambda s, d: varscale.xavier_normal(s, dtype=d, seed=3, stream=1)),
    ("kaiming_uniform_", lambda s, d: varscale.kaiming_uniform(s, nonlinearity="relu", dtype=d, seed=3, stream=1)),
    ("kaiming_normal_", lambda s, d: varscale.kaiming_normal(s, nonlinearity="relu", dtype=d, seed=3, stream=1)),
    ("orthogonal_", lambda s, d: varscale.orthogonal(s, dtype=d, seed=3, stream=1)),
    ("lecun_uniform_", lambda s, d: varscale.lecun_uniform(s, dtype=d, seed=3, stream=1)),
    ("lecun_normal_", lambda s, d: varscale.lecun_normal(s, dtype=d, seed=3, stream=1)),
]


@pytest.mark.parametrize("name, fresh", FRESH_TWINS)
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_equals_the_numpy_api(name, fresh, dtype):
    """With a seed, the tensor holds exactly varscale's NumPy values (halves
    are the float32 samples rounded: changing dtype does not change the sample)."""
    pytest.importorskip("ml_dtypes")
    shape = (40, 24, 3)
    t = _call(name, torch.empty(shape, dtype=dtype), seed=3, stream=1)
    want = fresh(shape, _np_dtype(dtype))
    got = t.detach().view(torch.int16).numpy().view(np.uint16) if t.dtype in (torch.float16, torch.bfloat16) \
        else t.detach().numpy()
    want = want.view(np.uint16) if want.dtype.itemsize == 2 else want
    np.testing.assert_array_equal(got, want)


# --------------------------------------------------------- distributions vs torch

def _both(fn_name, shape, *args, seed=7, **kwargs):
    """(varscale sample, torch sample) of the same call, float64 numpy."""
    ours = getattr(vinit, fn_name)(torch.empty(shape, dtype=torch.float64), *args, seed=seed, **kwargs)
    g = torch.Generator().manual_seed(seed)
    theirs = getattr(torch.nn.init, fn_name)(torch.empty(shape, dtype=torch.float64), *args, generator=g, **kwargs)
    return ours.numpy().ravel(), theirs.numpy().ravel()


STAT_CASES = [
    # name, shape, args, kwargs, bound (None: unbounded), std
    ("uniform_", (400, 500), (-0.3, 0.7), {}, (-0.3, 0.7), 1.0 / math.sqrt(12)),
    ("normal_", (400, 500), (0.5, 2.0), {}, None, 2.0),
    ("xavier_uniform_", (300, 200, 3), (1.5,), {}, 1.5 * math.sqrt(6 / (600 + 900)), None),
    ("xavier_normal_", (300, 200, 3), (1.5,), {}, None, 1.5 * math.sqrt(2 / (600 + 900))),
    ("kaiming_uniform_", (300, 200, 3), (0.2, "fan_out", "leaky_relu"), {},
     math.sqrt(2 / 1.04) * math.sqrt(3 / 900), None),
    ("kaiming_normal_", (300, 200, 3), (), {"mode": "fan_in", "nonlinearity": "relu"}, None, math.sqrt(2 / 600)),
    ("kaiming_uniform_", (300, 200), (math.sqrt(5),), {}, 1 / math.sqrt(200), None),  # Linear's default
]


@pytest.mark.parametrize("name, shape, args, kwargs, bound, std", STAT_CASES)
def test_distribution_matches_torch(name, shape, args, kwargs, bound, std):
    ours, theirs = _both(name, shape, *args, **kwargs)
    n = ours.size
    # same distribution as torch's: two-sample Kolmogorov-Smirnov at n = 1e5+
    # (a wrong constant, e.g. a std off by 2%, is rejected at p < 1e-6)
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3
    if bound is not None:
        lo, hi = bound if isinstance(bound, tuple) else (-bound, bound)
        assert ours.min() >= lo and ours.max() <= hi
        assert ours.min() < lo + 1e-3 * (hi - lo) and ours.max() > hi - 1e-3 * (hi - lo)
        std = (hi - lo) / math.sqrt(12)
    assert abs(ours.std() / std - 1) < 6 * math.sqrt(1 / n)


def test_ks_test_detects_a_wrong_constant():
    """The power of the check above: a 2% larger std is rejected."""
    ours, theirs = _both("normal_", (400, 500), 0.0, 1.0)
    assert stats.ks_2samp(ours * 1.02, theirs).pvalue < 1e-6


@pytest.mark.parametrize("mean, std, a, b", [(0.0, 1.0, -2.0, 2.0), (1.0, 2.0, -1.0, 2.0), (0.0, 0.02, -0.04, 0.04),
                                            (0.0, 1.0, 0.5, 3.0)])
def test_trunc_normal_uses_absolute_bounds(mean, std, a, b):
    ours, theirs = _both("trunc_normal_", (500, 400), mean, std, a, b)
    assert ours.min() >= a and ours.max() <= b
    assert stats.ks_2samp(ours, theirs).pvalue > 1e-3
    ref = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    assert stats.kstest(ours, ref.cdf).pvalue > 1e-3


@pytest.mark.parametrize("shape", [(64, 32), (32, 64), (16, 4, 3, 3)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_orthogonal_like_torch(shape, dtype):
    t = vinit.orthogonal_(torch.empty(shape, dtype=dtype), gain=2.0, seed=1)
    m = t.reshape(shape[0], -1).double()
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(gram, 4 * torch.eye(gram.shape[0], dtype=torch.float64), atol=tol * 4, rtol=0)


@pytest.mark.parametrize("name, args", [("constant_", (0.3,)), ("ones_", ()), ("zeros_", ())])
@pytest.mark.parametrize("dtype", TORCH_DTYPES + [torch.int32, torch.int64, torch.bool])
def test_constants_equal_torch_exactly(name, args, dtype):
    ours = getattr(vinit, name)(torch.full((30, 7), 5, dtype=dtype), *args)
    theirs = getattr(torch.nn.init, name)(torch.full((30, 7), 5, dtype=dtype), *args)
    assert ours.dtype == dtype and torch.equal(ours, theirs)


def test_calculate_gain_equals_torch():
    for name in ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert vinit.calculate_gain(name) == torch.nn.init.calculate_gain(name)
    for slope in [0, 0.2, 1, 3]:
        assert vinit.calculate_gain("leaky_relu", slope) == torch.nn.init.calculate_gain("leaky_relu", slope)


# ------------------------------------------------------------ fans and errors

@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
                                  "lecun_uniform_", "lecun_normal_", "orthogonal_"])
@pytest.mark.parametrize("shape", [(5,), ()])
def test_fewer_than_two_dims_error_like_torch(name, shape):
    with pytest.raises(ValueError) as ours:
        getattr(vinit, name)(torch.empty(shape), seed=0)
    torch_name = name if hasattr(torch.nn.init, name) else "xavier_uniform_"
    with pytest.raises(ValueError) as theirs:
        getattr(torch.nn.init, torch_name)(torch.empty(shape))
    assert str(ours.value) == str(theirs.value)


def test_fans_follow_torch():
    # a transposed-conv-shaped weight: torch's fans, not the "correct" ones, as torch.nn.init does
    w = torch.empty(64, 8, 5, 5, dtype=torch.float64)
    vinit.xavier_normal_(w, seed=0)
    fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(w)
    assert abs(w.std().item() / math.sqrt(2 / (fi + fo)) - 1) < 0.03


def test_kaiming_mode_case_and_errors():
    a = vinit.kaiming_normal_(torch.empty(30, 40), mode="FAN_OUT", seed=1)
    b = vinit.kaiming_normal_(torch.empty(30, 40), mode="fan_out", seed=1)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="mode"):
        vinit.kaiming_normal_(torch.empty(30, 40), mode="fan_avg", seed=1)
    with pytest.raises(ValueError, match="nonlinearity"):
        vinit.kaiming_normal_(torch.empty(30, 40), nonlinearity="gelu", seed=1)


def test_zero_element_tensors():
    t = torch.empty(0, 5)
    with pytest.warns(UserWarning, match="zero-element"):
        assert vinit.kaiming_uniform_(t, seed=0) is t
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ["xavier_uniform_", "normal_", "orthogonal_", "lecun_normal_"]:
            assert getattr(vinit, name)(t, seed=0) is t


def test_bad_arguments():
    with pytest.raises(TypeError, match="torch.Tensor"):
        vinit.normal_(np.zeros(3), seed=0)
    with pytest.raises(TypeError, match="torch.int32"):
        vinit.normal_(torch.zeros(3, dtype=torch.int32), seed=0)
    with pytest.raises(TypeError, match="complex"):
        vinit.xavier_uniform_(torch.zeros(3, 3, dtype=torch.complex64), seed=0)
    with pytest.raises(ValueError, match="low=1.0 must not exceed high=0.0"):
        vinit.uniform_(torch.empty(3), 1.0, 0.0, seed=0)
    with pytest.raises(ValueError, match="seed"):
        vinit.normal_(torch.empty(3), seed=-1)
    with pytest.raises(TypeError, match="either seed"):
        vinit.normal_(torch.empty(3), seed=1, generator=torch.Generator())
    with pytest.raises(TypeError, match="torch.Generator"):
        vinit.normal_(torch.empty(3), generator=np.random.default_rng(0))


# -------------------------------------------------------------- seeds, devices

def test_generator_is_advanced_like_torch():
    g = torch.Generator().manual_seed(123)
    a = vinit.normal_(torch.empty(50, 40), generator=g)
    b = vinit.normal_(torch.empty(50, 40), generator=g)
    assert not torch.equal(a, b)  # each call draws a new seed from the generator
    g.manual_seed(123)
    assert torch.equal(vinit.normal_(torch.empty(50, 40), generator=g), a)
    assert torch.equal(vinit.normal_(torch.empty(50, 40), generator=g), b)
    # positional, as torch.nn.init.normal_(tensor, mean, std, generator)
    g.manual_seed(123)
    assert torch.equal(vinit.normal_(torch.empty(50, 40), 0.0, 1.0, g), a)


def test_default_seed_follows_torch_manual_seed():
    torch.manual_seed(9)
    a = vinit.xavier_uniform_(torch.empty(30, 30))
    b = vinit.xavier_uniform_(torch.empty(30, 30))
    torch.manual_seed(9)
    assert torch.equal(vinit.xavier_uniform_(torch.empty(30, 30)), a)
    assert not torch.equal(a, b)


def test_stale_autograd_graph_notices_the_write():
    """The fill goes around autograd (like torch's no_grad fill) but bumps the
    version counter, so a graph that saved the old values refuses to run."""
    w = torch.nn.Parameter(torch.ones(3, 3))
    y = (w * w).sum()  # saves w for backward
    vinit.normal_(w, seed=0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_non_contiguous_tensor_is_filled_through_a_copy():
    base = torch.zeros(40, 60)
    view = base.t()  # (60, 40), not contiguous
    ptr = view.data_ptr()
    vinit.normal_(view, seed=4)
    assert view.data_ptr() == ptr
    # element i of the *logical* row-major order, as for a contiguous tensor
    np.testing.assert_array_equal(view.numpy(), varscale.normal((60, 40), seed=4))
    np.testing.assert_array_equal(base.numpy(), varscale.normal((60, 40), seed=4).T)
    strided = torch.zeros(10, 20)[:, ::2]
    vinit.uniform_(strided, seed=5)
    np.testing.assert_array_equal(strided.numpy(), varscale.uniform((10, 10), seed=5))


def test_meta_tensors_are_left_alone_like_torch():
    t = torch.empty(10, 10, device="meta")
    for name in RANDOM:
        assert _call(name, t, seed=0) is t


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensor_gets_the_cpu_values():
    t = torch.empty(64, 32, device="cuda", dtype=torch.bfloat16)
    vinit.kaiming_normal_(t, seed=2, stream=5)
    cpu = vinit.kaiming_normal_(torch.empty(64, 32, dtype=torch.bfloat16), seed=2, stream=5)
    assert t.device.type == "cuda" and torch.equal(t.cpu(), cpu)
