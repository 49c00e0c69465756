"""varscale.jax against jax.nn.initializers: fans, scales, bounds, distributions
(two-sample KS against JAX's own draws), keys, jit == eager, dtypes, errors."""

import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import jax.numpy as jnp
import varscale
import varscale.jax as vj
from jax._src.nn.initializers import _compute_fans as jax_compute_fans
from scipy import stats

JI = jax.nn.initializers
TRUNC = 0.87962566103423978

# (name, factory args, scale, mode, distribution): the variance-scaling family
FAMILY = [
    ("glorot_uniform", 1.0, "fan_avg", "uniform"),
    ("glorot_normal", 1.0, "fan_avg", "truncated_normal"),
    ("he_uniform", 2.0, "fan_in", "uniform"),
    ("he_normal", 2.0, "fan_in", "truncated_normal"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"),
    ("lecun_normal", 1.0, "fan_in", "truncated_normal"),
]
ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal",
           "kaiming_uniform": "he_uniform", "kaiming_normal": "he_normal"}
# (shape, axes kwargs): dense, conv 2-D and 3-D, a batch axis, tuple axes
SHAPES = [
    ((784, 256), {}),
    ((3, 3, 64, 128), {}),
    ((3, 3, 3, 16, 32), {}),
    ((8, 96, 64), {"batch_axis": 0}),
    ((4, 16, 5, 40), {"in_axis": (0, 1), "out_axis": -1}),
    ((32, 6, 48), {"in_axis": -1, "out_axis": 0, "batch_axis": (1,)}),
]
SHAPE_IDS = ["dense", "conv2d", "conv3d", "batch_axis", "tuple_in_axis", "in_last_batch_mid"]


def expected(shape, axes, scale, mode, distribution):
    """JAX's own fans (its _compute_fans) -> (distribution kind, bound or truncation, std of the result)."""
    fan_in, fan_out = jax_compute_fans(shape, **axes)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2,
         "fan_geo_avg": math.sqrt(fan_in * fan_out)}[mode]
    std = math.sqrt(scale / n)
    bound = math.sqrt(3) * std if distribution == "uniform" else 2 * std / TRUNC if distribution == "truncated_normal" \
        else None
    return bound, std


@pytest.mark.parametrize("shape,axes", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("name,scale,mode,distribution", FAMILY, ids=[f[0] for f in FAMILY])
def test_fans_bounds_and_std_match_jax(name, scale, mode, distribution, shape, axes):
    w = np.asarray(getattr(vj, name)(**axes)(jax.random.key(3), shape), dtype=np.float64)
    bound, std = expected(shape, axes, scale, mode, distribution)
    assert w.shape == shape
    assert np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(w).max() >= bound * (0.97 if distribution == "uniform" else 0.9)
    # sampling error of the std of >= 30k values is below 1 %
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 5 * std / math.sqrt(w.size)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg", "fan_geo_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_variance_scaling_std(mode, distribution):
    shape, axes = (3, 3, 48, 80), {}
    w = np.asarray(vj.variance_scaling(0.7, mode, distribution)(jax.random.key(1), shape), dtype=np.float64)
    assert w.std() == pytest.approx(expected(shape, axes, 0.7, mode, distribution)[1], rel=0.02)


KS_CASES = (
    [(f"{name}-{sid}", getattr(vj, name)(**axes), getattr(JI, name)(**axes), shape)
     for name, *_ in FAMILY for (shape, axes), sid in zip(SHAPES[:4], SHAPE_IDS[:4])]
    + [(f"vs-{m}-{d}", vj.variance_scaling(1.3, m, d), JI.variance_scaling(1.3, m, d), (3, 3, 40, 72))
       for m in ("fan_out", "fan_geo_avg") for d in ("truncated_normal", "normal", "uniform")]
    + [("normal", vj.normal(0.3), JI.normal(0.3), (400, 300)),
       ("uniform", vj.uniform(2.0), JI.uniform(2.0), (400, 300)),
       ("truncated_normal", vj.truncated_normal(0.5), JI.truncated_normal(0.5), (400, 300)),
       ("truncated_normal-asym", vj.truncated_normal(0.5, lower=-1.0, upper=3.0),
        JI.truncated_normal(0.5, lower=-1.0, upper=3.0), (400, 300)),
       ("orthogonal", vj.orthogonal(1.5), JI.orthogonal(1.5), (600, 200)),
       ("orthogonal-col0", vj.orthogonal(column_axis=0), JI.orthogonal(column_axis=0), (64, 4, 3, 60))]
)
#: familywise error 1e-3 over all KS tests (Bonferroni)
KS_ALPHA = 1e-3 / len(KS_CASES)


@pytest.mark.parametrize("case", KS_CASES, ids=[c[0] for c in KS_CASES])
def test_two_sample_ks_against_jax(case):
    _, ours, theirs, shape = case
    a = np.asarray(ours(jax.random.key(11), shape)).ravel()
    b = np.asarray(theirs(jax.random.key(12), shape)).ravel()
    assert stats.ks_2samp(a, b).pvalue > KS_ALPHA


def test_ks_detects_the_untruncated_normal():
    """The KS test above has the power to see the truncation the issue found missing."""
    shape = (784, 256)
    a = np.asarray(vj.variance_scaling(2.0, "fan_in", "normal")(jax.random.key(1), shape)).ravel()
    b = np.asarray(JI.he_normal()(jax.random.key(2), shape)).ravel()
    assert stats.ks_2samp(a, b).pvalue < 1e-6


def test_aliases_are_the_same_factories():
    for alias, name in ALIASES.items():
        assert getattr(vj, alias) is getattr(vj, name)


def test_signatures_match_jax():
    import inspect

    for name in ["variance_scaling", "orthogonal", "delta_orthogonal", "normal", "uniform", "truncated_normal",
                 *[f[0] for f in FAMILY], *ALIASES]:
        ours, theirs = inspect.signature(getattr(vj, name)), inspect.signature(getattr(JI, name))
        assert [(p.name, p.default) for p in ours.parameters.values()] == \
               [(p.name, p.default) for p in theirs.parameters.values()], name
    init = inspect.signature(vj.he_normal())
    assert list(init.parameters) == ["key", "shape", "dtype", "out_sharding"]
    assert isinstance(vj.he_normal(), JI.Initializer)


@pytest.mark.parametrize("shape,column_axis", [((256, 64), -1), ((3, 3, 64, 128), -1), ((16, 4, 3, 64), 0),
                                               ((20, 50), -1), ((5, 40, 6), 1)])
def test_orthogonal_along_column_axis(shape, column_axis):
    w = np.asarray(vj.orthogonal(2.0, column_axis=column_axis)(jax.random.key(0), shape), dtype=np.float64)
    m = np.moveaxis(w, column_axis, -1).reshape(-1, shape[column_axis])
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    assert np.abs(gram - 4.0 * np.eye(len(gram))).max() < 4e-5


def test_delta_orthogonal_centre_tap():
    w = np.asarray(vj.delta_orthogonal()(jax.random.key(0), (3, 3, 16, 32)), dtype=np.float64)
    centre = w[1, 1]
    assert np.abs(centre @ centre.T - np.eye(16)).max() < 1e-5
    w[1, 1] = 0
    assert not w.any()


# ---------------------------------------------------------------- keys


def test_key_mapping_documented():
    assert vj.key_to_seed_stream(jax.random.key(42)) == (42, 0)
    assert vj.key_to_seed_stream(jax.random.PRNGKey(42)) == (42, 0)
    assert vj.key_to_seed_stream(np.array([1, 2, 3, 4], np.uint32)) == (2**32 + 2, 3 * 2**32 + 4)
    w = vj.normal(1.0)(jax.random.key(42), (50,))
    assert np.array_equal(np.asarray(w), varscale.normal((50,), 0.0, 1.0, seed=42, stream=0))


def test_equal_keys_equal_arrays_split_keys_independent():
    init = vj.he_normal()
    key = jax.random.key(5)
    a, b = init(key, (300, 200)), init(jax.random.key(5), (300, 200))
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert np.array_equal(np.asarray(init(jax.random.PRNGKey(5), (300, 200))), np.asarray(a))
    k1, k2 = jax.random.split(key)
    x, y = np.asarray(init(k1, (300, 200))).ravel(), np.asarray(init(k2, (300, 200))).ravel()
    assert not np.array_equal(x, np.asarray(a).ravel())
    assert abs(np.corrcoef(x, y)[0, 1]) < 5 / math.sqrt(x.size)
    assert stats.ks_2samp(x, y).pvalue > 1e-4


def test_rbg_keys_use_all_four_words():
    init = vj.normal(1.0)
    a = init(jax.random.key(1, impl="rbg"), (64,))
    seed, stream = vj.key_to_seed_stream(jax.random.key(1, impl="rbg"))
    assert np.array_equal(np.asarray(a), varscale.normal((64,), 0.0, 1.0, seed=seed, stream=stream))


# ---------------------------------------------------------------- jit, vmap, dtypes

JIT_CASES = [("he_normal", vj.he_normal()), ("glorot_uniform", vj.glorot_uniform()),
             ("orthogonal", vj.orthogonal()), ("truncated_normal", vj.truncated_normal(1.0)),
             ("uniform", vj.uniform()), ("delta_orthogonal", vj.delta_orthogonal())]


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.bfloat16, jnp.float16])
@pytest.mark.parametrize("name,init", JIT_CASES, ids=[c[0] for c in JIT_CASES])
def test_jit_equals_eager(name, init, dtype):
    key, shape = jax.random.key(9), (3, 3, 24, 40)
    eager = init(key, shape, dtype)
    jitted = jax.jit(lambda k: init(k, shape, dtype))(key)
    assert eager.dtype == jitted.dtype == jnp.dtype(dtype)
    assert np.array_equal(np.asarray(eager).view(np.uint16 if dtype != jnp.float32 else np.uint32),
                          np.asarray(jitted).view(np.uint16 if dtype != jnp.float32 else np.uint32))


def test_half_types_are_the_float32_draw_rounded():
    key = jax.random.key(4)
    init = vj.variance_scaling(2.0, "fan_in", "normal")  # unbounded: no inward rounding at a bound
    f32 = np.asarray(init(key, (64, 64)))
    for dtype in (jnp.bfloat16, jnp.float16):
        assert np.array_equal(np.asarray(init(key, (64, 64), dtype)), f32.astype(dtype))
        bounded = np.asarray(vj.he_uniform()(key, (64, 64), dtype), dtype=np.float64)
        assert np.abs(bounded).max() <= math.sqrt(6 / 64)  # bounds hold after rounding


def test_float64_with_x64_enabled_jit_equals_eager():
    with jax.enable_x64(True):
        key = jax.random.key(2)
        for init in (vj.he_normal(), vj.orthogonal(), vj.normal()):
            eager = init(key, (40, 30), jnp.float64)
            jitted = jax.jit(lambda k, init=init: init(k, (40, 30), jnp.float64))(key)
            assert eager.dtype == jnp.float64
            assert np.array_equal(np.asarray(eager), np.asarray(jitted))
        assert vj.he_normal()(key, (4, 4)).dtype == jnp.float64  # JAX's default float under x64
        w = np.asarray(vj.orthogonal()(key, (64, 32), jnp.float64))
        assert np.abs(w.T @ w - np.eye(32)).max() < 1e-12


def test_float64_without_x64_is_float32_as_jax():
    assert vj.he_normal()(jax.random.key(0), (4, 4), jnp.float64).dtype == jnp.float32


def test_factory_dtype_is_the_default():
    assert vj.he_normal(dtype=jnp.bfloat16)(jax.random.key(0), (4, 4)).dtype == jnp.bfloat16


def test_vmap_over_keys_is_one_draw_per_key():
    keys = jax.random.split(jax.random.key(0), 3)
    init = vj.lecun_normal()
    batched = jax.jit(jax.vmap(lambda k: init(k, (16, 8))))(keys)
    for i in range(3):
        assert np.array_equal(np.asarray(batched[i]), np.asarray(init(keys[i], (16, 8))))


def test_zero_size_and_scalar_shapes():
    assert vj.normal()(jax.random.key(0), (3, 0)).shape == (3, 0)
    assert vj.uniform()(jax.random.key(0), ()).shape == ()


def test_zeros_ones_constant_are_jax_s():
    assert vj.zeros is JI.zeros and vj.ones is JI.ones and vj.constant is JI.constant


# ---------------------------------------------------------------- errors, as JAX raises them

ERRORS = [
    (lambda: vj.variance_scaling(1.0, "fan_bad", "normal")(jax.random.key(0), (3, 4)),
     lambda: JI.variance_scaling(1.0, "fan_bad", "normal")(jax.random.key(0), (3, 4))),
    (lambda: vj.variance_scaling(1.0, "fan_in", "cauchy")(jax.random.key(0), (3, 4)),
     lambda: JI.variance_scaling(1.0, "fan_in", "cauchy")(jax.random.key(0), (3, 4))),
    (lambda: vj.he_normal(in_axis=5)(jax.random.key(0), (3, 4)),
     lambda: JI.he_normal(in_axis=5)(jax.random.key(0), (3, 4))),
    (lambda: vj.he_normal(in_axis=(0, 7))(jax.random.key(0), (3, 4, 5)),
     lambda: JI.he_normal(in_axis=(0, 7))(jax.random.key(0), (3, 4, 5))),
    (lambda: vj.he_normal(batch_axis=9)(jax.random.key(0), (3, 4)),
     lambda: JI.he_normal(batch_axis=9)(jax.random.key(0), (3, 4))),
    (lambda: vj.he_normal()(jax.random.key(0), (3,)), lambda: JI.he_normal()(jax.random.key(0), (3,))),
    (lambda: vj.he_normal()(jax.random.key(0), (3, 0)), lambda: JI.he_normal()(jax.random.key(0), (3, 0))),
    (lambda: vj.he_normal()(jax.random.key(0), (3, 4), jnp.int32),
     lambda: JI.he_normal()(jax.random.key(0), (3, 4), jnp.int32)),
    (lambda: vj.normal()(jax.random.key(0), (3, 4), jnp.int8),
     lambda: JI.normal()(jax.random.key(0), (3, 4), jnp.int8)),
    (lambda: vj.uniform()(jax.random.key(0), (3, 4), "bogus"),
     lambda: JI.uniform()(jax.random.key(0), (3, 4), "bogus")),
    (lambda: vj.normal()(jax.random.key(0), (3, 4.5)), lambda: JI.normal()(jax.random.key(0), (3, 4.5))),
    (lambda: vj.orthogonal()(jax.random.key(0), (3,)), lambda: JI.orthogonal()(jax.random.key(0), (3,))),
    (lambda: vj.orthogonal(column_axis=5)(jax.random.key(0), (3, 4)),
     lambda: JI.orthogonal(column_axis=5)(jax.random.key(0), (3, 4))),
    (lambda: vj.delta_orthogonal()(jax.random.key(0), (3, 3)),
     lambda: JI.delta_orthogonal()(jax.random.key(0), (3, 3))),
    (lambda: vj.delta_orthogonal()(jax.random.key(0), (3, 3, 8, 4)),
     lambda: JI.delta_orthogonal()(jax.random.key(0), (3, 3, 8, 4))),
    (lambda: vj.normal()(jnp.zeros(3, jnp.uint32), (3, 4)), lambda: JI.normal()(jnp.zeros(3, jnp.uint32), (3, 4))),
    (lambda: vj.normal()(1, (3, 4)), lambda: JI.normal()(1, (3, 4))),
]


@pytest.mark.parametrize("ours,theirs", ERRORS)
def test_errors_have_jax_s_exception_types(ours, theirs):
    with pytest.raises(Exception) as jax_error:
        theirs()
    with pytest.raises(type(jax_error.value)):
        ours()


def test_errors_jax_does_not_raise_are_value_errors():
    with pytest.raises(ValueError, match="scale"):
        vj.variance_scaling(-1.0, "fan_in", "normal")  # JAX: NaN
    with pytest.raises(ValueError, match="complex"):
        vj.he_normal()(jax.random.key(0), (3, 4), jnp.complex64)
    with pytest.raises(ValueError, match="lower"):
        vj.truncated_normal(lower=2.0, upper=-2.0)
    with pytest.raises(ValueError, match="negative"):
        vj.normal()(jax.random.key(0), (3, -4))


def test_errors_under_jit_are_raised_at_trace_time():
    with pytest.raises(IndexError):
        jax.jit(lambda k: vj.he_normal(in_axis=5)(k, (3, 4)))(jax.random.key(0))
