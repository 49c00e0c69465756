"""Where model code keeps references to the ``torch.nn.init`` functions.

Model code reaches the nn.init functions through references taken at import
time (``from torch.nn.init import xavier_uniform_`` in
``torch.nn.modules.activation``, transformers' ``TORCH_INIT_FUNCTIONS``
dict, timm and user scripts alike), so replacing the attributes of
``torch.nn.init`` alone does not catch them. Both code paths that replace
those functions for a while -- ``fast_init`` (:mod:`._fast_init.patching`,
fills on varscale) and ``plan_init`` (:mod:`._checkpoint.record`, records
instead of filling) -- patch the places :func:`holders` lists.
"""

from __future__ import annotations

import sys
from typing import Any, List, Mapping, MutableMapping

#: Modules whose namespaces hold captured references: torch.nn's own
#: (``torch.nn.modules.activation`` imports ``xavier_uniform_``), timm's and
#: the script's. Scanning every loaded module took 0.1-0.2 s; these take a
#: few milliseconds.
SCANNED_PREFIXES = ("torch.nn", "timm", "__main__")

#: transformers' module whose dict ``TORCH_INIT_FUNCTIONS`` holds torch's
#: functions (filled when transformers is imported).
TRANSFORMERS_INIT_MODULE = "transformers.initialization"


def transformers_tables() -> List[MutableMapping[str, Any]]:
    """The dicts in which transformers keeps torch's nn.init functions (empty
    when transformers is not imported; importing it is left to the user)."""
    module = sys.modules.get(TRANSFORMERS_INIT_MODULE)
    table = getattr(module, "TORCH_INIT_FUNCTIONS", None)
    return [table] if isinstance(table, dict) else []


def holders() -> List[MutableMapping[str, Any]]:
    """Every loaded namespace of :data:`SCANNED_PREFIXES` and every
    :func:`transformers_tables` dict, as mutable mappings from name to object."""
    namespaces: List[MutableMapping[str, Any]] = []
    for name, module in list(sys.modules.items()):
        namespace = getattr(module, "__dict__", None)
        if isinstance(namespace, dict) and name.startswith(SCANNED_PREFIXES):
            namespaces.append(namespace)
    namespaces.extend(transformers_tables())
    return namespaces


def replace_everywhere(replacements: Mapping[int, Any]) -> int:
    """In every one of the :func:`holders`, replace each value ``v`` with
    ``id(v)`` in ``replacements`` (whose keys are ids of objects the caller
    keeps alive) by ``replacements[id(v)]``; the count.

    Undoing a patch this way, rather than by putting back saved entries, also
    reaches the copies taken while it was in place (transformers imported
    while a patch is in place copies the patched function into its table).
    """
    count = 0
    for namespace in holders():
        hits = [key for key, value in list(namespace.items()) if id(value) in replacements]
        for key in hits:
            namespace[key] = replacements[id(namespace[key])]
            count += 1
    return count
