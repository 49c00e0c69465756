"""``InitPlan``: a model's initialisation as a pure description, and what can be made from it.

A plan lists, per parameter and persistent buffer (by qualified name), its
shape, dtype, stream and resolved operations. Every random value is a pure
function of (seed, stream of the name, operation, element index), so any
tensor, or any part of one, is made alone and equals the same part of the
whole: on another machine, in another process layout, or in a file.
"""

from __future__ import annotations

import json
import os
import secrets
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from ..._backend import fill_many
from ..._checks import FLOAT8_DTYPES, as_region
from .._modules import param_stream
from .._writer import DTYPE_NAMES
from .boxes import Box, Region
from .ops import apply_partial, as_numpy, batch_dist, computed_values, fill_box, resolve, tensor_box
from .record import record_build, storage_key
from .safetensors_writer import Progress, TensorToWrite, write_checkpoint

FORMAT = "varscale.InitPlan/1"
# dtypes the core's batched path fills (float8 is drawn in the Python layer)
_BATCHED_DTYPES = tuple(t for t, name in DTYPE_NAMES.items() if name not in FLOAT8_DTYPES)
_DTYPE_NAMES = DTYPE_NAMES


def _stream(name: str) -> int:
    return param_stream(name)


def _torch_dtype(name: Any) -> torch.dtype:
    if isinstance(name, torch.dtype):
        return name
    dtype = getattr(torch, str(name).removeprefix("torch."), None)
    if not isinstance(dtype, torch.dtype) or dtype not in _DTYPE_NAMES:
        raise ValueError(f"dtype={name!r} is not supported; use one of {sorted(_DTYPE_NAMES.values())}")
    return dtype


class InitPlan:
    """What a model's own init code asks for each parameter and persistent buffer, keyed by name.

    Made by :func:`varscale.torch.plan_init`; JSON-serialisable with
    :meth:`to_json` / :meth:`from_json`.

    Attributes
    ----------
    seed : int
        Seed of every random tensor.
    entries : dict
        Per primary name: ``shape``, ``dtype``, ``kind`` ("parameter" or
        "buffer"), ``stream``, ``aliases`` (tied names), ``base`` and ``partial``
        (resolved operations).
    """

    def __init__(self, seed: int, entries: Dict[str, Dict[str, Any]],
                 build: Optional[Callable[[], nn.Module]] = None) -> None:
        self.seed = seed
        self.entries = entries
        self._build = build

    # ------------------------------------------------------------ description
    @property
    def names(self) -> List[str]:
        """Primary names of the parameters and persistent buffers, in the model's order."""
        return list(self.entries)

    def _entry(self, name: str) -> Dict[str, Any]:
        entry = self.entries.get(name)
        if entry is None:
            for e in self.entries.values():
                if name in e["aliases"]:
                    return e
            raise KeyError(f"{name!r} is not a parameter or persistent buffer of this plan; see InitPlan.names")
        return entry

    def to_json(self) -> str:
        """The plan as a JSON string (without the build callable).

        Returns
        -------
        str
            Text that :meth:`from_json` reads back.
        """
        return json.dumps({"format": FORMAT, "seed": self.seed, "entries": self.entries})

    @classmethod
    def from_json(cls, text: str, build: Optional[Callable[[], nn.Module]] = None) -> InitPlan:
        """A plan from :meth:`to_json`'s output.

        Parameters
        ----------
        text : str
            The JSON text.
        build : callable, optional
            The model's builder; needed only by :meth:`materialize`.

        Returns
        -------
        InitPlan
        """
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"not a varscale plan (format {data.get('format')!r}, expected {FORMAT!r})")
        return cls(int(data["seed"]), data["entries"], build)

    # ------------------------------------------------------------ values
    def tensor(self, name: str, region: Optional[Region] = None, dtype: Any = None) -> torch.Tensor:
        """A new CPU tensor of parameter ``name``, or of ``full[region]``, bit-identical to that part of the whole.

        Parameters
        ----------
        name : str
            Qualified name (a tied alias works too).
        region : tuple of int/slice, optional
            Step-1 slices and integers, as NumPy indexing; None for the whole tensor.
        dtype : torch.dtype or str, optional
            Element type; default the parameter's own.

        Returns
        -------
        torch.Tensor
        """
        e = self._entry(name)
        shape = tuple(e["shape"])
        box = Box.from_region(shape, region)
        target = _torch_dtype(dtype) if dtype is not None else getattr(torch, e["dtype"])
        out = tensor_box(shape, target, e["base"], e["partial"], self.seed, e["stream"], box)
        return out.reshape(shape if region is None else as_region(shape, region).shape)

    def fill_(self, name: str, tensor: torch.Tensor, region: Optional[Region] = None) -> torch.Tensor:
        """Fill ``tensor`` with ``full[region]`` of parameter ``name`` (a DTensor: its local shard).

        Parameters
        ----------
        name : str
            Qualified name.
        tensor : torch.Tensor
            A CPU tensor holding the region (Megatron style), or a DTensor
            whose local shard is filled (its region comes from its placements).
        region : tuple of int/slice, optional
            The part ``tensor`` holds; None for the whole (ignored for DTensors).

        Returns
        -------
        torch.Tensor
            ``tensor``.
        """
        e = self._entry(name)
        shape = tuple(e["shape"])
        local = tensor
        if hasattr(tensor, "to_local") and hasattr(tensor, "placements"):
            from ...dtensor import shard_region

            local = tensor.to_local()
            region, _ = shard_region(tensor)
            if region is None:
                return tensor  # this rank holds no elements
        box = Box.from_region(shape, region)
        values = tensor_box(shape, local.dtype, e["base"], e["partial"], self.seed, e["stream"], box)
        with torch.no_grad():
            local.copy_(values.reshape(local.shape))
        return tensor

    def materialize(self, build: Optional[Callable[[], nn.Module]] = None) -> nn.Module:
        """The real CPU model, every parameter filled from the plan, tied weights tied.

        Parameters
        ----------
        build : callable, optional
            The model's builder; default the one given to ``plan_init``.

        Returns
        -------
        torch.nn.Module
        """
        build = build or self._build
        if build is None:
            raise ValueError("this plan was loaded from JSON: pass the model's build callable to materialize(build)")
        model, _ = record_build(build)
        new: Dict[int, nn.Parameter] = {}
        batched: List[Tuple[torch.Tensor, Dict[str, Any], Any]] = []
        for module_name, module in model.named_modules():
            for pname, p in list(module._parameters.items()):
                if p is None:
                    continue
                key = storage_key(p)
                if key not in new:
                    qual = f"{module_name}.{pname}" if module_name else pname
                    e = self._entry(qual)
                    dist = batch_dist(e["base"]) if p.dtype in _BATCHED_DTYPES else None
                    if dist is not None:
                        values = torch.empty(tuple(e["shape"]), dtype=p.dtype)  # filled below, in one call
                        batched.append((values, e, dist))
                    else:
                        values = self.tensor(qual, dtype=p.dtype)
                    new[key] = nn.Parameter(values, requires_grad=p.requires_grad)
                module._parameters[pname] = new[key]
        # the random tensors in one call of the core: one GIL release, parallel across tensors
        fill_many([(as_numpy(t), dist, self.seed, e["stream"]) for t, e, dist in batched])
        for t, e, _ in batched:
            apply_partial(as_numpy(t), tuple(e["shape"]), e["partial"])
        return model

    # ------------------------------------------------------------ files
    def _to_write(self, dtype: Optional[torch.dtype]) -> Iterator[TensorToWrite]:
        for name, e in self.entries.items():
            shape = tuple(e["shape"])
            own = getattr(torch, e["dtype"])
            target = dtype if dtype is not None and own.is_floating_point and e["kind"] == "parameter" else own
            if target not in _DTYPE_NAMES:
                # integer or bool buffers: small, written from their values
                values = self.tensor(name)
                yield TensorToWrite(name, shape, str(own).removeprefix("torch."), _copy_fill(values))
                continue
            yield TensorToWrite(name, shape, _DTYPE_NAMES[target], _window_fill(shape, e, self.seed))

    def nbytes(self, dtype: Any = None) -> int:
        """Bytes of tensor data :meth:`save_safetensors` writes with this ``dtype``.

        Parameters
        ----------
        dtype : torch.dtype or str, optional
            As in :meth:`save_safetensors`.

        Returns
        -------
        int
        """
        target = _torch_dtype(dtype) if dtype is not None else None
        return sum(t.nbytes for t in self._to_write(target))

    def save_safetensors(self, directory: Union[str, os.PathLike[str]], max_shard_size: Union[int, str] = "5GB",
                         dtype: Any = None, progress: Optional[Progress] = None,
                         extra_files: Sequence[Tuple[str, bytes]] = ()) -> List[str]:
        """Write the model's initial weights as a Hugging Face safetensors checkpoint, in bounded memory.

        Parameters
        ----------
        directory : str or path
            Existing directory.
        max_shard_size : int or str, default "5GB"
            ``model.safetensors``, or shards ``model-0000k-of-0000n.safetensors``
            plus ``model.safetensors.index.json`` above this size.
        dtype : torch.dtype or str, optional
            Element type of the floating parameters (float32, bfloat16,
            float16, float8_e4m3fn, float8_e5m2); default each one's own.
        progress : callable, optional
            Called with the bytes written after each window.
        extra_files : sequence of (name, bytes)
            Small files committed with the weights (e.g. ``config.json``).

        Returns
        -------
        list of str
            Names of the files written.
        """
        target = _torch_dtype(dtype) if dtype is not None else None
        return write_checkpoint(os.fspath(directory), list(self._to_write(target)), max_shard_size,
                                progress=progress, extra_files=extra_files)


def _window_fill(shape: Tuple[int, ...], e: Dict[str, Any], seed: int) -> Callable[[Any, Box], None]:
    # orthogonal, literal, eye and dirac values come whole: computed once per tensor, sliced per window
    whole: List[torch.Tensor] = []

    def fill(out: Any, box: Box) -> None:
        if batch_dist(e["base"]) is None and not whole:
            whole.append(computed_values(e["base"], shape, seed, e["stream"]))
        fill_box(out, shape, box, e["base"], e["partial"], seed, e["stream"], whole[0] if whole else None)

    return fill


def _copy_fill(values: torch.Tensor) -> Callable[[Any, Box], None]:
    def fill(out: Any, box: Box) -> None:
        out[...] = as_numpy(values[box.region()].contiguous()).reshape(-1)

    return fill


def plan_init(build: Callable[[], nn.Module], seed: Optional[int] = None) -> InitPlan:
    """Record a model's initialisation on the meta device, keyed by qualified name.

    Parameters
    ----------
    build : callable
        Zero-argument callable that constructs the ``nn.Module`` (for a
        Hugging Face model: ``lambda: AutoModelForCausalLM.from_config(cfg)``).
        It runs with every parameter on the meta device: no parameter memory.
    seed : int, optional
        Seed of every random tensor; None draws one (kept in the plan).

    Returns
    -------
    InitPlan

    Raises
    ------
    varscale.torch.PlanError
        Naming the parameter and the operation, when the model's init code
        writes a parameter in a way a plan cannot reproduce exactly.
    """
    if seed is None:
        seed = secrets.randbits(64)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an int in [0, 2**64), got {seed!r}")
    model, rec = record_build(build)
    entries: Dict[str, Dict[str, Any]] = {}
    primary: Dict[int, str] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        key = storage_key(p)
        if key in primary:
            entries[primary[key]]["aliases"].append(name)
            continue
        primary[key] = name
        base, partial = resolve(name, rec.ops.get(key, []))
        entries[name] = {"kind": "parameter", "shape": list(p.shape), "dtype": str(p.dtype).removeprefix("torch."),
                         "stream": _stream(name), "aliases": [], "base": base, "partial": partial}
    from .ops import literal_op

    for module_name, module in model.named_modules():
        for bname, b in module._buffers.items():
            if b is None or bname in module._non_persistent_buffers_set:
                continue
            name = f"{module_name}.{bname}" if module_name else bname
            entries[name] = {"kind": "buffer", "shape": list(b.shape), "dtype": str(b.dtype).removeprefix("torch."),
                             "stream": 0, "aliases": [], "base": literal_op(b), "partial": []}
    return InitPlan(seed, entries, build)
