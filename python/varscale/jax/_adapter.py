"""The bridge from varscale's host-side generation to JAX arrays: keys, dtype and
shape checks, the eager, jitted and sharded paths (see :mod:`varscale.jax`)."""

from __future__ import annotations

import math
import mmap
import operator
from collections.abc import Sequence
from typing import Any, Callable, Protocol, cast

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import FRAMEWORK_DTYPES, as_region

Shape = tuple[int, ...]
#: Host-side writer of ``full[region]`` (``region=None``: the whole tensor) into
#: ``out``: ``draw(seed, stream, region, out)``.
Draw = Callable[[int, int, Any, np.ndarray], None]
#: Builds the host-side generator for a (full shape, NumPy dtype name).
Planner = Callable[[Shape, str], Draw]


class Initializer(Protocol):
    """JAX's initialiser protocol: ``init(key, shape, dtype=None, out_sharding=None) -> jax.Array``."""

    def __call__(self, key: Any, shape: Sequence[int], dtype: Any = None,
                 out_sharding: Any = None) -> jax.Array: ...


# ------------------------------------------------------------------ keys


def _key_words(key: Any) -> jax.Array:
    """The key's uint32 words (traceable); TypeError for anything not a key, as JAX."""
    if isinstance(key, (jax.Array, np.ndarray)) or hasattr(key, "dtype"):
        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
            if key.ndim != 0:
                raise TypeError(f"expected a single PRNG key, got a key array of shape {key.shape}")
            words = jax.random.key_data(key)
        else:
            words = jnp.asarray(key)
            if words.dtype != jnp.uint32 or words.shape not in ((2,), (4,)):
                raise TypeError("JAX encountered invalid PRNG key data: expected a typed key "
                                "(jax.random.key) or a legacy uint32[2] key (jax.random.PRNGKey), "
                                f"got dtype {words.dtype} and shape {words.shape}")
        return words.reshape(-1)
    raise TypeError(f"expected a PRNG key (jax.random.key or jax.random.PRNGKey), got {type(key).__name__}")


def key_to_seed_stream(words: Any) -> tuple[int, int]:
    """varscale's ``(seed, stream)`` from a key's uint32 words.

    Parameters
    ----------
    words : array of 2 or 4 uint32, or a JAX key (concrete, not traced)
        ``jax.random.key_data(key)``, a legacy ``PRNGKey``, or the key itself.

    Returns
    -------
    (seed, stream) : tuple of int
        ``seed = w[0] * 2**32 + w[1]``; ``stream = w[2] * 2**32 + w[3]``
        for four-word keys (rbg), else 0.

    Examples
    --------
    >>> key_to_seed_stream(jax.random.key(42))
    (42, 0)
    """
    if not isinstance(words, np.ndarray):
        words = np.asarray(_key_words(words))
    w = [int(x) for x in np.asarray(words, dtype=np.uint32).reshape(-1)]
    if len(w) not in (2, 4):
        raise TypeError(f"a key has 2 or 4 uint32 words, got {len(w)}")
    stream = (w[2] << 32) | w[3] if len(w) == 4 else 0
    return (w[0] << 32) | w[1], stream


# ------------------------------------------------------------------ checks


def as_shape(shape: Any) -> Shape:
    """JAX's shape rules: a sequence of integers (TypeError), none negative (ValueError)."""
    try:
        dims = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got {shape}.") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {dims} has a negative dimension")
    return dims


def _as_dtype(dtype: Any, what: str) -> np.dtype[Any]:
    """The canonical JAX dtype (float64 -> float32 without x64, as JAX), checked."""
    dt = jnp.dtype(jnp.float_ if dtype is None else dtype)  # TypeError for a bogus name, as JAX
    dt = np.dtype(jax.dtypes.canonicalize_dtype(dt))
    if jnp.issubdtype(dt, jnp.complexfloating):
        raise ValueError(f"dtype {dt.name} is complex; varscale.jax.{what} draws real floats only "
                         f"(jax.nn.initializers.{what} supports complex)")
    if dt.name not in FRAMEWORK_DTYPES:
        raise ValueError(f"dtype argument to `{what}` must be a float dtype "
                         f"({', '.join(FRAMEWORK_DTYPES)}), got {dt.name}")
    return dt


def positive(name: str, value: Any) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r} "
                         "(jax.nn.initializers would return NaN)")
    return v


def _resolve_sharding(out_sharding: Any) -> jax.sharding.Sharding:
    """A concrete sharding; a bare PartitionSpec takes the mesh of ``jax.set_mesh``."""
    if isinstance(out_sharding, jax.sharding.PartitionSpec):
        mesh = jax.sharding.get_mesh()
        if mesh.empty:
            raise ValueError(f"out_sharding={out_sharding} is a PartitionSpec but no mesh is set; "
                             "pass a NamedSharding or call jax.set_mesh(mesh)")
        return jax.sharding.NamedSharding(mesh, out_sharding)
    if isinstance(out_sharding, jax.sharding.Sharding):
        return out_sharding
    raise TypeError(f"out_sharding must be a jax.sharding.Sharding or PartitionSpec, got {out_sharding!r}")


#: Alignment of host buffers: XLA's CPU client aliases (does not copy) a NumPy
#: array this aligned in ``device_put``. Measured on 256 MiB float32: 0.29 s
#: to copy an unaligned array, 5e-5 s for an aligned one.
ALIGNMENT = 64


#: Above this size host buffers are anonymous mappings advised to use huge pages: first-touch page
#: faults then cost a 512th of their 4 KiB count (as varscale's own fresh arrays, rust/buffer.rs).
HUGE_BYTES = 4 << 20


def aligned_empty(shape: Shape, dtype: np.dtype[Any]) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on an ``ALIGNMENT``-byte boundary."""
    count = math.prod(shape)
    nbytes = count * dtype.itemsize
    if nbytes >= HUGE_BYTES:
        # private, page-aligned; the array keeps the mapping alive (its base). Not
        # mmap's default MAP_SHARED: shared anonymous memory is shmem, whose
        # faults cost 1.3-1.6x more here and which MADV_HUGEPAGE does not reach
        # (measured: 256 MiB of normal_ 120-150 ms shared, 37-64 ms private)
        private = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)
        region = mmap.mmap(-1, nbytes, flags=private) if private else mmap.mmap(-1, nbytes)
        if hasattr(mmap, "MADV_HUGEPAGE"):
            region.madvise(mmap.MADV_HUGEPAGE)
        return np.frombuffer(region, dtype=dtype, count=count).reshape(shape)
    raw = np.empty(count * dtype.itemsize + ALIGNMENT, dtype=np.uint8)
    start = -raw.ctypes.data % ALIGNMENT
    return raw[start:start + count * dtype.itemsize].view(dtype).reshape(shape)


def region_draw(fill_: Callable[..., Any], dims: Shape, *params: float) -> Draw:
    """A draw that writes ``full[region]`` into ``out`` with ``fill_(out, *params, ...)``."""

    def draw(seed: int, stream: int, region: Any, out: np.ndarray) -> None:
        place: dict[str, Any] = {} if region is None else {"region": region, "full_shape": dims}
        fill_(out, *params, seed=seed, stream=stream, **place)

    return draw


# ------------------------------------------------------------------ the one initialiser


def make_initializer(plan: Planner, what: str, default_dtype: Any) -> Initializer:
    """Wrap a host-side planner as ``init(key, shape, dtype, out_sharding)``."""

    def init(key: Any, shape: Sequence[int], dtype: Any = default_dtype,
             out_sharding: Any = None) -> jax.Array:
        dims = as_shape(shape)
        dt = _as_dtype(dtype, what)
        draw = plan(dims, dt.name)  # checks fans and parameters, eagerly also under jit
        words = _key_words(key)
        sharding = None if out_sharding is None else _resolve_sharding(out_sharding)
        if math.prod(dims) == 0:  # varscale refuses zero-size shapes; JAX returns them empty
            return jnp.zeros(dims, dt, device=sharding)

        def host(w: np.ndarray, region: Any = None) -> np.ndarray:
            out = aligned_empty(dims if region is None else as_region(dims, region).shape, dt)
            draw(*key_to_seed_stream(np.asarray(w)), region, out)
            return out

        if isinstance(words, jax.core.Tracer):
            return _traced(host, words, dims, dt, sharding)
        concrete = np.asarray(words)
        if sharding is None:
            # the host buffer is ALIGNMENT-aligned, so the CPU client aliases it (no copy)
            return cast(jax.Array, jax.device_put(host(concrete)))
        return _from_one_arena(draw, key_to_seed_stream(concrete), dims, dt, sharding)

    init.__doc__ = f"Draw a varscale array for ``{what}``: ``init(key, shape, dtype=None, out_sharding=None)``."
    return init


def _from_one_arena(draw: Draw, seed_stream: tuple[int, int], dims: Shape, dt: np.dtype[Any],
                    sharding: jax.sharding.Sharding) -> jax.Array:
    """Eagerly: every addressable device's shard written into its own aligned
    segment of one host allocation, which that device then aliases.

    One allocation, not one per shard, so a sharded array costs the same fresh
    memory as the unsharded one (one mapping, one huge-page advice). Measured
    on 256 MiB over 8 devices, shuffled round-robin: one buffer per shard
    22-157 ms, one arena 23-43 ms (benches/README.md). Devices holding the same
    index (replication) get separate segments: no two devices share memory.
    """
    placements = [(device, index, as_region(dims, index).shape)
                  for device, index in sharding.addressable_devices_indices_map(dims).items()]
    step = max(1, ALIGNMENT // dt.itemsize)  # segment starts stay ALIGNMENT-aligned
    starts, total = [], 0
    for _, _, shape in placements:
        starts.append(total)
        total += -(-math.prod(shape) // step) * step
    arena = aligned_empty((total,), dt)
    shards = []
    for (device, index, shape), start in zip(placements, starts):
        out = arena[start:start + math.prod(shape)].reshape(shape)
        draw(*seed_stream, index, out)
        shards.append(jax.device_put(out, device))
    return jax.make_array_from_single_device_arrays(dims, sharding, shards)


def _traced(host: Callable[..., np.ndarray], words: jax.Array, dims: Shape, dt: np.dtype[Any],
            sharding: jax.sharding.Sharding | None) -> jax.Array:
    """Under a trace: one host callback, or one per shard inside ``shard_map``."""
    whole = _struct(dims, dt)
    if sharding is None:
        return cast(jax.Array, jax.pure_callback(host, whole, words, vmap_method="sequential"))
    return _traced_sharded(host, words, dims, dt, sharding)


def _traced_sharded(host: Callable[..., np.ndarray], words: jax.Array, dims: Shape, dt: np.dtype[Any],
                    sharding: jax.sharding.Sharding) -> jax.Array:
    """Each shard's callback generates its own region: the offsets come from ``axis_index``."""
    from jax.sharding import NamedSharding, PartitionSpec

    if not isinstance(sharding, NamedSharding):
        # no per-shard program to write: one callback, then JAX distributes it
        out = jax.pure_callback(host, _struct(dims, dt), words, vmap_method="sequential")
        constrained = jax.lax.with_sharding_constraint(out, sharding)  # type: ignore[no-untyped-call]
        return cast(jax.Array, constrained)
    mesh, spec = sharding.mesh, sharding.spec
    local = sharding.shard_shape(dims)

    def per_shard(w: jax.Array) -> jax.Array:
        starts = []
        for axis, size in enumerate(local):
            names = _axis_names(spec, axis)
            index = jnp.zeros((), jnp.int32)  # a dimension is far below 2**31
            for name in names:  # row-major over the mesh axes that split this dimension
                index = index * mesh.shape[name] + jax.lax.axis_index(name)
            starts.append(index * size)

        def host_region(w_: np.ndarray, *s: np.ndarray) -> np.ndarray:
            region = tuple(slice(int(a), int(a) + n) for a, n in zip(s, local))
            return host(w_, region)

        return cast(jax.Array, jax.pure_callback(host_region, _struct(local, dt), w, *starts,
                                                 vmap_method="sequential"))

    replicated = PartitionSpec()  # type: ignore[no-untyped-call]
    return jax.shard_map(per_shard, mesh=mesh, in_specs=replicated, out_specs=spec)(words)


def _struct(dims: Shape, dt: np.dtype[Any]) -> Any:
    return jax.ShapeDtypeStruct(dims, dt)  # type: ignore[no-untyped-call]


def _axis_names(spec: Any, axis: int) -> tuple[str, ...]:
    entry = spec[axis] if axis < len(spec) else None
    if entry is None:
        return ()
    return tuple(entry) if isinstance(entry, tuple) else (entry,)
