"""The batched core path ``_core.fill_many``: bit-identical to one ``fill``
per array (every dtype, offsets, regions, parallel or not), and every bad job
refused before anything is written, with an error naming the job."""

from typing import Any, List, Optional, Tuple

import ml_dtypes
import numpy as np
import pytest

from varscale import _core

DISTS = [
    _core.Uniform(-0.3, 0.7),
    _core.Normal(0.5, 2.0),
    _core.TruncatedNormal(0.0, 1.0, -2.0, 2.0),
    _core.TruncatedNormal(0.0, 1.0, 2.5, float("inf")),
    _core.Constant(0.25),
]
# a partial group, odd shapes, and arrays large enough to be split (1.2 MiB
# of float32) or to release the GIL
SHAPES = [(1,), (63,), (64, 64), (3, 5, 7), (300_001,)]
DTYPES = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16]


def _out(shape: Tuple[int, ...], dtype: Any) -> Tuple[np.ndarray, np.ndarray, Optional[str]]:
    """An array, the array the core fills (uint16 view for half types), and its half name."""
    a = np.zeros(shape, dtype)
    name = np.dtype(dtype).name
    return (a, a.view(np.uint16), name) if name in ("float16", "bfloat16") else (a, a, None)


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_each_array_equals_its_own_fill(threads: Optional[int]) -> None:
    jobs: List[Tuple[Any, ...]] = []
    for i, dist in enumerate(DISTS):
        for j, shape in enumerate(SHAPES):
            for k, dtype in enumerate(DTYPES):
                _, core, half = _out(shape, dtype)
                offset = 3 * j  # also a partial first group
                jobs.append((core, dist, 7, 100 * i + 10 * j + k, offset, half))
    # a region of a larger tensor, and a job with every default spelled out
    jobs.append((np.zeros((2, 50, 30), np.float32), DISTS[1], 5, 1, None, None, ((4, 90, 31), (1, 20, 1))))
    jobs.append((np.zeros(1000, np.float64), DISTS[2], 5, 2, None, None, None))
    _core.fill_many(jobs, threads=threads)
    for out, dist, seed, stream, *rest in jobs:
        offset, half, region = [*rest, None, None, None][:3]
        alone = np.zeros_like(out)
        _core.fill(alone, dist, seed, stream, offset or 0, half=half, region=region)
        assert out.tobytes() == alone.tobytes(), (dist, out.shape, out.dtype, half)
        assert out.any(), "every job writes (no distribution here is all zeros)"


def test_empty_list_and_empty_arrays() -> None:
    _core.fill_many([])
    _core.fill_many([(np.zeros(0, np.float32), DISTS[0], 0, 0)])


def _bad(jobs: "list[Any]", err: "type[Exception]", match: str, **kw: Any) -> None:
    good = np.zeros(100, np.float32)
    with pytest.raises(err, match=match):
        _core.fill_many([(good, _core.Normal(0.0, 1.0), 0, 0), *jobs], **kw)
    assert not good.any(), "a bad job must stop the call before anything is written"


def test_bad_jobs_are_refused_by_index() -> None:
    a = np.zeros(10, np.float32)
    n = _core.Normal(0.0, 1.0)
    _bad([(a, ("normal", 0.0, 1.0), 0, 1)], TypeError, r"^buffer 1: dist must be")
    _bad([(a, n, -1, 1)], OverflowError, r"^buffer 1: ")
    _bad([(a, n, 0)], TypeError, r"^buffer 1: a job has 4 to 7 entries")
    _bad([[a, n, 0, 1]], TypeError, r"^buffer 1: a job must be a tuple")
    _bad([(np.zeros(3, np.int32), n, 0, 1)], TypeError, r"^buffer 1: .*dtype int32")
    _bad([(np.zeros((4, 4), np.float32).T, n, 0, 1)], ValueError, "^buffer 1: out must be C-contiguous")
    _bad([(a, n, 0, 1), (a, n, 0, 2)], ValueError, "^buffer 2: .*given twice")
    big = np.zeros(100, np.float64)
    _bad([(big[:60], n, 0, 1), (big[50:], n, 0, 2)], ValueError, "^buffer 2: .*given twice")  # overlapping views
    read_only = np.zeros(3, np.float64)
    read_only.flags.writeable = False
    _bad([(read_only, n, 0, 1)], ValueError, "^buffer 1: out is not writable")
    _bad([(np.zeros(3, np.float32), n, 0, 1, 0, "float8")], TypeError, "^buffer 1: unknown half type")
    _bad([(np.zeros(3, np.float32), n, 0, 1, 0, "float16")], TypeError, "^buffer 1: .*uint16 view")
    # parameters the dtype cannot hold, checked by the core for each job's dtype
    _bad([(np.zeros(3, np.uint16), _core.Uniform(0, 1e5), 0, 1, 0, "float16")], ValueError, "^buffer 1: high=")
    _bad([(a, _core.Normal(0.0, 1e38), 0, 1)], ValueError, r"^buffer 1: mean \+ 9 \* std")
    _bad([(a, n, 0, 1, 2**64 - 5)], ValueError, "2\\^64")
    _bad([(a, n, 0, 1, 0, None, ((4, 4), (3, 0)))], ValueError, "^buffer 1: region")
    _bad([(a, n, 0, 1, 3, None, ((10,), (0,)))], ValueError, "^buffer 1: give either offset or region")
    _bad([(a, n, 0, 1)], ValueError, "threads", threads=0)
    _bad([(a, n, 0, 1)], ValueError, "unknown isa", isa="mmx")



def test_backend_fill_many_equals_backend_fill() -> None:
    torch = pytest.importorskip("torch")
    from varscale import _backend

    dist = _backend.truncated_normal(0.1, 0.5, -0.5, 0.8)
    outs: List[Any] = [np.zeros(s, d) for s in [(7,), (64, 64), (300_001,)] for d in DTYPES]
    outs += [torch.zeros(5, 9, dtype=d) for d in (torch.float32, torch.bfloat16, torch.float16, torch.float64)]
    _backend.fill_many([(o, dist, 11, k) for k, o in enumerate(outs)], threads=2)
    for k, o in enumerate(outs):
        alone = _backend.fill(o.clone() if isinstance(o, torch.Tensor) else o.copy(), lambda _: dist, 11, k, None)
        same = torch.equal(o, alone) if isinstance(o, torch.Tensor) else o.tobytes() == alone.tobytes()
        assert same, (k, o.dtype)
        assert (o != 0).any()


def test_backend_fill_many_refuses_bad_jobs_by_index() -> None:
    from varscale import _backend

    good = np.zeros(10, np.float32)
    dist = _backend.normal(0.0, 1.0)
    read_only = np.zeros(3)
    read_only.flags.writeable = False
    bad = [
        ((good.copy(), _core.Normal(0.0, 1.0), 0, 0), TypeError, "buffer 1: dist must be a varscale Dist"),
        ((good.copy(), dist, -1, 0), ValueError, r"buffer 1: seed must be in \[0, 2\*\*64\)"),
        ((good.copy(), dist, 0, "a"), TypeError, "buffer 1: stream must be an integer"),
        ((read_only, dist, 0, 0), ValueError, "buffer 1: out is read-only"),
        ((np.zeros((3, 3)).T, dist, 0, 0), ValueError, "buffer 1: out must be C-contiguous"),
        ((np.zeros(3, np.int8), dist, 0, 0), TypeError, "buffer 1: unsupported dtype int8"),
        ((good.copy(), dist, 0), ValueError, "buffer 1: not enough values"),
        ((good, dist, 0, 1), ValueError, "buffer 1: .*given twice"),
    ]
    for job, err, match in bad:
        with pytest.raises(err, match=match):
            _backend.fill_many([(good, dist, 0, 0), job])
        assert not good.any()
    with pytest.raises(ValueError, match="threads must be at least 1"):
        _backend.fill_many([(good, dist, 0, 0)], threads=0)
