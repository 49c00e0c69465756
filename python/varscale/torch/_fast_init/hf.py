"""Hugging Face transformers specifics (none of it imports transformers).

transformers 5.x initialises a model in ``PreTrainedModel.post_init`` ->
``init_weights`` -> ``initialize_weights``, which applies each model's
``_init_weights(module)`` to every module not flagged ``_is_hf_initialized``
and then ties weights. ``_init_weights`` calls the wrappers in
``transformers.initialization`` (``init.normal_``), which call torch's
functions through the dict ``TORCH_INIT_FUNCTIONS``, filled when
transformers is imported. That dict is the one place transformers captures
torch's functions (its ``guard_torch_init_functions`` only swaps them in
for the duration of ``initialize_weights``), so it is the table
:mod:`varscale.torch._captured` lists beside module namespaces.
"""

from __future__ import annotations

import sys
from typing import Any

from torch import nn

_FLAG = "_is_hf_initialized"


def is_hf_model(model: nn.Module) -> bool:
    """Whether ``model`` is a transformers ``PreTrainedModel``."""
    modeling = sys.modules.get("transformers.modeling_utils")
    base = getattr(modeling, "PreTrainedModel", None)
    return base is not None and isinstance(model, base)


def initialize(model: nn.Module) -> None:
    """Run the model's own initialisation again, as its constructor does:
    clear the ``_is_hf_initialized`` flags (set by an earlier
    initialisation or loading), tie the weights (so a tied pair is filled
    once), ``initialize_weights()`` (every module's ``_init_weights``,
    which also recomputes buffers such as RoPE ``inv_freq`` and BERT's
    ``position_ids``), and tie again (``initialize_weights`` may replace
    nothing, but ``to_empty`` left the pairs untied)."""
    for module in model.modules():
        module.__dict__.pop(_FLAG, None)
    for tensor in list(model.parameters()) + list(model.buffers()):
        tensor.__dict__.pop(_FLAG, None)
    hf_model: Any = model
    hf_model.tie_weights()
    hf_model.initialize_weights()
    hf_model.tie_weights()
