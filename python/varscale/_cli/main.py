"""``python -m varscale``: the main job, and the ``demo`` and ``bench`` subcommands.

``python -m varscale [run] [options]``
    The main job (the default when no subcommand is given): create a 1 GiB
    float32 weight tensor with He (Kaiming) normal initialisation, time it,
    and check its sample statistics against the formula (z-scores of the mean
    and variance below 5, see ``varscale._cli.stats``). Options: ``--gib``,
    ``--init``, ``--dtype``, ``--threads``, ``--seed``, ``--repeat``, ``--version``.
    About 1-3 s at the default 1 GiB x 5 repeats on 2 cores; ``--gib 0.01
    --repeat 1`` takes well under a second.
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
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Tuple

import numpy as np

import varscale

from .._checks import as_seed, as_threads, available_memory
from . import stats


class _Init(NamedTuple):
    """A main-job initialiser: the function, its arguments, and its distribution as formulas of the fans."""

    func: Callable[..., np.ndarray]
    kwargs: Dict[str, Any]
    std: Callable[[int, int], float]
    bound: Optional[Callable[[int, int], float]]
    kurtosis: float


def _vs_bound(fi: int, fo: int) -> float:
    return 2 * math.sqrt(1 / fi) / varscale.TRUNCATED_STD_2


_INITS: Dict[str, _Init] = {
    "kaiming_normal": _Init(varscale.kaiming_normal, {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi),
                            None, stats.NORMAL_KURTOSIS),
    "kaiming_uniform": _Init(varscale.kaiming_uniform, {"nonlinearity": "relu"}, lambda fi, fo: math.sqrt(2 / fi),
                             lambda fi, fo: math.sqrt(6 / fi), stats.UNIFORM_KURTOSIS),
    "xavier_uniform": _Init(varscale.xavier_uniform, {}, lambda fi, fo: math.sqrt(2 / (fi + fo)),
                            lambda fi, fo: math.sqrt(6 / (fi + fo)), stats.UNIFORM_KURTOSIS),
    "xavier_normal": _Init(varscale.xavier_normal, {}, lambda fi, fo: math.sqrt(2 / (fi + fo)), None,
                           stats.NORMAL_KURTOSIS),
    "lecun_normal": _Init(varscale.lecun_normal, {}, lambda fi, fo: math.sqrt(1 / fi), None, stats.NORMAL_KURTOSIS),
    "lecun_uniform": _Init(varscale.lecun_uniform, {}, lambda fi, fo: math.sqrt(1 / fi),
                           lambda fi, fo: math.sqrt(3 / fi), stats.UNIFORM_KURTOSIS),
    # the default: a normal truncated at +-2 of its pre-truncation std, rescaled to variance 1 / fan_in
    "variance_scaling": _Init(varscale.variance_scaling, {}, lambda fi, fo: math.sqrt(1 / fi), _vs_bound,
                              stats.truncated_normal_kurtosis(2.0)),
}

#: Fills up to this size run on the calling thread (``PARALLEL_MIN_BYTES`` in rust/parallel.rs).
_PARALLEL_MIN_BYTES = 256 << 10


class UsageError(Exception):
    """An option that cannot work here: reported on one line, exit status 2."""


def _shape_for(gib: float, dtype: str) -> Tuple[int, int]:
    """A square-ish (out, in) shape of about `gib` GiB."""
    n = int(gib * 2**30) // np.dtype(dtype).itemsize
    rows = 1 << max(1, int(math.log2(max(n, 4))) // 2)
    return rows, max(1, n // rows)


def _check_size(gib: float, dtype: str) -> Tuple[int, int]:
    """The shape for ``--gib``, or a UsageError when too small for the statistics or too large for memory."""
    itemsize = np.dtype(dtype).itemsize
    min_gib = stats.MIN_ELEMENTS * itemsize / 2**30
    if not math.isfinite(gib):
        raise UsageError(f"--gib must be a finite number of GiB, got {gib}")
    if gib * 2**30 / itemsize < stats.MIN_ELEMENTS:
        raise UsageError(f"--gib {gib:g} is too small: the statistics check needs at least {stats.MIN_ELEMENTS} "
                         f"samples for its z-scores to be near-normal (--gib {min_gib:.6f} or more for {dtype})")
    shape = _shape_for(gib, dtype)
    need = math.prod(shape) * itemsize
    available = available_memory()
    if available is not None and need > available:
        usable = math.floor(available * 0.9 / 2**30 * 100) / 100  # leave 10% to the rest of the machine
        hint = f"use --gib {usable:g} or less" if usable * 2**30 / itemsize >= stats.MIN_ELEMENTS else "free memory"
        raise UsageError(f"--gib {gib:g} needs {need / 2**30:.3g} GiB, {available / 2**30:.3g} GiB available; "
                         f"{hint}")
    return shape


def _cpu_count() -> int:
    """Cores the Rust thread pool sees (``std::thread::available_parallelism``:
    the CPU affinity mask, capped by a cgroup v2 CPU quota)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return cores


def threads_used(threads: Optional[int], nbytes: int) -> Tuple[int, str]:
    """The worker threads a fill of ``nbytes`` with ``--threads threads`` runs on, and where that number comes
    from (``threads`` checked, ``VARSCALE_NUM_THREADS`` checked here)."""
    explicit = as_threads(threads)
    if nbytes <= _PARALLEL_MIN_BYTES:
        return 1, f"fills up to {_PARALLEL_MIN_BYTES >> 10} KiB run on the calling thread"
    if explicit is not None:
        return explicit, "--threads" if threads is not None else "VARSCALE_NUM_THREADS"
    rayon = os.environ.get("RAYON_NUM_THREADS", "").strip()
    if rayon.isdigit() and int(rayon) > 0:
        return int(rayon), "RAYON_NUM_THREADS"
    return _cpu_count(), "all cores"


_RUN_DESCRIPTION = """The main job: create a weight tensor (1 GiB of float32 He-normal weights by
default), time it, and check its sample statistics against the formula: the
z-scores of its mean and variance must be below 5 (see varscale._cli.stats;
a correct generator fails with probability about 1e-6 for any seed and size)."""

SUBCOMMANDS = ("run", "demo", "bench")


def _version() -> str:
    return f"varscale {varscale.__version__} ({varscale.GENERATOR}, {varscale._core.best_isa()} build)"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m varscale [run]", description=_RUN_DESCRIPTION,
                                epilog="Other subcommands: python -m varscale demo --help, "
                                       "python -m varscale bench --help")
    p.add_argument("--version", action="version", version=_version())
    p.add_argument("--gib", type=float, default=1.0, help="tensor size in GiB (default 1)")
    p.add_argument("--init", choices=sorted(_INITS), default="kaiming_normal")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--threads", type=int, default=None,
                   help="default: VARSCALE_NUM_THREADS, else RAYON_NUM_THREADS, else all cores")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=5, help="timed runs; the median is reported (default 5)")
    return p


def run(argv: Optional[List[str]] = None) -> int:
    """The main job; exit status 0 when the statistics match the formula, 1
    when they do not, 2 for options that cannot work here."""
    args = _parser().parse_args(argv)
    if args.repeat < 1:
        raise UsageError(f"--repeat must be at least 1, got {args.repeat}")
    shape = _check_size(args.gib, args.dtype)
    nbytes = math.prod(shape) * np.dtype(args.dtype).itemsize
    try:
        as_seed(args.seed)
        n_threads, why = threads_used(args.threads, nbytes)
    except ValueError as e:
        raise UsageError(str(e)) from None
    threads = as_threads(args.threads)
    init = _INITS[args.init]
    fan_in, fan_out = varscale.compute_fans(shape)
    print(f"{_version()}, {n_threads} thread{'s' if n_threads > 1 else ''} ({why})")
    print(f"{args.init}{tuple(shape)} {args.dtype}: {nbytes / 2**30:.3g} GiB, fan_in={fan_in}, fan_out={fan_out}")

    times = []
    w = None
    for _ in range(args.repeat):
        w = None  # free the previous array first: time fresh allocations
        t0 = time.perf_counter()
        w = init.func(shape, dtype=args.dtype, seed=args.seed, threads=threads, **init.kwargs)
        times.append(time.perf_counter() - t0)
    assert w is not None
    med = sorted(times)[len(times) // 2]
    print(f"time (median of {len(times)}): {med * 1e3:.1f} ms  "
          f"{nbytes / med / 1e9:.2f} GB/s  {w.size / med / 1e9:.2f} G samples/s")

    m = stats.moments(w)
    want = init.std(fan_in, fan_out)
    bound = init.bound(fan_in, fan_out) if init.bound else None
    verdict = stats.check(m, want, init.kurtosis, bound)
    print(f"mean {m.mean:+.3e} (expected 0, z = {verdict.z_mean:+.2f})")
    print(f"std  {m.std:.6e} (expected {want:.6e}, ratio {m.std / want:.6f}, variance z = {verdict.z_var:+.2f})")
    print(f"min {m.lo:+.5f}  max {m.hi:+.5f}" + (f"  (bound +-{bound:.5f})" if bound is not None else
                                                  f"  ({max(-m.lo, m.hi) / want:.2f} std)"))
    if verdict.ok:
        print(f"statistics match the formula (|z| < {stats.Z_LIMIT:g}"
              + (", every value within the bound)" if bound is not None else ")"))
        return 0
    print("STATISTICS DO NOT MATCH THE FORMULA" + ("" if verdict.in_bound else ": a value lies outside the bound"))
    return 1


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
    try:
        return run(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # stdout closed early (| head): nothing left to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError, MemoryError, RuntimeError, OSError) as e:
        # varscale's own messages name the value and the way out: one line, no traceback
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
