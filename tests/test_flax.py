"""Flax (linen and NNX) layers with varscale.jax initialisers: eager, under
jax.jit(model.init), and distributed as with JAX's own initialisers."""

import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")
nn = pytest.importorskip("flax.linen")
nnx = pytest.importorskip("flax.nnx")
import jax.numpy as jnp
import varscale.jax as vj
from scipy import stats


class MLP(nn.Module):
    kernel_init: object

    @nn.compact
    def __call__(self, x):
        x = nn.Conv(64, (3, 3), kernel_init=self.kernel_init)(x)
        x = nn.relu(x).reshape(x.shape[0], -1)
        return nn.Dense(256, kernel_init=self.kernel_init)(x)


def test_linen_jit_init_equals_eager_init():
    model, x = MLP(vj.he_normal()), jnp.ones((1, 8, 8, 3))
    eager = model.init(jax.random.key(0), x)
    jitted = jax.jit(model.init)(jax.random.key(0), x)
    for a, b in zip(jax.tree_util.tree_leaves(eager), jax.tree_util.tree_leaves(jitted)):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    dense = eager["params"]["Dense_0"]["kernel"]
    assert dense.shape == (8 * 8 * 64, 256)
    # He normal on Flax's (in, out) kernel: std sqrt(2 / fan_in)
    assert float(jnp.std(dense)) == pytest.approx(math.sqrt(2 / (8 * 8 * 64)), rel=0.02)
    assert model.apply(eager, x).shape == (1, 256)


def test_linen_distribution_equals_flax_with_jax_initialiser():
    x = jnp.ones((1, 8, 8, 3))
    ours = jax.jit(MLP(vj.he_normal()).init)(jax.random.key(1), x)["params"]
    theirs = jax.jit(MLP(jax.nn.initializers.he_normal()).init)(jax.random.key(2), x)["params"]
    # two layers: Bonferroni over 2 tests at familywise 1e-3
    for layer in ("Conv_0", "Dense_0"):
        a = np.asarray(ours[layer]["kernel"]).ravel()
        b = np.asarray(theirs[layer]["kernel"]).ravel()
        assert stats.ks_2samp(a, b).pvalue > 1e-3 / 2


def test_linen_different_layers_get_different_keys():
    params = MLP(vj.lecun_normal()).init(jax.random.key(0), jnp.ones((1, 4, 4, 3)))["params"]
    a = np.asarray(params["Conv_0"]["kernel"]).ravel()[:100]
    b = np.asarray(params["Dense_0"]["kernel"]).ravel()[:100]
    assert not np.allclose(a / a.std(), b / b.std())


def test_nnx_linear_and_conv():
    rngs = nnx.Rngs(0)
    linear = nnx.Linear(512, 128, kernel_init=vj.he_normal(), rngs=rngs)
    conv = nnx.Conv(16, 32, (3, 3), kernel_init=vj.orthogonal(), rngs=rngs)
    w = np.asarray(linear.kernel[...])
    assert w.shape == (512, 128)
    assert w.std() == pytest.approx(math.sqrt(2 / 512), rel=0.03)
    assert np.abs(w).max() <= 2 * math.sqrt(2 / 512) / 0.87962566103423978 * (1 + 1e-6)
    k = np.asarray(conv.kernel[...], dtype=np.float64).reshape(-1, 32)
    assert np.abs(k.T @ k - np.eye(32)).max() < 1e-5


def test_nnx_under_jit_equals_eager():
    def build():
        return nnx.Linear(64, 32, kernel_init=vj.glorot_uniform(), rngs=nnx.Rngs(7))

    eager = build()
    jitted = nnx.jit(build)()
    assert np.array_equal(np.asarray(eager.kernel[...]), np.asarray(jitted.kernel[...]))
