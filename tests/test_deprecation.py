"""Old spellings that keep working for one release, with a DeprecationWarning."""

import warnings

import numpy as np
import pytest

import varscale
from conftest import bits


def test_truncated_normal_a_b_still_work_with_a_warning():
    want = varscale.truncated_normal(1000, 0.0, 1.0, -1.0, 3.0, seed=9)
    with pytest.warns(DeprecationWarning, match=r"[ab]= is deprecated, use (low|high)="):
        got = varscale.truncated_normal(1000, 0.0, 1.0, a=-1.0, b=3.0, seed=9)
    np.testing.assert_array_equal(bits(got), bits(want))
    out = np.empty(1000, np.float32)
    with pytest.warns(DeprecationWarning, match=r"b= is deprecated, use high="):
        varscale.truncated_normal_(out, low=-1.0, b=3.0, seed=9)
    np.testing.assert_array_equal(bits(out), bits(want))


def test_generator_and_dask_accept_the_old_spelling_too():
    with pytest.warns(DeprecationWarning, match="is deprecated, use"):
        g = varscale.Generator(9).truncated_normal(1000, a=-1.0, b=3.0)
    np.testing.assert_array_equal(bits(g), bits(varscale.truncated_normal(1000, low=-1.0, high=3.0, seed=9)))
    vd = pytest.importorskip("varscale.dask")
    with pytest.warns(DeprecationWarning, match="is deprecated, use"):
        lazy = vd.truncated_normal(1000, a=-1.0, b=3.0, seed=9, chunks=300)
    np.testing.assert_array_equal(bits(lazy.compute()), bits(varscale.truncated_normal(1000, low=-1.0, high=3.0,
                                                                                          seed=9)))


def test_old_and_new_spelling_together_is_an_error():
    with pytest.raises(TypeError, match="a= is the deprecated spelling of low="):
        varscale.truncated_normal(10, a=-1.0, low=-1.0, seed=0)


def test_the_new_spelling_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        varscale.truncated_normal(10, low=-1.0, high=1.0, seed=0)
        varscale.truncated_normal(10, 0.0, 1.0, -1.0, 1.0, seed=0)
