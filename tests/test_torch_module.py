"""varscale.torch.init_module: per-name streams, torch's default distributions
for each module type, the variance-scaling schemes and the conv fans."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")

import varscale  # noqa: E402
import varscale.torch as vinit  # noqa: E402
from torch import nn  # noqa: E402


class Net(nn.Module):
    def __init__(self, extra: bool = False):
        super().__init__()
        self.embed = nn.Embedding(100, 32, padding_idx=0)
        self.conv = nn.Conv1d(32, 64, 3, groups=4)
        if extra:
            self.extra = nn.Linear(64, 64)  # registered between the others
        self.head = nn.Linear(64, 10)
        self.norm = nn.LayerNorm(10)


def _params(model):
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def test_param_stream_is_a_stable_hash():
    assert vinit.param_stream("layers.0.weight") == vinit.param_stream("layers.0.weight")
    assert vinit.param_stream("layers.0.weight") != vinit.param_stream("layers.0.bias")
    # pinned: the stream of a name must never change between versions or processes
    import hashlib
    want = int.from_bytes(hashlib.blake2b(b"head.weight", digest_size=8, person=b"varscale.stream").digest(),
                          "little")
    assert vinit.param_stream("head.weight") == want
    assert 0 <= want < 2**64
    with pytest.raises(TypeError):
        vinit.param_stream(3)


@pytest.mark.parametrize("scheme", ["torch_default", "xavier_uniform", "kaiming_normal", "orthogonal"])
def test_adding_a_layer_leaves_the_others_unchanged(scheme):
    a = _params(vinit.init_module(Net(), 42, scheme=scheme))
    b = _params(vinit.init_module(Net(extra=True), 42, scheme=scheme))
    assert set(b) - set(a) == {"extra.weight", "extra.bias"}
    for name in a:
        assert torch.equal(a[name], b[name]), name
    # a different seed changes every random parameter
    c = _params(vinit.init_module(Net(), 43, scheme=scheme))
    assert not torch.equal(a["head.weight"], c["head.weight"])


def test_values_are_the_named_streams():
    model = vinit.init_module(Net(), 5)
    w = model.head.weight.detach().numpy()
    bound = math.sqrt(3.0) * (math.sqrt(1 / 3) / math.sqrt(64))
    np.testing.assert_array_equal(w, varscale.uniform((10, 64), -bound, bound, seed=5,
                                                      stream=vinit.param_stream("head.weight")))
    e = varscale.normal((100, 32), seed=5, stream=vinit.param_stream("embed.weight"))
    e[0] = 0  # padding_idx
    np.testing.assert_array_equal(model.embed.weight.detach().numpy(), e)


def test_in_place_zero_copy_with_requires_grad():
    model = Net()
    ptrs = {n: p.data_ptr() for n, p in model.named_parameters()}
    vinit.init_module(model, 0, scheme="xavier_normal")
    for n, p in model.named_parameters():
        assert p.data_ptr() == ptrs[n] and p.requires_grad and p.is_leaf
    loss = model.head(torch.randn(4, 64)).sum()
    loss.backward()  # still ordinary trainable parameters
    assert model.head.weight.grad is not None


def _sample(make_param, want):
    """Concatenate draws of one parameter (a function of a draw index) until ``want`` values."""
    parts, n, i = [], 0, 0
    while n < want:
        t = make_param(i).detach().double().numpy().ravel()
        parts.append(t)
        n, i = n + t.size, i + 1
    return np.concatenate(parts)


MODULES = [
    ("linear", lambda: nn.Linear(300, 200)),
    ("conv2d", lambda: nn.Conv2d(16, 64, 5)),
    ("grouped_conv2d", lambda: nn.Conv2d(32, 64, 5, groups=4)),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(64, 16, 5, groups=2)),
    ("conv1d", lambda: nn.Conv1d(40, 80, 7)),
    ("conv3d", lambda: nn.Conv3d(8, 16, 3)),
    ("bilinear", lambda: nn.Bilinear(30, 20, 50)),
    ("lstm", lambda: nn.LSTM(32, 64, num_layers=2)),
    ("gru_cell", lambda: nn.GRUCell(32, 48)),
    ("embedding", lambda: nn.Embedding(500, 64)),
    ("embedding_bag", lambda: nn.EmbeddingBag(500, 64)),
    ("mha", lambda: nn.MultiheadAttention(64, 4, add_bias_kv=True)),
    ("mha_kdim", lambda: nn.MultiheadAttention(64, 4, kdim=32, vdim=48)),
]


@pytest.mark.parametrize("label, make", MODULES, ids=[m[0] for m in MODULES])
def test_torch_default_has_torch_distributions(label, make):
    """Each parameter, pooled over seeds to >= 8000 values, against the same
    parameter of freshly constructed torch modules (3x as many): two-sample
    KS. A bound 10% off is rejected at this size (p ~ 1e-5)."""
    names = [n for n, _ in make().named_parameters()]
    for name in names:
        def ours(i, name=name):
            return dict(vinit.init_module(make(), 11 + i).named_parameters())[name]

        def theirs(i, name=name):
            torch.manual_seed(1000 + i)
            return dict(make().named_parameters())[name]

        a = _sample(ours, 8000)
        b = _sample(theirs, 3 * a.size)
        if np.all(b == b[0]):  # a constant (zero bias): must match exactly
            assert np.all(a == b[0]), f"{label}: {name}"
            continue
        assert stats.ks_2samp(a, b).pvalue > 1e-3, f"{label}: {name}"


def test_torch_default_formulas():
    lin = vinit.init_module(nn.Linear(400, 300), 1)
    bound = 1 / math.sqrt(400)
    for t in (lin.weight, lin.bias):
        assert t.abs().max() <= bound and t.abs().max() > 0.99 * bound
    # transposed conv: torch's fan_in is weight.size(1) * k = (out/groups) * k
    ct = vinit.init_module(nn.ConvTranspose2d(64, 32, 3, groups=2), 1)
    assert ct.weight.shape == (64, 16, 3, 3)
    bound = 1 / math.sqrt(16 * 9)
    assert ct.weight.abs().max() <= bound and ct.weight.abs().max() > 0.99 * bound
    assert ct.bias.abs().max() <= bound
    rnn = vinit.init_module(nn.GRU(10, 25), 1)
    for p in rnn.parameters():
        assert p.abs().max() <= 1 / 5
    emb = vinit.init_module(nn.Embedding(2000, 50, padding_idx=7), 1)
    w = emb.weight.detach()
    assert torch.all(w[7] == 0)
    assert abs(w.std().item() - 1) < 0.01 and abs(w.mean().item()) < 0.01


def test_constants_and_running_stats():
    bn = nn.BatchNorm2d(8)
    with torch.no_grad():
        for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
            t.fill_(7)
    bn.num_batches_tracked.fill_(3)
    vinit.init_module(bn, 0)
    assert torch.all(bn.weight == 1) and torch.all(bn.bias == 0)
    assert torch.all(bn.running_mean == 7) and bn.num_batches_tracked.item() == 3  # buffers: not by default
    vinit.init_module(bn, 0, include_buffers=True)
    assert torch.all(bn.running_mean == 0) and torch.all(bn.running_var == 1) and bn.num_batches_tracked.item() == 0
    model = nn.Sequential(nn.LayerNorm(6), nn.GroupNorm(2, 6), nn.RMSNorm(6), nn.PReLU(6, init=0.1))
    for p in model.parameters():
        with torch.no_grad():
            p.fill_(5)
    vinit.init_module(model, 0)
    assert torch.all(model[0].weight == 1) and torch.all(model[0].bias == 0)
    assert torch.all(model[1].weight == 1) and torch.all(model[2].weight == 1)
    assert torch.allclose(model[3].weight, torch.full((6,), 0.1))


def test_multihead_attention_defaults():
    mha = vinit.init_module(nn.MultiheadAttention(32, 4, add_bias_kv=True), 3)
    bound = math.sqrt(6 / (32 + 96))  # xavier_uniform_ of the packed (96, 32) in_proj_weight
    assert mha.in_proj_weight.abs().max() <= bound and mha.in_proj_weight.abs().max() > 0.98 * bound
    assert torch.all(mha.in_proj_bias == 0) and torch.all(mha.out_proj.bias == 0)
    assert mha.out_proj.weight.abs().max() <= 1 / math.sqrt(32)  # Linear default, untouched by MHA


def test_transformer_reset_parameters():
    model = nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=24, batch_first=True)
    vinit.init_module(model, 0)
    for name, p in model.named_parameters():
        if p.dim() > 1:
            fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(p)
            assert p.abs().max() <= math.sqrt(6 / (fi + fo)), name
    lin = model.encoder.layers[0].linear1
    assert lin.bias.abs().max() <= 1 / math.sqrt(16) and lin.bias.abs().max() > 0  # Linear's bias rule


# --------------------------------------------------------- variance-scaling schemes

def test_scheme_uses_correct_conv_fans_by_default():
    conv = nn.ConvTranspose2d(64, 128, 3, groups=4)  # weight (64, 32, 3, 3)
    fi_ok, fo_ok = vinit.conv_fans(conv)
    fi_torch, fo_torch = torch.nn.init._calculate_fan_in_and_fan_out(conv.weight)
    assert (fi_ok, fo_ok) == (16 * 9, 32 * 9) and (fi_torch, fo_torch) == (32 * 9, 64 * 9)
    vinit.init_module(conv, 0, scheme="kaiming_normal", nonlinearity="relu")
    assert abs(conv.weight.std().item() / math.sqrt(2 / fi_ok) - 1) < 0.03
    assert torch.all(conv.bias == 0)
    vinit.init_module(conv, 0, scheme="kaiming_normal", nonlinearity="relu", fans="torch")
    assert abs(conv.weight.std().item() / math.sqrt(2 / fi_torch) - 1) < 0.03
    grouped = nn.Conv2d(64, 128, 3, groups=8)
    vinit.init_module(grouped, 0, scheme="xavier_uniform")
    fi, fo = vinit.conv_fans(grouped)
    assert (fi, fo) == (8 * 9, 16 * 9)
    assert grouped.weight.abs().max() <= math.sqrt(6 / (fi + fo))
    assert grouped.weight.abs().max() > 0.99 * math.sqrt(6 / (fi + fo))


def test_torch_default_with_correct_fans():
    conv = vinit.init_module(nn.ConvTranspose2d(64, 32, 3, groups=2), 0, fans="correct")
    bound = 1 / math.sqrt(32 * 9)  # (in/groups) * k
    assert conv.weight.abs().max() <= bound and conv.weight.abs().max() > 0.99 * bound


@pytest.mark.parametrize("scheme, kwargs, std", [
    ("xavier_normal", {"gain": 2.0}, 2.0 * math.sqrt(2 / (300 + 200))),
    ("lecun_uniform", {}, math.sqrt(1 / 300)),
    ("kaiming_uniform", {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 200)),
    ("variance_scaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "normal"}, math.sqrt(2 / 250)),
    ("orthogonal", {"gain": 1.5}, 1.5 / math.sqrt(300)),
])
def test_schemes_on_linear(scheme, kwargs, std):
    lin = vinit.init_module(nn.Linear(300, 200), 2, scheme=scheme, **kwargs)
    assert abs(lin.weight.std().item() / std - 1) < 0.02
    assert torch.all(lin.bias == 0)
    if scheme == "orthogonal":
        w = lin.weight.detach().double()
        torch.testing.assert_close(w @ w.T, 2.25 * torch.eye(200, dtype=torch.float64), atol=1e-4, rtol=0)


def test_other_modules_keep_torch_defaults_under_a_scheme():
    model = nn.Sequential(nn.Embedding(300, 40), nn.LayerNorm(40), nn.Linear(40, 40))
    vinit.init_module(model, 0, scheme="lecun_normal")
    assert abs(model[0].weight.std().item() - 1) < 0.02
    assert torch.all(model[1].weight == 1)
    assert abs(model[2].weight.std().item() / math.sqrt(1 / 40) - 1) < 0.1


# ---------------------------------------------------------------- edge cases

def test_shared_parameter_initialised_once_under_its_first_name():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(50, 16)
            self.head = nn.Linear(16, 50, bias=False)
            self.head.weight = self.emb.weight

    model = vinit.init_module(Tied(), 4)
    want = varscale.normal((50, 16), seed=4, stream=vinit.param_stream("emb.weight"))
    np.testing.assert_array_equal(model.head.weight.detach().numpy(), want)


def test_unknown_parameters():
    class Custom(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.full((4,), 3.0))
            self.lin = nn.Linear(4, 4)

    model = Custom()
    before = model.lin.weight.detach().clone()
    with pytest.raises(ValueError, match=r"scale \(Custom\)"):
        vinit.init_module(model, 0, unknown="error")
    assert torch.equal(model.lin.weight, before)  # nothing written before the error
    with pytest.raises(ValueError, match=r"no reset_parameters\(\) for <root> \(Custom\)"):
        vinit.init_module(model, 0)  # unknown="own", but Custom has no reset method
    assert torch.equal(model.lin.weight, before)
    vinit.init_module(model, 0, unknown="skip")
    assert torch.all(model.scale == 3.0) and not torch.equal(model.lin.weight, before)


def test_bad_arguments_change_nothing():
    model = nn.Linear(8, 8)
    before = model.weight.detach().clone()
    with pytest.raises(ValueError, match="unknown scheme 'he'"):
        vinit.init_module(model, 0, scheme="he")
    with pytest.raises(TypeError, match="takes no argument"):
        vinit.init_module(model, 0, scheme="xavier_uniform", nonlinearity="relu")
    with pytest.raises(TypeError, match="takes no argument"):
        vinit.init_module(model, 0, gain=2.0)  # torch_default takes none
    with pytest.raises(ValueError, match="mode"):
        vinit.init_module(model, 0, scheme="kaiming_normal", mode="sideways")
    with pytest.raises(ValueError, match="fans"):
        vinit.init_module(model, 0, fans="keras")
    with pytest.raises(ValueError, match="unknown="):
        vinit.init_module(model, 0, unknown="ignore")
    with pytest.raises(ValueError, match="seed"):
        vinit.init_module(model, -3)
    with pytest.raises(TypeError, match="torch.nn.Module"):
        vinit.init_module(torch.empty(3, 3), 0)
    assert torch.equal(model.weight, before)


def test_lazy_modules():
    model = nn.Sequential(nn.LazyLinear(5))
    with pytest.raises(ValueError, match="not materialised"):
        vinit.init_module(model, 0)
    model(torch.zeros(2, 7))
    vinit.init_module(model, 0)
    assert model[0].weight.abs().max() <= 1 / math.sqrt(7)


def test_seed_none_follows_torch_manual_seed():
    torch.manual_seed(3)
    a = _params(vinit.init_module(Net(), None))
    torch.manual_seed(3)
    b = _params(vinit.init_module(Net(), None))
    assert all(torch.equal(a[n], b[n]) for n in a)


@pytest.mark.parametrize("groups, transposed", [(1, False), (2, False), (4, False), (1, True), (2, True)])
def test_conv_fans_count_the_connections(groups, transposed):
    """Ground truth from torch's own convolution: with stride 1, an interior
    output depends on fan_in inputs and an interior input reaches fan_out
    outputs (the nonzero pattern of the Jacobian, one entry per weight)."""
    cin, cout, k = 4, 8, 3
    cls = nn.ConvTranspose1d if transposed else nn.Conv1d
    conv = cls(cin, cout, k, groups=groups, bias=False).double()
    with torch.no_grad():
        conv.weight.fill_(1.0)  # no accidental zeros
    length = 11
    x = torch.zeros(1, cin, length, dtype=torch.float64)
    jac = torch.autograd.functional.jacobian(lambda v: conv(v), x).reshape(-1, cin * length)
    out_len = jac.shape[0] // cout
    nz = jac != 0
    mid_out = [c * out_len + out_len // 2 for c in range(cout)]
    mid_in = [c * length + length // 2 for c in range(cin)]
    fan_in = {int(nz[i].sum()) for i in mid_out}
    fan_out = {int(nz[:, j].sum()) for j in mid_in}
    assert fan_in == {vinit.conv_fans(conv)[0]} and fan_out == {vinit.conv_fans(conv)[1]}
    assert vinit.conv_fans(conv) == varscale.conv_fans(conv.weight.shape, groups=groups, transposed=transposed)
