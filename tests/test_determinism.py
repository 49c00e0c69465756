"""Element i is a pure function of (seed, stream, i, parameters): the same
bits for any thread count, any instruction-set build, and any sub-range
generated alone."""

import numpy as np
import pytest

import varscale
from varscale import _core
from conftest import ISAS, bits, core_dist

DISTS = [
    ("uniform", (-0.5, 0.25)),
    ("normal", (0.0, 0.02)),
    ("truncated_normal", (0.0, 1.0, -2.0, 2.0)),  # bounded mode
    ("truncated_normal", (0.0, 1.0, -3.0, 1.0)),  # central mode
    ("truncated_normal", (1.0, 1.0, 2.0, 9.0)),   # tail mode
    ("constant", (0.75,)),
]
N = (1 << 20) + 12345  # several parallel chunks, not a whole number of groups


@pytest.mark.parametrize("dist, params", DISTS)
def test_threads_1_2_7_give_identical_bits(dist, params, dtype):
    ref = _core.generate((N,), dtype, core_dist(dist, params), 7, 1, threads=1)
    for threads in [2, 7, None]:
        got = _core.generate((N,), dtype, core_dist(dist, params), 7, 1, threads=threads)
        np.testing.assert_array_equal(bits(got), bits(ref))


@pytest.mark.parametrize("dist, params", DISTS)
def test_every_instruction_set_build_gives_identical_bits(dist, params, dtype):
    ref = _core.generate((4099,), dtype, core_dist(dist, params), 123, 4, isa="portable")
    for isa in ISAS:
        got = _core.generate((4099,), dtype, core_dist(dist, params), 123, 4, isa=isa)
        np.testing.assert_array_equal(bits(got), bits(ref), err_msg=isa)


@pytest.mark.parametrize("dist, params", DISTS)
def test_a_slice_generated_alone_equals_that_slice_of_the_whole(dist, params, dtype):
    whole = _core.generate((N,), dtype, core_dist(dist, params), 2**64 - 1, 2**63, threads=2)
    for start, length in [(0, 1), (1, 100), (63, 1), (64, 64), (1000, 300_001), (N - 7, 7)]:
        part = _core.generate((length,), dtype, core_dist(dist, params), 2**64 - 1, 2**63, offset=start)
        np.testing.assert_array_equal(bits(part), bits(whole[start:start + length]))
        out = np.empty(length, dtype)
        _core.fill(out, core_dist(dist, params), 2**64 - 1, 2**63, offset=start, threads=3)
        np.testing.assert_array_equal(bits(out), bits(whole[start:start + length]))


def test_shape_does_not_change_the_values():
    # the flat C-order index is what counts
    a = varscale.normal((600, 500), seed=1)
    b = varscale.normal((300000,), seed=1)
    np.testing.assert_array_equal(a.reshape(-1), b)


def test_initialisers_are_reproducible_across_threads():
    a = varscale.kaiming_normal((2048, 1024), seed=42, threads=1)
    b = varscale.kaiming_normal((2048, 1024), seed=42, threads=7)
    np.testing.assert_array_equal(bits(a), bits(b))


def test_env_thread_count(monkeypatch):
    monkeypatch.setenv("VARSCALE_NUM_THREADS", "3")
    a = varscale.uniform((1 << 19,), seed=5)
    monkeypatch.setenv("VARSCALE_NUM_THREADS", "1")
    np.testing.assert_array_equal(a, varscale.uniform((1 << 19,), seed=5))
    monkeypatch.setenv("VARSCALE_NUM_THREADS", "zero")
    with pytest.raises(ValueError, match="VARSCALE_NUM_THREADS"):
        varscale.uniform(4, seed=5)
    monkeypatch.setenv("VARSCALE_NUM_THREADS", "0")
    with pytest.raises(ValueError, match="VARSCALE_NUM_THREADS"):
        varscale.uniform(4, seed=5)
