"""Modules without a table rule: their own ``reset_parameters`` on varscale.

``init_module`` fills the parameters of torch's built-in modules from its
table, keyed by name. Any other module with parameters of its own is
initialised by its own ``reset_parameters()`` (or ``_reset_parameters()``)
running inside a varscale block keyed by the module's name
(:func:`run_own_init`); a transformers model by its own ``_init_weights``
(:func:`.hf.initialize`).
"""

from __future__ import annotations

from typing import Any, Callable, List, Tuple

import torch
from torch import nn

from .fast_init import keyed_block

_RESET_METHODS = ("reset_parameters", "_reset_parameters")


def run_own_init(owners: List[Tuple[str, nn.Module, int]], seed: int) -> List[str]:
    """Call each module's own reset method under varscale, or, if any has
    none, touch nothing and return their names (``"name (Type)"``).

    ``owners`` are ``(name, module, stream_base)``: module ``name``'s k-th
    random fill uses stream ``stream_base + k`` of ``seed`` (``init_module``
    passes ``param_stream(name + ".<own>")``), so its values depend on the
    seed, its name and its own code, not on the other modules.
    """
    resets: List[Tuple[int, Callable[[], Any]]] = []
    without: List[str] = []
    for name, module, stream_base in owners:
        reset = next((getattr(module, m) for m in _RESET_METHODS if callable(getattr(module, m, None))), None)
        if reset is None:
            without.append(f"{name or '<root>'} ({type(module).__name__})")
        else:
            resets.append((stream_base, reset))
    if without:
        return without  # before anything is written
    for stream_base, reset in resets:
        with keyed_block(seed, stream_base), torch.no_grad():
            reset()
    return []
