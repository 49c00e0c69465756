"""Abuse: random and hostile inputs to every public initialiser.

* hypothesis over shapes, dtypes, seeds, streams, thread counts, layouts,
  modes and parameters: no crash, the right shape and dtype, finite values,
  deterministic (same call twice, and the in-place twin, give the same bits);
* ``out=`` arrays that cannot be written in flat C order (negative strides,
  step slices, transposes, Fortran order), read-only ones, zero-size ones,
  memmaps, and views that alias other arrays;
* absurd sizes (MemoryError, not a crash) and the bad parameters that
  test_errors.py does not already cover.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import varscale
from conftest import bits
from varscale import _core
from varscale._registry import REGIONAL, REGISTRY

# every per-element initialiser of the registry (orthogonal has tests of its own)
FRESH = list(REGIONAL)
U64 = st.integers(0, 2**64 - 1)
SMALL_FLOATS = st.floats(-1e3, 1e3, allow_nan=False)


def test_every_public_initialiser_is_covered():
    public = {n for n in varscale.__all__ if callable(getattr(varscale, n)) and n[0].islower()}
    public -= {"calculate_gain", "compute_fans", "conv_fans"}
    assert public == {e.name for e in REGISTRY} | {e.name + "_" for e in REGISTRY}
    assert set(FRESH) == {e.name for e in REGISTRY} - {"orthogonal"}


# ------------------------------------------------------------------ hypothesis

# Which fans each initialiser needs (to predict torch's "fewer than 2
# dimensions" error for 1-D shapes), and strategies for its own options.
fans = st.one_of(st.none(), st.integers(1, 10**6))
OPTIONS = {
    "xavier": (("fan_in", "fan_out"), {"gain": st.floats(0, 10)}),
    "kaiming": (None, {"a": st.floats(-10, 10), "mode": st.sampled_from(["fan_in", "fan_out"]),
                       "nonlinearity": st.sampled_from(varscale.NONLINEARITIES)}),
    "lecun": (("fan_in",), {"gain": st.floats(0, 10)}),
    "variance_scaling": (None, {"scale": st.floats(1e-3, 1e3),
                                "mode": st.sampled_from(["fan_in", "fan_out", "fan_avg", "fan_geo_avg"]),
                                "distribution": st.sampled_from(["truncated_normal", "normal",
                                                                 "untruncated_normal", "uniform"])}),
}


@st.composite
def calls(draw, name):
    """(kwargs, expected ValueError message or None) for a call of `name`."""
    family = name.rsplit("_", 1)[0] if name != "variance_scaling" else name
    kw = {}
    if family in OPTIONS:
        need, opts = OPTIONS[family]
        kw.update({k: draw(s) for k, s in opts.items()})
        kw["layout"] = draw(st.sampled_from(varscale.LAYOUTS))
        kw["fan_in"], kw["fan_out"] = draw(fans), draw(fans)
        if need is None:  # the mode decides
            mode = kw["mode"]
            need = ("fan_in", "fan_out") if mode in ("fan_avg", "fan_geo_avg") else (mode,)
        return kw, need
    if name == "uniform":
        lo, hi = sorted([draw(SMALL_FLOATS), draw(SMALL_FLOATS)])
        kw.update(low=lo, high=hi)
    elif name == "normal":
        kw.update(mean=draw(SMALL_FLOATS), std=draw(st.floats(0, 1e3)))
    elif name == "truncated_normal":
        mean, std = draw(SMALL_FLOATS), draw(st.floats(1e-6, 1e3))
        ends = st.one_of(st.floats(-12, 12), st.sampled_from([-math.inf, math.inf]))
        ka, kb = sorted([draw(ends), draw(ends)])
        assume(ka < kb)
        # Intervals more than 8 std away are refused; keep off that edge.
        assume(not (7.99 < ka < 8.01 or -8.01 < kb < -7.99))
        a = mean + ka * std if math.isfinite(ka) else ka
        b = mean + kb * std if math.isfinite(kb) else kb
        assume(a < b)
        kw.update(mean=mean, std=std, low=a, high=b)
        return kw, "standard deviations" if ka > 8 or kb < -8 else ()
    elif name == "constant":
        kw.update(value=draw(SMALL_FLOATS))
    return kw, ()


def no_value_between(lo, hi, dtype):
    """Whether no value of `dtype` lies in [lo, hi] (compared as Python
    floats: NumPy 2 would compare a float32 with a float in float32)."""
    t = np.dtype(dtype).type
    first = t(lo) if float(t(lo)) >= lo else np.nextafter(t(lo), t(np.inf))
    last = t(hi) if float(t(hi)) <= hi else np.nextafter(t(hi), t(-np.inf))
    return float(first) > float(last)


def expected_error(need, kw, shape, dtype):
    """The message of the ValueError the call must raise, or None."""
    if isinstance(need, str):
        return need
    bounds = (kw["low"], kw["high"]) if "low" in kw else (kw["a"], kw["b"]) if "b" in kw else None
    if bounds is not None and no_value_between(*bounds, dtype):
        return f"no {np.dtype(dtype).name} value lies in"
    if kw.get("layout") == "torch" and len(shape) < 2 and any(kw.get(n) is None for n in need):
        return "fewer than 2 dimensions"
    return None


@pytest.mark.parametrize("name", FRESH)
@settings(max_examples=40, deadline=None)
@given(data=st.data(),
       shape=st.lists(st.integers(1, 24), min_size=1, max_size=4).map(tuple),
       dt=st.sampled_from(["float32", "float64", np.float32, np.dtype("float64")]),
       seed=U64, stream=U64, threads=st.sampled_from([None, 1, 2, 3]))
def test_any_input_gives_a_deterministic_array_or_a_clear_error(name, data, shape, dt, seed, stream, threads):
    kw, need = data.draw(calls(name))
    fresh, twin = getattr(varscale, name), getattr(varscale, name + "_")
    error = expected_error(need, kw, shape, dt)
    if error is not None:
        with pytest.raises(ValueError, match=error):
            fresh(shape, dtype=dt, seed=seed, stream=stream, threads=threads, **kw)
        with pytest.raises(ValueError, match=error):
            twin(np.zeros(shape, dt), seed=seed, stream=stream, threads=threads, **kw)
        return
    w = fresh(shape, dtype=dt, seed=seed, stream=stream, threads=threads, **kw)
    assert w.shape == shape and w.dtype == np.dtype(dt) and w.flags.c_contiguous
    assert np.all(np.isfinite(w))
    again = fresh(shape, dtype=dt, seed=seed, stream=stream, threads=3 if threads != 3 else None, **kw)
    np.testing.assert_array_equal(bits(again), bits(w))
    out = np.full(shape, np.nan, dt)
    assert twin(out, seed=seed, stream=stream, threads=threads, **kw) is out
    np.testing.assert_array_equal(bits(out), bits(w))
    # numpy integer seeds and streams are the same key
    w64 = fresh(shape, dtype=dt, seed=np.uint64(seed), stream=np.uint64(stream), **kw)
    np.testing.assert_array_equal(bits(w64), bits(w))


# ------------------------------------------------------------------ out= arrays

def _odd_layouts(dtype):
    base = np.arange(6 * 8, dtype=dtype).reshape(6, 8)
    return {
        "negative stride": base[::-1],
        "negative stride 1-D": base.reshape(-1)[::-1],
        "step slice": base[:, ::2],
        "step slice 1-D": base.reshape(-1)[::3],
        "column block": base[:, 2:5],
        "transposed": base.T,  # Fortran-contiguous
        "fortran order": np.asfortranarray(base),
        "3-D reversed axes": base.reshape(2, 3, 8).swapaxes(0, 2),  # Fortran-contiguous
        "3-D permuted axes": base.reshape(2, 3, 8).transpose(1, 0, 2),  # dense, neither C nor F order
    }


@pytest.mark.parametrize("layout", list(_odd_layouts("float32")))
@pytest.mark.parametrize("name", FRESH)
def test_out_with_odd_strides_is_refused_and_left_untouched(name, layout, dtype):
    out = _odd_layouts(dtype)[layout]
    assert not out.flags.c_contiguous
    before = out.copy()
    kw = {"value": 1.0} if name == "constant" else {}
    with pytest.raises(ValueError, match="C-contiguous"):
        getattr(varscale, name + "_")(out, seed=0, **kw)
    np.testing.assert_array_equal(out, before)
    # (the extension's own check: test_errors.py::test_core_fill_refuses_arrays_not_in_c_order)


@pytest.mark.parametrize("shape", [(0,), (0, 5), (5, 0), (3, 0, 2), (0, 0, 0, 0)])
@pytest.mark.parametrize("name", FRESH)
def test_zero_size_out_is_returned_unchanged(name, shape, dtype):
    out = np.empty(shape, dtype)
    kw = {"value": 2.0} if name == "constant" else {}
    assert getattr(varscale, name + "_")(out, seed=0, **kw) is out
    assert out.shape == shape and out.dtype == dtype
    # a zero-size strided view too (numpy calls it contiguous)
    view = np.empty((4, 0), dtype)[::2]
    assert getattr(varscale, name + "_")(view, seed=0, **kw) is view


def test_zero_dimensional_out_is_one_element():
    for dtype in ["float32", "float64"]:
        out = np.zeros((), dtype)
        varscale.normal_(out, 1.0, 2.0, seed=3)
        np.testing.assert_array_equal(bits(out), bits(varscale.normal((), 1.0, 2.0, seed=3, dtype=dtype)))
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            varscale.xavier_uniform_(out, seed=0)


def test_memmap_out_works_and_persists(tmp_path, dtype):
    path = tmp_path / "weights.bin"
    shape = (300, 200)
    mm = np.memmap(path, dtype=dtype, mode="w+", shape=shape)
    assert varscale.kaiming_normal_(mm, nonlinearity="relu", seed=4, stream=1) is mm
    mm.flush()
    del mm
    back = np.memmap(path, dtype=dtype, mode="r", shape=shape)
    np.testing.assert_array_equal(
        bits(np.asarray(back)),
        bits(varscale.kaiming_normal(shape, nonlinearity="relu", seed=4, stream=1, dtype=dtype)))
    # a read-only memmap is refused, an r+ one at a byte offset is written in place
    with pytest.raises(ValueError, match="read-only"):
        varscale.uniform_(back, seed=0)
    del back
    itemsize = np.dtype(dtype).itemsize
    part = np.memmap(path, dtype=dtype, mode="r+", shape=(100, 200), offset=100 * 200 * itemsize)
    varscale.uniform_(part, -1.0, 1.0, seed=9)
    part.flush()
    del part
    whole = np.fromfile(path, dtype=dtype).reshape(shape)
    np.testing.assert_array_equal(bits(whole[100:200]), bits(varscale.uniform((100, 200), -1.0, 1.0, seed=9,
                                                                              dtype=dtype)))
    np.testing.assert_array_equal(  # the rest of the file is untouched
        bits(whole[:100]),
        bits(varscale.kaiming_normal(shape, nonlinearity="relu", seed=4, stream=1, dtype=dtype)[:100]))


def _read_only_arrays(dtype):
    a = np.zeros((8, 8), dtype)
    locked = a.copy()
    locked.flags.writeable = False
    return {
        "flag cleared": locked,
        "view of a read-only base": locked[2:4],
        "broadcast": np.broadcast_to(np.zeros(8, dtype), (8, 8)),  # read-only, zero strides
        "from bytes": np.frombuffer(bytes(64 * np.dtype(dtype).itemsize), dtype).reshape(8, 8),
    }


@pytest.mark.parametrize("kind", list(_read_only_arrays("float32")))
def test_read_only_out_is_refused(kind, dtype):
    out = _read_only_arrays(dtype)[kind]
    with pytest.raises(ValueError, match="read-only"):
        varscale.lecun_uniform_(out, seed=0)
    assert not np.any(out)
    if out.flags.c_contiguous:  # the extension refuses it as well
        with pytest.raises(ValueError, match="not writable"):
            _core.fill(out, _core.Uniform(0.0, 1.0), 0, 0)
        assert not np.any(out)


def test_filling_a_view_writes_into_its_base(dtype):
    base = np.zeros((10, 64), dtype)
    rows = base[3:7]  # C-contiguous view
    varscale.xavier_uniform_(rows, seed=1)
    np.testing.assert_array_equal(bits(base[3:7]), bits(varscale.xavier_uniform((4, 64), seed=1, dtype=dtype)))
    assert not base[:3].any() and not base[7:].any()
    # a reshaped view of the same memory, and a view through another dtype
    flat = base.reshape(-1)
    assert np.shares_memory(flat, base)
    varscale.constant_(flat[:64], 5.0)
    assert np.all(base[0] == 5.0)
    raw = np.zeros(64 * np.dtype(dtype).itemsize, np.uint8)
    varscale.normal_(raw.view(dtype), seed=2)
    np.testing.assert_array_equal(raw.view(dtype), varscale.normal(64, seed=2, dtype=dtype))


def test_overlapping_views_hold_the_last_fill_on_the_overlap(dtype):
    base = np.zeros(1000, dtype)
    first, second = base[100:600], base[400:900]  # overlap: base[400:600]
    varscale.uniform_(first, -1, 1, seed=1)
    varscale.normal_(second, seed=2)
    u = varscale.uniform(500, -1, 1, seed=1, dtype=dtype)
    z = varscale.normal(500, seed=2, dtype=dtype)
    np.testing.assert_array_equal(bits(base[100:400]), bits(u[:300]))
    np.testing.assert_array_equal(bits(base[400:900]), bits(z))
    assert not base[:100].any() and not base[900:].any()
    # the other order: the uniform wins on the overlap
    varscale.uniform_(first, -1, 1, seed=1)
    np.testing.assert_array_equal(bits(base[100:600]), bits(u))
    np.testing.assert_array_equal(bits(base[600:900]), bits(z[200:]))


# ------------------------------------------------------------------ sizes

ABSURD = (2**20, 2**20, 2**6)  # 2^46 elements: 256 TiB as float32, yet addressable


@pytest.mark.parametrize("name", FRESH)
def test_absurd_sizes_are_a_memory_error(name, dtype):
    kw = {"value": 1.0} if name == "constant" else {}
    with pytest.raises(MemoryError, match="GiB"):
        getattr(varscale, name)(ABSURD, dtype=dtype, seed=0, **kw)


@pytest.mark.parametrize("n", [2**46, 2**58])  # >= 2^48 bytes: beyond any x86-64 user address space
def test_the_extension_refuses_absurd_sizes_without_crashing(n, dtype):
    # No physical-memory pre-check here: the allocator's refusal (or the byte
    # count overflowing isize) must still be a Python exception.
    with pytest.raises((MemoryError, ValueError)):
        _core.generate((n,), dtype, _core.Uniform(0.0, 1.0), 0, 0)
    with pytest.raises(ValueError, match="overflows the address space"):
        _core.generate((2**62,), dtype, _core.Uniform(0.0, 1.0), 0, 0)
    # and the process still works
    assert _core.generate((3,), dtype, _core.Uniform(0.0, 1.0), 0, 0).shape == (3,)


# ------------------------------------------------------------------ bad values not in test_errors.py

@pytest.mark.parametrize("call, exc, match", [
    (lambda: varscale.uniform(4, low=-math.inf, seed=0), ValueError, "low must be finite"),
    (lambda: varscale.uniform(4, high=math.nan, seed=0), ValueError, "high must not be NaN"),
    (lambda: varscale.normal(4, mean=math.inf, seed=0), ValueError, "mean must be finite"),
    (lambda: varscale.truncated_normal(4, low=math.nan, seed=0), ValueError, "low must not be NaN"),
    (lambda: varscale.truncated_normal(4, high=math.nan, seed=0), ValueError, "high must not be NaN"),
    (lambda: varscale.truncated_normal(4, low=math.inf, high=math.inf, seed=0), ValueError, "low=inf must be less"),
    (lambda: varscale.truncated_normal(4, low=-12.0, high=-9.0, seed=0), ValueError, "standard deviations"),
    (lambda: varscale.constant(4, math.nan), ValueError, "value must not be NaN"),
    (lambda: varscale.constant(4, math.inf), ValueError, "value must be finite"),
    (lambda: varscale.constant(4, 1e39, dtype="float32"), ValueError, "overflows"),
    (lambda: varscale.uniform(4, -1e39, 0.0, dtype="float32", seed=0), ValueError, "overflows"),
    (lambda: varscale.variance_scaling((4, 4), scale=-1.0), ValueError, "scale must be > 0"),
    (lambda: varscale.variance_scaling((4, 4), scale=math.nan), ValueError, "scale must not be NaN"),
    (lambda: varscale.kaiming_normal((4, 4), a=math.nan), ValueError, "a must not be NaN"),
    (lambda: varscale.xavier_uniform((4, 4), gain="1"), TypeError, "gain"),
    (lambda: varscale.xavier_uniform((4, 4), gain=True), TypeError, "gain"),
    (lambda: varscale.normal((4,), std=None), TypeError, "std"),
    (lambda: varscale.xavier_uniform((4, 4), fan_in=2.5), TypeError, "fan_in"),
    (lambda: varscale.xavier_uniform((4, 4), fan_in=True), TypeError, "fan_in"),
    (lambda: varscale.xavier_uniform((4, 4), layout=None), ValueError, "layout None"),
    (lambda: varscale.variance_scaling((4, 4), mode=1), ValueError, "mode 1"),
    (lambda: varscale.uniform((4,), seed=0, stream=2**64), ValueError, "stream must be in"),
    (lambda: varscale.uniform((4,), seed=0, stream=1.0), TypeError, "stream"),
    (lambda: varscale.uniform((4,), seed=True), TypeError, "seed"),
    (lambda: varscale.uniform((2, 2.5)), TypeError, "shape"),
    (lambda: varscale.uniform(np.zeros(3)), TypeError, "shape"),
    (lambda: varscale.uniform_(np.zeros(4, np.int16)), TypeError, "int16"),
    (lambda: varscale.uniform_(np.zeros(4, np.complex128)), TypeError, "complex128"),
    (lambda: varscale.uniform_(np.zeros(4, bool)), TypeError, "bool"),
    (lambda: varscale.uniform_(np.zeros(4, object)), TypeError, "object"),
    (lambda: varscale.uniform_(np.float32(1.0)), TypeError, "float32"),
    (lambda: varscale.uniform_(1.0), TypeError, "float"),
    (lambda: varscale.uniform_(None), TypeError, "NoneType"),
    (lambda: varscale.uniform_(np.zeros(4, np.float32), low=2.0, high=1.0), ValueError, "low=2.0"),
])
def test_more_bad_values_are_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
