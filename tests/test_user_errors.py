"""Mistakes a new user makes, each answered by a clear exception naming the way out (issue 13, "Smaller")."""

import re
import subprocess
import sys
import threading

import numpy as np
import pytest

import varscale
from varscale import _checks


def test_a_bare_int_shape_is_not_silently_a_gain():
    expected = r"pass the shape as a tuple.*took gain=4096.*xavier_uniform\(\(4096, 4096\)\)"
    with pytest.raises(ValueError, match=expected):
        varscale.xavier_uniform(4096, 4096)
    with pytest.raises(ValueError, match=r"took gain=64.*orthogonal\(\(64, 64\)\)"):
        varscale.orthogonal(64, 64)
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions: the shape of kaiming_normal is the single int"):
        varscale.kaiming_normal(64)
    # a 1-d shape with the fans given is still fine
    assert varscale.lecun_uniform(64, fan_in=256, seed=0).shape == (64,)


def test_unknown_nonlinearity_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"Unsupported nonlinearity gelu; expected one of \(.*'relu'.*'selu'\)"):
        varscale.kaiming_uniform((4, 4), nonlinearity="gelu")


@pytest.mark.parametrize("dtype", [">f4", ">f8", np.dtype("float32").newbyteorder()])
def test_non_native_byte_order_is_refused_not_silently_native(dtype):
    with pytest.raises(TypeError, match=r"non-native byte order.*astype"):
        varscale.normal((4, 4), dtype=dtype, seed=0)
    assert varscale.normal((4,), dtype="=f4", seed=0).dtype.isnative


@pytest.mark.parametrize("call", [lambda g: varscale.xavier_uniform((4, 4), gain=g, seed=0),
                                  lambda g: varscale.orthogonal((4, 4), gain=g, seed=0),
                                  lambda g: varscale.lecun_normal_(np.empty((4, 4)), gain=g, seed=0)])
def test_a_gain_beyond_float_names_gain(call):
    with pytest.raises(ValueError, match="gain must be finite, got an integer too large"):
        call(10**400)


@pytest.mark.parametrize("dtype, gain", [("float32", 1e300), ("float16", 1e5), ("bfloat16", 1e39),
                                         ("float64", 1.5e308)])
def test_errors_caused_by_gain_name_gain_not_a_derived_bound(dtype, gain):
    # float64: any finite gain fits orthogonal's entries (|W| <= gain); the others scale it by up to sqrt(3)
    fns = [varscale.xavier_uniform, varscale.xavier_normal, varscale.lecun_uniform]
    for fn in fns + ([varscale.orthogonal] if dtype != "float64" else []):
        message = re.escape(f"{fn.__name__}(gain={gain!r}) overflows the dtype {dtype}")
        with pytest.raises(ValueError, match=message) as e:
            fn((2, 1), gain=gain, dtype=dtype, seed=0)
        assert "low=" not in str(e.value)
    if dtype != "float64":  # sqrt(scale) of any finite scale fits a float64
        with pytest.raises(ValueError, match=r"variance_scaling\(scale=.*\) overflows"):
            varscale.variance_scaling((2, 1), scale=min(gain * gain, 1.7e308), dtype=dtype, seed=0)
    out = np.empty((2, 1), np.float16 if dtype == "float16" else np.float64)
    if dtype in ("float16", "float64"):  # in place too
        with pytest.raises(ValueError, match=r"xavier_normal\(gain=.*\) overflows"):
            varscale.xavier_normal_(out, gain=gain, seed=0)


def test_the_largest_gain_that_fits_still_works():
    w = varscale.orthogonal((4, 3), gain=65504.0, dtype="float16", seed=0)
    assert np.isfinite(w).all()
    assert np.isfinite(varscale.xavier_uniform((8, 4), gain=1e4, dtype="float16", seed=0)).all()


def test_two_threads_filling_one_array_get_a_clear_message():
    a = np.empty(2**25, np.float32)  # 128 MiB: a fill long enough for the other thread to start meanwhile
    errors = []
    barrier = threading.Barrier(3)

    def fill():
        barrier.wait()
        try:
            for _ in range(3):
                varscale.normal_(a, seed=0)
        except ValueError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=fill) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if not errors:
        pytest.skip("the fills did not overlap on this run")
    assert all("another varscale call at this moment" in e and "one fill at a time" in e for e in errors)


def test_the_memory_check_uses_the_memory_available_now(monkeypatch):
    available = _checks.available_memory()
    assert available is not None and available > 0
    total = _checks.os.sysconf("SC_PAGE_SIZE") * _checks.os.sysconf("SC_PHYS_PAGES")
    info = _checks._meminfo()
    if "MemAvailable" in info:  # Linux: RAM that can be freed now, plus free swap
        assert abs(available - info["MemAvailable"] - info.get("SwapFree", 0)) < 2**30  # moves while we read
    assert available < total + info.get("SwapTotal", 0)
    monkeypatch.setattr(_checks, "available_memory", lambda: 2**20)
    expected = r"needs 67108864 bytes \(0\.0625 GiB\), more than the 0\.000977 GiB of memory available now"
    with pytest.raises(MemoryError, match=expected):
        varscale.normal((4096, 4096), dtype="float32", seed=0)  # 64 MiB > 1 MiB "available"
    assert varscale.normal((256, 256), dtype="float32", seed=0).shape == (256, 256)  # 256 KiB fits


def test_small_requests_skip_the_memory_check(monkeypatch):
    # reading the available memory costs more than filling a small array
    def unreadable():
        raise AssertionError("available_memory read for a small array")

    monkeypatch.setattr(_checks, "available_memory", unreadable)
    assert varscale.normal((768,), seed=0).shape == (768,)
    just_below = _checks.MEMORY_CHECK_MIN_BYTES // 4 - 1
    assert varscale.uniform((just_below,), seed=0).size == just_below
    with pytest.raises(AssertionError, match="small array"):  # at the threshold the check runs
        varscale.uniform((just_below + 1,), seed=0)


def _import_without(module, blocked):
    code = (f"import sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
            f"import {module}")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("module, blocked, extra", [
    ("varscale.torch", ["torch"], "torch"),
    ("varscale.dtensor", ["torch"], "torch"),
    ("varscale.dask", ["dask", "dask.array"], "dask"),
])
def test_importing_an_integration_without_its_framework_names_the_extra(module, blocked, extra):
    res = _import_without(module, blocked)
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ") and f'pip install "varscale[{extra}]"' in last, res.stderr
    assert _import_without("varscale", blocked).returncode == 0  # the core never needs them


def test_init_module_seed_defaults_to_none():
    torch = pytest.importorskip("torch")
    from varscale.torch import init_module

    torch.manual_seed(0)
    a = init_module(torch.nn.Linear(8, 4)).weight.detach().clone()
    torch.manual_seed(0)
    b = init_module(torch.nn.Linear(8, 4)).weight.detach().clone()
    assert torch.equal(a, b)  # None: the seed comes from torch's generator


@pytest.mark.parametrize("name", ["xavier_uniform_", "xavier_normal_", "lecun_uniform_", "lecun_normal_",
                                  "kaiming_uniform_", "normal_", "orthogonal_", "eye_", "dirac_"])
def test_torch_drop_ins_given_a_numpy_array_raise_type_error(name):
    pytest.importorskip("torch")
    import varscale.torch as vt

    with pytest.raises(TypeError, match=rf"{name}\(\) expects a torch.Tensor, got ndarray"):
        getattr(vt, name)(np.zeros((4, 4, 3), np.float32))
