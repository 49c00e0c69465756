"""The direct path of small in-place fills (``Initializer.direct``): a plain
call goes straight to the core. It must give the full path's values, be
taken only for plain calls, and leave every error to the full path (same
exception types and messages)."""

from typing import Any, Dict, List

import numpy as np
import pytest

import varscale
from varscale import _backend, _core
from varscale._registry import REGISTRY

DIRECT = [e.name for e in REGISTRY if e.direct]
PARAMS: Dict[str, Dict[str, float]] = {"uniform": {"low": -0.3, "high": 0.7}, "normal": {"mean": 0.5, "std": 2.0},
                                       "truncated_normal": {"mean": 0.0, "std": 1.0, "low": -1.5, "high": 2.5},
                                       "constant": {"value": 0.25}}


def test_the_direct_entries_are_the_core_distributions() -> None:
    assert sorted(DIRECT) == sorted(PARAMS)
    for entry in REGISTRY:
        if entry.direct:  # the direct path hands the own parameters to the core positionally
            assert entry.param_names == _backend.PARAM_NAMES[entry.name]
            assert not entry.fans and entry.fill_impl is None


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The kinds the direct path wrote, in call order."""
    seen: List[str] = []
    real = _backend.try_fill_direct

    def spy(out: Any, kind: str, *rest: Any) -> bool:
        taken = real(out, kind, *rest)
        if taken:
            seen.append(kind)
        return taken

    monkeypatch.setattr(_backend, "try_fill_direct", spy)
    return seen


@pytest.fixture
def outs(calls: List[str], monkeypatch: pytest.MonkeyPatch) -> List[Any]:
    """The ``out`` of every call the direct path took, in call order."""
    seen: List[Any] = []
    spy = _backend.try_fill_direct

    def record(out: Any, *rest: Any) -> bool:
        taken = spy(out, *rest)
        if taken:
            seen.append(out)
        return taken

    monkeypatch.setattr(_backend, "try_fill_direct", record)
    return seen


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_direct_values_equal_the_full_path(name: str, dtype: Any, calls: List[str]) -> None:
    fill = getattr(varscale, name + "_")
    fast, full = np.zeros((33, 7), dtype), np.zeros((33, 7), dtype)
    fill(fast, **PARAMS[name], seed=11, stream=3)
    assert calls == [name], "a plain call takes the direct path"
    fill(full, **PARAMS[name], seed=11, stream=3, threads=1)  # an explicit thread count: the full path
    assert calls == [name]
    assert fast.tobytes() == full.tobytes() and fast.any()
    assert fast.tobytes() == getattr(varscale, name)((33, 7), **PARAMS[name], seed=11, stream=3,
                                                     dtype=dtype).tobytes()


def test_not_taken_for_other_calls(calls: List[str]) -> None:
    varscale.normal_(np.zeros(10, np.float16), seed=0)  # half: the full path
    varscale.normal_(np.zeros(10, np.float32))  # no seed: the full path draws one
    varscale.normal_(np.zeros((4, 4), np.float32), seed=0, region=(slice(0, 4),), full_shape=(8, 4))
    varscale.normal_(np.zeros(0, np.float32), seed=0)
    varscale.normal_(np.zeros(10, np.float32), np.float32(0.5), seed=0)  # a NumPy scalar parameter
    assert calls == []
    varscale.constant_(np.zeros(10, np.float32), 0.5)  # constant needs no seed
    assert calls == ["constant"]


@pytest.mark.parametrize("call, error, match", [
    (lambda a: varscale.normal_(a, 0.0, -1.0, seed=0), ValueError, "std"),
    (lambda a: varscale.normal_(a, True, 1.0, seed=0), TypeError, "mean"),
    (lambda a: varscale.uniform_(a, 1.0, 0.0, seed=0), ValueError, "low=1.0 must not exceed high=0.0"),
    (lambda a: varscale.normal_(a, 0.0, 1e38, seed=0), ValueError, "std"),
    (lambda a: varscale.normal_(a, seed=-1), ValueError, "seed"),
    (lambda a: varscale.normal_(a, seed=0, stream=2**64), ValueError, "stream"),
    (lambda a: varscale.normal_(a[::2], seed=0), ValueError, "C-contiguous"),
    (lambda a: varscale.truncated_normal_(a, 0.0, 0.0, seed=0), ValueError, "std"),
    (lambda a: varscale.constant_(a, float("nan")), ValueError, "value"),
])
def test_refusals_raise_the_full_paths_errors(call: Any, error: type, match: str, calls: List[str]) -> None:
    a = np.zeros(64, np.float32)
    with pytest.raises(error, match=match):
        call(a)
    assert not a.any(), "nothing written"
    read_only = np.zeros(8, np.float32)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        varscale.normal_(read_only, seed=0)


def test_the_check_can_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    # a direct path that wrote other values would be caught by the equality test above
    monkeypatch.setattr(_backend, "try_fill_direct", lambda out, kind, params, seed, stream: not out.fill(1.0))
    fast, full = np.zeros(50, np.float32), np.zeros(50, np.float32)
    varscale.normal_(fast, seed=1)
    varscale.normal_(full, seed=1, threads=1)
    assert fast.tobytes() != full.tobytes()


# ------------------------------------------------------------ varscale.torch's drop-ins

TORCH_CALLS = {"uniform": lambda vt, t: vt.uniform_(t, -0.3, 0.7, seed=11, stream=3),
               "normal": lambda vt, t: vt.normal_(t, 0.5, 2.0, seed=11, stream=3),
               "truncated_normal": lambda vt, t: vt.trunc_normal_(t, 0.0, 1.0, -1.5, 2.5, seed=11, stream=3),
               "constant": lambda vt, t: vt.constant_(t, 0.25)}


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("name", sorted(TORCH_CALLS))
def test_torch_dropins_take_the_direct_path_with_the_same_values(name: str, requires_grad: bool,
                                                                 calls: List[str]) -> None:
    torch = pytest.importorskip("torch")
    import varscale.torch as vt

    t = torch.nn.Parameter(torch.zeros(33, 7), requires_grad=requires_grad)
    version = t._version
    TORCH_CALLS[name](vt, t)
    assert calls == [name]
    assert t._version > version, "autograd sees the in-place write"
    expected = np.zeros((33, 7), np.float32)
    getattr(varscale, name + "_")(expected, **PARAMS[name], **({} if name == "constant" else {"seed": 11, "stream": 3}),
                                  threads=1)  # the full path
    assert t.detach().numpy().tobytes() == expected.tobytes()
    strided = torch.zeros(7, 33).t()  # not contiguous: a contiguous staging copy is filled, then copied in
    TORCH_CALLS[name](vt, strided)
    assert calls == [name, name]
    assert strided.numpy().tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("name", sorted(TORCH_CALLS))
def test_torch_dropins_write_every_core_dtype_by_address(name: str, dtype: str, calls: List[str],
                                                         outs: List[Any]) -> None:
    # the half types too (their NumPy view would cost a uint16 reinterpretation): the values
    # are those of the full path, here a strided tensor filled through a staging copy
    torch = pytest.importorskip("torch")
    import varscale.torch as vt

    t = torch.zeros(33, 7, dtype=getattr(torch, dtype))
    TORCH_CALLS[name](vt, t)
    assert calls[:1] == [name] and t.any()
    assert type(outs[0]) is _core.Memory and outs[0].address == t.data_ptr()
    strided = torch.zeros(7, 33, dtype=t.dtype).t()
    TORCH_CALLS[name](vt, strided)
    bits = {2: torch.int16, 8: torch.int64}[t.element_size()]  # bit for bit
    assert torch.equal(t.view(bits), strided.contiguous().view(bits))


def test_torch_dropins_leave_negated_views_to_the_full_path(calls: List[str]) -> None:
    # a negated view's memory holds -value: written by address, every value would flip sign
    torch = pytest.importorskip("torch")
    import varscale.torch as vt
    from varscale.torch._writer import tensor_memory

    base = torch.zeros(8)
    view = torch._neg_view(base)
    assert view.is_neg() and tensor_memory(view) is None and tensor_memory(base) is not None
    with pytest.raises(RuntimeError, match="negative bit"):  # torch's own refusal, as before
        vt.normal_(view, seed=0)
    assert calls == [] and not base.any()


def test_only_plain_strided_tensors_with_memory_go_by_address() -> None:
    torch = pytest.importorskip("torch")
    from varscale.torch._writer import tensor_memory

    class Sub(torch.Tensor):
        pass

    plain = torch.zeros(4, 4)
    memory = tensor_memory(plain)
    assert memory is not None and (memory.address, memory.length, memory.dtype) == (plain.data_ptr(), 16, "float32")
    assert tensor_memory(torch.nn.Parameter(plain)) is not None
    assert tensor_memory(plain[1:]) is not None and tensor_memory(plain[1:]).address == plain[1:].data_ptr()
    assert tensor_memory(plain.as_subclass(Sub)) is None  # a subclass may have no memory of its own
    assert tensor_memory(plain.to_sparse()) is None  # not strided (is_contiguous() would raise)
    assert tensor_memory(plain.t()) is None and tensor_memory(torch.zeros(0)) is None
    assert tensor_memory(torch.zeros(4, dtype=torch.float8_e4m3fn)) is None  # drawn in Python
    assert tensor_memory(torch.zeros(4, device="meta")) is None


def test_torch_dropins_with_a_drawn_seed_go_by_address_once(calls: List[str], outs: List[Any]) -> None:
    # no seed: fill_tensor draws one, then writes by address (the drop-in's own try needs a seed)
    torch = pytest.importorskip("torch")
    import varscale.torch as vt

    torch.manual_seed(5)
    t = torch.zeros(33, 7)
    vt.normal_(t, 0.5, 2.0)
    assert calls == ["normal"] and type(outs[0]) is _core.Memory and t.any()
    torch.manual_seed(5)
    again = torch.zeros(33, 7)
    vt.normal_(again, 0.5, 2.0, generator=torch.default_generator)
    assert calls == ["normal", "normal"] and torch.equal(t, again), "the same seed drawn either way"
