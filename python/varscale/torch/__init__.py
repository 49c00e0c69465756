"""varscale for torch: ``torch.nn.init`` drop-ins, ``init_module``, and how tensors are written.

>>> import torch
>>> import varscale.torch as vinit
>>> w = torch.empty(256, 128)
>>> vinit.kaiming_uniform_(w, nonlinearity="relu", seed=0)   # same name and arguments as torch.nn.init
>>> model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
>>> vinit.init_module(model, seed=0)                          # torch's default init, reproducibly

The functions have ``torch.nn.init``'s names, positional arguments and
defaults, plus keyword-only ``seed=None, stream=0``, and follow its fan
convention (``_calculate_fan_in_and_fan_out``: weight ``(out, in, *k)``)
and its messages for tensors with fewer than 2 dimensions.

Where the numbers come from
---------------------------
``seed`` given
    Element ``i`` (flat, row-major) is the pure function of
    ``(seed, stream, i)`` that the NumPy API gives: ``vinit.normal_(t,
    seed=1)`` equals ``varscale.normal(t.shape, seed=1)``, for any thread
    count, dtype rounding aside (float16/bfloat16 are the float32 samples
    rounded).
``generator`` given (torch's argument)
    A 64-bit seed is *drawn* from the ``torch.Generator`` (two 32-bit
    ``torch.randint`` draws), advancing it as any torch sampling would: a
    generator in a given state always gives the same values, and two calls
    with one generator give different tensors, as in torch. (Its
    ``initial_seed()`` would not do: it never changes, so every call would
    repeat the same numbers.)
neither
    The seed is drawn in the same way from torch's default CPU generator,
    so ``torch.manual_seed`` makes the results reproducible, as it does for
    ``torch.nn.init``. ``seed`` and ``generator`` together are an error.

The values differ from ``torch.nn.init``'s (another generator); the
distributions are the same.

Memory and devices
------------------
A contiguous CPU tensor of dtype float16, bfloat16, float32 or float64 is
written in place through a NumPy view of its memory: no copy, same
``data_ptr()``, ``requires_grad`` parameters included (the write happens
outside autograd, like torch's ``no_grad`` fill, and the tensor's version
counter is bumped so a stale autograd graph still notices). Any other
tensor (CUDA or another device, or non-contiguous) is filled by
**generating on the CPU and copying** (``tensor.copy_``): the values are
bit-identical to the CPU result, but it costs one CPU tensor of the same
size and a transfer. Meta tensors are returned unchanged (they have no
memory) and advance no generator, as in torch. Inference tensors outside
inference mode raise torch's ``RuntimeError``. Other dtypes raise
``TypeError``, except in ``constant_``, ``ones_`` and ``zeros_``, which fall
back to torch's own ``fill_`` (no randomness involved).

Modules
-------
``_dropins``
    the ``torch.nn.init`` drop-ins;
``_modules``
    ``init_module`` and its table of module rules (:func:`register_rule`);
``_writer``
    the one in-place-or-copy writer, shared with ``varscale.dtensor``;
``_sparse``
    the :func:`sparse_` drop-in;
``_fast_init``
    :func:`fast_init`: any model built with its own init code on varscale
    (also ``init_module``'s path for transformers models and modules
    without a rule);
``_materialize``
    :func:`materialize`: a model built on the meta device made real;
``_captured``
    where model code holds torch.nn.init functions (patched by
    ``_fast_init`` and ``_checkpoint``);
``_checkpoint``
    :func:`plan_init` and :class:`InitPlan`: a model's initialisation
    recorded on the meta device, and seed checkpoints written from it.

Whole models (``fast_init``, Hugging Face, the meta device): ``docs/models.md``.
"""

from .._extras import missing

try:
    import torch  # noqa: F401  (checked first, for a clear error when it is missing)
except ImportError as e:
    raise missing("torch", "torch", "torch", e) from e

from .._conv import conv_fans
from .._gain import calculate_gain
from ._checkpoint.ops import PlanError
from ._checkpoint.plan import InitPlan, plan_init
from ._dropins import (
    constant_,
    dirac_,
    eye_,
    kaiming_normal_,
    kaiming_uniform_,
    lecun_normal_,
    lecun_uniform_,
    normal_,
    ones_,
    orthogonal_,
    trunc_normal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)
from ._fast_init.fast_init import fast_init
from ._materialize import materialize
from ._modules import RULES, SCHEMES, ParamRule, Scheme, init_module, param_stream, register_rule
from ._sparse import sparse_

__all__ = [
    "InitPlan",
    "PlanError",
    "RULES",
    "SCHEMES",
    "ParamRule",
    "Scheme",
    "calculate_gain",
    "constant_",
    "conv_fans",
    "dirac_",
    "eye_",
    "fast_init",
    "init_module",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "lecun_uniform_",
    "materialize",
    "normal_",
    "ones_",
    "orthogonal_",
    "param_stream",
    "plan_init",
    "register_rule",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
