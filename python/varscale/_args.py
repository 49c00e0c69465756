"""Arguments of the generated API: name, annotation, default and numpy-style doc.

An :class:`Arg` is written once and used for every signature it appears in
(fresh function, in-place twin, ``Generator`` method, Dask lazy, stub) and
for the Parameters section of each of their docstrings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple


@dataclass(frozen=True)
class Arg:
    """One parameter of a generated function.

    ``annotation`` and ``default`` are source text, as written in the
    signature and the stub (``default`` empty: required). ``kind`` is the
    type as the docstring states it, ``doc`` the description lines.
    """

    name: str
    annotation: str
    default: str = ""
    kind: str = ""
    doc: str = ""
    keyword_only: bool = False

    def signature(self) -> str:
        """``name: annotation = default`` as it appears in a def."""
        text = f"{self.name}: {self.annotation}"
        return f"{text} = {self.default}" if self.default else text

    def doc_entry(self) -> str:
        """The numpy-style Parameters entry, indented for a function docstring."""
        head = f"    {self.name} : {self.kind or self.annotation}"
        if self.default and self.default != "None":  # None: the kind says "optional"
            head += f", default {self.default}"
        lines = [head] + [f"        {line}" if line else "" for line in self.doc.strip("\n").splitlines()]
        return "\n".join(lines)


def kw(arg: Arg) -> Arg:
    """``arg`` as a keyword-only parameter."""
    return Arg(arg.name, arg.annotation, arg.default, arg.kind, arg.doc, keyword_only=True)


def parameters_section(args: Sequence[Arg]) -> str:
    """``Parameters`` section of a numpy-style docstring."""
    return "\n".join(["    Parameters", "    ----------"] + [a.doc_entry() for a in args])


SHAPE = Arg("shape", "ShapeLike", kind="int or tuple of int",
            doc="Shape of the tensor (every dimension >= 1).")
OUT = Arg("out", "Out", kind="numpy.ndarray or torch.Tensor", doc="""\
Written in place and returned: a writable, C-contiguous, aligned
float16/bfloat16/float32/float64 NumPy array (a memmap too) or a CPU
torch tensor of those dtypes, filled without a copy. Fans come from
``out.shape`` (or ``full_shape``). A zero-size ``out`` is returned unchanged.""")
DTYPE = Arg("dtype", "Any", '"float32"', kind='{"float32", "float64", "float16", "bfloat16"} or numpy dtype', doc="""\
Element type of the new array. float16/bfloat16 elements are the float32
samples rounded to nearest even (bfloat16 arrays need ``ml_dtypes``).""")
SEED = Arg("seed", "Optional[int]", "None", kind="int in [0, 2**64), optional",
           doc="Seed of the counter-based generator; None draws one from the OS.")
STREAM = Arg("stream", "int", "0", kind="int in [0, 2**64)", doc="""\
Independent sequence under the same seed (one per tensor of a model;
see :class:`varscale.Generator`).""")
THREADS = Arg("threads", "Optional[int]", "None", kind="int, optional", doc="""\
Worker threads; default all cores, or ``VARSCALE_NUM_THREADS``.
The values do not depend on it.""")
REGION = Arg("region", "Any", "None", kind="tuple of slices/ints, optional", doc="""\
Only ``full[region]`` of the full tensor, bit for bit (step-1 slices,
integers, one ``...``; as NumPy indexing). Fans come from the full shape;
the cost is that of the region. For sharded initialisation: each host
builds its own shard.""")
FULL_SHAPE = Arg("full_shape", "Optional[ShapeLike]", "None", kind="int or tuple of int, optional", doc="""\
With ``region``: ``out`` holds ``full[region]`` of a tensor of this shape
(fans from ``full_shape``), e.g. the local shard of a distributed parameter.""")
LAYOUT = Arg("layout", "str", '"torch"', kind='{"torch", "keras", "jax"}',
             doc="Where the fans are in the shape; see :func:`varscale.compute_fans`.")
FAN_IN = Arg("fan_in", "Optional[int]", "None", kind="int, optional",
             doc="Override the fan-in computed from the shape.")
FAN_OUT = Arg("fan_out", "Optional[int]", "None", kind="int, optional",
              doc="Override the fan-out computed from the shape.")
IN_AXIS = Arg("in_axis", "Optional[Axes]", "None", kind="int or tuple of int, optional", doc="""\
Explicit input axes as in ``jax.nn.initializers`` (overrides ``layout``;
default -2 when any axis is given); see :func:`varscale.compute_fans`.""")
OUT_AXIS = Arg("out_axis", "Optional[Axes]", "None", kind="int or tuple of int, optional",
               doc="Explicit output axes (overrides ``layout``; default -1 when any axis is given).")
BATCH_AXIS = Arg("batch_axis", "Axes", "()", kind="int or tuple of int",
                 doc="Axes of independent copies: they count in neither fan.")
CHUNKS = Arg("chunks", "Any", '"auto"', kind="dask chunks specification", doc="""\
Block shape of the result, as in :func:`dask.array.ones` (an int, a tuple of
ints or of per-axis tuples, "auto", or a byte size such as "256MiB"); it
never changes the values.""")

FANS: Tuple[Arg, ...] = (LAYOUT, FAN_IN, FAN_OUT, IN_AXIS, OUT_AXIS, BATCH_AXIS)
FAN_NAMES: Tuple[str, ...] = tuple(a.name for a in FANS)
