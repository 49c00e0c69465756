"""varscale.dask on a distributed cluster of worker processes (loopback
only): blocks generated in other processes assemble the eager array bit
for bit."""

import numpy as np
import pytest

pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import varscale  # noqa: E402
import varscale.dask as vd  # noqa: E402


@pytest.fixture(scope="module")
def client():
    # one cluster for the module: worker processes take seconds to start
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def bits(a):
    return np.ascontiguousarray(a).view(np.dtype(f"u{a.dtype.itemsize}"))


CASES = [
    ("kaiming_uniform", (301, 67), (40, 30), {"nonlinearity": "relu"}, "float32"),
    ("xavier_normal", (16, 8, 3, 3), (5, 3, 2, 3), {}, "float64"),
    ("variance_scaling", (3, 3, 64, 48), (2, 3, 30, 17), {"layout": "keras"}, "float16"),
    ("truncated_normal", (5003,), ((1, 2, 5000),), {"std": 0.02, "low": -0.04, "high": 0.04}, "float32"),
    ("uniform", (120, 7, 9), "4KiB", {"low": -1.0, "high": 1.0}, "bfloat16"),
]


@pytest.mark.parametrize("name, shape, chunks, kwargs, dtype", CASES, ids=[c[0] for c in CASES])
def test_cluster_compute_equals_eager(client, name, shape, chunks, kwargs, dtype):
    if dtype == "bfloat16":
        pytest.importorskip("ml_dtypes")
    lazy = getattr(vd, name)(shape, dtype=dtype, seed=123, stream=4, chunks=chunks, **kwargs)
    got = client.compute(lazy).result()
    eager = getattr(varscale, name)(shape, dtype=dtype, seed=123, stream=4, **kwargs)
    assert got.dtype == eager.dtype and got.shape == eager.shape
    np.testing.assert_array_equal(bits(got), bits(eager))


def test_blocks_really_come_from_both_workers(client):
    lazy = vd.normal((4000, 100), seed=9, chunks=(100, 100))
    persisted = client.persist(lazy)
    distributed.wait(persisted)
    where = client.who_has(persisted)
    workers = {w for holders in where.values() for w in holders}
    assert len(workers) == 2
    np.testing.assert_array_equal(bits(persisted.compute()), bits(varscale.normal((4000, 100), seed=9)))
    del persisted


def test_seed_none_is_shared_by_blocks_on_different_workers(client, monkeypatch):
    # the seed is drawn here, in the client process: workers never draw one
    monkeypatch.setattr(varscale._checks.secrets, "randbits", lambda k: 2**63 + 5)
    lazy = vd.lecun_uniform((2000, 50), chunks=(100, 25))
    np.testing.assert_array_equal(bits(client.compute(lazy).result()),
                                  bits(varscale.lecun_uniform((2000, 50), seed=2**63 + 5)))


def test_region_and_blockwise_reduction_on_the_cluster(client):
    shape = (3000, 2000)
    lazy = vd.kaiming_normal(shape, seed=1, region=(slice(1000, 2500), slice(None, 1500)), chunks=(250, 500))
    eager = varscale.kaiming_normal(shape, seed=1)[1000:2500, :1500]
    np.testing.assert_array_equal(bits(client.compute(lazy).result()), bits(eager))
    # a reduction: partial sums per block on the workers, only scalars move
    total = client.compute((lazy.astype("float64") ** 2).sum()).result()
    assert total == pytest.approx(float((eager.astype("float64") ** 2).sum()), rel=1e-12)
