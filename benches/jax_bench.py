"""varscale.jax against jitted jax.nn.initializers, side by side in one run.

Cases: He normal (truncated) and Glorot uniform, float32, 256 MiB and 1 GiB,
unsharded (default device) and sharded over 8 virtual CPU devices
(``NamedSharding(mesh(8), P("x"))``), and per size the machine's fill limit:
the same fresh host buffer ``varscale.jax`` allocates, constant-filled and
handed to JAX (``limit``; ``vs limit`` is each case's time over it).

``--settle`` (default 0.3 s) pauses before each timed case, so that no case
pays for memory its predecessor just freed: on the VM of benches/README.md
any fill right after a jitted JAX case took about 105 ms for 256 MiB
instead of about 20 ms (a one-thread NumPy fill as much as varscale's), and
0.2 s later it was back to normal. Every case gets the same pause;
``--settle 0`` times them back to back. Each repeat runs every case once, in
round-robin order; medians are quoted. Every timing includes
``block_until_ready``; the jitted JAX functions are compiled before timing.

Run: ``python benches/jax_bench.py [--repeats 3] [--sizes 256,1024] [--out FILE]``
(the script sets ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` itself,
before jax is imported).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

import varscale
import varscale.jax as vj
from varscale.jax._adapter import aligned_empty

INITS = {"he_normal": (vj.he_normal, jax.nn.initializers.he_normal),
         "glorot_uniform": (vj.glorot_uniform, jax.nn.initializers.glorot_uniform)}


def cases(sizes_mib: list[int]) -> dict[str, Callable[[], Any]]:
    """name -> a function producing one ready array."""
    mesh = jax.make_mesh((8,), ("x",))
    sharding = NamedSharding(mesh, PartitionSpec("x"))
    key = jax.random.key(0)
    out: dict[str, Callable[[], Any]] = {}
    for mib in sizes_mib:
        side = int((mib * 2**20 // 4) ** 0.5)
        shape = (side, side)

        def limit(shape: tuple[int, int] = shape) -> Any:
            buf = aligned_empty(shape, np.dtype(np.float32))
            varscale.constant_(buf, 0.5)
            return jax.device_put(buf)

        out[f"limit {mib}MiB fresh constant fill"] = limit
        for name, (ours, theirs) in INITS.items():
            v, j = ours(), theirs()
            jit_plain = jax.jit(lambda k, j=j, shape=shape: j(k, shape))
            jit_sharded = jax.jit(lambda k, j=j, shape=shape: j(k, shape), out_shardings=sharding)
            out[f"{name} {mib}MiB unsharded varscale.jax"] = lambda v=v, shape=shape: v(key, shape)
            out[f"{name} {mib}MiB unsharded jax(jit)"] = lambda f=jit_plain: f(key)
            out[f"{name} {mib}MiB sharded8 varscale.jax"] = lambda v=v, shape=shape: v(key, shape,
                                                                                         out_sharding=sharding)
            out[f"{name} {mib}MiB sharded8 jax(jit)"] = lambda f=jit_sharded: f(key)
    return out


def main() -> None:
    """Run the round-robin benchmark and print (and optionally save) medians."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes", default="256,1024", help="MiB per tensor, comma-separated")
    parser.add_argument("--out", help="write the results as JSON")
    parser.add_argument("--settle", type=float, default=0.3,
                        help="seconds of pause before each timed case (0: none); see the module docstring")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    table = cases(sizes)
    for fn in table.values():  # compile and warm up (not timed)
        jax.block_until_ready(fn())
    times: dict[str, list[float]] = {name: [] for name in table}
    load_before = os.getloadavg()
    for _ in range(args.repeats):
        for name, fn in table.items():
            time.sleep(args.settle)
            t0 = time.perf_counter()
            jax.block_until_ready(fn())
            times[name].append(time.perf_counter() - t0)
    load_after = os.getloadavg()
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"# {platform.node()} cpus={os.cpu_count()} jax={jax.__version__} repeats={args.repeats} "
          f"settle={args.settle}s loadavg before={load_before} after={load_after}")
    print(f"{'case':<48} {'median s':>9} {'GB/s':>7} {'speedup':>8} {'vs limit':>9}")
    for name, t in medians.items():
        mib = int(name.split()[1].removesuffix("MiB"))
        rival = medians.get(name.replace("varscale.jax", "jax(jit)"), t)
        limit_t = medians[f"limit {mib}MiB fresh constant fill"]
        print(f"{name:<48} {t:9.3f} {mib * 2**20 / t / 1e9:7.2f} {rival / t:7.1f}x {t / limit_t:8.2f}x")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"times": times, "medians": medians, "loadavg": [load_before, load_after], "settle": args.settle,
                       "cpus": os.cpu_count(), "jax": jax.__version__}, f, indent=1)


if __name__ == "__main__":
    main()
