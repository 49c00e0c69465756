"""Timing for the benchmarks: round-robin rounds, medians, and the table
that prints and records them."""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any, Callable, Dict, List, Optional, Tuple


def round_robin(cases: List[Tuple[str, Callable[[], Any]]], repeat: int) -> Dict[str, List[float]]:
    """Times every case once per round, for `repeat` rounds: cases whose
    ratios are reported are measured under the same conditions (this VM's
    memory bandwidth drifts by tens of percent over a minute)."""
    times: Dict[str, List[float]] = {name: [] for name, _ in cases}
    for _ in range(repeat):
        for name, fn in cases:
            times[name] += time_runs(fn, 1)
    return times


def time_runs(fn: Callable[[], Any], repeat: int) -> List[float]:
    """Seconds of each of `repeat` calls of `fn` (garbage collected before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        del result  # fresh cases: free before the next allocation
    return times


class Table:
    """Rows of one benchmark group: each case's median, minimum and rates,
    printed as they are added."""

    def __init__(self, nbytes: int, elems: int) -> None:
        self.rows: List[Dict[str, Any]] = []
        self.nbytes, self.elems = nbytes, elems

    def add(self, group: str, name: str, times: List[float], elems: Optional[int] = None,
            nbytes: Optional[int] = None) -> Dict[str, Any]:
        med = statistics.median(times)
        e, b = elems or self.elems, nbytes or self.nbytes
        row = {"group": group, "name": name, "median_s": med, "min_s": min(times), "runs": len(times),
               "gsamples_per_s": e / med / 1e9, "gb_per_s": b / med / 1e9}
        self.rows.append(row)
        shown = f"{med * 1e3:10.2f} ms" if med >= 1e-3 else f"{med * 1e6:10.2f} us"
        print(f"  {group:<12} {name:<46} {shown} {row['gsamples_per_s']:8.3f} G/s "
              f"{row['gb_per_s']:7.2f} GB/s", flush=True)
        return row

    def find(self, group: str, name: str) -> Dict[str, Any]:
        return next(r for r in self.rows if r["group"] == group and r["name"] == name)
