"""A tensor larger than a Dask worker's memory, initialised through
varscale.dask and reduced block by block, against the single-process fill.

Usage (not run in CI; needs ``pip install ".[dask]"``)::

    python benches/dask_large.py                     # 6 GiB on 2 workers of 1 GiB each
    python benches/dask_large.py --size-gib 2 --json out.json

What is timed, in one process tree and one run:

1. in memory, in this process: ``varscale.kaiming_normal_`` refilling a
   ``--local-gib`` float32 tensor in place with all cores and with one
   thread, NumPy's ``sum(dtype=float64)`` of it (the reduction alone, one
   core, as in one Dask task), and ``varscale.kaiming_normal`` making a new
   tensor of that size (page faults included, as for every Dask block);
2. the ``--size-gib`` tensor cut into the same blocks as the Dask array,
   each generated with ``region=`` on one thread and summed, spread over
   ``--workers`` plain processes (no Dask): the machine's rate for exactly
   the Dask tasks' work, without scheduling;
3. the He-normal initialiser over the ``--size-gib`` float32 tensor as a
   ``varscale.dask`` array of ``--chunk-mib`` blocks, reduced with
   ``.sum(dtype="float64")`` on a ``distributed.LocalCluster`` of
   ``--workers`` worker processes, one thread each, each limited to
   ``--worker-memory``: no worker can hold the tensor, nor can all of them
   together; every block is generated on a worker at its global offset,
   summed there, and freed;
4. optionally (``--threads-scheduler``) the same graph on Dask's threaded
   scheduler in this process.

Each case runs ``--repeat`` times; the table shows the median wall time,
G samples/s and GB/s of float32 output (the Dask rows include the
reduction). The peak resident memory of each worker over the timed runs
(``VmHWM``) is reported to show the tensor never lived on one worker. Two
checks guard the numbers: the total is within 5 standard deviations of 0,
and equals the plain processes' total up to float64 rounding.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Dict, List, Tuple

import numpy as np

import varscale


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "load average: " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _times(fn: Callable[[], Any], repeat: int) -> List[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _reset_peak_rss() -> bool:
    """Restart this process's peak-RSS count (Linux; False elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mib() -> float:
    """Peak resident memory of this process since it started or since
    _reset_peak_rss. VmHWM belongs to the process's own address space; unlike
    ru_maxrss it does not inherit the peak of the process it was forked from."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _blocks_sum(job: Tuple[Tuple[int, int], int, List[int]]) -> float:
    """In a pool process: generate the blocks of ``chunk_rows`` rows starting
    at ``starts`` (as Dask's tasks do: a new array at its offset, one
    thread) and return the sum of their float64 sums."""
    shape, chunk_rows, starts = job
    total = 0.0
    for r in starts:
        block = varscale.kaiming_normal(shape, seed=0, threads=1, region=(slice(r, r + chunk_rows),))
        total += float(block.sum(dtype=np.float64))
    return total


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size-gib", type=float, default=6.0, help="the Dask tensor (float32), GiB")
    p.add_argument("--local-gib", type=float, default=1.0, help="the in-memory tensor (float32), GiB")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--worker-memory", default="1GiB", help="memory_limit of each worker")
    p.add_argument("--chunk-mib", type=int, default=64, help="Dask block size, MiB")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads-scheduler", action="store_true", help="also time Dask's threaded scheduler")
    p.add_argument("--json", default="bench-results/dask_large.json", help="where to write the results")
    args = p.parse_args()

    import dask
    import distributed
    from dask.utils import parse_bytes

    import varscale.dask as vd

    cols = 16384  # 64 KiB rows; a block is a slab of whole rows (one contiguous run)
    rows = int(args.size_gib * 2**30) // (4 * cols)
    local_rows = int(args.local_gib * 2**30) // (4 * cols)
    chunk_rows = max(1, args.chunk_mib * 2**20 // (4 * cols))
    big, local = (rows, cols), (local_rows, cols)
    big_bytes, local_bytes = rows * cols * 4, local_rows * cols * 4
    cores = os.cpu_count() or 1
    worker_limit = parse_bytes(args.worker_memory)
    if big_bytes <= worker_limit:
        sys.exit(f"--size-gib {args.size_gib} fits in one worker's {args.worker_memory}; make it larger")

    meta: Dict[str, Any] = {
        "uptime_before": _uptime(), "cpu_count": cores, "machine": platform.machine(),
        "python": sys.version.split()[0], "varscale": varscale.__version__, "dask": dask.__version__,
        "distributed": distributed.__version__, "numpy": np.__version__,
        "big_shape": big, "big_gib": big_bytes / 2**30, "local_shape": local, "local_gib": local_bytes / 2**30,
        "chunk_shape": (chunk_rows, cols), "workers": args.workers, "worker_memory": args.worker_memory,
        "repeat": args.repeat,
    }
    print(f"{meta['uptime_before']}\n{cores} cores; Dask tensor {big} float32 = {big_bytes / 2**30:.2f} GiB in "
          f"blocks of {chunk_rows} rows ({chunk_rows * cols * 4 / 2**20:.0f} MiB); {args.workers} workers x "
          f"{args.worker_memory}; in-memory tensor {local} = {local_bytes / 2**30:.2f} GiB\n", flush=True)
    rows_out: List[Dict[str, Any]] = []

    def add(name: str, times: List[float], nbytes: int, **extra: Any) -> Dict[str, Any]:
        med = statistics.median(times)
        row = {"case": name, "median_s": med, "min_s": min(times), "runs": len(times), "bytes": nbytes,
               "gsamples_per_s": nbytes / 4 / med / 1e9, "gb_per_s": nbytes / med / 1e9, **extra}
        rows_out.append(row)
        print(f"  {name:<58} {med:8.3f} s {row['gsamples_per_s']:7.3f} G/s {row['gb_per_s']:7.2f} GB/s", flush=True)
        return row

    # single process, a tensor that fits in memory
    buf = varscale.kaiming_normal(local, seed=0, threads=cores)  # maps the pages once
    fill_all = add(f"in memory: kaiming_normal_ in place, {cores} threads",
                   _times(lambda: varscale.kaiming_normal_(buf, seed=0, threads=cores), args.repeat), local_bytes)
    add("in memory: kaiming_normal_ in place, 1 thread",
        _times(lambda: varscale.kaiming_normal_(buf, seed=0, threads=1), args.repeat), local_bytes)
    add("in memory: numpy sum(dtype=float64), 1 thread",
        _times(lambda: buf.sum(dtype=np.float64), args.repeat), local_bytes)
    buf = None  # free the in-memory tensor before the large runs
    fresh_all = add(f"in memory: kaiming_normal new array, {cores} threads",
                    _times(lambda: varscale.kaiming_normal(local, seed=0, threads=cores), args.repeat), local_bytes)

    # the large tensor, block by block: first without Dask, in plain processes
    starts = list(range(0, rows, chunk_rows))
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_blocks_sum, [(big, chunk_rows, [])] * args.workers))  # start and import, untimed
        parts = [(big, chunk_rows, starts[w::args.workers]) for w in range(args.workers)]
        pool_totals: List[float] = []
        times = _times(lambda: pool_totals.append(sum(pool.map(_blocks_sum, parts))), args.repeat)
    pool_row = add(f"same blocks + sums, {args.workers} plain processes (no Dask)", times, big_bytes)

    x = vd.kaiming_normal(big, seed=0, chunks=(chunk_rows, cols))
    total_expr = x.sum(dtype="float64")
    n = rows * cols
    std = math.sqrt(2.0 / cols)  # He normal: fan_in = cols, gain sqrt(2) (leaky_relu with a=0)

    # distributed, workers smaller than the tensor
    with distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, memory_limit=args.worker_memory) as cluster, \
            distributed.Client(cluster) as client:
        client.run(lambda: varscale.uniform((4, 4), seed=0))  # import varscale on the workers, untimed
        client.run(_reset_peak_rss)
        totals: List[float] = []
        times = _times(lambda: totals.append(client.compute(total_expr).result()), args.repeat)
        peaks = client.run(_peak_rss_mib)
        dist_row = add(f"varscale.dask -> sum, {args.workers} workers x {args.worker_memory}", times, big_bytes,
                       worker_peak_rss_mib=sorted(peaks.values()), result=totals[0])
        print(f"      {x.npartitions} blocks; worker peak RSS: "
              f"{', '.join(f'{v:.0f} MiB' for v in sorted(peaks.values()))}", flush=True)
    # the sum of n samples of N(0, std^2) has std sqrt(n) * std: a check that the blocks hold samples
    z = totals[0] / (math.sqrt(n) * std)
    assert all(t == totals[0] for t in totals), totals  # same graph, same blocks, same partial sums
    assert abs(z) < 5, f"sum {totals[0]} is {z:.1f} standard deviations from 0"
    # the same samples summed in another order, by other code (eager region= in plain processes)
    assert abs(pool_totals[0] - totals[0]) <= 1e-9 * math.sqrt(n) * std, (pool_totals[0], totals[0])

    if args.threads_scheduler:
        with dask.config.set(scheduler="threads", num_workers=cores):
            add(f"varscale.dask -> sum, threaded scheduler, {cores} threads",
                _times(lambda: total_expr.compute(), args.repeat), big_bytes)

    meta["uptime_after"] = _uptime()
    print(f"\n{meta['uptime_after']}")
    print(f"Dask / plain processes time: {dist_row['median_s'] / pool_row['median_s']:.2f}; "
          f"Dask GB/s vs the single-process fill "
          f"({cores} threads): {dist_row['gb_per_s'] / fill_all['gb_per_s']:.2f} (in place), "
          f"{dist_row['gb_per_s'] / fresh_all['gb_per_s']:.2f} (new array); sum z-score {z:+.2f}")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"meta": meta, "rows": rows_out}, f, indent=2)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
