"""One rank of the InitPlan DTensor test (tests/test_checkpoint.py): each rank
fills its shard of a DTensor from the same plan; rank 0 saves the gathered tensor.

A module of its own (no ``test_`` prefix) so that spawned workers import it
without pytest."""

import os

import numpy as np
import torch
import torch.distributed as dist
import torch.distributed.tensor as dt
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.tensor import Shard

from varscale.torch import plan_init


def build():
    return torch.nn.Sequential(torch.nn.Linear(24, 37), torch.nn.Embedding(11, 9, padding_idx=4))


def run(rank, world, port, outdir):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        mesh = init_device_mesh("cpu", (world,))
        plan = plan_init(build, seed=77)
        for i, (name, dim) in enumerate([("0.weight", 0), ("0.weight", 1), ("1.weight", 0), ("0.bias", 0)]):
            shape = plan.entries[name]["shape"]
            x = dt.full(shape, float("nan"), device_mesh=mesh, placements=[Shard(dim)])
            plan.fill_(name, x)
            full = x.full_tensor()
            if rank == 0:
                np.save(os.path.join(outdir, f"case{i}.npy"), full.numpy())
        dist.barrier()  # every rank done with its collectives before the group goes away
    finally:
        dist.destroy_process_group()
