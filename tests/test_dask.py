"""varscale.dask: lazy initialisers whose blocks, generated alone at their
global offsets, assemble the eager array bit for bit for any chunking.

These run on Dask's local schedulers; tests/test_dask_distributed.py runs
the same graphs on a cluster of worker processes."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
import dask  # noqa: E402

import varscale  # noqa: E402
import varscale.dask as vd  # noqa: E402

try:
    import ml_dtypes  # noqa: F401

    DTYPES = ["float32", "float64", "float16", "bfloat16"]
except ImportError:
    DTYPES = ["float32", "float64", "float16"]

# every initialiser, with arguments that move it off its defaults, and a
# shape its fans accept
INITIALIZERS = [
    ("xavier_uniform", (), {"gain": 1.5}),
    ("xavier_normal", (), {}),
    ("kaiming_uniform", (), {"nonlinearity": "relu"}),
    ("kaiming_normal", (), {"mode": "fan_out", "a": 0.2}),
    ("lecun_uniform", (), {"layout": "keras"}),
    ("lecun_normal", (), {}),
    ("variance_scaling", (), {"scale": 2.0, "mode": "fan_avg"}),
    ("uniform", (), {"low": -3.0, "high": 0.5}),
    ("normal", (), {"mean": 1.0, "std": 0.25}),
    ("truncated_normal", (), {"low": -1.0, "high": 3.0}),
    ("constant", (0.75,), {}),
]
FAN_FREE = {e.name for e in varscale._registry.REGISTRY if not e.fans}


def test_every_lazy_initialiser_is_listed():
    assert [name for name, _, _ in INITIALIZERS] == list(varscale._registry.REGIONAL)

# (shape, chunks): 1-D to 4-D, even, uneven, single-block, "auto", byte
# sizes, and chunks cutting rows so that blocks are not contiguous runs
CHUNKINGS = [
    ((1000,), 100),
    ((1001,), ((1, 500, 499, 1),)),
    ((97, 61), (10, 7)),
    ((97, 61), ((97,), (1, 60))),
    ((64, 33), "auto"),
    ((40, 6, 9), (7, 6, 4)),
    ((40, 6, 9), "2KiB"),
    ((8, 3, 5, 7), (3, 2, 5, 3)),
    ((8, 3, 5, 7), -1),
]


def bits(a):
    return np.ascontiguousarray(a).view(np.dtype(f"u{a.dtype.itemsize}"))


def assert_bits_equal(lazy, eager):
    got = lazy.compute(scheduler="threads")
    assert got.shape == eager.shape and got.dtype == eager.dtype
    np.testing.assert_array_equal(bits(got), bits(eager))


@pytest.mark.parametrize("shape, chunks", CHUNKINGS, ids=str)
@pytest.mark.parametrize("name, args, kwargs", INITIALIZERS, ids=[c[0] for c in INITIALIZERS])
def test_compute_equals_eager_for_any_chunking(name, args, kwargs, shape, chunks):
    if len(shape) < 2 and name not in FAN_FREE and kwargs.get("layout") != "keras":
        shape = shape + (3,)  # torch-layout fans need two dimensions
        chunks = chunks if not isinstance(chunks, tuple) else chunks + ((3,),)
    lazy = getattr(vd, name)(shape, *args, seed=7, stream=3, chunks=chunks, **kwargs)
    assert isinstance(lazy, da.Array) and lazy.shape == shape
    assert_bits_equal(lazy, getattr(varscale, name)(shape, *args, seed=7, stream=3, **kwargs))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, args, kwargs", INITIALIZERS, ids=[c[0] for c in INITIALIZERS])
def test_every_dtype(name, args, kwargs, dtype):
    shape = (45, 4, 11)
    lazy = getattr(vd, name)(shape, *args, dtype=dtype, seed=11, chunks=(8, 3, 5), **kwargs)
    eager = getattr(varscale, name)(shape, *args, dtype=dtype, seed=11, **kwargs)
    assert lazy.dtype == eager.dtype
    assert_bits_equal(lazy, eager)


def test_schedulers_and_thread_counts_do_not_matter():
    eager = varscale.kaiming_normal((301, 129), seed=5)
    for threads in (None, 1, 2):
        lazy = vd.kaiming_normal((301, 129), seed=5, chunks=(50, 64), threads=threads)
        for scheduler in ("threads", "synchronous"):
            np.testing.assert_array_equal(bits(lazy.compute(scheduler=scheduler)), bits(eager))


def test_fans_come_from_the_full_shape_not_the_block():
    # each block (10, 10) would give a bound of sqrt(6 / 20) if fans came from it
    lazy = vd.xavier_uniform((4000, 1000), seed=0, chunks=(10, 10), dtype="float64")
    block = lazy.blocks[3, 7].compute()
    assert np.abs(block).max() <= np.sqrt(6 / 5000)


@pytest.mark.parametrize("region", [
    (slice(5, 90), slice(3, 40)),
    (slice(None), 17),
    (3,),
    (..., slice(50, 61)),
    (-1, -1),
], ids=str)
def test_region(region):
    shape = (97, 61)
    lazy = vd.lecun_normal(shape, seed=2, region=region, chunks=9)
    eager = varscale.lecun_normal(shape, seed=2, region=region)
    assert lazy.shape == eager.shape
    assert_bits_equal(lazy, eager)


def test_zero_length_chunks_and_scalars():
    lazy = vd.normal((30, 20), seed=2, chunks=((10, 0, 20), (0, 7, 13)))
    assert_bits_equal(lazy, varscale.normal((30, 20), seed=2))
    assert_bits_equal(vd.uniform((), seed=4), varscale.uniform((), seed=4))


def test_seed_none_is_drawn_once_for_all_blocks(monkeypatch):
    # every draw from the OS gives a new value: were the seed drawn per
    # block, the blocks would come from different seeds
    draws = iter(range(1000, 2000))
    monkeypatch.setattr(varscale._checks.secrets, "randbits", lambda k: next(draws))
    lazy = vd.normal((500, 30), chunks=(7, 11))
    got = lazy.compute(scheduler="threads")
    np.testing.assert_array_equal(bits(got), bits(varscale.normal((500, 30), seed=1000)))
    np.testing.assert_array_equal(bits(lazy.compute(scheduler="synchronous")), bits(got))
    # a new call draws a new seed
    assert not np.array_equal(vd.normal((500, 30), chunks=(7, 11)).compute(), got)


def test_keys_are_deterministic_functions_of_the_arguments():
    a = vd.kaiming_uniform((64, 32), 0, "fan_in", seed=1, chunks=16)
    b = vd.kaiming_uniform((64, 32), seed=1, chunks=(16, 16), dtype=np.float32, mode="fan_in")
    assert a.name == b.name and a.name.startswith("varscale-kaiming_uniform-")
    assert sorted(a.__dask_keys__()) == sorted(b.__dask_keys__())
    different = [
        vd.kaiming_uniform((64, 32), seed=2, chunks=16),
        vd.kaiming_uniform((64, 32), seed=1, stream=1, chunks=16),
        vd.kaiming_uniform((64, 32), seed=1, chunks=8),
        vd.kaiming_uniform((64, 32), seed=1, chunks=16, a=0.1),
        vd.kaiming_uniform((64, 32), seed=1, chunks=16, dtype="float64"),
        vd.kaiming_normal((64, 32), seed=1, chunks=16),
        vd.kaiming_uniform((64, 32), seed=1, chunks=16, region=(slice(0, 32),)),
    ]
    names = {x.name for x in different} | {a.name}
    assert len(names) == len(different) + 1
    # seed=None: two calls, two seeds, two graphs
    assert vd.normal(10, chunks=5).name != vd.normal(10, chunks=5).name


def test_graph_holds_only_small_arguments():
    import pickle

    lazy = vd.xavier_normal((100_000, 10_000), seed=0, chunks=(1000, 10_000))
    graph = dict(lazy.__dask_graph__())
    assert len(graph) == 100
    assert max(len(pickle.dumps(task)) for task in graph.values()) < 4000


def test_reductions_stay_lazy_and_blockwise():
    # the first 2000 rows of a 1.6 GB array: 4e7 samples, generated and
    # reduced one 32 MB block at a time (the rest is never generated)
    lazy = vd.uniform((20_000, 20_000), -1.0, 1.0, seed=3, chunks=(400, 20_000))
    with dask.config.set(scheduler="threads", num_workers=2):
        mean = float(lazy[:2000].mean(dtype="float64").compute())
    assert abs(mean) < 1e-3  # 4e7 samples of variance 1/3: std of the mean 9e-5


@pytest.mark.parametrize("chunks", [0, (3, 3, 3), "lots", ((3, 3), (20,)), 2.5, (-5, 0)], ids=str)
def test_bad_chunks(chunks):
    with pytest.raises(ValueError, match="bad chunks"):
        vd.normal((30, 20), seed=2, chunks=chunks)


def test_bad_arguments_fail_at_construction_with_the_eager_message():
    with pytest.raises(ValueError, match="seed must be in"):
        vd.normal((3, 3), seed=-1)
    with pytest.raises(TypeError, match="unsupported dtype int8"):
        vd.normal((3, 3), seed=0, dtype="int8")
    with pytest.raises(ValueError, match="std must be >= 0"):
        vd.normal((3, 3), seed=0, std=-1.0)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        vd.xavier_uniform((30,), seed=0)
    with pytest.raises(ValueError, match="every dimension must be at least 1"):
        vd.uniform((3, 0), seed=0)
    with pytest.raises(ValueError, match="step 1"):
        vd.uniform((3, 4), seed=0, region=(slice(0, 3, 2),))
    with pytest.raises(TypeError, match="unexpected keyword argument 'chunk'"):
        vd.uniform((3, 4), seed=0, chunk=2)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'value'"):
        vd.constant((3, 4))
    with pytest.raises(ValueError, match="threads must be at least 1"):
        vd.uniform((3, 4), seed=0, threads=0)


def test_signatures_and_docs_follow_the_eager_functions():
    import inspect

    for name in vd.__all__:
        eager = inspect.signature(getattr(varscale, name))
        lazy = inspect.signature(getattr(vd, name))
        assert list(lazy.parameters) == list(eager.parameters) + ["chunks"]
        assert f"varscale.{name}" in getattr(vd, name).__doc__
    assert set(vd.__all__) == set(varscale._registry.REGIONAL)


def test_keys_do_not_depend_on_the_process():
    # str hashing is salted per process; the keys must not be
    import os
    import subprocess
    import sys

    code = ("import varscale.dask as vd; "
            "print(vd.variance_scaling((64, 32), 2.0, mode='fan_avg', seed=1, chunks=16, layout='keras').name)")
    names = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout.strip() for h in (1, 2)}
    here = vd.variance_scaling((64, 32), 2.0, mode="fan_avg", seed=1, chunks=16, layout="keras").name
    assert names == {here}
