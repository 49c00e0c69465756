"""The NumPy API, made from the registry: ``varscale.<name>`` and ``varscale.<name>_``.

Every function here is compiled from its registry entry by
:func:`varscale._codegen.make` with an explicit signature and a numpy-style
docstring; ``_api.pyi`` (generated from the same entries, checked by
``tests/test_stubs.py``) gives type checkers and IDEs the same signatures.

Every element is a pure function of (seed, stream, flat index, parameters),
so results do not depend on the thread count, and equal the same flat range
of any larger request.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, TypeVar

import numpy as np

from . import _codegen
from ._checks import ShapeLike
from ._fans import Axes, FanSpec
from ._registry import REGISTRY

Out = TypeVar("Out")

_TYPES: Dict[str, Any] = {"Any": Any, "Optional": Optional, "ShapeLike": ShapeLike, "Axes": Axes, "np": np,
                          "Out": Out, "_FANS": FanSpec.make}


def _build() -> Dict[str, Callable[..., Any]]:
    made: Dict[str, Callable[..., Any]] = {}
    for entry in REGISTRY:
        ns = dict(_TYPES, _ENTRY=entry)
        made[entry.name] = _codegen.make(_codegen.fresh_source(entry), entry.name, ns, _codegen.fresh_doc(entry),
                                         __name__, renamed=entry.renamed)
        made[entry.name + "_"] = _codegen.make(_codegen.inplace_source(entry), entry.name + "_", ns,
                                               _codegen.inplace_doc(entry), __name__, renamed=entry.renamed)
    return made


FUNCTIONS = _build()
globals().update(FUNCTIONS)
__all__: List[str] = list(FUNCTIONS)
