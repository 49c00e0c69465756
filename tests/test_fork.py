"""Real process models: fork, spawn, forkserver, process pools, a torch
DataLoader and Dask's processes scheduler, after the parent has started
varscale's worker threads with a large parallel fill.

Each scenario runs as a script in its own process group with a timeout, so a
regression (the child waiting forever for threads it did not inherit) fails
here instead of hanging the suite, and leftover processes (orphans) are
detected and killed.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

TIMEOUT_S = 120

# The parent fills 32 MiB on every core (the pool is running), then each
# scenario's children fill the same array and compare bits.
PRELUDE = """
import os, sys
import numpy as np
import varscale
N = 8 << 20  # 32 MiB of float32: well above the parallel threshold
def work(i):
    w = varscale.normal(N, seed=7, stream=i)
    return int(w.view(np.uint32).astype(np.uint64).sum())
"""
MAIN = """
if __name__ == "__main__":
    REF = [work(i) for i in range(4)]  # starts the pool in the parent
"""


def run_script(tmp_path, body: str, timeout: float = TIMEOUT_S) -> str:
    """Runs PRELUDE, then body as the main program, from a file (so that spawned
    children can import `work`) in a new session; fails on timeout, on a
    non-zero exit, or if any process of the session outlives the script."""
    script = tmp_path / "scenario.py"
    script.write_text(PRELUDE + MAIN + textwrap.indent(textwrap.dedent(body), "    "))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"timed out after {timeout} s (a child hangs)")
    orphans = False
    deadline = time.monotonic() + 5
    while True:
        try:
            os.killpg(proc.pid, 0)  # any process left in the session?
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            orphans = True
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.returncode == 0, err[-3000:]
    assert not orphans, "processes of the scenario outlived it"
    return out


def run_ok(tmp_path, body: str) -> None:
    """run_script, and the scenario must reach its end (it then prints "ok")."""
    out = run_script(tmp_path, textwrap.dedent(body) + 'print("ok")\n')
    assert out.strip() == "ok"


def run_workers(tmp_path, body: str) -> None:
    """run_ok for a body that leaves its workers' results in ``got``: they must equal the parent's REF."""
    run_ok(tmp_path, textwrap.dedent(body) + "assert list(got) == REF, (got, REF)\n")


def test_os_fork_child_gets_the_same_values(tmp_path):
    run_ok(tmp_path, """
        pid = os.fork()
        if pid == 0:
            ok = [work(i) for i in range(4)] == REF
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        # and the parent's pool still works
        assert [work(i) for i in range(4)] == REF
    """)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_start_methods_and_pool(tmp_path, method):
    run_workers(tmp_path, f"""
        import multiprocessing as mp
        ctx = mp.get_context({method!r})
        p = ctx.Process(target=work, args=(0,))
        p.start(); p.join({TIMEOUT_S / 2})
        assert p.exitcode == 0, p.exitcode
        with ctx.Pool(2) as pool:
            got = pool.map_async(work, range(4)).get(timeout={TIMEOUT_S / 2})
    """)


def test_torch_dataloader_fork_workers(tmp_path):
    pytest.importorskip("torch")
    run_workers(tmp_path, """
        import torch
        from torch.utils.data import DataLoader, Dataset
        class Weights(Dataset):
            def __len__(self):
                return 4
            def __getitem__(self, i):
                return work(i)
        loader = DataLoader(Weights(), batch_size=None, num_workers=2, multiprocessing_context="fork",
                            timeout=60)
        got = [int(x) for x in loader]
    """)


def test_dask_processes_scheduler_with_fork_context(tmp_path):
    pytest.importorskip("dask")
    run_workers(tmp_path, """
        import dask
        with dask.config.set({"multiprocessing.context": "fork"}):
            got = dask.compute(*[dask.delayed(work)(i) for i in range(4)], scheduler="processes",
                               num_workers=2)
    """)
