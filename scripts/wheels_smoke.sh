#!/usr/bin/env bash
# Builds one abi3 wheel (cp39-abi3) with maturin, then for each Python that
# pyenv has installed (3.9 to 3.13) makes a temporary venv, installs the wheel
# and NumPy (from PyPI), imports varscale and runs a smoke test.
# Usage: scripts/wheels_smoke.sh [VERSION ...]   (default: 3.9.18 3.10.13 3.11.7 3.12.1 3.13.0)
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.9.18 3.10.13 3.11.7 3.12.1 3.13.0)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target} maturin build --release -q --out "$out/dist"
wheel=$(ls "$out"/dist/*.whl)
echo "wheel: $(basename "$wheel")"
status=0
for v in "${versions[@]}"; do
    py=/root/.pyenv/versions/$v/bin/python
    if [ ! -x "$py" ]; then echo "$v: MISSING ($py)"; status=1; continue; fi
    env_dir=$out/venv-$v
    "$py" -m venv "$env_dir"
    if ! "$env_dir/bin/python" -m pip install -q "$wheel" numpy >"$out/pip-$v.log" 2>&1; then
        echo "$v: INSTALL FAILED"; tail -5 "$out/pip-$v.log"; status=1; continue
    fi
    if ! (cd "$out" && "$env_dir/bin/python" - <<'PY'
import sys
import numpy as np
import varscale
w = varscale.xavier_uniform((256, 128), seed=0)
bound = (6 / (256 + 128)) ** 0.5
assert w.shape == (256, 128) and w.dtype == np.float32 and np.abs(w).max() <= bound
assert np.array_equal(w, varscale.xavier_uniform((256, 128), seed=0, threads=1))
big = varscale.normal(1 << 22, seed=1)  # parallel path
assert abs(float(big.std()) - 1.0) < 0.01
print(f"{sys.version.split()[0]}: ok (varscale {varscale.__version__}, numpy {np.__version__}, "
      f"{varscale._core.__file__.rsplit('/', 1)[-1]})")
PY
    ); then echo "$v: SMOKE TEST FAILED"; status=1; fi
done
exit $status
