"""``materialize``: the recipe "meta device to real model" in one call."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple, Union

import torch
from torch import nn

from ._modules import init_module


def _tied_groups(model: nn.Module) -> List[List[Tuple[nn.Module, str]]]:
    """(module, attribute) pairs that share one Parameter object, per object
    shared by more than one place (``remove_duplicate=False`` sees them all)."""
    places: Dict[int, List[Tuple[nn.Module, str]]] = {}
    for module in model.modules():
        for attr, param in module._parameters.items():
            if param is not None:
                places.setdefault(id(param), []).append((module, attr))
    return [group for group in places.values() if len(group) > 1]


def materialize(model: nn.Module, device: Union[str, torch.device] = "cpu", seed: Optional[int] = None,
                **init_module_kwargs: Any) -> nn.Module:
    """Give a model built on the meta device real memory and its initial values.

    ``model.to_empty(device=device)`` (which unties shared parameters: each
    place gets its own copy), the ties put back as they were on the meta
    model, then :func:`varscale.torch.init_module` (transformers models: their
    own ``_init_weights``, which also recomputes buffers such as RoPE
    ``inv_freq``; torch models: the table, their own ``reset_parameters``,
    and BatchNorm running statistics).

    Parameters
    ----------
    model : torch.nn.Module
        Built under ``torch.device("meta")``.
    device : str or torch.device, default "cpu"
        Where the memory goes (varscale generates on the CPU and copies to
        other devices).
    seed : int, optional
        Passed to ``init_module``.
    **init_module_kwargs
        Passed to ``init_module`` (``scheme``, ``unknown``, ...);
        ``include_buffers`` defaults to True here.

    Returns
    -------
    torch.nn.Module
        ``model``, in place.

    Raises
    ------
    TypeError
        ``model`` is not a module.

    Notes
    -----
    Buffers that a plain torch module computes in ``__init__`` and no
    reset method recomputes cannot be recovered after ``to_empty`` (their
    values never existed on the meta device); build such modules on the
    CPU. Every buffer transformers' ``_init_weights`` sets is recomputed.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    groups = _tied_groups(model)
    model.to_empty(device=device)
    for group in groups:
        first_module, first_attr = group[0]
        shared = first_module._parameters[first_attr]
        for module, attr in group[1:]:
            setattr(module, attr, shared)
    init_module_kwargs.setdefault("include_buffers", True)
    return init_module(model, seed, **init_module_kwargs)

