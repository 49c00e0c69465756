import numpy as np
import pytest
from varscale import _core

ISAS = _core.supported_isas()
DTYPES = ["float32", "float64"]
CORE_DISTS = {"uniform": _core.Uniform, "normal": _core.Normal, "truncated_normal": _core.TruncatedNormal,
              "constant": _core.Constant}


def core_dist(kind: str, params):
    """The core's distribution object for a name and its parameters."""
    return CORE_DISTS[kind](*params)


@pytest.fixture(params=DTYPES)
def dtype(request):
    return request.param


def bits(a: np.ndarray) -> np.ndarray:
    """The raw bit patterns, for exact comparisons (NaN-safe, -0.0 != 0.0)."""
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)
