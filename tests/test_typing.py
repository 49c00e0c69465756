"""Type stubs and annotations: mypy's stubtest compares varscale/_core.pyi with
the compiled extension, and mypy checks a typed usage file against the public
API. Skipped when mypy is not installed (it is not a test dependency)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy")

HERE = Path(__file__).parent


def _run(args, cwd):
    env = dict(os.environ, MYPY_FORCE_COLOR="0")
    return subprocess.run([sys.executable, "-m"] + args, capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_core_stub_matches_the_extension(tmp_path):
    # run outside the checkout so that the installed package (with the built
    # extension) is the one inspected
    res = _run(["mypy.stubtest", "varscale._core", "--mypy-config-file", os.devnull], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr


def test_typed_usage_checks(tmp_path):
    res = _run(["mypy", "--no-incremental", "--cache-dir", os.devnull, "--config-file", os.devnull,
                "--disallow-untyped-calls", "--warn-unused-ignores", str(HERE / "typecheck" / "usage.py")], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Success" in res.stdout


def test_generated_stubs_are_up_to_date():
    # the stubs are made from the registry; an entry changed without
    # `make stubs` (python -m varscale._stubgen) fails here
    from varscale import _stubgen

    stale = [path.name for path, text in _stubgen.stubs().items() if path.read_text(encoding="utf-8") != text]
    assert not stale, f"stale stubs {stale}: run python -m varscale._stubgen"


def test_generated_stubs_match_the_runtime(tmp_path):
    # signatures, defaults and __all__ of the compiled functions against their stubs
    pytest.importorskip("dask")
    res = _run(["mypy.stubtest", "varscale._api", "varscale._generator", "varscale.dask", "--mypy-config-file",
                os.devnull], tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
