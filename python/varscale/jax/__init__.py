"""``jax.nn.initializers`` drop-ins whose samples come from varscale.

Every factory has the name, signature, defaults and semantics of its
``jax.nn.initializers`` namesake and returns an initialiser
``init(key, shape, dtype=None, out_sharding=None)`` (JAX's ``Initializer``
protocol). The samples are drawn on the host by varscale's counter-based
generator and handed to JAX:

* eagerly, as a NumPy array put on the default device;
* under ``jax.jit`` (``model.init`` of Flax), through ``jax.pure_callback``
  with the key's bits as the operand, so the host sees concrete bits;
* with ``out_sharding``, through ``jax.make_array_from_callback``: each
  addressable device's shard is generated alone with varscale's ``region=``,
  so the full array never exists on one device (under ``jax.jit``, inside
  ``jax.shard_map``: each shard's callback generates its own region).

All three give the same bits.

Key mapping
-----------
The key's data, as ``uint32`` words ``w`` (``jax.random.key_data`` for
typed keys, the raw ``uint32[2]`` of legacy ``PRNGKey``), give varscale's
``seed = w[0] * 2**32 + w[1]`` and ``stream = w[2] * 2**32 + w[3]`` (0 for
two-word keys such as the default threefry). ``jax.random.key(42)`` has the
words ``[0, 42]``: it gives the array of ``seed=42, stream=0`` in varscale's
NumPy API. Equal keys give equal arrays; keys from ``jax.random.split`` have
different words, hence independent generator keys.

Differences from JAX: the numbers differ (another generator); negative or
zero ``scale`` raises ValueError (JAX returns NaN); complex dtypes raise
ValueError (use ``jax.nn.initializers``); the distribution parameters are
computed in float64, not rounded to ``dtype`` first; ``uniform`` bounds are
closed. ``zeros``, ``ones`` and ``constant`` are JAX's own (they draw nothing).
"""


from jax.nn.initializers import constant, ones, zeros

from ._adapter import Initializer, key_to_seed_stream
from ._factories import (
    delta_orthogonal,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    kaiming_normal,
    kaiming_uniform,
    lecun_normal,
    lecun_uniform,
    normal,
    orthogonal,
    truncated_normal,
    uniform,
    variance_scaling,
    xavier_normal,
    xavier_uniform,
)

__all__ = [
    "Initializer",
    "constant",
    "delta_orthogonal",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "kaiming_normal",
    "kaiming_uniform",
    "key_to_seed_stream",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "ones",
    "orthogonal",
    "truncated_normal",
    "uniform",
    "variance_scaling",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]
