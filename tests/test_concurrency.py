"""Concurrency and memory: Python threads filling at once, and no leaks.

The Rust fill releases the GIL, so calls from several Python threads really
run at the same time (on top of the fill's own worker threads). Since every
element is a pure function of (seed, stream, index, parameters), they must
give exactly the arrays that serial calls give. Fresh arrays own a Rust
buffer moved into NumPy without a copy; dropping them must free it.
"""

import gc
import threading
import time

import numpy as np
import pytest

import varscale
from varscale import _core
from conftest import bits, core_dist

N_THREADS = 8
MIB = 1 << 20


def _jobs(t):
    """The calls of Python thread `t`: fresh arrays and in-place fills, with
    their own and with shared (seed, stream) keys, several thread options."""
    shared = [("normal", (0.0, 1.0), 1234, 0), ("uniform", (-1.0, 1.0), 1234, 1)]
    own = [("normal", (0.0, 0.02), t, 7), ("truncated_normal", (0.0, 1.0, -2.0, 2.0), 99, t),
           ("uniform", (-0.5, 0.5), 2**64 - 1 - t, 2**63 + t)]
    jobs = []
    for k, (dist, params, seed, stream) in enumerate(shared + own):
        dtype = "float32" if (t + k) % 2 else "float64"
        n = (1 << 21) + 1000 * t + 17 * k  # 8-16 MiB: parallel chunks, ragged ends
        threads = [None, 1, 2, 3][(t + k) % 4]
        jobs.append((dist, params, seed, stream, dtype, n, threads, (t + k) % 3 == 0))
    return jobs


def _run(job):
    dist, params, seed, stream, dtype, n, threads, in_place = job
    if in_place:
        out = np.full(n, np.nan, dtype)
        _core.fill(out, core_dist(dist, params), seed, stream, threads=threads)
        return out
    return _core.generate((n,), dtype, core_dist(dist, params), seed, stream, threads=threads)


def _in_threads(work):
    """Runs work(t) for t in 0..N_THREADS on that many threads at once and
    re-raises the first exception (an exception in a thread is otherwise lost)."""
    errors = []

    def worker(t):
        try:
            work(t)
        except BaseException as e:
            errors.append((t, e))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(N_THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors


def test_eight_python_threads_give_the_serial_results():
    jobs = {t: _jobs(t) for t in range(N_THREADS)}
    results = {}
    start = threading.Barrier(N_THREADS)

    def work(t):
        start.wait()  # all threads enter their fills together
        for rep in range(2):
            for i, job in enumerate(jobs[t]):
                results[t, rep, i] = _run(job)

    _in_threads(work)
    for t in range(N_THREADS):
        for i, job in enumerate(jobs[t]):
            serial = _run(job)
            for rep in range(2):
                np.testing.assert_array_equal(bits(results[t, rep, i]), bits(serial), err_msg=str(job))


def test_public_functions_from_threads_and_a_shared_generator():
    # Each thread fills its own rows of one array in place, while others
    # create arrays from a shared Generator (its lock hands out streams).
    w = np.zeros((N_THREADS, 1 << 18), np.float32)
    g = varscale.Generator(5)
    made = {}

    def work(t):
        varscale.kaiming_normal_(w[t:t + 1].reshape(-1, 512), seed=10, stream=t)
        made[t] = g.xavier_uniform((512, 256))

    _in_threads(work)
    for t in range(N_THREADS):
        np.testing.assert_array_equal(w[t], varscale.kaiming_normal((512, 512), seed=10, stream=t).reshape(-1))
    # every stream 0..7 was used exactly once, whichever thread got it
    by_stream = {s: varscale.xavier_uniform((512, 256), seed=5, stream=s) for s in range(N_THREADS)}
    used = sorted(s for a in made.values() for s, b in by_stream.items() if np.array_equal(a, b))
    assert used == list(range(N_THREADS))
    assert g.stream == N_THREADS


def test_the_gil_is_released_during_a_fill():
    # A pure-Python counter keeps running in another thread while one long
    # fill runs on one core. If the fill held the GIL, the counter could only
    # advance during the switch interval(s) around the call (5 ms each), i.e.
    # by a small fraction of what it does in the fill's whole duration.
    count = [0]
    stop = threading.Event()

    def counter():
        while not stop.is_set():
            count[0] += 1

    out = np.empty(1 << 24, np.float32)  # ~0.7 s on one core (normal, portable build)
    th = threading.Thread(target=counter)
    th.start()
    try:
        time.sleep(0.1)
        c0, t0 = count[0], time.perf_counter()
        time.sleep(0.2)
        rate = (count[0] - c0) / (time.perf_counter() - t0)  # increments per second, no fill running
        c0, t0 = count[0], time.perf_counter()
        _core.fill(out, _core.Normal(0.0, 1.0), 0, 0, threads=1, isa="portable")
        during, elapsed = count[0] - c0, time.perf_counter() - t0
    finally:
        stop.set()
        th.join()
    switch = 2 * 0.005  # at most two switch intervals with the GIL held
    assert elapsed > 20 * switch, elapsed  # long enough to tell the two apart
    assert during > 0.25 * rate * elapsed, (during, rate * elapsed, rate * switch)


def _rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


linux_only = pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="needs /proc")


@linux_only
def test_fresh_arrays_are_freed_rss_stays_flat():
    # 100 fresh 256 MiB arrays, each dropped: a leaked zero-copy buffer would
    # add 256 MiB per iteration. The allocator may keep a few pages around,
    # hence a 64 MiB allowance; checked every iteration so that a leak stops
    # the loop long before the machine runs out of memory.
    for i in range(3):  # warm-up: thread pools, allocator arenas
        del_me = varscale.uniform((1 << 26,), seed=i)
        del del_me
    gc.collect()
    base = _rss()
    for i in range(100):
        w = varscale.uniform((1 << 26,), seed=i)
        assert w.nbytes == 256 * MIB
        del w
        growth = _rss() - base
        assert growth < 64 * MIB, f"RSS grew by {growth / MIB:.0f} MiB after {i + 1} arrays"


@linux_only
def test_a_view_keeps_the_buffer_and_the_last_reference_frees_it():
    gc.collect()
    base = _rss()
    w = varscale.normal((1 << 26,), seed=1)  # 256 MiB, touched by the fill
    v = w[1::2]
    del w
    held = _rss() - base
    assert held > 200 * MIB, held / MIB  # the view keeps the Rust buffer alive
    assert np.isfinite(v[-1])
    del v
    assert _rss() - base < 64 * MIB
