"""``sparse_``: the drop-in for ``torch.nn.init.sparse_``."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from .. import _api as _vs
from ._dropins import check_tensor, fill_tensor

#: Added to the stream (mod 2**64) for the keys that choose the zeroed rows,
#: so they are independent of the normal values drawn from ``stream``.
ZERO_PATTERN_STREAM_OFFSET = 2**63


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Optional[torch.Generator] = None, *,
            seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Sparse normal matrix, as ``torch.nn.init.sparse_``.

    Every element ``N(0, std^2)``, then in every column ``ceil(sparsity *
    rows)`` distinct rows, chosen uniformly at random, set to 0 (Martens
    2010). The normal values come from ``(seed, stream)``; the zeroed rows
    are the ``ceil(sparsity * rows)`` smallest of uniform keys drawn from
    ``(seed, stream + 2**63)`` in that column, so the whole result is a pure
    function of ``(seed, stream)`` for any thread count.

    Parameters
    ----------
    tensor : torch.Tensor
        2-D, float16, bfloat16, float32 or float64, any device.
    sparsity : float in [0, 1]
        Fraction of every column set to zero.
    std : float >= 0, default 0.01
    generator : torch.Generator, optional
        torch's argument: a 64-bit seed is drawn from it. Not with ``seed``.
    seed : int in [0, 2**64), optional
        Default: drawn from ``generator``, else torch's default generator.
    stream : int in [0, 2**64), default 0

    Returns
    -------
    torch.Tensor
        ``tensor``, filled in place.

    Raises
    ------
    ValueError
        ``tensor`` not 2-D (torch's message), ``sparsity`` outside [0, 1].
    TypeError
        Not a tensor, another dtype, ``seed`` with ``generator``.
    """
    check_tensor(tensor, "sparse_")
    if tensor.ndimension() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if not isinstance(sparsity, (int, float)) or not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparse_(): sparsity must be a number in [0, 1], got {sparsity!r}")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)

    def write(target: Tensor, seed_v: int) -> None:
        _vs.normal_(target, 0.0, std, seed=seed_v, stream=stream)
        if num_zeros == 0 or target.numel() == 0:
            return
        keys = _vs.uniform((rows, cols), seed=seed_v, stream=(stream + ZERO_PATTERN_STREAM_OFFSET) % 2**64)
        zero_rows = np.argpartition(keys, num_zeros - 1, axis=0)[:num_zeros]  # (num_zeros, cols)
        with torch.no_grad():
            target[torch.from_numpy(zero_rows), torch.arange(cols)] = 0

    return fill_tensor(tensor, "sparse_", write, seed, generator, as_array=False)
