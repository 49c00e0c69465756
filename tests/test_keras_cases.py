"""varscale.keras against keras.initializers under one backend (KERAS_BACKEND,
set by tests/test_keras.py in a child process): fans and bounds, KS against
Keras' own draws, seed semantics, configs, layers, dtypes."""

import math
import os

import numpy as np
import pytest

if os.environ.get("KERAS_BACKEND") not in ("jax", "torch"):
    pytest.skip("runs in a child process with KERAS_BACKEND set (tests/test_keras.py)", allow_module_level=True)

import keras
import varscale.keras as vk
from scipy import stats

KI = keras.initializers
TRUNC = 0.87962566103423978
SHAPES = [(784, 256), (3, 3, 64, 128), (3, 3, 3, 16, 32)]
VS = [("GlorotUniform", 1.0, "fan_avg", "uniform"), ("GlorotNormal", 1.0, "fan_avg", "truncated_normal"),
      ("HeUniform", 2.0, "fan_in", "uniform"), ("HeNormal", 2.0, "fan_in", "truncated_normal"),
      ("LecunUniform", 1.0, "fan_in", "uniform"), ("LecunNormal", 1.0, "fan_in", "truncated_normal")]


def np_(x):
    return np.asarray(keras.ops.convert_to_numpy(keras.ops.cast(x, "float32")), dtype=np.float64)


def keras_fans(shape):
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


@pytest.mark.parametrize("shape", SHAPES, ids=["dense", "conv2d", "conv3d"])
@pytest.mark.parametrize("name,scale,mode,distribution", VS, ids=[v[0] for v in VS])
def test_fans_bounds_std_match_keras(name, scale, mode, distribution, shape):
    w = np_(getattr(vk, name)(seed=1)(shape))
    fan_in, fan_out = keras_fans(shape)
    std = math.sqrt(scale / (fan_in if mode == "fan_in" else (fan_in + fan_out) / 2))
    bound = math.sqrt(3) * std if distribution == "uniform" else 2 * std / TRUNC
    assert w.shape == shape
    assert bound * 0.9 <= np.abs(w).max() <= bound * (1 + 1e-6)
    assert w.std() == pytest.approx(std, rel=0.02)


def test_explicit_axes_as_keras():
    shape = (8, 96, 64)
    ours = np_(vk.HeUniform(seed=0, input_axes=[1], output_axes=[2])(shape))
    assert np.abs(ours).max() <= math.sqrt(6 / 96) * (1 + 1e-6)
    assert ours.std() == pytest.approx(math.sqrt(2 / 96), rel=0.02)


KS = ([(name, getattr(vk, name), getattr(KI, name), {}, shape) for name, *_ in VS for shape in SHAPES[:2]]
      + [("VS-fan_out-untruncated", vk.VarianceScaling, KI.VarianceScaling,
          {"scale": 0.5, "mode": "fan_out", "distribution": "untruncated_normal"}, (3, 3, 64, 128)),
         ("Orthogonal", vk.Orthogonal, KI.Orthogonal, {"gain": 1.5}, (500, 200)),
         ("TruncatedNormal", vk.TruncatedNormal, KI.TruncatedNormal, {"mean": 1.0, "stddev": 0.3}, (400, 300)),
         ("RandomNormal", vk.RandomNormal, KI.RandomNormal, {"mean": -1.0, "stddev": 2.0}, (400, 300)),
         ("RandomUniform", vk.RandomUniform, KI.RandomUniform, {"minval": -0.2, "maxval": 0.7}, (400, 300))])


@pytest.mark.parametrize("case", KS, ids=[f"{c[0]}-{c[4]}" for c in KS])
def test_two_sample_ks_against_keras(case):
    _, ours, theirs, kwargs, shape = case
    a, b = np_(ours(seed=3, **kwargs)(shape)).ravel(), np_(theirs(seed=4, **kwargs)(shape)).ravel()
    assert stats.ks_2samp(a, b).pvalue > 1e-3 / len(KS)  # Bonferroni, familywise 1e-3


def test_orthogonal_columns():
    w = np_(vk.Orthogonal(gain=2.0, seed=0)((3, 3, 32, 64))).reshape(-1, 64)
    assert np.abs(w.T @ w - 4 * np.eye(64)).max() < 1e-4


def test_int_seed_repeats_none_fresh_per_instance_generator_advances():
    a, b = vk.HeNormal(seed=5)((64, 32)), vk.HeNormal(seed=5)((64, 32))
    assert np.array_equal(np_(a), np_(b))
    init = vk.HeNormal()  # seed None: Keras draws one when the instance is built
    assert np.array_equal(np_(init((64, 32))), np_(init((64, 32))))
    assert not np.array_equal(np_(vk.HeNormal()((64, 32))), np_(vk.HeNormal()((64, 32))))
    gen = vk.RandomNormal(seed=keras.random.SeedGenerator(1))
    assert not np.array_equal(np_(gen((64, 32))), np_(gen((64, 32))))
    assert not np.array_equal(np_(vk.HeNormal(seed=6)((64, 32))), np_(a))


CONFIG_CASES = [(name, {"seed": 3}) for name, *_ in VS] + [
    ("VarianceScaling", {"scale": 0.3, "mode": "fan_out", "distribution": "uniform", "seed": 2}),
    ("Orthogonal", {"gain": 0.5, "seed": 1}), ("TruncatedNormal", {"mean": 0.1, "stddev": 0.2, "seed": 1}),
    ("RandomNormal", {"stddev": 0.2, "seed": 1}), ("RandomUniform", {"minval": 0.0, "maxval": 1.0, "seed": 1})]


@pytest.mark.parametrize("name,kwargs", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_config_round_trip_and_keras_config(name, kwargs):
    init = getattr(vk, name)(**kwargs)
    assert isinstance(init, KI.Initializer) and isinstance(init, getattr(KI, name))
    assert init.get_config() == getattr(KI, name)(**kwargs).get_config()
    again = getattr(vk, name).from_config(init.get_config())
    assert type(again) is type(init)
    assert np.array_equal(np_(again((30, 20))), np_(init((30, 20))))
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(init))
    assert type(restored) is type(init)


def test_keras_validation_is_keras_s():
    with pytest.raises(ValueError):
        vk.VarianceScaling(mode="fan_geo")
    with pytest.raises(ValueError):
        vk.VarianceScaling(scale=-1.0)
    with pytest.raises(ValueError):
        vk.Orthogonal()((5,))
    with pytest.raises(ValueError, match="int32"):
        vk.HeNormal(seed=0)((4, 4), dtype="int32")


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_dtypes(dtype):
    w = vk.GlorotNormal(seed=0)((32, 16), dtype=dtype)
    assert keras.backend.standardize_dtype(w.dtype) == dtype
    ref = np.asarray(vk.GlorotNormal(seed=0)((32, 16), dtype="float32"))
    assert np.allclose(np_(w), ref, rtol=1e-2, atol=1e-3)


def test_as_kernel_initializer_in_layers():
    dense = keras.layers.Dense(64, kernel_initializer=vk.HeNormal(seed=7))
    dense.build((None, 128))
    assert np.array_equal(np_(dense.kernel), np_(vk.HeNormal(seed=7)((128, 64))))
    conv = keras.layers.Conv2D(32, 3, kernel_initializer=vk.Orthogonal(seed=1))
    conv.build((None, 16, 16, 8))
    k = np_(conv.kernel).reshape(-1, 32)
    assert np.abs(k.T @ k - np.eye(32)).max() < 1e-4
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(4, kernel_initializer=vk.GlorotUniform(seed=0))])
    assert model(np.ones((2, 10), np.float32)).shape == (2, 4)
    restored = keras.Sequential.from_config(model.get_config())
    assert type(restored.layers[0].kernel_initializer) is vk.GlorotUniform
