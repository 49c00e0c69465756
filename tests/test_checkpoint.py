"""Seed checkpoints: plan_init records a model's own init code; files, tensors, regions and models agree bit for bit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
safetensors_torch = pytest.importorskip("safetensors.torch")
stats = pytest.importorskip("scipy.stats")

from varscale._cli.checkpoint import run as cli_run  # noqa: E402
from varscale.torch import InitPlan, PlanError, plan_init  # noqa: E402
from varscale.torch._checkpoint import safetensors_writer  # noqa: E402

transformers.logging.set_verbosity_error()


def _configs() -> dict:
    return {
        "gpt2": transformers.GPT2Config(n_layer=2, n_embd=64, n_head=4, vocab_size=500, n_positions=64,
                                        bos_token_id=0, eos_token_id=0),
        "llama": transformers.LlamaConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=96,
                                          num_attention_heads=4, num_key_value_heads=2, vocab_size=500,
                                          tie_word_embeddings=True),
        "bert": transformers.BertConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=96,
                                        num_attention_heads=4, vocab_size=500, pad_token_id=3),
    }


def _auto(cfg):
    return transformers.AutoModel if isinstance(cfg, transformers.BertConfig) else transformers.AutoModelForCausalLM


@pytest.fixture(scope="module", params=["gpt2", "llama", "bert"])
def family(request):
    cfg = _configs()[request.param]
    auto = _auto(cfg)
    build = lambda: auto.from_config(cfg)  # noqa: E731
    return request.param, cfg, auto, build, plan_init(build, seed=1234)


def test_files_equal_materialize_and_tensor(family, tmp_path):
    _, cfg, auto, _, plan = family
    model = plan.materialize()
    files = plan.save_safetensors(tmp_path, max_shard_size="40KB", extra_files=[("config.json",
                                                                                  cfg.to_json_string().encode())])
    assert "model.safetensors.index.json" in files and len(files) > 3
    index = json.loads((tmp_path / "model.safetensors.index.json").read_text())
    state = model.state_dict()
    for name, file in index["weight_map"].items():
        stored = safetensors_torch.load_file(tmp_path / file)[name]
        assert torch.equal(stored, state[name]), name
        assert torch.equal(stored, plan.tensor(name)), name
    loaded, info = auto.from_pretrained(tmp_path, output_loading_info=True)
    assert not any(info.values()), info  # no missing, unexpected or mismatched keys
    for name, value in loaded.state_dict().items():
        assert torch.equal(value, state[name]), name


def test_ties_and_buffers(family):
    name, cfg, _, build, plan = family
    model = plan.materialize()
    stock = build()
    if cfg.tie_word_embeddings and name != "bert":
        assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
        assert len(plan.names) == len(stock.state_dict()) - 1  # the tied weight is stored once
    stock_buffers = dict(stock.named_buffers())
    for bname, b in model.named_buffers():  # persistent and computed (RoPE inv_freq) buffers
        assert torch.equal(b, stock_buffers[bname]), bname


def test_distributions_match_stock_hf(family):
    _, _, _, build, plan = family
    torch.manual_seed(0)
    stock = dict(build().named_parameters())
    ours = dict(plan.materialize().named_parameters())
    for n, p in ours.items():
        if stock[n].detach().unique().numel() == 1:
            assert torch.equal(p.detach(), stock[n].detach()), n  # constants are exact
    tests = [(n, p) for n, p in ours.items() if p.numel() >= 256 and stock[n].detach().unique().numel() > 1]
    assert tests
    alpha = 1e-3 / len(tests)  # Bonferroni
    for n, p in tests:
        result = stats.ks_2samp(p.detach().flatten().numpy(), stock[n].detach().flatten().numpy())
        assert result.pvalue > alpha, (n, result)


def test_same_seed_same_files_other_seed_differs(tmp_path):
    cfg = _configs()["llama"]
    build = lambda: transformers.AutoModelForCausalLM.from_config(cfg)  # noqa: E731
    dirs = []
    for k, seed in enumerate((7, 7, 8)):
        d = tmp_path / str(k)
        d.mkdir()
        plan_init(build, seed=seed).save_safetensors(d, dtype="bfloat16")
        dirs.append((d / "model.safetensors").read_bytes())
    assert dirs[0] == dirs[1]
    assert dirs[0] != dirs[2]


def test_regions_and_fill(family):
    _, _, _, _, plan = family
    rng = np.random.default_rng(0)
    for name in plan.names:
        whole = plan.tensor(name)
        if whole.dim() == 0:
            continue
        for _ in range(3):
            region = tuple(slice(int(a), int(a) + int(rng.integers(1, n - a + 1)))
                           for n, a in ((n, rng.integers(0, n)) for n in whole.shape))
            part = plan.tensor(name, region=region)
            assert torch.equal(part, whole[region]), (name, region)
            shard = torch.empty_like(whole[region])
            plan.fill_(name, shard, region=region)
            assert torch.equal(shard, whole[region])
        if whole.dim() == 2:
            assert torch.equal(plan.tensor(name, region=(1,)), whole[1])  # an int drops the axis


def test_json_round_trip(family):
    _, _, _, build, plan = family
    again = InitPlan.from_json(plan.to_json(), build)
    assert again.names == plan.names
    for name in plan.names:
        assert torch.equal(again.tensor(name), plan.tensor(name))
    with pytest.raises(ValueError, match="build"):
        InitPlan.from_json(plan.to_json()).materialize()


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "float8_e5m2", "bfloat16", "float16"])
def test_low_precision_stays_in_bounds(dtype):
    class Bounded(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.empty(300, 301))
            self.t = torch.nn.Parameter(torch.empty(400, 100))
            torch.nn.init.uniform_(self.w, -0.0499, 0.0499)
            torch.nn.init.trunc_normal_(self.t, std=0.02, a=-0.03, b=0.03)

    plan = plan_init(Bounded, seed=3)
    w, t = plan.tensor("w", dtype=dtype).float(), plan.tensor("t", dtype=dtype).float()
    assert torch.isfinite(w).all() and torch.isfinite(t).all()
    assert w.abs().max() <= 0.0499 and t.abs().max() <= 0.03
    assert w.std() > 0.02 and t.std() > 0.01


def test_float8_refuses_what_it_cannot_hold():
    class Wide(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.empty(10, 10))
            torch.nn.init.normal_(self.w, std=100.0)

    plan = plan_init(Wide, seed=0)
    with pytest.raises(ValueError, match="float8_e4m3fn"):
        plan.tensor("w", dtype="float8_e4m3fn")
    assert torch.isfinite(plan.tensor("w", dtype="float8_e5m2").float()).all()


class _ScaledAfterInit(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
        with torch.no_grad():
            self.lin.weight.mul_(0.5)


class _Uninitialised(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.empty(3))


class _ReinitialisedAfterUnsupported(_ScaledAfterInit):
    def __init__(self):
        super().__init__()
        torch.nn.init.xavier_uniform_(self.lin.weight)  # overrides the mul_: nothing is lost


def test_refuses_what_it_cannot_record_exactly():
    with pytest.raises(PlanError, match=r"lin\.weight.*Tensor\.mul_"):
        plan_init(_ScaledAfterInit, seed=0)
    with pytest.raises(PlanError, match=r"\bp\b.*never initialises"):
        plan_init(_Uninitialised, seed=0)
    plan = plan_init(_ReinitialisedAfterUnsupported, seed=0)
    bound = (6 / 8) ** 0.5
    assert plan.entries["lin.weight"]["base"] == {"op": "uniform", "low": -bound, "high": bound}


def test_torch_modules_record_their_own_reset_parameters():
    build = lambda: torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.BatchNorm2d(8),  # noqa: E731
                                        torch.nn.Linear(8, 5), torch.nn.Embedding(10, 4, padding_idx=2),
                                        torch.nn.LayerNorm(5))
    plan = plan_init(build, seed=0)
    stock = dict(build().named_parameters())
    assert set(plan.names) >= set(stock)
    emb = plan.tensor("3.weight")
    assert torch.equal(emb[2], torch.zeros(4)) and emb[3].abs().sum() > 0  # padding row, a partial constant
    bound = 1 / (3 * 3 * 3) ** 0.5
    w = plan.tensor("0.weight")
    assert w.abs().max() <= bound and w.abs().max() > 0.9 * bound


def test_interrupted_write_leaves_no_complete_checkpoint(tmp_path):
    def explode(out, box):
        raise KeyboardInterrupt

    tensors = [safetensors_writer.TensorToWrite("a", (10,), "float32", lambda out, box: out.fill(1)),
               safetensors_writer.TensorToWrite("b", (10,), "float32", explode)]
    with pytest.raises(KeyboardInterrupt):
        safetensors_writer.write_checkpoint(str(tmp_path), tensors, max_shard_size=40)
    assert os.listdir(tmp_path) == []


def test_killed_write_leaves_only_partial_files(tmp_path):
    script = textwrap.dedent(f"""
        import time, numpy as np
        from varscale.torch._checkpoint import safetensors_writer as w
        w.WINDOW_BYTES = 1 << 12
        def slow(out, box):
            out.fill(1); time.sleep(0.05)
        w.write_checkpoint({str(tmp_path)!r}, [w.TensorToWrite("a", (1 << 16,), "float32", slow)],
                           extra_files=[("config.json", b"{{}}")])
    """)
    child = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.time() + 30
    while not os.listdir(tmp_path) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    left = os.listdir(tmp_path)
    assert left and all(n.endswith(".partial") for n in left), left


def test_rss_stays_bounded_for_a_checkpoint_larger_than_the_bound(tmp_path):
    # VmHWM (this process's own peak, reset through clear_refs) rather than
    # ru_maxrss, which a child inherits from its parent across fork and exec
    script = textwrap.dedent(f"""
        import json, transformers
        from varscale.torch import plan_init

        def status(key):
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith(key))

        cfg = transformers.LlamaConfig(num_hidden_layers=10, hidden_size=1024, intermediate_size=4096,
                                       num_attention_heads=8, num_key_value_heads=8, vocab_size=32000)
        build = lambda: transformers.AutoModelForCausalLM.from_config(cfg)
        plan_init(build, seed=0)  # warm up imports and lazy state
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak to the current resident set
        before = status("VmRSS:")
        plan = plan_init(build, seed=1)
        plan.save_safetensors({str(tmp_path)!r})
        print(json.dumps({{"before_kib": before, "peak_kib": status("VmHWM:")}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    rss = json.loads(out.stdout.strip().splitlines()[-1])
    size = os.path.getsize(tmp_path / "model.safetensors")
    assert size > 768 << 20  # the file is larger than the bound below
    grown = (rss["peak_kib"] - rss["before_kib"]) * 1024
    assert grown < 512 << 20, (rss, size)
    print(f"peak RSS grew {grown / 2**20:.0f} MiB writing a {size / 2**20:.0f} MiB checkpoint")


def test_rss_check_can_fail(tmp_path):
    """The same measurement sees a full-size temporary (so the bound above is not vacuous)."""
    script = textwrap.dedent("""
        import numpy as np
        def status(key):
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith(key))
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = status("VmRSS:")
        a = np.ones(600 << 17)  # 600 MiB
        del a
        print(status("VmHWM:") - before)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert int(out.stdout.strip()) * 1024 > 512 << 20


def test_cli_writes_a_loadable_checkpoint_and_reports_errors(tmp_path, capsys):
    cfg = _configs()["llama"]
    cfg.architectures = ["LlamaForCausalLM"]
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "config.json").write_text(cfg.to_json_string())
    out = tmp_path / "out"
    assert cli_run([str(tmp_path / "cfg"), str(out), "--seed", "5", "--dtype", "bfloat16", "--max-shard-size",
                    "50KB"]) == 0
    assert "GB/s" in capsys.readouterr().err
    model, info = transformers.AutoModelForCausalLM.from_pretrained(out, output_loading_info=True)
    assert not any(info.values()) and model.dtype == torch.bfloat16
    assert cli_run([str(tmp_path / "cfg"), str(out), "--seed", "5"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert cli_run([str(tmp_path / "cfg"), str(out), "--seed", "5", "--force", "--quiet"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"model_type": "no_such_model"}))
    assert cli_run([str(bad), str(tmp_path / "o2"), "--seed", "1"]) == 1
    assert "unknown architecture 'no_such_model'" in capsys.readouterr().err
    assert cli_run([str(tmp_path / "missing"), str(tmp_path / "o3"), "--seed", "1"]) == 1
    assert "no config.json" in capsys.readouterr().err


def test_fill_dtensor_shards_equal_the_whole(tmp_path):
    import socket

    import torch.multiprocessing as mp

    import plan_dtensor_worker

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(plan_dtensor_worker.run, args=(2, port, str(tmp_path)), nprocs=2, join=True)
    plan = plan_init(plan_dtensor_worker.build, seed=77)
    for i, name in enumerate(["0.weight", "0.weight", "1.weight", "0.bias"]):
        gathered = torch.from_numpy(np.load(tmp_path / f"case{i}.npy"))
        assert torch.equal(gathered, plan.tensor(name)), name


class _Computed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.q = torch.nn.Parameter(torch.empty(40, 30))
        self.e = torch.nn.Parameter(torch.empty(12, 12))
        self.d = torch.nn.Parameter(torch.empty(6, 6, 3, 3))
        torch.nn.init.orthogonal_(self.q, gain=2.0)
        torch.nn.init.eye_(self.e)
        torch.nn.init.dirac_(self.d)


def test_computed_initialisations_written_window_by_window(tmp_path, monkeypatch):
    monkeypatch.setattr(safetensors_writer, "WINDOW_BYTES", 256)  # many windows per tensor
    plan = plan_init(_Computed, seed=5)
    q = plan.tensor("q")
    assert torch.allclose(q.T @ q, 4 * torch.eye(30), atol=1e-4)  # orthogonal columns, gain 2
    assert torch.equal(plan.tensor("e"), torch.eye(12))
    plan.save_safetensors(tmp_path)
    stored = safetensors_torch.load_file(tmp_path / "model.safetensors")
    for name in ("q", "e", "d"):
        assert torch.equal(stored[name], plan.tensor(name)), name


def test_plan_regions_read_like_the_numpy_api():
    """``region=`` means the same in InitPlan.tensor as in varscale's functions (_checks.as_region)."""
    plan = plan_init(lambda: torch.nn.Linear(8, 6), seed=1)
    w = plan.tensor("weight")
    assert torch.equal(plan.tensor("weight", region=(..., 2)), w[..., 2])
    assert torch.equal(plan.tensor("weight", region=(3,)), w[3])
    with pytest.raises(ValueError, match="step 1"):
        plan.tensor("weight", region=(slice(0, 6, 2),))
