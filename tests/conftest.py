import numpy as np
import pytest

import varscale
from varscale import _core

ISAS = _core.supported_isas()
DTYPES = ["float32", "float64"]


@pytest.fixture(params=DTYPES)
def dtype(request):
    return request.param


def bits(a: np.ndarray) -> np.ndarray:
    """The raw bit patterns, for exact comparisons (NaN-safe, -0.0 != 0.0)."""
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)
