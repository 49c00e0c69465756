"""Process-wide replacement of the ``torch.nn.init`` functions by dispatchers.

Model code reaches the nn.init functions through references taken at import
time, so replacing the attributes of ``torch.nn.init`` is not enough.
:func:`install` swaps every reference to torch's function, in the places
:func:`varscale.torch._captured.holders` lists (torch.nn, timm and script
namespaces, transformers' ``TORCH_INIT_FUNCTIONS``), for a *dispatcher*;
:func:`uninstall` swaps every dispatcher back, including those copied by
modules imported in between (transformers imported inside a ``fast_init``
block).

A dispatcher asks ``route`` (given at install) for the calling thread's
handler: a thread outside ``fast_init`` gets None and runs torch's own
function, so the process-wide swap is invisible to it. The swap (a scan of
those namespaces) costs a few milliseconds and happens when the first
``fast_init`` block of the process opens and the last one closes.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, Optional

from .._captured import replace_everywhere
from .fills import INIT_NAMES, ORIGINAL_INIT

# A reference captured outside the scanned namespaces still fills on
# varscale, through the TorchFunctionMode (the hooked functions, and the
# Tensor methods every nn.init function ends in), only with torch's extra passes.

#: route(name, original, args, kwargs) -> result, or None for "not mine"
Route = Callable[[str, Callable[..., Any], Any, Any], Optional[Callable[[], Any]]]


def _make_dispatcher(name: str, original: Callable[..., Any], route: Route) -> Callable[..., Any]:
    @functools.wraps(original)
    def dispatcher(*args: Any, **kwargs: Any) -> Any:
        run = route(name, original, args, kwargs)
        return original(*args, **kwargs) if run is None else run()

    dispatcher.__varscale_original__ = original  # type: ignore[attr-defined]
    return dispatcher


_dispatchers: Dict[str, Callable[..., Any]] = {}


def install(route: Route) -> None:
    """Swap torch's nn.init functions for dispatchers everywhere they are referenced."""
    if not _dispatchers:
        for name in INIT_NAMES:
            _dispatchers[name] = _make_dispatcher(name, ORIGINAL_INIT[name], route)
    replace_everywhere({id(ORIGINAL_INIT[name]): _dispatchers[name] for name in INIT_NAMES})


def uninstall() -> None:
    """Put torch's functions back wherever a dispatcher is referenced."""
    replace_everywhere({id(_dispatchers[name]): ORIGINAL_INIT[name] for name in _dispatchers})


def is_dispatcher(fn: Any) -> bool:
    """Whether ``fn`` is one of the dispatchers (for tests and diagnostics)."""
    return any(fn is d for d in _dispatchers.values())
