"""Drop-in replacements for ``torch.nn.init``, filled by varscale, and ``init_module``.

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
memory), as torch does. Other dtypes raise ``TypeError``, except in
``constant_``, ``ones_`` and ``zeros_``, which fall back to torch's own
``fill_`` (no randomness involved).
"""

from __future__ import annotations

import hashlib
import math
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar, cast

import numpy as np
import torch
from torch import Tensor, nn

import varscale as _vs  # the public NumPy API (this module is varscale.torch)

from ._conv import conv_fans, torch_fans
from ._gain import calculate_gain
from ._orthogonal import orthogonal_ as _vs_orthogonal_

__all__ = [
    "SCHEMES",
    "calculate_gain",
    "constant_",
    "conv_fans",
    "dirac_",
    "eye_",
    "init_module",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lecun_normal_",
    "lecun_uniform_",
    "normal_",
    "ones_",
    "fast_init",
    "materialize",
    "orthogonal_",
    "param_stream",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)

#: Deterministic, no randomness: torch's own functions are the drop-ins.
eye_ = nn.init.eye_
dirac_ = nn.init.dirac_


# ----------------------------------------------------------------- plumbing


def _check_tensor(tensor: Any, name: str) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name}() expects a torch.Tensor, got {type(tensor).__name__}")


def _draw_seed(generator: Optional[torch.Generator]) -> int:
    """A 64-bit seed from two 32-bit draws of ``generator`` (or torch's default one)."""
    device = generator.device if generator is not None else torch.device("cpu")
    hi, lo = torch.randint(0, 2**32, (2,), dtype=torch.int64, generator=generator, device=device).tolist()
    return (hi << 32) | lo


def _resolve_seed(seed: Optional[int], generator: Optional[torch.Generator]) -> int:
    if generator is not None:
        if seed is not None:
            raise TypeError(f"pass either seed ({seed!r}) or generator, not both")
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        return _draw_seed(generator)
    if seed is None:
        return _draw_seed(None)
    return seed  # checked (type, range) by varscale


_increment_version = getattr(getattr(torch.autograd, "graph", None), "increment_version", None)


def _fill(tensor: Tensor, name: str, write: Callable[[Tensor, int], Any], seed: Optional[int],
          generator: Optional[torch.Generator]) -> Tensor:
    """Run ``write(target, seed)`` on the tensor itself when varscale can fill
    it in place (contiguous CPU), else on a CPU temporary that is copied in."""
    _check_tensor(tensor, name)
    if tensor.dtype not in _FLOAT_DTYPES:
        raise TypeError(f"{name}(): unsupported dtype {tensor.dtype}; varscale fills float16, bfloat16, "
                        "float32 and float64 tensors")
    if tensor.is_meta:
        return tensor  # no memory to fill, and, as in torch, no generator advanced
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        raise RuntimeError(f"{name}(): Inplace update to inference tensor outside InferenceMode is not allowed "
                           "(torch's rule); fill it inside torch.inference_mode() or fill a clone")
    seed_v = _resolve_seed(seed, generator)
    if tensor.device.type == "cpu" and tensor.is_contiguous():
        write(tensor, seed_v)  # through a NumPy view of the tensor's memory: no copy
        if _increment_version is not None and tensor.numel() > 0:
            _increment_version(tensor)  # as an in-place torch op would, for autograd's checks
        return tensor
    # another device, or strided memory NumPy cannot be handed: generate the
    # same values (element i by flat row-major index) on the CPU, then copy
    tmp = torch.empty(tuple(tensor.shape), dtype=tensor.dtype)
    write(tmp, seed_v)
    with torch.no_grad():
        tensor.copy_(tmp)
    return tensor


def _fill_with_gain(tensor: Tensor, name: str, init: Callable[..., Any], gain: float, seed: Optional[int],
                    stream: int, generator: Optional[torch.Generator]) -> Tensor:
    """The Xavier/LeCun drop-ins: torch's fans from the tensor (and torch's
    error below 2-D), an empty tensor returned as is, then the varscale twin
    ``init(target, gain, ...)`` with those fans."""
    fan_in, fan_out = _fans(tensor)
    if tensor.numel() == 0:
        return tensor
    return _fill(tensor, name, lambda t, s: init(t, gain, seed=s, stream=stream, fan_in=fan_in, fan_out=fan_out),
                 seed, generator)


def _fans(tensor: Tensor) -> Tuple[int, int]:
    """torch's ``_calculate_fan_in_and_fan_out`` (and its error for < 2 dims)."""
    return torch_fans(tuple(tensor.shape))


# ------------------------------------------------------------- drop-ins

_TENSOR = """
    Parameters
    ----------
    tensor : torch.Tensor
        float16, bfloat16, float32 or float64, any device and layout (see the
        module docstring for how each is filled)."""

_TAIL = """
    generator : torch.Generator, optional
        torch's argument: a 64-bit seed is drawn from it (advancing it).
        Not together with ``seed``.
    seed : int in [0, 2**64), optional
        varscale's seed: element ``i`` (row-major) is then a pure function of
        ``(seed, stream, i)``. Default: drawn from ``generator``, else from
        torch's default generator (so ``torch.manual_seed`` applies).
    stream : int in [0, 2**64), default 0
        Independent sequence under the same seed (one per tensor).

    Returns
    -------
    torch.Tensor
        ``tensor`` itself, filled in place.

    Raises
    ------
    TypeError
        ``tensor`` is not a tensor or has another dtype; ``seed`` together
        with ``generator``; arguments of the wrong type.
    ValueError
        Invalid parameter values (named in the message); fewer than 2
        dimensions where fans are needed (torch's message).
    """


_F = TypeVar("_F", bound=Callable[..., Any])


def _doc(params: str) -> Callable[[_F], _F]:
    """Append the numpy-style Parameters (tensor, ``params``, the seeding
    arguments), Returns and Raises sections shared by the random drop-ins."""
    def deco(fn: _F) -> _F:
        fn.__doc__ = (fn.__doc__ or "").rstrip() + "\n" + _TENSOR + params + _TAIL
        return fn

    return deco


@_doc('''
    a, b : float, default 0.0 and 1.0
        Bounds, ``a <= b``.''')
def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Optional[torch.Generator] = None, *,
             seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Fill ``tensor`` with ``U(a, b)``, as ``torch.nn.init.uniform_``.

    Values lie in the closed interval ``[a, b]``.
    """
    return _fill(tensor, "uniform_", lambda t, s: _vs.uniform_(t, a, b, seed=s, stream=stream), seed, generator)


@_doc('''
    mean : float, default 0.0
    std : float >= 0, default 1.0''')
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Optional[torch.Generator] = None, *,
            seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Fill ``tensor`` with ``N(mean, std^2)``, as ``torch.nn.init.normal_``.

    Box-Muller transform; see :func:`varscale.normal`.
    """
    return _fill(tensor, "normal_", lambda t, s: _vs.normal_(t, mean, std, seed=s, stream=stream), seed, generator)


@_doc('''
    mean : float, default 0.0
    std : float > 0, default 1.0
    a, b : float, default -2.0 and 2.0
        Absolute bounds, ``a < b``; may be infinite.''')
def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator: Optional[torch.Generator] = None, *, seed: Optional[int] = None,
                  stream: int = 0) -> Tensor:
    """Fill ``tensor`` with ``N(mean, std^2)`` truncated to ``[a, b]``, as ``torch.nn.init.trunc_normal_``.

    ``a`` and ``b`` are absolute bounds, as in torch (not multiples of
    ``std``). Sampled by inversion (no rejection), so the cost does not
    depend on how much mass ``[a, b]`` holds; values never leave ``[a, b]``.
    A ``mean`` more than 2 std outside ``[a, b]`` gets torch's warning; an
    interval more than 8 std away is refused with a ValueError saying why
    (see :func:`_check_trunc_normal_distance`). See ``docs/truncated_normal.md``.
    """
    _check_trunc_normal_distance(mean, std, a, b)
    return _fill(tensor, "trunc_normal_",
                 lambda t, s: _vs.truncated_normal_(t, mean, std, a, b, seed=s, stream=stream), seed, generator)


def _check_trunc_normal_distance(mean: float, std: float, a: float, b: float) -> None:
    """torch's warning beyond 2 std; beyond 8 std a ValueError that says why."""
    if not all(isinstance(v, (int, float)) for v in (mean, std, a, b)) or not std > 0:
        return  # varscale's own checks name the bad value
    distance = max(a - mean, mean - b) / std
    if distance > 2:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=3)  # torch's warning
    if distance > 8:
        raise ValueError(
            f"trunc_normal_(): [a, b] = [{a}, {b}] lies {distance:.3g} std from mean {mean}; varscale samples by "
            "inverting the normal CDF in float64, which has no resolution left beyond 8 std, so it refuses "
            "rather than return values piled on the bound (torch.nn.init.trunc_normal_ accepts this with the "
            "warning that its values may be incorrect). Move mean or std so that [a, b] lies within 8 std, "
            "or call torch.nn.init.trunc_normal_ (inside varscale.torch.fast_init this happens automatically)")


def constant_(tensor: Tensor, val: float, *, seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Fill ``tensor`` with ``val``, as ``torch.nn.init.constant_``.

    Parameters
    ----------
    tensor : torch.Tensor
        Any dtype and device: float16/bfloat16/float32/float64 tensors are
        filled by varscale (in place, parallel; other devices and layouts
        through a CPU temporary), any other dtype by torch's ``fill_``.
    val : float
    seed, stream
        Accepted for a uniform signature, unused.

    Returns
    -------
    torch.Tensor
        ``tensor`` itself.
    """
    _check_tensor(tensor, "constant_")
    if tensor.dtype not in _FLOAT_DTYPES:
        with torch.no_grad():
            return tensor.fill_(val)
    return _fill(tensor, "constant_", lambda t, s: _vs.constant_(t, val), 0, None)


def ones_(tensor: Tensor, *, seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Fill ``tensor`` with 1, as ``torch.nn.init.ones_`` (see :func:`constant_`)."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor, *, seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Fill ``tensor`` with 0, as ``torch.nn.init.zeros_`` (see :func:`constant_`)."""
    return constant_(tensor, 0.0)


@_doc('''
    gain : float >= 0, default 1.0''')
def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Optional[torch.Generator] = None, *,
                    seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Xavier/Glorot uniform, as ``torch.nn.init.xavier_uniform_``.

    ``U(-a, a)`` with ``a = gain * sqrt(6 / (fan_in + fan_out))``, i.e.
    ``Var(w) = gain^2 * 2 / (fan_in + fan_out)``, torch's fans (weight
    ``(out, in, *k)``). Glorot & Bengio (2010).
    """
    return _fill_with_gain(tensor, "xavier_uniform_", _vs.xavier_uniform_, gain, seed, stream, generator)


@_doc('''
    gain : float >= 0, default 1.0''')
def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Optional[torch.Generator] = None, *,
                   seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Xavier/Glorot normal, as ``torch.nn.init.xavier_normal_``.

    ``N(0, std^2)`` with ``std = gain * sqrt(2 / (fan_in + fan_out))``
    (untruncated), torch's fans. Glorot & Bengio (2010).
    """
    return _fill_with_gain(tensor, "xavier_normal_", _vs.xavier_normal_, gain, seed, stream, generator)


def _kaiming(name: str, fill: Callable[..., Any], tensor: Tensor, a: float, mode: str, nonlinearity: str,
             generator: Optional[torch.Generator], seed: Optional[int], stream: int) -> Tensor:
    _check_tensor(tensor, name)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)  # torch's warning
        return tensor
    mode = mode.lower() if isinstance(mode, str) else mode  # torch accepts "FAN_IN"
    fan_in, fan_out = _fans(tensor)
    return _fill(tensor, name, lambda t, s: fill(t, a, mode, nonlinearity, seed=s, stream=stream, fan_in=fan_in,
                                                 fan_out=fan_out), seed, generator)


@_doc('''
    a : float, default 0
        Negative slope of the leaky ReLU (``nonlinearity="leaky_relu"``).
    mode : {"fan_in", "fan_out"}, default "fan_in"
        Any case, as torch. ``fan_in`` keeps the forward variance,
        ``fan_out`` the backward one.
    nonlinearity : str, default "leaky_relu"
        See :func:`calculate_gain`.''')
def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator: Optional[torch.Generator] = None, *, seed: Optional[int] = None,
                     stream: int = 0) -> Tensor:
    """He/Kaiming uniform, as ``torch.nn.init.kaiming_uniform_``.

    ``U(-b, b)`` with ``b = gain * sqrt(3 / fan)``,
    ``gain = calculate_gain(nonlinearity, a)`` and ``fan`` torch's ``fan_in``
    or ``fan_out`` per ``mode``: ``sqrt(6 / fan_in)`` for ReLU.
    ``a=math.sqrt(5)`` (torch's Linear/Conv default) gives
    ``b = 1 / sqrt(fan_in)``. He et al. (2015). A zero-element tensor is
    returned with torch's warning.
    """
    return _kaiming("kaiming_uniform_", _vs.kaiming_uniform_, tensor, a, mode, nonlinearity, generator, seed,
                    stream)


@_doc('''
    a : float, default 0
    mode : {"fan_in", "fan_out"}, default "fan_in"
    nonlinearity : str, default "leaky_relu"
        As :func:`kaiming_uniform_`.''')
def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: Optional[torch.Generator] = None, *, seed: Optional[int] = None,
                    stream: int = 0) -> Tensor:
    """He/Kaiming normal, as ``torch.nn.init.kaiming_normal_``.

    ``N(0, std^2)`` with ``std = gain / sqrt(fan)``: ``sqrt(2 / fan_in)``
    for ReLU. He et al. (2015).
    """
    return _kaiming("kaiming_normal_", _vs.kaiming_normal_, tensor, a, mode, nonlinearity, generator, seed, stream)


@_doc('''
    gain : float >= 0, default 1.0''')
def lecun_uniform_(tensor: Tensor, gain: float = 1.0, generator: Optional[torch.Generator] = None, *,
                   seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """LeCun uniform (not in torch; torch's equivalent is
    ``kaiming_uniform_(w, nonlinearity="linear")``).

    ``U(-b, b)`` with ``b = gain * sqrt(3 / fan_in)``, i.e.
    ``Var(w) = gain^2 / fan_in``, torch's fans. The initialiser of
    self-normalising (SELU) networks (LeCun et al. 1998; Klambauer et al. 2017).
    """
    return _fill_with_gain(tensor, "lecun_uniform_", _vs.lecun_uniform_, gain, seed, stream, generator)


@_doc('''
    gain : float >= 0, default 1.0''')
def lecun_normal_(tensor: Tensor, gain: float = 1.0, generator: Optional[torch.Generator] = None, *,
                  seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """LeCun normal (not in torch; torch's equivalent is
    ``kaiming_normal_(w, nonlinearity="linear")``).

    ``N(0, std^2)`` with ``std = gain / sqrt(fan_in)``, untruncated (JAX's
    ``lecun_normal`` is truncated: ``varscale.variance_scaling``).
    """
    return _fill_with_gain(tensor, "lecun_normal_", _vs.lecun_normal_, gain, seed, stream, generator)


@_doc('''
    gain : float, default 1''')
def orthogonal_(tensor: Tensor, gain: float = 1, generator: Optional[torch.Generator] = None, *,
                seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """(Semi-)orthogonal matrix times ``gain``, as ``torch.nn.init.orthogonal_``.

    Rows ``shape[0]``, columns the rest flattened; ``W W^T = gain^2 I`` or
    ``W^T W = gain^2 I``. The normal matrix comes from varscale, the QR from
    NumPy, in float64 for float64 tensors and float32 otherwise; see
    :func:`varscale.orthogonal`. Saxe et al. (2014).
    """
    _check_tensor(tensor, "orthogonal_")
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    return _fill(tensor, "orthogonal_", lambda t, s: _vs_orthogonal_(t, gain, seed=s, stream=stream), seed,
                 generator)


# ----------------------------------------------------------- init_module

#: ``init_module`` schemes: torch's own defaults, or one variance-scaling
#: initialiser for every Linear/Conv weight.
SCHEMES = ("torch_default", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "lecun_uniform", "lecun_normal", "variance_scaling", "orthogonal")

# keyword arguments each scheme passes on to its varscale initialiser
_SCHEME_KWARGS = {
    "xavier_uniform": ("gain",), "xavier_normal": ("gain",),
    "kaiming_uniform": ("a", "mode", "nonlinearity"), "kaiming_normal": ("a", "mode", "nonlinearity"),
    "lecun_uniform": ("gain",), "lecun_normal": ("gain",),
    "variance_scaling": ("scale", "mode", "distribution"), "orthogonal": ("gain", "compute_dtype"),
}

_STREAM_PERSON = b"varscale.stream"  # blake2b personalisation: keeps these hashes apart from others


def param_stream(name: str) -> int:
    """The stream :func:`init_module` uses for the parameter called ``name``.

    ``int.from_bytes(blake2b(name.encode("utf-8"), digest_size=8,
    person=b"varscale.stream").digest(), "little")``: a stable 64-bit hash
    of the qualified name (``"encoder.layers.0.linear1.weight"``), the same
    in every process and Python version (unlike the salted ``hash()``).
    """
    if not isinstance(name, str):
        raise TypeError(f"parameter name must be a str, got {type(name).__name__}")
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8, person=_STREAM_PERSON).digest()
    return int.from_bytes(digest, "little")


# modules whose reset_parameters sets weight 1 and bias 0 (RMSNorm is new in torch 2.4)
_NORMS = tuple(c for c in (nn.LayerNorm, nn.GroupNorm, getattr(nn, "RMSNorm", None), nn.modules.batchnorm._NormBase)
               if c is not None)

# A rule fills one parameter: rule(tensor, seed, stream).
_Rule = Callable[[Tensor, int, int], Any]


def _uniform_rule(bound: float) -> _Rule:
    return lambda t, seed, stream: uniform_(t, -bound, bound, seed=seed, stream=stream)


def _const_rule(value: float) -> _Rule:
    return lambda t, seed, stream: constant_(t, value)


def _normal_rule(padding_idx: Optional[int]) -> _Rule:
    def rule(t: Tensor, seed: int, stream: int) -> None:
        normal_(t, seed=seed, stream=stream)
        if padding_idx is not None:
            with torch.no_grad():
                t[padding_idx].fill_(0)  # as Embedding._fill_padding_idx_with_zero

    return rule


def _layer_fans(module: nn.Module, fans: str) -> Tuple[int, int]:
    """Fans of a Linear/Conv module's weight, torch's or the correct ones."""
    if fans == "correct" and isinstance(module, nn.modules.conv._ConvNd):
        return conv_fans(module)
    return torch_fans(tuple(cast(Tensor, module.weight).shape))


def _torch_default_weight(module: nn.Module, fans: str) -> Tuple[_Rule, float]:
    """Linear/Conv weight: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in));
    returns the rule and the bias bound 1/sqrt(fan_in) (0 for fan_in 0)."""
    fan_in, fan_out = _layer_fans(module, fans)
    gain = calculate_gain("leaky_relu", math.sqrt(5))  # sqrt(1/3)
    # the same float operations as torch's kaiming_uniform_
    bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in)) if fan_in > 0 else 0.0

    def rule(t: Tensor, seed: int, stream: int) -> None:
        _fill(t, "kaiming_uniform_", lambda x, s: _vs.uniform_(x, -bound, bound, seed=s, stream=stream), seed, None)

    return rule, (1 / math.sqrt(fan_in) if fan_in > 0 else 0.0)


def _scheme_rule(module: nn.Module, scheme: str, fans: str, kwargs: Dict[str, Any]) -> _Rule:
    if scheme == "orthogonal":
        return lambda t, seed, stream: _fill(t, "orthogonal_", lambda x, s: _vs_orthogonal_(
            x, seed=s, stream=stream, **kwargs), seed, None)
    fan_in, fan_out = _layer_fans(module, fans)
    fn = getattr(_vs, scheme + "_")
    return lambda t, seed, stream: _fill(t, scheme + "_", lambda x, s: fn(
        x, seed=s, stream=stream, fan_in=fan_in, fan_out=fan_out, **kwargs), seed, None)


def _rules(module: nn.Module, prefix: str, scheme: str, fans: str,
           kwargs: Dict[str, Any]) -> List[Tuple[str, Tensor, _Rule]]:
    """(qualified name, parameter, rule) for the parameters ``module``'s own
    initialisation sets: its direct ones, and for modules that re-initialise
    their children (MultiheadAttention, Transformer) some of those."""
    p = prefix + "." if prefix else ""
    out: List[Tuple[str, Tensor, _Rule]] = []

    def add(name: str, rule: _Rule) -> None:
        t = getattr(module, name, None)
        if t is not None:
            out.append((p + name, t, rule))

    if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
        if scheme == "torch_default":
            weight_rule, bias_bound = _torch_default_weight(module, fans)
            add("weight", weight_rule)
            add("bias", _uniform_rule(bias_bound))
        else:
            add("weight", _scheme_rule(module, scheme, fans, kwargs))
            add("bias", _const_rule(0.0))
    elif isinstance(module, nn.Bilinear):
        bound = 1 / math.sqrt(module.weight.size(1))
        add("weight", _uniform_rule(bound))
        add("bias", _uniform_rule(bound))
    elif isinstance(module, (nn.Embedding, nn.EmbeddingBag)):
        add("weight", _normal_rule(module.padding_idx))
    elif isinstance(module, _NORMS):
        add("weight", _const_rule(1.0))
        add("bias", _const_rule(0.0))
    elif isinstance(module, (nn.modules.rnn.RNNBase, nn.modules.rnn.RNNCellBase)):
        bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0.0
        for name, _ in module.named_parameters(recurse=False):
            add(name, _uniform_rule(bound))
    elif isinstance(module, nn.PReLU):
        add("weight", _const_rule(float(module.init)))
    elif isinstance(module, nn.MultiheadAttention):
        xu: _Rule = lambda t, seed, stream: xavier_uniform_(t, seed=seed, stream=stream)  # noqa: E731
        for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            add(name, xu)
        if module.in_proj_bias is not None:
            add("in_proj_bias", _const_rule(0.0))
            if module.out_proj.bias is not None:
                out.append((p + "out_proj.bias", module.out_proj.bias, _const_rule(0.0)))
        xn: _Rule = lambda t, seed, stream: xavier_normal_(t, seed=seed, stream=stream)  # noqa: E731
        add("bias_k", xn)
        add("bias_v", xn)
    elif isinstance(module, nn.Transformer) and scheme == "torch_default":
        # nn.Transformer._reset_parameters: xavier_uniform_ on every p.dim() > 1 beneath it
        xu2: _Rule = lambda t, seed, stream: xavier_uniform_(t, seed=seed, stream=stream)  # noqa: E731
        for name, t in module.named_parameters():
            if t.dim() > 1:
                out.append((p + name, t, xu2))
    return out


def _probe(scheme: str, kwargs: Dict[str, Any]) -> None:
    """Check the scheme's keyword arguments on a tiny array before any
    parameter is touched (so a bad value cannot leave a model half done)."""
    allowed = _SCHEME_KWARGS.get(scheme, ())
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise TypeError(f"scheme {scheme!r} takes no argument(s) {unknown}; it takes {list(allowed)}")
    if scheme == "orthogonal":
        _vs_orthogonal_(np.empty((2, 2), np.float32), seed=0, **kwargs)
    elif scheme != "torch_default":
        getattr(_vs, scheme + "_")(np.empty((1, 1), np.float32), seed=0, fan_in=1, fan_out=1, **kwargs)


def init_module(model: nn.Module, seed: Optional[int] = None, *, scheme: str = "torch_default",
                fans: Optional[str] = None, include_buffers: bool = False, unknown: str = "own",
                **scheme_kwargs: Any) -> nn.Module:
    """Initialise every parameter of ``model`` in place, each from its own stream.

    Parameter ``name`` (its qualified name in ``model.named_parameters()``,
    e.g. ``"layers.0.weight"``) is filled from stream
    :func:`param_stream` ``(name)`` of ``seed``. Its values therefore depend
    only on ``(seed, name, shape, scheme)``: adding, removing or reordering
    *other* parameters leaves them unchanged. (Names in an ``nn.Sequential``
    are positions: inserting a layer renames, and so redraws, the ones
    after it; appending does not.)

    Parameters
    ----------
    model : torch.nn.Module
    seed : int or None
        The seed of every stream; None draws one from torch's default
        generator (``torch.manual_seed`` then makes it reproducible).
    scheme : str, default "torch_default"
        ``"torch_default"``: the distributions of torch's own
        ``reset_parameters``:

        ========================================  =====================================================
        module                                    parameters
        ========================================  =====================================================
        Linear, Conv*d, ConvTranspose*d (+ lazy)  weight ``U(+-1/sqrt(fan_in))`` (``kaiming_uniform_``
                                                  with ``a=sqrt(5)``), bias ``U(+-1/sqrt(fan_in))``
        Bilinear                                  weight and bias ``U(+-1/sqrt(in1_features))``
        Embedding, EmbeddingBag                   ``N(0, 1)``, the ``padding_idx`` row 0
        LayerNorm, GroupNorm, RMSNorm,            weight 1, bias 0
        BatchNorm*d, InstanceNorm*d, SyncBN
        RNN, LSTM, GRU and their cells            all ``U(+-1/sqrt(hidden_size))``
        MultiheadAttention                        in-projection ``xavier_uniform_``, its biases and
                                                  ``out_proj.bias`` 0, ``bias_k``/``bias_v``
                                                  ``xavier_normal_``
        Transformer                               ``xavier_uniform_`` for every parameter with more
                                                  than one dimension beneath it (its
                                                  ``_reset_parameters``)
        PReLU                                     its ``init`` value
        ========================================  =====================================================

        Any other name in :data:`SCHEMES` (``"xavier_uniform"``,
        ``"kaiming_normal"``, ``"lecun_normal"``, ``"variance_scaling"``,
        ``"orthogonal"``, ...): that varscale initialiser for the weight of
        every Linear, Conv*d and ConvTranspose*d, their biases 0, and the
        torch defaults above for every other module.
    fans : {"torch", "correct"}, optional
        Fans of Conv/ConvTranspose weights (Linear weights agree either way).
        ``"torch"``: torch's ``_calculate_fan_in_and_fan_out``, which
        overstates ``fan_out`` ``groups`` times for grouped convolutions and
        swaps the roles for transposed ones; ``"correct"``:
        :func:`varscale.conv_fans`. Default: ``"torch"`` for
        ``scheme="torch_default"`` (to reproduce torch), ``"correct"`` for the
        variance-scaling schemes.
    include_buffers : bool, default False
        Also reset the running statistics of BatchNorm/InstanceNorm modules
        (``running_mean`` 0, ``running_var`` 1, ``num_batches_tracked`` 0),
        as their ``reset_parameters`` does. Other buffers are never touched.
    unknown : {"own", "error", "skip"}, default "own"
        What to do with parameters of module types without a rule above
        (custom modules with their own ``nn.Parameter``). ``"own"``: run the
        module's own ``reset_parameters()`` (or ``_reset_parameters()``) on
        varscale (:func:`fast_init`), its k-th random fill from stream
        ``param_stream(name + ".<own>") + k``, before the table rules (which
        win for the built-in modules beneath it); a ``ValueError`` names the
        modules that have no such method. ``"error"``: raise a
        ``ValueError`` naming them before anything is written. ``"skip"``:
        leave them as they are.

    A transformers ``PreTrainedModel`` is initialised by its own
    ``_init_weights`` on varscale, as its constructor does (HF's
    distributions, buffers such as RoPE ``inv_freq`` recomputed, weights
    tied), keyed by call order under ``seed`` (see :func:`fast_init`);
    only ``scheme="torch_default"`` applies to it.
    **scheme_kwargs
        Passed to the scheme's initialiser: ``gain`` (xavier, lecun,
        orthogonal), ``a``/``mode``/``nonlinearity`` (kaiming),
        ``scale``/``mode``/``distribution`` (variance_scaling),
        ``compute_dtype`` (orthogonal).

    Returns
    -------
    torch.nn.Module
        ``model``, initialised in place (shared parameters once, under their
        first name).

    Raises
    ------
    ValueError
        Unknown scheme/fans/unknown value, lazy parameters not yet
        materialised, or (``unknown="error"``) parameters without a rule.
    TypeError
        ``model`` not a module, or keyword arguments the scheme does not take.

    Examples
    --------
    >>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 64, 3), torch.nn.ReLU(), torch.nn.Flatten(),
    ...                             torch.nn.LazyLinear(10))
    >>> _ = model(torch.zeros(1, 3, 32, 32))                       # materialise the lazy layer
    >>> init_module(model, seed=0, scheme="kaiming_normal", nonlinearity="relu")
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(scheme, str) or scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    if fans is None:
        fans = "torch" if scheme == "torch_default" else "correct"
    if fans not in ("torch", "correct"):
        raise ValueError(f"unknown fans {fans!r}; expected 'torch' or 'correct'")
    if unknown not in ("own", "error", "skip"):
        raise ValueError(f"unknown={unknown!r}; expected 'own', 'error' or 'skip'")
    if not isinstance(include_buffers, bool):
        raise TypeError(f"include_buffers must be a bool, got {include_buffers!r}")
    _probe(scheme, scheme_kwargs)
    if _hf.is_hf_model(model):  # issue 10: the model's own _init_weights, on varscale
        if scheme != "torch_default":
            raise ValueError(f"scheme {scheme!r}: a transformers model is initialised by its own _init_weights; "
                             "use scheme='torch_default' (the default)")
        with fast_init(seed):
            _hf.initialize(model)
        return model

    names: Dict[int, str] = {}
    for name, param in model.named_parameters():  # deduplicated: a shared parameter keeps its first name
        if isinstance(param, nn.parameter.UninitializedParameter):
            raise ValueError(f"parameter {name!r} is not materialised yet (lazy module): run a forward pass first")
        names[id(param)] = name

    plan: Dict[int, _Rule] = {}
    missing: List[str] = []
    owners: List[Tuple[str, nn.Module]] = []
    for prefix, module in model.named_modules():  # parents first: their overrides win over the child's own rule
        for _, target, rule in _rules(module, prefix, scheme, fans, scheme_kwargs):
            plan.setdefault(id(target), rule)
        for _, param in module.named_parameters(recurse=False):
            if id(param) not in plan:
                missing.append(f"{names[id(param)]} ({type(module).__name__})")
                if not owners or owners[-1][1] is not module:
                    owners.append((prefix, module))
    if missing and unknown == "error":
        raise ValueError(f"no initialisation rule for {', '.join(missing)}; pass unknown='own' to run their "
                         "reset_parameters or unknown='skip' to leave them unchanged")

    seed_v = _resolve_seed(seed, None)
    if owners and unknown == "own":  # issue 10: their own reset_parameters, on varscale
        without = _run_own_init(owners, seed_v)
        if without:
            raise ValueError(f"no initialisation rule and no reset_parameters() for {', '.join(without)}; "
                             "pass unknown='skip' to leave them unchanged")
    for name, param in model.named_parameters():
        if id(param) in plan:
            plan[id(param)](param, seed_v, param_stream(name))
    if include_buffers:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._NormBase):
                module.reset_running_stats()  # constants only: torch's own method
    return model


# --------------------------------------------- issue 10: models (re-exports)
# At the end: these modules import the drop-ins above from this module.
from ._torch_models import hf as _hf
from ._torch_models.fast_init import fast_init
from ._torch_models.meta import materialize
from ._torch_models.meta import run_own_init as _run_own_init
from ._torch_models.sparse import sparse_
