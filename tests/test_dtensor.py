"""varscale.dtensor: each rank of a real multi-process gloo group fills its
own DTensor/FSDP2 shard; the gathered tensor equals the single-process
initialiser bit for bit. Skipped without torch (CI does not install it)."""

import json
import socket

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import varscale  # noqa: E402
from varscale.dtensor import fill_dtensor_, shard_region  # noqa: E402

needs_gloo = pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                                reason="torch.distributed with gloo is not available")

# (initializer, shape, placements per mesh dimension, dtype, args, kwargs)
CASES_1D = [
    ("kaiming_uniform", (7, 5), ["S0"], "float32", (), {"nonlinearity": "relu"}),  # 4 + 3 rows
    ("xavier_normal", (6, 9), ["S1"], "float64", (), {"gain": 2.0}),              # 5 + 4 columns
    ("truncated_normal", (1, 8), ["S0"], "float32", (), {"std": 0.02, "low": -0.04, "high": 0.04}),  # rank 1 empty
    ("normal", (5, 4, 3), ["S2"], "bfloat16", (), {"std": 0.5}),
    ("variance_scaling", (3, 3, 16, 8), ["S3"], "float16", (), {"layout": "keras"}),
    ("lecun_normal", (10, 4), ["R"], "float32", (), {}),
    ("constant", (4, 6), ["S0"], "float32", (0.25,), {}),
]
CASES_2D = [
    ("kaiming_normal", (9, 10), ["S0", "S1"], "float32", (), {"mode": "fan_out"}),
    ("uniform", (11, 6), ["S1", "S1"], "float32", (-2.0, 2.0), {}),   # one dimension split twice
    ("xavier_uniform", (9, 7), ["S0", "S0"], "float64", (), {}),      # 9 -> 5 + 4 -> 3 + 2, 2 + 2
    ("lecun_uniform", (8, 5), ["R", "S1"], "bfloat16", (), {}),
    ("normal", (5, 3), ["S1", "R"], "float64", (), {"mean": 1.0}),
    ("truncated_normal", (3, 2), ["S0", "S0"], "float32", (), {}),  # 3 -> 2 + 1 -> (1 + 1), (1 + 0)
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(tmp_path_factory, world, mesh_shape, cases, fsdp):
    import torch.multiprocessing as mp

    import dtensor_worker

    outdir = tmp_path_factory.mktemp(f"dtensor{world}")
    specs = [{"name": n, "shape": list(s), "placements": p, "dtype": d, "args": list(a), "kwargs": k,
              "seed": 1000 + i, "stream": i} for i, (n, s, p, d, a, k) in enumerate(cases)]
    mp.spawn(dtensor_worker.run, args=(world, free_port(), str(outdir), mesh_shape, specs, fsdp), nprocs=world,
             join=True)
    reports = [json.loads((outdir / f"rank{r}.json").read_text()) for r in range(world)]
    return outdir, specs, reports


@pytest.fixture(scope="module")
def world2(tmp_path_factory):
    return spawn(tmp_path_factory, 2, [2], CASES_1D, fsdp=True)


@pytest.fixture(scope="module")
def world4(tmp_path_factory):
    return spawn(tmp_path_factory, 4, [2, 2], CASES_2D, fsdp=False)


def bits(a):
    return np.ascontiguousarray(a).view(np.dtype(f"i{a.dtype.itemsize}"))


def expected(spec):
    f = getattr(varscale, spec["name"])
    return f(tuple(spec["shape"]), *spec["args"], dtype=spec["dtype"], seed=spec["seed"], stream=spec["stream"],
             **spec["kwargs"])


def check_world(world_result, index):
    outdir, specs, reports = world_result
    spec = specs[index]
    gathered = np.load(outdir / f"case{index}.npy")
    np.testing.assert_array_equal(gathered, bits(expected(spec)), err_msg=str(spec))
    for rank, report in enumerate(reports):
        case = report["cases"][index]
        assert case["returned_same"] and case["same_storage"], (rank, case)
        # our shard geometry agrees with torch's own
        if case["region"] is not None:
            assert [hi - lo for lo, hi in case["region"]] == case["torch_shape"], (rank, case)
            assert [lo for lo, _ in case["region"]] == case["torch_offset"], (rank, case)
        else:
            assert 0 in case["torch_shape"], (rank, case)
    return reports


@needs_gloo
@pytest.mark.parametrize("index", range(len(CASES_1D)), ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES_1D])
def test_1d_mesh_gathered_equals_single_process(world2, index):
    check_world(world2, index)


@needs_gloo
@pytest.mark.parametrize("index", range(len(CASES_2D)), ids=[f"{c[0]}-{c[2]}-{c[3]}" for c in CASES_2D])
def test_2d_mesh_gathered_equals_single_process(world4, index):
    check_world(world4, index)


@needs_gloo
def test_uneven_splits_leave_ranks_empty(world2, world4):
    # (1, 8) over 2 ranks on dim 0 and (3, 2) split twice: some rank holds nothing
    assert world2[2][1]["cases"][2]["region"] is None
    assert sum(r["cases"][5]["region"] is None for r in world4[2]) == 1


@needs_gloo
def test_fsdp2_fully_shard_parameters(world2):
    outdir, _, reports = world2
    names = reports[0]["fsdp_params"]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    shapes = {"0.weight": (7, 10), "0.bias": (7,), "2.weight": (3, 7), "2.bias": (3,)}
    want = {}
    for stream, name in enumerate(names):
        if name.endswith("weight"):
            want[name] = varscale.kaiming_uniform(shapes[name], nonlinearity="relu", seed=77, stream=stream)
        else:
            want[name] = varscale.uniform(shapes[name], -0.5, 0.5, seed=77, stream=stream)
        np.testing.assert_array_equal(np.load(outdir / f"fsdp_{name}.npy"), bits(want[name]), err_msg=name)
    # FSDP's forward runs on its own all-gathered parameters: they hold the fill too
    x = torch.linspace(-1.0, 1.0, 40).reshape(4, 10)
    t = {k: torch.from_numpy(v) for k, v in want.items()}
    y = torch.relu(x @ t["0.weight"].T + t["0.bias"]) @ t["2.weight"].T + t["2.bias"]
    np.testing.assert_allclose(np.load(outdir / "fsdp_forward.npy"), y.numpy(), rtol=1e-6, atol=1e-7)


@needs_gloo
def test_errors_on_a_process_group(world2):
    errors = world2[2][0]["errors"]
    assert errors["partial"][0] == "ValueError" and "Partial" in errors["partial"][1]
    assert errors["seed_none"][0] == "TypeError" and "explicit seed" in errors["seed_none"][1]
    assert errors["unknown"][0] == "ValueError" and "'he_uniform'" in errors["unknown"][1]
    assert errors["region"][0] == "TypeError" and "'region'" in errors["region"][1]


# ------------------------------------------------------------ no process group


@pytest.mark.parametrize("initializer", ["xavier_uniform", "xavier_uniform_", varscale.xavier_uniform,
                                         varscale.xavier_uniform_])
def test_plain_tensor_is_filled_whole_without_a_copy(initializer):
    t = torch.full((50, 30), float("nan"), requires_grad=True)
    ptr = t.data_ptr()
    assert fill_dtensor_(t, initializer, 1.5, seed=3, stream=2) is t
    assert t.data_ptr() == ptr and t.requires_grad
    np.testing.assert_array_equal(bits(t.detach().numpy()), bits(varscale.xavier_uniform((50, 30), 1.5, seed=3,
                                                                                         stream=2)))
    assert shard_region(t) == ((slice(0, 50), slice(0, 30)), (50, 30))


def tbits(t):
    """Bit patterns of a torch tensor, for exact comparisons."""
    ints = {2: torch.int16, 4: torch.int32, 8: torch.int64}
    return t.detach().cpu().contiguous().view(ints[t.element_size()])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_non_contiguous_tensor_goes_through_a_staging_buffer(dtype):
    base = torch.zeros(30, 40, dtype=dtype)
    view = base.T  # (40, 30), not contiguous
    fill_dtensor_(view, "normal", std=0.1, seed=8)
    want = varscale.normal_(torch.empty(40, 30, dtype=dtype), std=0.1, seed=8)
    assert torch.equal(tbits(view), tbits(want))
    assert torch.equal(tbits(base), tbits(want.T))  # written through the view


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_tensor_goes_through_a_staging_buffer():
    t = torch.full((300, 200), float("nan"), device="cuda")
    fill_dtensor_(t, "kaiming_normal", seed=5, stream=1)
    want = varscale.kaiming_normal_(torch.empty(300, 200), seed=5, stream=1)
    assert torch.equal(tbits(t), tbits(want))
    half = torch.empty((64, 48), device="cuda", dtype=torch.bfloat16).T
    fill_dtensor_(half, "uniform", -1.0, 1.0, seed=5)
    want = varscale.uniform_(torch.empty((48, 64), dtype=torch.bfloat16), -1.0, 1.0, seed=5)
    assert torch.equal(tbits(half), tbits(want))


def test_errors_without_a_process_group():
    with pytest.raises(TypeError, match="DTensor or Tensor, got ndarray"):
        fill_dtensor_(np.zeros((3, 3), np.float32), seed=0)
    with pytest.raises(TypeError, match="explicit seed"):
        fill_dtensor_(torch.zeros(3, 3), seed=None)
    with pytest.raises(ValueError, match="unknown initializer 'orthogonal'"):
        fill_dtensor_(torch.zeros(3, 3), "orthogonal", seed=0)
    with pytest.raises(ValueError, match="meta device"):
        fill_dtensor_(torch.empty(3, 3, device="meta"), seed=0)
    with pytest.raises(TypeError, match="unsupported dtype"):
        fill_dtensor_(torch.zeros(3, 3, dtype=torch.int32), seed=0)
    with pytest.raises(TypeError, match="sets 'full_shape' itself"):
        fill_dtensor_(torch.zeros(3, 3), seed=0, full_shape=(3, 3))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        fill_dtensor_(torch.zeros(3), seed=0)
    t = torch.zeros(0, 3)
    assert fill_dtensor_(t, seed=0) is t  # nothing to fill


@pytest.mark.parametrize("contiguous", [True, False])
def test_the_version_counter_is_bumped(contiguous):
    # autograd must see the in-place write, as for any in-place torch op,
    # whether the tensor is written in place or through a staging copy
    base = torch.zeros(30, 40)
    t = base if contiguous else base.T
    version = t._version
    fill_dtensor_(t, "normal", seed=1)
    assert t._version > version
