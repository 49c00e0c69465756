"""``_backend.batched``: fills collected and written in one core call give
the values of the same fills one by one; nothing is written on an
exception; fills that must land at once (``immediately``, regions, explicit
threads) do; and
``init_module``/``fast_init``, which write through it, still give the
one-by-one values."""

from typing import Any, List

import numpy as np
import pytest
import torch

import varscale
from varscale import _backend
from varscale.torch._writer import write

SHAPES = [(7,), (64, 64), (3, 5, 7), (1 << 20,)]  # the last one is split over the threads
DTYPES = [np.float32, np.float64]


def _fill_all(arrays: List[np.ndarray]) -> None:
    for i, a in enumerate(arrays):
        if i % 3 == 0:
            varscale.normal_(a, 0.5, 2.0, seed=3, stream=i)
        elif i % 3 == 1:
            varscale.xavier_uniform_(a, seed=3, stream=i) if a.ndim > 1 else varscale.uniform_(a, -1, 1, seed=3,
                                                                                                stream=i)
        else:
            varscale.truncated_normal_(a, 0.0, 1.0, -2.0, 2.0, seed=3, stream=i)


def _arrays() -> List[np.ndarray]:
    return [np.zeros(s, d) for s in SHAPES for d in DTYPES]


def test_batched_fills_equal_one_by_one() -> None:
    alone, together = _arrays(), _arrays()
    _fill_all(alone)
    with _backend.batched():
        _fill_all(together)
        assert not any(a.any() for a in together), "inside the block nothing is written yet"
    for a, b in zip(alone, together):
        assert a.tobytes() == b.tobytes()
        assert b.any()


def test_nothing_written_on_exception() -> None:
    arrays = _arrays()
    with pytest.raises(KeyError), _backend.batched():
        _fill_all(arrays)
        raise KeyError("stop")
    assert not any(a.any() for a in arrays)
    out = np.zeros(10, np.float32)
    varscale.normal_(out, seed=0)  # the block is closed: written at once again
    assert out.any()


def test_nested_blocks_and_immediately() -> None:
    outer, inner, now = (np.zeros(100, np.float32) for _ in range(3))
    with _backend.batched():
        varscale.normal_(outer, seed=1)
        with _backend.batched():
            varscale.normal_(inner, seed=2)
        assert inner.any() and not outer.any(), "an inner block writes its own jobs when it closes"
        with _backend.immediately():
            varscale.normal_(now, seed=3)
        assert now.any()
        region_out = np.zeros((2, 3), np.float32)
        varscale.normal_(region_out, seed=4, region=(slice(0, 2), slice(1, 4)), full_shape=(5, 5))
        assert region_out.any(), "region fills are not collected"
        explicit = np.zeros(50, np.float32)
        varscale.normal_(explicit, seed=5, threads=1)
        assert explicit.any(), "fills with their own thread count are not collected"
    assert outer.any()


def test_same_array_twice_keeps_call_order() -> None:
    # the batch borrows each array once; given twice, the fills are written one
    # by one in call order and the later one wins, as without the block
    a = np.zeros(1000, np.float32)
    with _backend.batched():
        varscale.normal_(a, seed=1)
        varscale.uniform_(a[:], -1, 1, seed=2)  # a view of the same memory
    expected = varscale.uniform(1000, -1, 1, seed=2)
    assert a.tobytes() == expected.tobytes()


def test_staging_writes_are_not_deferred() -> None:
    # a strided tensor is filled through a CPU staging tensor and copied in:
    # the staging fill must land before the copy, also inside a block
    base = torch.zeros(40, 30)
    view = base.t()  # not contiguous
    with _backend.batched():
        write(view, lambda t: varscale.normal_(t, seed=9))
    expected = torch.empty(30, 40)
    varscale.normal_(expected, seed=9)
    assert torch.equal(view, expected)


def test_init_module_and_fast_init_values_are_the_one_by_one_values(monkeypatch: Any) -> None:
    import varscale.torch as vt
    from varscale.torch import _modules

    def build() -> torch.nn.Module:
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.LayerNorm(32), torch.nn.Embedding(10, 32, 0),
                                   torch.nn.Linear(32, 2048).double(), torch.nn.Linear(8, 8).half(),
                                   torch.nn.MultiheadAttention(16, 2))

    def state(model: torch.nn.Module) -> List[bytes]:
        return [p.detach().numpy().tobytes() if p.dtype != torch.float16 else p.detach().view(torch.int16).numpy()
                .tobytes() for p in model.parameters()]

    batched_init = state(vt.init_module(build(), seed=5))
    # each rule's own drop-in, one by one, outside any batch
    model = build()
    todo, _, _ = _modules._plan(model, _modules.Scheme("torch_default", "torch", {}))
    for rule, param, name in todo:
        rule(param, 5, _modules.param_stream(name))
    assert state(model) == batched_init
    assert not np.frombuffer(batched_init[4], np.float32)[:32].any(), "the padding row is zero"
    assert any(getattr(rule, "dist", None) is not None for rule, _, _ in todo), "the direct path was taken"
    assert any(getattr(rule, "dist", None) is None and getattr(rule, "batchable", False) for rule, _, _ in todo)

    with vt.fast_init(seed=5):
        batched_fast = state(build())
    monkeypatch.setattr("varscale.torch._fast_init.deferral.batched", _OneByOne)
    with vt.fast_init(seed=5):
        assert state(build()) == batched_fast


class _OneByOne:
    """Stands in for the batched() context manager: every fill written at once."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def test_init_module_refusal_names_the_parameter_and_writes_nothing() -> None:
    import varscale.torch as vt

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.PReLU(init=1e10)).half()
    before = [p.detach().clone() for p in model.parameters()]
    refusal = r"parameter '1\.weight': value=10000000000 overflows the output dtype float16"
    with pytest.raises(ValueError, match=refusal):
        vt.init_module(model, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters())), "nothing written"


def test_init_module_bumps_every_version_counter() -> None:
    import varscale.torch as vt

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 2))
    before = [p._version for p in model.parameters()]
    vt.init_module(model, seed=0)
    assert all(p._version > v for p, v in zip(model.parameters(), before)), "autograd sees the writes"


def test_bump_versions_falls_back_to_one_call_per_tensor(monkeypatch: Any) -> None:
    # torch 2.1's increment_version takes one tensor, not a list
    from varscale.torch import _writer

    seen: List[Any] = []

    def one_at_a_time(t: Any) -> None:
        if not isinstance(t, torch.Tensor):
            raise TypeError("increment_version(): argument 'tensor' must be Tensor, not list")
        seen.append(t)

    monkeypatch.setattr(_writer, "_increment_version", one_at_a_time)
    monkeypatch.setattr(_writer, "_c_increment_version", None)  # as _list_increment finds on torch 2.1
    a, b, empty = torch.zeros(3), torch.zeros(2), torch.zeros(0)
    _writer.bump_versions([a, b, empty])
    assert seen == [a, b], "each non-empty tensor once"


def test_the_c_version_bump_is_found_and_bumps_each_tensor_once() -> None:
    from varscale.torch import _writer

    assert _writer._list_increment() is not None, "torch 2.1 and later take a list"
    with torch.inference_mode():  # varscale.torch imported inside inference_mode finds it too
        assert _writer._list_increment() is not None
    a, b = torch.zeros(3), torch.zeros(2)
    before = (a._version, b._version)
    _writer.bump_versions([a, b])
    _writer.bump_version(a)
    assert (a._version, b._version) == (before[0] + 2, before[1] + 1)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_init_module_by_address_equals_the_numpy_view_path(dtype: torch.dtype, monkeypatch: Any) -> None:
    import varscale.torch as vt
    from varscale import _core
    from varscale.torch import _dropins, _modules

    def build() -> torch.nn.Module:
        model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.LayerNorm(32), torch.nn.Linear(32, 7))
        model[2].weight = torch.nn.Parameter(torch.zeros(10, 32)[3:10])  # a view: memory at an offset
        return model.to(dtype)

    def state(model: torch.nn.Module) -> List[bytes]:
        return [p.detach().view(torch.int16 if p.element_size() == 2 else torch.int32 if p.element_size() == 4
                                else torch.int64).numpy().tobytes() for p in model.parameters()]

    kinds: List[type] = []
    real = _backend.fill_many

    def spy(jobs: Any, *rest: Any) -> None:
        jobs = list(jobs)
        kinds.extend(type(job[0]) for job in jobs)
        real(jobs, *rest)

    monkeypatch.setattr(_backend, "fill_many", spy)
    by_address = state(vt.init_module(build(), seed=3))
    assert kinds and set(kinds) == {_core.Memory}, "the batch took every parameter by address"
    monkeypatch.setattr(_modules, "tensor_memory", lambda t: None)
    monkeypatch.setattr(_dropins, "tensor_memory", lambda t: None)
    by_view = state(vt.init_module(build(), seed=3))
    assert by_address == by_view and any(b.strip(b"\0") for b in by_address)


def test_init_module_fills_parameters_sharing_memory_one_after_another() -> None:
    # two Parameters over one storage: the batch refuses overlapping buffers, so they
    # are written one by one in plan order and the later one wins, as a loop would
    import varscale.torch as vt

    shared = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 8))
    shared[1].weight = torch.nn.Parameter(shared[0].weight.data)
    vt.init_module(shared, seed=1)
    separate = vt.init_module(torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 8)), seed=1)
    assert shared[0].weight.data_ptr() == shared[1].weight.data_ptr()
    assert torch.equal(shared[1].weight, separate[1].weight)  # "1.weight"'s stream, written last
    assert not torch.equal(shared[0].weight, separate[0].weight)
    assert torch.equal(shared[0].bias, separate[0].bias) and torch.equal(shared[1].bias, separate[1].bias)
