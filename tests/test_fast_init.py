"""varscale.torch.fast_init with torch's own modules: distributions, keys,
restoration, threads; and the drop-in completeness of issue 10."""

import threading
import warnings

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("scipy")

from torch import nn  # noqa: E402

import varscale.torch as vinit  # noqa: E402
from fast_init_helpers import assert_same_init  # noqa: E402
from varscale.torch._fast_init import patching  # noqa: E402
from varscale.torch._fast_init.fills import ORIGINAL_INIT  # noqa: E402


def _torch_zoo() -> nn.Module:
    return nn.ModuleDict({
        "linear": nn.Linear(96, 80), "bilinear": nn.Bilinear(20, 30, 40), "conv": nn.Conv2d(8, 16, 3),
        "convt": nn.ConvTranspose1d(12, 10, 5, groups=2), "emb": nn.Embedding(300, 24, padding_idx=3),
        "ln": nn.LayerNorm(32), "gn": nn.GroupNorm(4, 16), "bn": nn.BatchNorm2d(16), "rms": nn.RMSNorm(8),
        "gru": nn.GRU(16, 40, num_layers=2), "lstm": nn.LSTMCell(10, 30), "prelu": nn.PReLU(5, init=0.3),
        "mha": nn.MultiheadAttention(48, 4, add_bias_kv=True),
        "transformer": nn.TransformerEncoderLayer(32, 4, dim_feedforward=64),
    })


def _state(model: nn.Module) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _init_functions() -> dict:
    from torch.nn.modules import activation, transformer

    return {"init": {n: getattr(nn.init, n) for n in ORIGINAL_INIT}, "act": activation.xavier_uniform_,
            "tr": transformer.xavier_uniform_, "normal_": torch.Tensor.normal_}


def test_torch_modules_keep_their_distributions():
    with vinit.fast_init(seed=0):
        fast = _torch_zoo()
    assert assert_same_init(_torch_zoo, fast) >= 20


def test_fills_go_through_varscale_and_are_keyed_by_call_order():
    with vinit.fast_init(seed=7):
        a = nn.Linear(50, 40)
    w = torch.empty(40, 50)
    vinit.kaiming_uniform_(w, a=5 ** 0.5, seed=7, stream=0)  # the first fill: stream 0
    assert torch.equal(a.weight.detach(), w)
    b = torch.empty(40)
    vinit.uniform_(b, -1 / 50 ** 0.5, 1 / 50 ** 0.5, seed=7, stream=1)
    assert torch.equal(a.bias.detach(), b)


def test_seeded_builds_are_reproducible_for_any_thread_count():
    threads = torch.get_num_threads()
    with vinit.fast_init(seed=3):
        torch.manual_seed(123)  # the torch generator does not matter with a seed
        a = _state(_torch_zoo())
    torch.set_num_threads(1)
    try:
        with vinit.fast_init(seed=3):
            torch.manual_seed(999)
            b = _state(_torch_zoo())
    finally:
        torch.set_num_threads(threads)
    assert _equal(a, b)
    with vinit.fast_init(seed=4):
        c = _state(_torch_zoo())
    assert not _equal(a, c)


def test_without_seed_torch_manual_seed_applies():
    def build():
        torch.manual_seed(5)
        with vinit.fast_init():
            return _state(nn.Sequential(nn.Linear(30, 20), nn.Conv1d(3, 4, 3)))

    assert _equal(build(), build())


def test_tensor_methods_and_data_are_intercepted():
    p = nn.Parameter(torch.empty(1000))
    with vinit.fast_init(seed=11):
        p.data.normal_(2.0, 3.0)
        first = p.detach().clone()
        p.data.uniform_(-1, 1)
        second = p.detach().clone()
        p.data.fill_(0.25)
        assert torch.all(p == 0.25)
        p.data.zero_()
        assert torch.all(p == 0)
    assert torch.equal(first, vinit.normal_(torch.empty(1000), 2.0, 3.0, seed=11, stream=0))
    assert torch.equal(second, vinit.uniform_(torch.empty(1000), -1, 1, seed=11, stream=1))


def test_unfillable_tensors_go_to_torch():
    with vinit.fast_init(seed=0):
        ints = torch.empty(100, dtype=torch.int64).fill_(3)
        cplx = torch.empty(100, dtype=torch.complex64).normal_()
        state = torch.get_rng_state()
        meta = nn.Linear(1000, 1000, device="meta")  # no memory, no generator advanced
        assert torch.equal(state, torch.get_rng_state())
        leaf = torch.zeros(10, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):  # torch's autograd rule, unchanged
            leaf.normal_()
    assert torch.all(ints == 3) and cplx.abs().std() > 0 and meta.weight.is_meta


def test_meta_drop_ins_do_not_advance_the_generator():
    state = torch.get_rng_state()
    vinit.normal_(torch.empty(10, device="meta"))
    vinit.kaiming_uniform_(torch.empty(10, 10, device="meta"))
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("fill", [lambda t: vinit.normal_(t, seed=0), lambda t: vinit.uniform_(t, seed=0),
                                  lambda t: vinit.trunc_normal_(t, seed=0), lambda t: vinit.constant_(t, 0.5)],
                         ids=["normal_", "uniform_", "trunc_normal_", "constant_"])
def test_inference_tensor_outside_inference_mode_raises_as_torch(fill):
    # the drop-ins' by-address fast path must not skip torch's rule
    with torch.inference_mode():
        t, u = torch.zeros(10), torch.zeros(10)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        torch.nn.init.normal_(u)  # (torch writes its values before it raises)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor outside InferenceMode"):
        fill(t)
    assert not t.any(), "nothing written"
    with torch.inference_mode():
        fill(t)  # allowed inside, as in torch
    assert t.any()


def test_trunc_normal_far_mean_warns_or_says_why():
    t = torch.empty(20000)
    with pytest.warns(UserWarning, match="more than 2 std"):
        vinit.trunc_normal_(t, mean=5.0, std=1.0, a=-2.0, b=2.0, seed=0)
    assert t.min() >= -2 and t.max() <= 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"inverting the normal CDF in float64.*within 8 std"):
            vinit.trunc_normal_(t, mean=12.0, std=1.0, seed=0)
        with vinit.fast_init(seed=0):  # torch accepts it: inside fast_init torch's function runs
            torch.nn.init.trunc_normal_(t, mean=12.0, std=1.0)
    assert t.min() >= -2 and t.max() <= 2


def test_sparse_matches_torch():
    ours, theirs = torch.empty(200, 300), torch.empty(200, 300)
    vinit.sparse_(ours, 0.25, std=0.5, seed=2)
    torch.manual_seed(0)
    torch.nn.init.sparse_(theirs, 0.25, std=0.5)
    assert torch.equal((ours == 0).sum(0), (theirs == 0).sum(0))  # ceil(0.25 * 200) per column
    from scipy import stats

    assert stats.ks_2samp(ours[ours != 0].numpy(), theirs[theirs != 0].numpy()).pvalue > 1e-3
    again = torch.empty(200, 300)
    assert torch.equal(vinit.sparse_(again, 0.25, std=0.5, seed=2), ours)
    with pytest.raises(ValueError, match="2 dimensions"):
        vinit.sparse_(torch.empty(3), 0.1)
    with vinit.fast_init(seed=2):
        torch.nn.init.sparse_(again, 0.25, std=0.5)  # through the dispatcher, stream 0
    assert torch.equal(again, ours)


def test_restored_after_exit_exception_and_nesting():
    before = _init_functions()
    with pytest.raises(KeyError), vinit.fast_init(seed=0):
        assert patching.is_dispatcher(nn.init.trunc_normal_)
        with vinit.fast_init(seed=1), vinit.fast_init():
            nn.Linear(3, 3)
        assert patching.is_dispatcher(nn.init.trunc_normal_)  # still open
        raise KeyError("boom")
    assert _init_functions() == before
    assert all(fn is ORIGINAL_INIT[n] for n, fn in before["init"].items())
    assert not torch.overrides._get_current_function_mode_stack()


def test_nested_block_with_seed_has_its_own_keys():
    with vinit.fast_init(seed=5):
        outer_first = nn.Linear(20, 20).weight.detach().clone()
        with vinit.fast_init(seed=5):
            inner = nn.Linear(20, 20).weight.detach().clone()
        outer_next = nn.Linear(20, 20).weight.detach().clone()
    assert torch.equal(outer_first, inner) and not torch.equal(outer_first, outer_next)


def test_decorator_restarts_the_keys_each_call():
    @vinit.fast_init(seed=9)
    def build():
        return _state(nn.Linear(30, 30))

    assert _equal(build(), build())


def test_other_threads_keep_torch_behaviour():
    inside, outside_done = threading.Event(), threading.Event()
    seen = {}

    def other():
        inside.wait()
        torch.manual_seed(42)
        seen["trunc"] = nn.init.trunc_normal_(torch.empty(500)).clone()
        seen["linear"] = _state(nn.Linear(40, 30))
        seen["modes"] = list(torch.overrides._get_current_function_mode_stack())
        outside_done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with vinit.fast_init(seed=0):
        assert patching.is_dispatcher(nn.init.trunc_normal_)  # process-wide, yet...
        inside.set()
        outside_done.wait(timeout=60)
    thread.join()
    torch.manual_seed(42)
    expected_trunc = nn.init.trunc_normal_(torch.empty(500)).clone()
    expected_linear = _state(nn.Linear(40, 30))
    assert torch.equal(seen["trunc"], expected_trunc)  # ...torch's values in the other thread
    assert _equal(seen["linear"], expected_linear)
    assert seen["modes"] == []


def test_two_threads_inside_build_the_same_model():
    results = {}

    def build(i):
        with vinit.fast_init(seed=21):
            results[i] = _state(_torch_zoo())

    threads = [threading.Thread(target=build, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _equal(results[0], results[1])
    assert all(fn is ORIGINAL_INIT[n] for n, fn in _init_functions()["init"].items())


def test_bad_seed():
    with pytest.raises(ValueError, match="seed must be None or an int"):
        vinit.fast_init(seed=-1)
    with pytest.raises(ValueError, match="seed must be None or an int"):
        vinit.fast_init(seed=1.5)  # type: ignore[arg-type]


def test_meta_to_real_torch_model():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(32, 32)
            self.b = nn.Linear(32, 32)
            self.b.weight = self.a.weight
            self.custom = Scaled()

    with torch.device("meta"):
        model = Tied()
    vinit.materialize(model, seed=0)
    assert model.a.weight is model.b.weight and model.a.weight.device.type == "cpu"
    assert torch.all(model.custom.scale == 1.0) and model.custom.lin.weight.abs().max() <= 1 / 32 ** 0.5
    again = Tied()
    vinit.init_module(again, seed=0)
    assert _equal(_state(model), _state(again))  # same names, same values


class Scaled(nn.Module):
    """A custom module with its own parameter and reset_parameters."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.empty(8))
        self.lin = nn.Linear(32, 8)
        self.reset_parameters()

    def reset_parameters(self):
        nn.init.ones_(self.scale)


def test_init_module_runs_own_reset_parameters_under_varscale():
    class Noisy(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.empty(4000))

        def reset_parameters(self):
            nn.init.trunc_normal_(self.w, std=0.5, a=-1.0, b=1.0)

    model = nn.Sequential(Noisy(), Noisy())
    vinit.init_module(model, seed=3)
    w0 = model[0].w.detach().clone()
    expected = vinit.trunc_normal_(torch.empty(4000), std=0.5, a=-1.0, b=1.0, seed=3,
                                   stream=vinit.param_stream("0.<own>"))
    assert torch.equal(w0, expected)  # keyed by the module's name
    assert not torch.equal(w0, model[1].w)


def _deferral(enabled: bool):
    from varscale.torch._fast_init import deferral

    old, deferral.ENABLED = deferral.ENABLED, enabled
    return old


def test_deferral_changes_no_value():
    old = _deferral(False)
    try:
        with vinit.fast_init(seed=8):
            eager = _state(_torch_zoo())
    finally:
        _deferral(old)
    with vinit.fast_init(seed=8):
        deferred = _state(_torch_zoo())
    assert _equal(eager, deferred)


def test_deferred_fills_land_before_any_read_or_partial_write():
    with vinit.fast_init(seed=1):
        lin = nn.Linear(64, 64)
        total = lin.weight.sum().item()  # a read: the deferred kaiming fill lands first
        emb = nn.Embedding(100, 16, padding_idx=2)  # normal_, then the padding row zeroed (a partial write)
        copy = torch.empty(64, 64).copy_(lin.weight)
        conv = torch.nn.utils.parametrizations.weight_norm(nn.Conv1d(4, 8, 3))  # reads the weight at once
    assert total == lin.weight.sum().item() and torch.equal(copy, lin.weight.detach())
    assert torch.all(emb.weight[2] == 0) and emb.weight[3].abs().sum() > 0
    assert torch.isfinite(conv.weight).all() and conv.weight.abs().max() <= 1 / 12 ** 0.5 + 1e-6


def test_errors_surface_at_the_call():
    t = torch.empty(10)
    with vinit.fast_init(seed=0):
        with pytest.raises(RuntimeError, match="std"):
            nn.init.normal_(t, std=-1.0)  # varscale refuses, torch raises its own error here
        with pytest.raises(ValueError, match="Mode"):
            nn.init.kaiming_uniform_(torch.empty(3, 3), mode="sideways")


def test_overwritten_fills_are_skipped():
    from varscale.torch._fast_init.fast_init import _pending

    before = _pending().skipped_bytes
    with vinit.fast_init(seed=0):
        lin = nn.Linear(100, 50)
        nn.init.normal_(lin.weight, std=0.02)  # replaces the constructor's kaiming_uniform_
    assert _pending().skipped_bytes - before == 100 * 50 * 4
    assert abs(lin.weight.std().item() - 0.02) < 0.002


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_tensors_go_to_torch_unchanged():
    torch.manual_seed(0)
    stock = _state(nn.Linear(300, 200, device="cuda"))
    with vinit.fast_init(seed=0):
        torch.manual_seed(0)
        inside = _state(nn.Linear(300, 200, device="cuda"))
    assert _equal(stock, inside)
