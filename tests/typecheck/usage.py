"""Typed use of the public API, checked by mypy in tests/test_typing.py (not run
as a test itself): the annotations and the _core stubs must accept it."""

from typing import List, Tuple

import numpy as np

import varscale
from varscale import _core

w: np.ndarray = varscale.kaiming_uniform((256, 128), nonlinearity="relu", seed=0, dtype="float32")
same: np.ndarray = varscale.xavier_normal_(w, gain=varscale.calculate_gain("tanh"), seed=0, stream=1)
q: np.ndarray = varscale.orthogonal((64, 32), 1.5, seed=1, compute_dtype="float64")
q2: np.ndarray = varscale.orthogonal_(q, seed=2)
fans: Tuple[int, int] = varscale.compute_fans((64, 3, 7, 7))
cfans: Tuple[int, int] = varscale.conv_fans((64, 8, 3, 3), groups=8, transposed=False)
g = varscale.Generator(1234, stream=3)
layers: List[np.ndarray] = [g.xavier_uniform((32, 32)) for _ in range(3)]
next_stream: int = g.stream
isas: List[str] = _core.supported_isas()
best: str = _core.best_isa()
raw: np.ndarray = _core.generate([4, 4], "float32", _core.Normal(0.0, 1.0), 0, 0)
_core.fill(raw, _core.Uniform(-1.0, 1.0), seed=0, stream=1, threads=1)
version: str = varscale.__version__ + _core.GENERATOR
limit: int = _core.MAX_THREADS
t: np.ndarray = varscale.truncated_normal((8, 8), 0.0, 1.0, low=-1.0, high=2.0, seed=0)
t2: np.ndarray = varscale.truncated_normal_(t, std=0.5, low=-1.0, seed=1, region=(slice(0, 8),), full_shape=(8, 8))
o2: np.ndarray = g.orthogonal_(np.empty((4, 4), np.float32), 1.5, compute_dtype="float64")
