"""Side-by-side benchmark: varscale against NumPy (and torch/JAX when
installed) and against the machine's own fill limit, all in one process.

The fill limit is varscale's parallel ``constant`` fill of the same buffer
size: "fresh" allocates new memory each time (page faults and the kernel's
zeroing included, as for any new array), "warm" rewrites memory already
mapped. Ratios to it say how close a random fill comes to the memory system.

The varscale and fill-limit cases are timed round-robin (one run of each per
round, ``--repeat`` rounds) so their ratios compare like conditions; NumPy
and the others are timed three times each. The small-tensor cases (one call
on a (768,) tensor; 1,500 (64, 64) tensors one call each or in one batched
call) run round-robin against torch's own ops (``bench_small.py``). The
table shows medians. Run with ``python -m varscale bench`` (or
``python benches/compare.py``).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import subprocess
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import varscale
from varscale import _core

from . import bench_small
from .timing import Table, round_robin, time_runs

# GPT-2 small (124M): token/position embeddings and 12 blocks of
# attention (qkv, proj) and MLP (fc, proj) weights plus layer-norm and bias vectors.
GPT2_SMALL = [(50257, 768), (1024, 768)] + 12 * [
    (2304, 768), (2304,), (768, 768), (768,), (3072, 768), (3072,), (768, 3072), (768,), (768,), (768,),
]


def _large(table: Table, dtype: str, n: int, repeat: int, threads: Optional[int]) -> None:
    bound, std = 0.05, 0.02
    kw: Dict[str, Any] = {"dtype": dtype, "seed": 1, "threads": threads}
    buf = np.empty(n, dtype)
    varscale.constant_(buf, 0.0, threads=threads)  # map the pages once
    g = f"{dtype}"
    cases: List[Tuple[str, Callable[[], Any]]] = [
        ("limit: varscale.constant fresh", lambda: varscale.constant(n, 0.5, **kw)),
        ("limit: varscale.constant_ warm (in place)", lambda: varscale.constant_(buf, 0.5, threads=threads)),
        ("varscale.uniform fresh", lambda: varscale.uniform(n, -bound, bound, **kw)),
        ("varscale.uniform_ in place", lambda: varscale.uniform_(buf, -bound, bound, seed=1, threads=threads)),
        ("varscale.normal fresh", lambda: varscale.normal(n, 0.0, std, **kw)),
        ("varscale.normal_ in place", lambda: varscale.normal_(buf, 0.0, std, seed=1, threads=threads)),
        ("varscale.truncated_normal fresh", lambda: varscale.truncated_normal(n, 0.0, std, -2 * std, 2 * std, **kw)),
        ("varscale.truncated_normal_ in place",
         lambda: varscale.truncated_normal_(buf, 0.0, std, -2 * std, 2 * std, seed=1, threads=threads)),
    ]
    for name, times in round_robin(cases, repeat).items():
        table.add(g, name, times)

    rng = np.random.default_rng(1)
    np_dtype: Any = dtype  # a float dtype name, as NumPy accepts it
    np_repeat = max(1, min(repeat, 3))  # numpy is slow; medians of 3
    table.add(g, "numpy random(dtype) fresh", time_runs(lambda: rng.random(n, dtype=np_dtype), np_repeat))
    table.add(g, "numpy random(out=) in place", time_runs(lambda: rng.random(dtype=np_dtype, out=buf), np_repeat))
    table.add(g, "numpy standard_normal(dtype) fresh",
              time_runs(lambda: rng.standard_normal(n, dtype=np_dtype), np_repeat))
    if dtype == "float32":
        table.add(g, "numpy uniform(-b, b).astype(float32)",
                  time_runs(lambda: rng.uniform(-bound, bound, n).astype(np.float32), np_repeat))
    _torch_cases(table, g, dtype, n, np_repeat, bound, std)
    _jax_cases(table, g, dtype, n, np_repeat, bound, std)


def _torch_cases(table: Table, g: str, dtype: str, n: int, repeat: int, bound: float, std: float) -> None:
    try:
        import torch
    except ImportError:
        print(f"  {g:<12} torch not installed: skipped")
        return
    t = torch.empty(n, dtype=getattr(torch, dtype))
    table.add(g, "torch.nn.init.uniform_", time_runs(lambda: torch.nn.init.uniform_(t, -bound, bound), repeat))
    table.add(g, "torch.nn.init.normal_", time_runs(lambda: torch.nn.init.normal_(t, 0.0, std), repeat))
    table.add(g, "torch.nn.init.trunc_normal_",
              time_runs(lambda: torch.nn.init.trunc_normal_(t, 0.0, std, -2 * std, 2 * std), 1))


def _jax_cases(table: Table, g: str, dtype: str, n: int, repeat: int, bound: float, std: float) -> None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        print(f"  {g:<12} jax not installed: skipped")
        return
    key = jax.random.PRNGKey(1)
    jd = getattr(jnp, dtype)
    fns = {
        "jax.random.uniform": jax.jit(lambda k: jax.random.uniform(k, (n,), jd, -bound, bound)),
        "jax.random.normal": jax.jit(lambda k: jax.random.normal(k, (n,), jd) * std),
        "jax.random.truncated_normal": jax.jit(lambda k: jax.random.truncated_normal(k, -2.0, 2.0, (n,), jd) * std),
    }
    for name, f in fns.items():
        f(key).block_until_ready()  # compile
        table.add(g, name, time_runs(functools.partial(_block_until_ready, f, key), repeat))


def _block_until_ready(f: Callable[[Any], Any], key: Any) -> Any:
    return f(key).block_until_ready()


def _small(table: Table, repeat: int) -> None:
    shapes = GPT2_SMALL
    elems = sum(math.prod(s) for s in shapes)
    nbytes = 4 * elems
    g = "gpt2-small"
    print(f"\n{len(shapes)} tensors of GPT-2 small ({elems / 1e6:.1f} M parameters, float32), one call each:")

    def with_varscale(shape_list: List[Tuple[int, ...]]) -> List[np.ndarray]:
        gen = varscale.Generator(0)
        return [gen.normal(s, 0.0, 0.02) for s in shape_list]

    def with_numpy(shape_list: List[Tuple[int, ...]]) -> List[np.ndarray]:
        rng = np.random.default_rng(0)
        return [rng.standard_normal(s, dtype=np.float32) * np.float32(0.02) for s in shape_list]

    small = [s for s in shapes if math.prod(s) < 1_000_000]
    small_elems = sum(math.prod(s) for s in small)
    table.add(g, "varscale Generator.normal, all tensors", time_runs(lambda: with_varscale(shapes), repeat), elems,
              nbytes)
    table.add(g, "numpy standard_normal*0.02, all tensors", time_runs(lambda: with_numpy(shapes), repeat), elems,
              nbytes)
    table.add(g, f"varscale, {len(small)} tensors < 1M elements", time_runs(lambda: with_varscale(small), repeat),
              small_elems, 4 * small_elems)
    table.add(g, f"numpy, {len(small)} tensors < 1M elements", time_runs(lambda: with_numpy(small), repeat),
              small_elems, 4 * small_elems)
    tiny = [(768,)] * 200
    table.add(g, "varscale.normal((768,)) x 200 (per-call cost)",
              time_runs(lambda: [varscale.normal(s, 0.0, 0.02, seed=0) for s in tiny], repeat), 768 * 200,
              4 * 768 * 200)
    table.add(g, "numpy standard_normal((768,)) x 200",
              time_runs(lambda: [np.random.default_rng(0).standard_normal(s, dtype=np.float32) for s in tiny],
                        repeat),
              768 * 200, 4 * 768 * 200)


# VmHWM (peak RSS of this address space), not ru_maxrss: the latter is
# inherited from the parent across fork/exec and would hide the growth.
_RSS_CHILD = """
import sys, numpy as np, varscale
def hwm():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
n = int(sys.argv[1])
varscale.{fn}(1024, seed=1)           # load everything first
before = hwm()
a = varscale.{fn}(n, seed=1)
print(hwm() - before, a.nbytes)
"""


def _peak_rss(n: int) -> Dict[str, Dict[str, int]]:
    """Peak RSS added by one fresh fill, measured in a clean child process."""
    out = {}
    for fn in ["uniform", "normal", "truncated_normal"]:
        res = subprocess.run([sys.executable, "-c", _RSS_CHILD.replace("{fn}", fn), str(n)],
                             capture_output=True, text=True, check=True)
        grown, nbytes = map(int, res.stdout.split())
        out[fn] = {"peak_rss_growth_bytes": grown, "output_bytes": nbytes, "overhead_bytes": grown - nbytes}
        print(f"  {fn:<18} peak RSS growth {grown / 2**20:9.1f} MiB for a {nbytes / 2**20:.0f} MiB array: "
              f"overhead {(grown - nbytes) / 2**20:+.1f} MiB")
    return out


def _ratios(table: Table, dtype: str) -> Dict[str, float]:
    g = dtype

    def rate(name: str) -> float:
        return float(table.find(g, name)["gsamples_per_s"])

    r = {
        "uniform_fresh / constant_fresh": rate("varscale.uniform fresh") / rate("limit: varscale.constant fresh"),
        "uniform_inplace / constant_warm":
            rate("varscale.uniform_ in place") / rate("limit: varscale.constant_ warm (in place)"),
        "uniform_fresh / numpy_random_fresh": rate("varscale.uniform fresh") / rate("numpy random(dtype) fresh"),
        "normal_fresh / numpy_standard_normal_fresh":
            rate("varscale.normal fresh") / rate("numpy standard_normal(dtype) fresh"),
        "truncated_fresh / normal_fresh": rate("varscale.truncated_normal fresh") / rate("varscale.normal fresh"),
        "normal_fresh_gsamples_per_s": rate("varscale.normal fresh"),
    }
    for k, v in r.items():
        print(f"  {dtype} {k:<44} {v:8.2f}")
    return r


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m varscale bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gib", type=float, default=1.0, help="size of the large case (default 1 GiB)")
    p.add_argument("--repeat", type=int, default=7, help="runs per case; medians are reported")
    p.add_argument("--threads", type=int, default=None, help="varscale threads (default: all cores)")
    p.add_argument("--dtypes", default="float32,float64")
    p.add_argument("--json", default=None, help="write all results to this file")
    p.add_argument("--no-large", action="store_true", help="skip the large-tensor cases")
    p.add_argument("--no-small", action="store_true",
                   help="skip the small-tensor cases (GPT-2 small, per call on (768,), 1,500 x (64, 64))")
    p.add_argument("--no-rss", action="store_true", help="skip the peak-RSS measurement")
    p.add_argument("--plot", default=None, metavar="FILE.png",
                   help="bar chart of G samples/s per case (needs matplotlib)")
    args = p.parse_args(argv)
    if args.plot is not None and not args.plot.lower().endswith(".png"):
        p.error(f"--plot must name a .png file, got {args.plot!r}")  # before the long run, not after

    info = {"varscale": varscale.__version__, "generator": varscale.GENERATOR, "isa": _core.best_isa(),
            "numpy": np.__version__, "python": platform.python_version(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "threads": args.threads or os.cpu_count(),
            "cpu": _cpu_name(), "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    print("varscale benchmark: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    results: Dict[str, Any] = {"info": info, "ratios": {}}
    tables = []
    for dtype in [] if args.no_large else args.dtypes.split(","):
        n = int(args.gib * 2**30) // np.dtype(dtype).itemsize
        table = Table(n * np.dtype(dtype).itemsize, n)
        print(f"\n{args.gib:g} GiB of {dtype} ({n / 1e6:.0f} M elements), median of {args.repeat} runs:")
        _large(table, dtype, n, args.repeat, args.threads)
        print(f"\nratios ({dtype}):")
        results["ratios"][dtype] = _ratios(table, dtype)
        tables.append(table)
    if not args.no_small:
        table = Table(0, 0)
        _small(table, args.repeat)
        results["ratios"]["per_call"] = bench_small.per_call(table, args.repeat, args.threads)
        results["ratios"]["many_small"] = bench_small.many_small(table, args.repeat, args.threads)
        tables.append(table)
    if not args.no_rss:
        print("\npeak RSS of one fresh fill (child process):")
        results["peak_rss"] = _peak_rss(int(args.gib * 2**30) // 4)
    results["rows"] = [row for t in tables for row in t.rows]
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
        print(f"\nwrote {args.json}")
    if args.plot:
        from .plots import plot_bench
        title = (f"varscale {info['varscale']} benchmark: {info['cpu']}, {info['threads']} threads, "
                 f"{args.gib:g} GiB case")
        if plot_bench(results["rows"], args.plot, title):
            print(f"wrote {args.plot}")
        else:
            print("matplotlib is not installed: no plot (pip install matplotlib)")
    return 0


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    sys.exit(main())
