"""out_sharding: bit-identical to the unsharded array on 8 virtual CPU devices,
eagerly (make_array_from_callback) and under jit (shard_map), for several meshes
and partition specs.

The cases need ``XLA_FLAGS=--xla_force_host_platform_device_count=8`` before
jax is imported, so ``test_sharded_cases_in_a_subprocess`` reruns this file in
a child process with the flag; in the parent process (fewer devices) the cases
are skipped and the flag never leaks into the rest of the suite.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
import varscale.jax as vj

FLAG = "--xla_force_host_platform_device_count=8"
needs_8 = pytest.mark.skipif(jax.device_count() < 8, reason="runs in the subprocess with 8 virtual devices")


def test_sharded_cases_in_a_subprocess():
    if jax.device_count() >= 8:
        pytest.skip("already in the 8-device process")
    env = dict(os.environ, XLA_FLAGS=(os.environ.get("XLA_FLAGS", "") + " " + FLAG).strip(),
               JAX_PLATFORMS="cpu")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__],
                         check=False, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    # every case ran: only this runner itself is skipped in the child
    assert run.stdout.rstrip().splitlines()[-1].startswith(f"{len(CASES) * len(INITS) + 6} passed, 1 skipped"), \
        run.stdout[-2000:]


INITS = [("he_normal", vj.he_normal()), ("glorot_uniform", vj.glorot_uniform()), ("normal", vj.normal(1.0)),
         ("truncated_normal", vj.truncated_normal(1.0)), ("orthogonal", vj.orthogonal()),
         ("lecun_normal-batch", vj.lecun_normal(batch_axis=0))]
MESHES = [((8,), ("x",)), ((4, 2), ("x", "y")), ((2, 2, 2), ("a", "b", "c"))]


def specs(names):
    P = jax.sharding.PartitionSpec
    if len(names) == 1:
        return [P("x"), P(None, "x"), P(None, None, "x"), P()]
    if len(names) == 2:
        return [P("x", "y"), P("y", "x"), P(None, ("x", "y")), P(("y", "x")), P("x", None, "y")]
    return [P("a", "b", "c"), P(("c", "a"), "b"), P(None, None, ("a", "b", "c")), P("b")]


CASES = [(mesh, names, spec) for mesh, names in MESHES for spec in specs(names)]


@needs_8
@pytest.mark.parametrize("mesh_shape,names,spec", CASES, ids=[f"{m}-{s}" for m, _, s in CASES])
@pytest.mark.parametrize("name,init", INITS, ids=[i[0] for i in INITS])
def test_sharded_equals_unsharded(name, init, mesh_shape, names, spec):
    from jax.sharding import NamedSharding

    mesh = jax.make_mesh(mesh_shape, names)
    sharding = NamedSharding(mesh, spec)
    key, shape = jax.random.key(123), (16, 24, 40)
    whole = np.asarray(init(key, shape))
    eager = init(key, shape, out_sharding=sharding)
    jitted = jax.jit(lambda k: init(k, shape, out_sharding=sharding))(key)
    for out in (eager, jitted):
        assert out.sharding.is_equivalent_to(sharding, len(shape))
        assert np.array_equal(np.asarray(out), whole)
    # each device holds exactly its region
    for shard in eager.addressable_shards:
        assert np.array_equal(np.asarray(shard.data), whole[shard.index])


@needs_8
def test_partition_spec_takes_the_mesh_of_set_mesh():
    mesh = jax.make_mesh((4, 2), ("x", "y"))
    key = jax.random.key(1)
    with jax.set_mesh(mesh):
        out = vj.he_uniform()(key, (64, 32), out_sharding=jax.sharding.PartitionSpec("x", "y"))
    assert out.sharding.mesh.shape == mesh.shape
    assert np.array_equal(np.asarray(out), np.asarray(vj.he_uniform()(key, (64, 32))))


@needs_8
def test_partition_spec_without_mesh_is_refused():
    with pytest.raises(ValueError, match="mesh"):
        vj.he_uniform()(jax.random.key(0), (64, 32), out_sharding=jax.sharding.PartitionSpec("x"))


@needs_8
def test_bfloat16_sharded():
    import jax.numpy as jnp
    from jax.sharding import NamedSharding, PartitionSpec

    sharding = NamedSharding(jax.make_mesh((8,), ("x",)), PartitionSpec(None, "x"))
    key = jax.random.key(3)
    out = vj.glorot_normal()(key, (24, 64), jnp.bfloat16, out_sharding=sharding)
    whole = vj.glorot_normal()(key, (24, 64), jnp.bfloat16)
    assert out.dtype == jnp.bfloat16
    assert np.array_equal(np.asarray(out).view(np.uint16), np.asarray(whole).view(np.uint16))


@needs_8
@pytest.mark.parametrize("spec", [("x",), (), (None, "x")], ids=["rows", "replicated", "columns"])
def test_eager_shards_alias_one_host_allocation(spec):
    """Zero copy: each device aliases its own aligned segment of one arena
    (consecutive segments, no two devices on the same memory)."""
    from jax.sharding import NamedSharding, PartitionSpec
    from varscale.jax._adapter import ALIGNMENT

    sharding = NamedSharding(jax.make_mesh((8,), ("x",)), PartitionSpec(*spec))
    out = vj.he_normal()(jax.random.key(0), (64, 48), out_sharding=sharding)
    pointers = sorted(s.data.unsafe_buffer_pointer() for s in out.addressable_shards)
    segment = -(-out.addressable_shards[0].data.nbytes // ALIGNMENT) * ALIGNMENT
    assert [b - a for a, b in zip(pointers, pointers[1:])] == [segment] * 7
