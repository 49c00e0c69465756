"""``python -m varscale``: the main job, and the ``demo`` and ``bench`` subcommands.

``python -m varscale [run] [options]``
    The main job (the default when no subcommand is given): create a 1 GiB
    float32 weight tensor with He (Kaiming) normal initialisation, time it,
    and check its sample statistics against the formula. Options:
    ``--gib``, ``--init``, ``--dtype``, ``--threads``, ``--seed``, ``--repeat``.
``python -m varscale demo [--layers 50 --width 512 --batch 256 --out demo.png]``
    Activation and gradient variance through a deep MLP for Xavier/He/LeCun
    x tanh/ReLU/SELU: a text table, and a PNG plot when matplotlib is
    installed.
``python -m varscale bench [--gib 1 --repeat 7 --plot bench.png ...]``
    The side-by-side benchmark (``varscale._cli.bench``), optionally plotted.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import varscale

# name -> (function, kwargs, expected std as a function of (fan_in, fan_out), bound or None)
_Formula = Callable[[int, int], float]
_INITS: Dict[str, Tuple[Callable[..., np.ndarray], Dict[str, Any], _Formula, Optional[_Formula]]] = {
    "kaiming_normal": (varscale.kaiming_normal, {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi), None),
    "kaiming_uniform": (varscale.kaiming_uniform, {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi),
                        lambda fi, fo: math.sqrt(6 / fi)),
    "xavier_uniform": (varscale.xavier_uniform, {}, lambda fi, fo: math.sqrt(2 / (fi + fo)),
                       lambda fi, fo: math.sqrt(6 / (fi + fo))),
    "xavier_normal": (varscale.xavier_normal, {}, lambda fi, fo: math.sqrt(2 / (fi + fo)), None),
    "lecun_normal": (varscale.lecun_normal, {}, lambda fi, fo: math.sqrt(1 / fi), None),
    "lecun_uniform": (varscale.lecun_uniform, {}, lambda fi, fo: math.sqrt(1 / fi), lambda fi, fo: math.sqrt(3 / fi)),
    "variance_scaling": (varscale.variance_scaling, {}, lambda fi, fo: math.sqrt(1 / fi),
                         lambda fi, fo: 2 * math.sqrt(1 / fi) / varscale.TRUNCATED_STD_2),
}


def _shape_for(gib: float, dtype: str) -> Tuple[int, int]:
    """A square-ish (out, in) shape of about `gib` GiB."""
    n = int(gib * 2**30) // np.dtype(dtype).itemsize
    rows = 1 << max(1, int(math.log2(max(n, 4))) // 2)
    return rows, max(1, n // rows)


def _moments(x: np.ndarray, chunk: int = 1 << 22) -> Tuple[float, float, float, float]:
    """Mean, std, min, max in float64, chunk by chunk (no full-size temporary)."""
    flat = x.reshape(-1)
    total, total_sq, lo, hi = 0.0, 0.0, math.inf, -math.inf
    for start in range(0, flat.size, chunk):
        part = flat[start:start + chunk].astype(np.float64)
        total += float(part.sum())
        total_sq += float(np.dot(part, part))
        lo, hi = min(lo, float(part.min())), max(hi, float(part.max()))
    mean = total / flat.size
    return mean, math.sqrt(max(total_sq / flat.size - mean * mean, 0.0)), lo, hi


_RUN_DESCRIPTION = """The main job: create a weight tensor (1 GiB of float32 He-normal weights by
default), time it, and check its sample statistics against the formula."""

SUBCOMMANDS = ("run", "demo", "bench")


def run(argv: Optional[List[str]] = None) -> int:
    """The main job; exit status 0 when the statistics match the formula."""
    p = argparse.ArgumentParser(prog="python -m varscale [run]", description=_RUN_DESCRIPTION,
                                epilog="Other subcommands: python -m varscale demo --help, "
                                       "python -m varscale bench --help")
    p.add_argument("--gib", type=float, default=1.0, help="tensor size in GiB (default 1)")
    p.add_argument("--init", choices=sorted(_INITS), default="kaiming_normal")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--threads", type=int, default=None, help="default: all cores")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=5, help="timed runs; the median is reported")
    args = p.parse_args(argv)

    shape = _shape_for(args.gib, args.dtype)
    func, kwargs, expected_std, bound = _INITS[args.init]
    fan_in, fan_out = varscale.compute_fans(shape)
    nbytes = math.prod(shape) * np.dtype(args.dtype).itemsize
    print(f"varscale {varscale.__version__} ({varscale.GENERATOR}, {varscale._core.best_isa()} build, "
          f"{args.threads or os.cpu_count()} threads)")
    print(f"{args.init}{tuple(shape)} {args.dtype}: {nbytes / 2**30:.2f} GiB, fan_in={fan_in}, fan_out={fan_out}")

    times = []
    w = None
    for _ in range(max(1, args.repeat)):
        w = None  # free the previous array first: time fresh allocations
        t0 = time.perf_counter()
        w = func(shape, dtype=args.dtype, seed=args.seed, threads=args.threads, **kwargs)
        times.append(time.perf_counter() - t0)
    assert w is not None
    med = sorted(times)[len(times) // 2]
    print(f"time (median of {len(times)}): {med * 1e3:.1f} ms  "
          f"{nbytes / med / 1e9:.2f} GB/s  {w.size / med / 1e9:.2f} G samples/s")

    mean, std, lo, hi = _moments(w)
    want = expected_std(fan_in, fan_out)
    print(f"mean {mean:+.3e} (expected 0, standard error {want / math.sqrt(w.size):.1e})")
    print(f"std  {std:.6e} (expected {want:.6e}, ratio {std / want:.5f})")
    print(f"min {lo:+.5f}  max {hi:+.5f}" + (f"  (bound +-{bound(fan_in, fan_out):.5f})" if bound else
                                              f"  ({max(-lo, hi) / want:.2f} std)"))
    ok = abs(mean) < 6 * want / math.sqrt(w.size) and abs(std / want - 1) < 1e-3
    if bound is not None:
        ok = ok and max(-lo, hi) <= bound(fan_in, fan_out) * (1 + 1e-6)
    print("statistics match the formula" if ok else "STATISTICS DO NOT MATCH THE FORMULA")
    return 0 if ok else 1


def main(argv: Optional[List[str]] = None) -> int:
    """Dispatch on the first argument; anything that is not a subcommand
    (no argument, or an option such as ``--gib``) goes to the main job, so
    ``python -m varscale`` keeps meaning what the README says."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if args and args[0] == "demo":
        from . import demo
        return demo.main(args[1:])
    if args and args[0] == "bench":
        from . import bench
        return bench.main(args[1:])
    if args and args[0] == "run":
        args = args[1:]
    elif args and not args[0].startswith("-"):
        print(f"python -m varscale: unknown subcommand {args[0]!r}; expected one of {SUBCOMMANDS} "
              "(or options of the main job)", file=sys.stderr)
        return 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
