"""Functions made from the registry: source text, signatures and docstrings.

Each public surface of an initialiser (fresh function, in-place twin,
``Generator`` method, Dask lazy) is a list of :class:`~varscale._args.Arg`
computed here from its registry entry. From that list come the function's
source (compiled with :func:`make`, as :mod:`dataclasses` does: real
signatures, defaults and docstrings, no ``*args`` indirection), its
numpy-style docstring, and its line in the type stub (``_stubgen.py``).
"""

from __future__ import annotations

import functools
import linecache
import warnings
from typing import Any, Callable, Dict, List, Sequence, Tuple

from . import _args as A
from ._args import Arg, kw, parameters_section
from ._registry import Initializer

_RAISES = """\
    Raises
    ------
    ValueError
        A parameter out of range, named in the message (bad shape, fans,
        bounds, mode, ...).
    TypeError
        An argument of the wrong type, or an unsupported dtype."""


# ----------------------------------------------------------------- surfaces


def _own(entry: Initializer, keyword_only: bool) -> List[Arg]:
    return [p for p in entry.params if p.keyword_only == keyword_only]


def _fans(entry: Initializer) -> List[Arg]:
    return [kw(a) for a in A.FANS] if entry.fans else []


def fresh_args(entry: Initializer) -> List[Arg]:
    """``name(shape, <own>, *, dtype, seed, stream, <fans>, threads, region, <own kw-only>)``."""
    region = [kw(A.REGION)] if entry.regions else []
    return [A.SHAPE, *_own(entry, False), kw(A.DTYPE), kw(A.SEED), kw(A.STREAM), *_fans(entry), kw(A.THREADS),
            *region, *_own(entry, True)]


def inplace_args(entry: Initializer) -> List[Arg]:
    """``name_(out, <own>, *, seed, stream, <fans>, threads, region, full_shape, <own kw-only>)``."""
    region = [kw(A.REGION), kw(A.FULL_SHAPE)] if entry.regions else []
    return [A.OUT, *_own(entry, False), kw(A.SEED), kw(A.STREAM), *_fans(entry), kw(A.THREADS), *region,
            *_own(entry, True)]


def method_args(args: Sequence[Arg]) -> List[Arg]:
    """A ``Generator`` method: the function's arguments less ``seed`` and ``stream``."""
    return [a for a in args if a.name not in ("seed", "stream")]


def lazy_args(entry: Initializer) -> List[Arg]:
    """The Dask lazy: the fresh function's arguments plus ``chunks``."""
    return [*fresh_args(entry), kw(A.CHUNKS)]


def signature(args: Sequence[Arg], self_: bool = False, separator: str = ", ") -> str:
    """The parameter list of a def, with ``*`` before the first keyword-only one."""
    parts = ["self"] if self_ else []
    star = False
    for a in args:
        if a.keyword_only and not star:
            parts.append("*")
            star = True
        parts.append(a.signature())
    return separator.join(parts)


# --------------------------------------------------------------- docstrings


def _doc(summary: str, body: str, args: Sequence[Arg], returns: str, examples: str = "") -> str:
    parts = [summary]
    if body:
        parts.append(body)
    parts += [parameters_section(args), "    Returns\n    -------\n" + returns, _RAISES]
    if examples:
        parts.append("    Examples\n    --------\n" + "\n".join("    " + line for line in examples.splitlines()))
    return "\n\n".join(parts) + "\n    "


_NEW_ARRAY = """\
    numpy.ndarray
        A new C-contiguous array of ``shape`` (or ``full[region]``) and
        ``dtype`` that owns its buffer."""
_SAME_OUT = """\
    numpy.ndarray or torch.Tensor
        ``out`` itself, filled."""
_LAZY_ARRAY = """\
    dask.array.Array
        Lazy; its graph keys are a deterministic function of the arguments
        (and the resolved seed), so equal calls share them."""


def fresh_doc(entry: Initializer) -> str:
    """Docstring of ``varscale.<name>``."""
    return _doc(entry.summary, entry.body, fresh_args(entry), _NEW_ARRAY, entry.examples)


def inplace_doc(entry: Initializer) -> str:
    """Docstring of ``varscale.<name>_``."""
    summary = f"In-place twin of :func:`varscale.{entry.name}`: fills ``out`` and returns it."
    return _doc(summary, "    " + entry.summary, inplace_args(entry), _SAME_OUT)


def method_doc(entry: Initializer, inplace: bool) -> str:
    """Docstring of ``Generator.<name>`` / ``Generator.<name>_``."""
    name = entry.name + ("_" if inplace else "")
    summary = f"Same as :func:`varscale.{name}` with this generator's seed and its next stream."
    args = inplace_args(entry) if inplace else fresh_args(entry)
    return _doc(summary, "    " + entry.summary, method_args(args), _SAME_OUT if inplace else _NEW_ARRAY)


def lazy_doc(entry: Initializer) -> str:
    """Docstring of ``varscale.dask.<name>``."""
    summary = f"Lazy :func:`varscale.{entry.name}`: a Dask array whose blocks the core generates at their offsets."
    body = f"""\
    {entry.summary}

    ``compute()`` equals ``varscale.{entry.name}`` with the same arguments bit
    for bit, whatever the chunking or scheduler. Arguments are checked now.
    ``seed=None`` draws one seed now, shared by all blocks. ``threads`` is per
    block and defaults to 1: Dask runs blocks in parallel. ``region`` makes
    the array ``full[region]`` of the tensor of ``shape``."""
    return _doc(summary, body, lazy_args(entry), _LAZY_ARRAY)


# ------------------------------------------------------------------ sources


def _dict(args: Sequence[Arg]) -> str:
    return "{" + ", ".join(f"{a.name!r}: {a.name}" for a in args) + "}"


def _fans_call(entry: Initializer) -> str:
    return "_FANS(" + ", ".join(A.FAN_NAMES) + ")" if entry.fans else "None"


def fresh_source(entry: Initializer) -> str:
    """``def <name>(...)``: checks fans, then ``entry.create``."""
    extra = ", region" if entry.regions else ""
    return (f"def {entry.name}({signature(fresh_args(entry))}) -> np.ndarray:\n"
            f"    return _ENTRY.create(shape, {_dict(entry.params)}, {_fans_call(entry)}, dtype, seed, stream, "
            f"threads{extra})\n")


def inplace_source(entry: Initializer) -> str:
    """``def <name>_(...)``: checks fans, then ``entry.fill``."""
    extra = ", region, full_shape" if entry.regions else ""
    return (f"def {entry.name}_({signature(inplace_args(entry))}) -> Out:\n"
            f"    return _ENTRY.fill(out, {_dict(entry.params)}, {_fans_call(entry)}, seed, stream, "
            f"threads{extra})\n")


def method_source(name: str, args: Sequence[Arg], returns: str) -> str:
    """A ``Generator`` method calling the public function ``_FN`` with this generator's seed and stream."""
    first, rest = args[0], method_args(args)[1:]
    passed = ", ".join([first.name] + [f"{a.name}={a.name}" for a in rest])
    return (f"def {name}({signature(method_args(args), self_=True)}) -> {returns}:\n"
            f"    return _FN({passed}, seed=self.seed, stream=self._next_stream())\n")


def lazy_source(entry: Initializer) -> str:
    """``def <name>(..., chunks)`` of ``varscale.dask``: hands every argument to ``_LAZY``."""
    args = fresh_args(entry)
    return (f"def {entry.name}({signature(lazy_args(entry))}) -> da.Array:\n"
            f"    return _LAZY(_ENTRY, {_dict(args)}, chunks)\n")


def make(source: str, name: str, namespace: Dict[str, Any], doc: str, module: str,
         qualname: str = "", renamed: Tuple[Tuple[str, str], ...] = ()) -> Callable[..., Any]:
    """Compile ``source`` (one def of ``name``) in ``namespace``; give it ``doc`` and ``module``.

    The source is registered with :mod:`linecache`, so tracebacks and
    :func:`inspect.getsource` show it. ``renamed`` (old, new) keyword
    spellings are accepted with a DeprecationWarning.
    """
    filename = f"<varscale generated {module}.{qualname or name}>"
    text = "from __future__ import annotations\n" + source
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    exec(compile(text, filename, "exec"), namespace)
    fn: Callable[..., Any] = namespace.pop(name)
    fn.__doc__ = doc
    fn.__module__ = module
    fn.__qualname__ = qualname or name
    if renamed:
        fn = accept_renamed(fn, renamed, f"{module.replace('._api', '')}.{qualname or name}")
    return fn


def accept_renamed(fn: Callable[..., Any], renamed: Tuple[Tuple[str, str], ...],
                   where: str) -> Callable[..., Any]:
    """``fn`` that also accepts the old keyword spellings, with a DeprecationWarning."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for old, new in renamed:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{where}() got {old}= and {new}=; {old}= is the deprecated spelling of {new}=")
                warnings.warn(f"{where}(): {old}= is deprecated, use {new}= (the old spelling goes in the next "
                              "release)", DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
        return fn(*args, **kwargs)

    return wrapper
