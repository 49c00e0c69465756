"""Runs tests/test_keras_cases.py once per Keras backend (JAX, torch) in a
child process: KERAS_BACKEND must be set before keras is imported, and must
not leak into the rest of the suite."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).with_name("test_keras_cases.py")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_keras_cases_with_backend(backend):
    # find_spec, not import: importing keras without KERAS_BACKEND tries TensorFlow
    for module in ("keras", backend):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    if os.environ.get("KERAS_BACKEND"):
        pytest.skip("KERAS_BACKEND is set: the cases run in this process")
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CASES)],
                         check=False, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    last = run.stdout.rstrip().splitlines()[-1]
    assert " passed" in last and "skipped" not in last and "failed" not in last, run.stdout[-2000:]
