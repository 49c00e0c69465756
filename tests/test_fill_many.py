"""The batched core path ``_core.fill_many``: bit-identical to one ``fill``
per array, parallel or not, and every bad job refused before anything is
written, with an error naming the job."""

from typing import Any

import numpy as np
import pytest
from varscale import _core

DISTS = [
    ("uniform", [-0.3, 0.7]),
    ("normal", [0.5, 2.0]),
    ("truncated_normal", [0.0, 1.0, -2.0, 2.0]),
    ("truncated_normal", [0.0, 1.0, 2.5, float("inf")]),
    ("constant", [0.25]),
]
# a partial group, odd shapes, and one array large enough to be split
SHAPES = [(1,), (63,), (64, 64), (3, 5, 7), (300_001,)]


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_each_array_equals_its_own_fill(threads: "int | None") -> None:
    jobs = []
    for i, (dist, params) in enumerate(DISTS):
        for j, shape in enumerate(SHAPES):
            for dtype in (np.float32, np.float64):
                jobs.append(
                    (
                        np.zeros(shape, dtype),
                        dist,
                        params,
                        7,
                        100 * i + 10 * j + (dtype == np.float64),
                    )
                )
    _core.fill_many(jobs, threads=threads)
    for out, dist, params, seed, stream in jobs:
        alone = np.zeros_like(out)
        _core.fill(alone, dist, params, seed, stream)
        assert out.tobytes() == alone.tobytes(), (dist, out.shape, out.dtype)


def test_empty_list_is_a_no_op() -> None:
    _core.fill_many([])


def _bad(jobs: "list[tuple[Any, ...]]", err: "type[Exception]", match: str) -> None:
    good = np.zeros(100, np.float32)
    with pytest.raises(err, match=match):
        _core.fill_many([(good, "normal", [0.0, 1.0], 0, 0), *jobs])
    assert not good.any(), "a bad job must stop the call before anything is written"


def test_bad_jobs_are_refused_by_index() -> None:
    a = np.zeros(10, np.float32)
    _bad([(a, "normal", [0.0, -1.0], 0, 1)], ValueError, r"^buffer 1: std")
    _bad([(a, "nrm", [0.0, 1.0], 0, 1)], ValueError, r"^buffer 1: unknown distribution")
    _bad(
        [(a, "normal", [0.0], 0, 1)],
        ValueError,
        r"^buffer 1: normal takes 2 parameters",
    )
    _bad(
        [(np.zeros(3, np.int32), "normal", [0.0, 1.0], 0, 1)],
        TypeError,
        r"buffer 1: .*dtype int32",
    )
    _bad(
        [(np.zeros((4, 4), np.float32).T, "normal", [0.0, 1.0], 0, 1)],
        ValueError,
        "C-contiguous",
    )
    _bad(
        [(a, "normal", [0.0, 1.0], 0, 1), (a, "normal", [0.0, 1.0], 0, 2)],
        ValueError,
        "given twice",
    )
    read_only = np.zeros(3, np.float64)
    read_only.flags.writeable = False
    _bad([(read_only, "uniform", [0.0, 1.0], 0, 1)], ValueError, "not writable")
    with pytest.raises(ValueError, match="threads"):
        _core.fill_many([(a, "normal", [0.0, 1.0], 0, 1)], threads=0)
