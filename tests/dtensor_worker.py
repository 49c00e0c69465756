"""One rank of the multi-process DTensor/FSDP2 tests (tests/test_dtensor.py):
joins a gloo group on loopback, fills its shards with fill_dtensor_, and
writes what rank 0 gathers (and what every rank computed) to ``outdir``.

A module of its own, without the ``test_`` prefix, so that worker processes
started by ``torch.multiprocessing.spawn`` import it without pytest."""

import json
import os

import numpy as np
import torch
import torch.distributed as dist
import torch.distributed.tensor as dt
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.tensor import DTensor, Partial, Replicate, Shard

from varscale.dtensor import fill_dtensor_, shard_region

BITS = {torch.float16: torch.int16, torch.bfloat16: torch.int16, torch.float32: torch.int32,
        torch.float64: torch.int64}


def placement(spec):
    """"S0" -> Shard(0), "R" -> Replicate()."""
    return Replicate() if spec == "R" else Shard(int(spec[1:]))


def save_bits(path, t):
    np.save(path, t.detach().contiguous().view(BITS[t.dtype]).numpy())


def run(rank, world, port, outdir, mesh_shape, cases, fsdp):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        mesh = init_device_mesh("cpu", tuple(mesh_shape))
        report = {"cases": [], "errors": {}}
        for i, case in enumerate(cases):
            placements = [placement(p) for p in case["placements"]]
            # NaN everywhere first: any element the fill missed shows
            x = dt.full(case["shape"], float("nan"), dtype=getattr(torch, case["dtype"]), device_mesh=mesh,
                        placements=placements, requires_grad=True)
            before = x.to_local().data_ptr()
            out = fill_dtensor_(x, case["name"], *case.get("args", ()), seed=case["seed"], stream=case["stream"],
                                **case.get("kwargs", {}))
            region, _ = shard_region(x)
            # torch's own (private) shard computation, to cross-check ours
            from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

            local_shape, offset = compute_local_shape_and_global_offset(x.shape, mesh, x.placements)
            report["cases"].append({
                "returned_same": out is x,
                "same_storage": x.to_local().data_ptr() == before,
                "region": None if region is None else [[s.start, s.stop] for s in region],
                "torch_shape": list(local_shape), "torch_offset": list(offset),
            })
            full = x.full_tensor()
            if rank == 0:
                save_bits(os.path.join(outdir, f"case{i}.npy"), full)
        if fsdp:
            _fsdp(rank, mesh, outdir, report)
        _errors(mesh, report)
        with open(os.path.join(outdir, f"rank{rank}.json"), "w") as f:
            json.dump(report, f)
        # every rank done with its collectives before the group goes away: without it a rank's gloo
        # threads were sometimes torn down mid-operation ("terminate called without an active exception")
        dist.barrier()
    finally:
        dist.destroy_process_group()


def _fsdp(rank, mesh, outdir, report):
    """FSDP2: fully_shard a small MLP (7 and 3 rows over 2 ranks: uneven),
    fill every parameter's shard, gather them, and run a forward pass, which
    uses FSDP's own all-gathered parameters."""
    from torch.distributed.fsdp import fully_shard

    torch.manual_seed(rank)  # different default init per rank: all must be overwritten
    model = torch.nn.Sequential(torch.nn.Linear(10, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3))
    fully_shard(model, mesh=mesh)
    names = []
    for stream, (name, p) in enumerate(model.named_parameters()):
        assert isinstance(p, DTensor), type(p)
        if p.ndim > 1:
            fill_dtensor_(p, "kaiming_uniform", nonlinearity="relu", seed=77, stream=stream)
        else:
            fill_dtensor_(p, "uniform", -0.5, 0.5, seed=77, stream=stream)
        full = p.full_tensor()
        names.append(name)
        if rank == 0:
            save_bits(os.path.join(outdir, f"fsdp_{name}.npy"), full)
    x = torch.linspace(-1.0, 1.0, 40).reshape(4, 10)
    y = model(x)
    if rank == 0:
        np.save(os.path.join(outdir, "fsdp_forward.npy"), y.detach().numpy())
    report["fsdp_params"] = names


def _errors(mesh, report):
    """Messages of the errors fill_dtensor_ must raise."""
    partial = DTensor.from_local(torch.zeros(4, 3), mesh, [Partial()] * mesh.ndim)
    cases = {
        "partial": lambda: fill_dtensor_(partial, "normal", seed=0),
        "seed_none": lambda: fill_dtensor_(partial, "normal", seed=None),
        "unknown": lambda: fill_dtensor_(partial, "he_uniform", seed=0),
        "region": lambda: fill_dtensor_(partial, "normal", seed=0, region=(slice(0, 1),)),
    }
    for key, call in cases.items():
        try:
            call()
            report["errors"][key] = None
        except Exception as e:  # recorded for the parent to check type and message
            report["errors"][key] = [type(e).__name__, str(e)]
