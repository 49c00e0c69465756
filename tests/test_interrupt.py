"""Ctrl-C during a fill, and worker threads that cannot start: the user gets a
Python exception (KeyboardInterrupt, RuntimeError), never a panic or a hang,
and the next call works."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import varscale
from varscale import _core

# A 3 GiB fresh float32 fill on 2 threads takes seconds on this machine, far
# longer than the bound below; the child reports when it interrupts. The
# batched fills write 3 GiB of untouched (np.empty) arrays: 4 MiB ones, each
# split across the threads, or 16 KiB ones, spread over them in batches.
FILLS = {  # elements per array (None: one fresh array), the fill
    "fresh": (None, "varscale.normal((3 << 30) // 4, seed=0, threads=2)"),
    "fill_many_large": (1024 * 1024, "_core.fill_many(jobs, threads=2)"),
    "fill_many_small": (64 * 64, "_core.fill_many(jobs, threads=2)"),
}
SIGINT_SCRIPT = """
import sys, time
import numpy as np
import varscale
from varscale import _core

n = {n}
# untouched memory, built before the signal can come
jobs = n and [(np.empty(n, np.float32), _core.Normal(0.0, 1.0), 0, i) for i in range((3 << 30) // 4 // n)]
print("ready", flush=True)
start = time.monotonic()
try:
    {fill}
except KeyboardInterrupt:
    print(f"interrupted {time.monotonic():.6f} {time.monotonic() - start:.3f}", flush=True)
else:
    print(f"finished {time.monotonic() - start:.3f}", flush=True)
# the next call works
w = varscale.normal(1 << 22, seed=1, threads=2)
print("next", int(np.isfinite(w).all()), flush=True)
"""


@pytest.mark.parametrize("fill", FILLS)
def test_sigint_interrupts_a_large_fill_quickly(fill):
    n, call = FILLS[fill]
    script = SIGINT_SCRIPT.replace("{n}", str(n)).replace("{fill}", call)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.5)  # well inside the fill (the first call included)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    lines = out.split("\n")
    assert lines[0].startswith("interrupted"), (out, err[-2000:])
    latency = float(lines[0].split()[1]) - sent
    print(f"SIGINT -> KeyboardInterrupt latency {latency:.3f} s (fill had run {lines[0].split()[2]} s)")
    assert latency < 1.0, latency
    assert lines[1] == "next 1", out
    assert "PanicException" not in err


POOL_FAILURE_SCRIPT = """
import resource
import numpy as np
import varscale
out = np.empty(8 << 20, np.float32)  # allocated before the limit
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
used = int(open("/proc/self/statm").read().split()[0]) * resource.getpagesize()
resource.setrlimit(resource.RLIMIT_AS, (used + (1 << 20), hard))  # no room for a thread stack
try:
    varscale.normal_(out, seed=0, threads=3)
except RuntimeError as e:
    print("RuntimeError:", e)
resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
varscale.normal_(out, seed=0, threads=3)  # a later call succeeds
print("next", int(np.isfinite(out).all()))
"""


def test_thread_pool_failure_is_a_runtime_error_and_recoverable():
    res = subprocess.run([sys.executable, "-c", textwrap.dedent(POOL_FAILURE_SCRIPT)], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    lines = res.stdout.strip().split("\n")
    assert lines[0].startswith("RuntimeError: cannot start 3 worker threads"), res.stdout
    assert lines[1] == "next 1"


def test_thread_counts_are_capped_and_values_unchanged():
    np = pytest.importorskip("numpy")
    cap = _core.max_useful_threads()
    assert cap == 4 * len(os.sched_getaffinity(0))
    huge = varscale.normal(1 << 20, seed=3, threads=_core.MAX_THREADS)  # runs with `cap` threads
    np.testing.assert_array_equal(huge, varscale.normal(1 << 20, seed=3, threads=1))
    # 4096 real threads took 14-23 s on 2 cores; now at most `cap` workers exist
    assert len(os.listdir("/proc/self/task")) < cap + 64


def test_rayon_num_threads_is_capped():
    code = "from varscale import _core; print(_core.default_threads(), _core.max_useful_threads())"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "RAYON_NUM_THREADS": "99999"})
    default, cap = map(int, res.stdout.split())
    assert default == cap
