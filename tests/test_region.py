"""region=: a hyper-rectangle generated alone equals that part of the whole
tensor, bit for bit, with fans from the full shape."""

import numpy as np
import pytest

import varscale
from conftest import bits

FULL = (48, 37, 5)
REGIONS = [
    (slice(None),),
    (slice(8, 20),),                          # rows: one contiguous run
    (slice(3, 40), slice(10, 30)),            # runs of whole trailing rows
    (slice(None), slice(None), slice(2, 3)),  # single-element runs
    (5,),                                     # an integer drops the axis
    (slice(1, 47), 7, slice(1, 4)),
    (..., 0),
    (-1, -1, -1),
]
FNS = [
    ("xavier_uniform", {}),
    ("kaiming_normal", {"nonlinearity": "relu"}),
    ("variance_scaling", {"distribution": "truncated_normal"}),
    ("normal", {"std": 0.5}),
    ("truncated_normal", {"low": -1.0, "high": 2.0}),
    ("lecun_uniform", {"layout": "keras"}),
]


@pytest.mark.parametrize("region", REGIONS, ids=str)
@pytest.mark.parametrize("name, kwargs", FNS)
def test_region_equals_slice_of_the_whole(name, kwargs, region, dtype):
    f = getattr(varscale, name)
    whole = f(FULL, dtype=dtype, seed=3, stream=9, **kwargs)
    part = f(FULL, dtype=dtype, seed=3, stream=9, region=region, **kwargs)
    want = whole[region]
    assert part.shape == want.shape and part.dtype == want.dtype
    np.testing.assert_array_equal(bits(np.ascontiguousarray(part)), bits(np.ascontiguousarray(want)))
    out = np.empty(want.shape, dtype)
    assert getattr(varscale, name + "_")(out, seed=3, stream=9, region=region, full_shape=FULL, **kwargs) is out
    np.testing.assert_array_equal(bits(out), bits(np.ascontiguousarray(want)))


def test_shards_assemble_the_whole_for_any_split(dtype):
    whole = varscale.xavier_normal((1000, 300), dtype=dtype, seed=1, threads=1)
    for rows, cols in [(4, 1), (3, 7), (1, 16)]:
        r_edges = np.linspace(0, 1000, rows + 1).astype(int)
        c_edges = np.linspace(0, 300, cols + 1).astype(int)
        assembled = np.empty_like(whole)
        for i in range(rows):
            for j in range(cols):
                reg = (slice(r_edges[i], r_edges[i + 1]), slice(c_edges[j], c_edges[j + 1]))
                assembled[reg] = varscale.xavier_normal((1000, 300), dtype=dtype, seed=1, region=reg, threads=2)
        np.testing.assert_array_equal(bits(assembled), bits(whole))


def test_half_dtypes_and_large_column_regions():
    pytest.importorskip("ml_dtypes")
    whole = varscale.normal((20_000, 64), dtype="bfloat16", seed=2)
    col = varscale.normal((20_000, 64), dtype="bfloat16", seed=2, region=(slice(None), slice(5, 8)))
    np.testing.assert_array_equal(col.view(np.uint16), np.ascontiguousarray(whole[:, 5:8]).view(np.uint16))


def test_fans_come_from_the_full_shape():
    part = varscale.xavier_uniform((4096, 64), seed=0, region=(slice(0, 8),), dtype="float64")
    full_bound = np.sqrt(6 / (4096 + 64))
    assert np.abs(part).max() <= full_bound
    assert np.abs(part).max() > 0.9 * full_bound


@pytest.mark.parametrize("region, match", [
    ((slice(0, 10, 2),), "step 1"),
    ((slice(5, 5),), "selects no elements"),
    ((slice(0, 2), slice(0, 2), slice(0, 2), slice(0, 2)), "entries for a 3-dimensional"),
    ((100,), "out of range"),
    ((..., ..., 0), "at most one Ellipsis"),
])
def test_bad_regions(region, match):
    with pytest.raises(ValueError, match=match):
        varscale.uniform(FULL, seed=0, region=region)


def test_bad_region_types_and_in_place_mismatch():
    with pytest.raises(TypeError, match="region entry"):
        varscale.uniform(FULL, seed=0, region=(1.5,))
    with pytest.raises(ValueError, match="go together"):
        varscale.uniform_(np.empty((2, 2), np.float32), seed=0, region=(slice(0, 2),))
    with pytest.raises(ValueError, match="go together"):
        varscale.uniform_(np.empty((2, 2), np.float32), seed=0, full_shape=(4, 2))
    with pytest.raises(ValueError, match="has shape"):
        varscale.uniform_(np.empty((3, 2), np.float32), seed=0, region=(slice(0, 2),), full_shape=(4, 2))


def test_regions_of_tensors_too_large_to_exist():
    # 2^63 elements: no machine holds it, but any region of it can be generated
    full = (2**33, 2**30)
    corner = varscale.normal(full, seed=5, region=(slice(2**33 - 2, None), slice(2**30 - 3, None)))
    flat = [(2**33 - 2) * 2**30 + 2**30 - 3, (2**33 - 1) * 2**30 + 2**30 - 3]
    for row, start in enumerate(flat):
        want = varscale._core.generate((3,), "float32", varscale._core.Normal(0.0, 1.0), 5, 0, offset=start)
        np.testing.assert_array_equal(corner[row], want)
    with pytest.raises(ValueError, match="too many to address"):
        varscale.normal((2**33, 2**31), seed=5, region=(0, 0))  # 2^64 elements
    with pytest.raises(ValueError, match="too many to address"):
        varscale.normal(full, seed=5)  # a whole tensor must fit in memory
