"""Rectangular parts of a tensor ("boxes"): a start and an extent per axis.

A box is what ``region=`` selects, what a view such as ``weight[3]`` covers,
and what one window of a file holds; these helpers convert between them.
"""

from __future__ import annotations

from typing import Any, Iterator, List, Optional, Sequence, Tuple

from ..._checks import as_region

RegionItem = Any  # an int, a step-1 slice, or one Ellipsis (as _checks.as_region reads them)
Region = Tuple[RegionItem, ...]


class Box:
    """Elements ``start[i] <= index[i] < start[i] + extent[i]`` of a tensor of ``shape``."""

    __slots__ = ("extent", "shape", "start")

    def __init__(self, shape: Sequence[int], start: Sequence[int], extent: Sequence[int]) -> None:
        self.shape = tuple(shape)
        self.start = tuple(start)
        self.extent = tuple(extent)

    @classmethod
    def whole(cls, shape: Sequence[int]) -> Box:
        """The box of every element."""
        return cls(shape, (0,) * len(shape), tuple(shape))

    @classmethod
    def from_region(cls, shape: Sequence[int], region: Optional[Region]) -> Box:
        """The box ``region`` selects (``None``: the whole tensor), as ``region=`` reads it (``_checks.as_region``)."""
        if region is None:
            return cls.whole(shape)
        r = as_region(tuple(shape), region)
        return cls(shape, r.start, r.extent)

    def region(self) -> Region:
        """The ``region=`` tuple of slices selecting this box."""
        return tuple(slice(s, s + e) for s, e in zip(self.start, self.extent))

    def is_whole(self) -> bool:
        """Whether the box covers the whole tensor."""
        return all(s == 0 for s in self.start) and self.extent == self.shape

    def intersect(self, other: Box) -> Optional[Box]:
        """The common part of two boxes of the same tensor, or None."""
        start, extent = [], []
        for s1, e1, s2, e2 in zip(self.start, self.extent, other.start, other.extent):
            lo, hi = max(s1, s2), min(s1 + e1, s2 + e2)
            if hi <= lo:
                return None
            start.append(lo)
            extent.append(hi - lo)
        return Box(self.shape, start, extent)

    def relative_to(self, outer: Box) -> Tuple[slice, ...]:
        """Index of this box inside an array holding ``outer`` (this box must lie inside it)."""
        return tuple(slice(s - o, s - o + e) for s, o, e in zip(self.start, outer.start, self.extent))

    def flat_range(self) -> Optional[Tuple[int, int]]:
        """``(offset, count)`` when the box is one contiguous run of the tensor in flat C order, else None.

        It is when, for some axis ``k``, every axis before ``k`` has extent 1
        and every axis after ``k`` is whole.
        """
        n = len(self.shape)
        contiguous = n == 0 or any(
            all(e == 1 for e in self.extent[:k]) and self.extent[k + 1:] == self.shape[k + 1:] for k in range(n))
        if not contiguous:
            return None
        offset, stride = 0, 1
        for s, size in zip(reversed(self.start), reversed(self.shape)):
            offset += s * stride
            stride *= size
        count = 1
        for e in self.extent:
            count *= e
        return offset, count

    def to_json(self) -> List[List[int]]:
        """``[start, extent]`` lists, for a JSON plan."""
        return [list(self.start), list(self.extent)]


def view_box(base_shape: Sequence[int], view_shape: Sequence[int], view_stride: Sequence[int],
             offset: int) -> Optional[Box]:
    """The box of a C-contiguous tensor of ``base_shape`` that a strided view covers, or None.

    A view made by integer indexing and step-1 slicing (``w[3]``, ``w[:, 2:5]``)
    is a box; a transposed, strided or reshaped view is not.
    """
    base_stride = [1] * len(base_shape)
    for i in range(len(base_shape) - 2, -1, -1):
        base_stride[i] = base_stride[i + 1] * base_shape[i + 1]
    start = [0] * len(base_shape)
    extent = [1] * len(base_shape)
    rest = offset
    for i, s in enumerate(base_stride):
        start[i], rest = divmod(rest, s) if s else (0, rest)
    if rest:
        return None
    # axes of length 1 select nothing; every other view axis must be a base axis
    # (in order, with the base's stride), which the view then covers from start
    axes = [(n, st) for n, st in zip(view_shape, view_stride) if n != 1]
    i = 0
    for n, st in axes:
        while i < len(base_shape) and base_stride[i] != st:
            i += 1
        if i == len(base_shape) or base_shape[i] == 1:
            return None
        extent[i] = n
        i += 1
    box = Box(base_shape, start, extent)
    if any(s + e > n for s, e, n in zip(box.start, box.extent, base_shape)):
        return None
    return box


def row_windows(shape: Sequence[int], max_elements: int) -> Iterator[Box]:
    """Boxes of at most ``max_elements`` that tile the tensor in flat C order, each contiguous.

    Whole trailing sub-blocks are taken together; only when one row of the
    innermost axes is longer than ``max_elements`` is that axis cut.
    """
    shape = tuple(shape)
    if not shape:
        yield Box((), (), ())
        return
    # axis k is the one cut: the product of the axes after it fits in a window
    inner = 1
    k = len(shape) - 1
    while k > 0 and inner * shape[k] <= max_elements:
        inner *= shape[k]
        k -= 1
    if inner * shape[k] <= max_elements:
        inner *= shape[k]
        k -= 1
    if k < 0:
        yield Box.whole(shape)
        return
    step = max(1, max_elements // inner)
    outer = shape[:k]
    total_outer = 1
    for n in outer:
        total_outer *= n
    for flat in range(total_outer):
        index = []
        rest = flat
        for n in reversed(outer):
            rest, i = divmod(rest, n)
            index.append(i)
        index.reverse()
        for lo in range(0, shape[k], step):
            hi = min(shape[k], lo + step)
            yield Box(shape, tuple(index) + (lo,) + (0,) * (len(shape) - k - 1),
                      (1,) * k + (hi - lo,) + shape[k + 1:])
