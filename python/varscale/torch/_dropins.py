"""Drop-in replacements for the ``torch.nn.init`` functions, filled by varscale.

Same names, positional arguments and defaults as ``torch.nn.init``, plus
keyword-only ``seed=None, stream=0``; see :mod:`varscale.torch` for where
the numbers come from and how each kind of tensor is written.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Optional, Tuple, TypeVar

import torch
from torch import Tensor, nn

from .. import _api as _vs  # the NumPy API's in-place twins
from .. import _backend
from .._conv import torch_fans
from ._writer import FLOAT_DTYPES, bump_version, resolve_seed, tensor_memory, write


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix, as ``torch.nn.init.eye_`` (no randomness: torch's own function).

    Parameters
    ----------
    tensor : torch.Tensor
        A 2-dimensional tensor.

    Returns
    -------
    torch.Tensor
        ``tensor`` itself.
    """
    check_tensor(tensor, "eye_")
    return nn.init.eye_(tensor)


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The Dirac delta of convolutions, as ``torch.nn.init.dirac_`` (no randomness: torch's own function).

    Parameters
    ----------
    tensor : torch.Tensor
        A 3-, 4- or 5-dimensional convolution weight.
    groups : int, default 1
        Number of groups of the convolution.

    Returns
    -------
    torch.Tensor
        ``tensor`` itself.
    """
    check_tensor(tensor, "dirac_")
    return nn.init.dirac_(tensor, groups)


# ----------------------------------------------------------------- plumbing


def check_tensor(tensor: Any, name: str) -> None:
    """A TypeError naming ``name`` unless ``tensor`` is a torch.Tensor."""
    if not isinstance(tensor, torch.Tensor):
        numpy_twin = f"; for NumPy arrays use varscale.{name}" if hasattr(_vs, name) else ""
        raise TypeError(f"{name}() expects a torch.Tensor, got {type(tensor).__name__}{numpy_twin}")


def fill_tensor(tensor: Tensor, name: str, fill: Callable[[Any, int], Any], seed: Optional[int],
                generator: Optional[torch.Generator], as_array: bool = True,
                direct: Optional[Tuple[str, Tuple[Any, ...], Any]] = None) -> Tensor:
    """Check ``tensor``, resolve the seed, then ``fill(target, seed)`` through :func:`write`;
    ``target`` is a NumPy view of a float32/float64 tensor's memory with ``as_array`` (the
    NumPy API's direct path for small fills takes arrays), else the tensor.

    ``direct=(kind, params, stream)`` says that ``fill`` is the core's ``kind``
    with ``params``: when the seed is drawn here (``seed`` None), a contiguous
    CPU tensor then goes straight to the core by address (:func:`fill_direct`:
    the per-call cost of small tensors), and anything it does not take runs
    ``fill`` as above. With a seed given, the drop-in has tried
    :func:`fill_direct` already, with the same arguments.
    """
    check_tensor(tensor, name)
    if tensor.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name}(): unsupported dtype {tensor.dtype}; varscale fills float16, bfloat16, "
                        "float32 and float64 tensors")
    if tensor.is_meta:
        return tensor  # no memory to fill, and, as in torch, no generator advanced
    if tensor.is_inference() and not torch.is_inference_mode_enabled():
        raise RuntimeError(f"{name}(): Inplace update to inference tensor outside InferenceMode is not allowed "
                           "(torch's rule); fill it inside torch.inference_mode() or fill a clone")
    seed_v = resolve_seed(seed, generator)
    if direct is not None and seed is None and fill_direct(tensor, direct[0], direct[1], seed_v, direct[2]):
        return tensor
    return write(tensor, lambda target: fill(target, seed_v), as_array)


def fill_direct(tensor: Any, kind: str, params: Tuple[Any, ...], seed: Any, stream: Any) -> bool:
    """Fill ``tensor`` by address with the core's ``kind`` and bump its
    version, when :func:`tensor_memory` and
    :func:`varscale._backend.try_fill_direct` take it (a plain CPU tensor,
    an int seed and plain parameters); say whether it did.

    The drop-ins call it first when a seed is given: none of
    :func:`fill_tensor`'s checks (which such a tensor passes) and no closure
    for the full path are paid, 0.3-0.5 us of the 3 us a (768,) fill takes.
    """
    memory = tensor_memory(tensor)  # None for anything not a plain torch.Tensor
    if memory is None or not _backend.try_fill_direct(memory, kind, params, seed, stream):
        return False
    bump_version(tensor)
    return True


def _fill_with_gain(tensor: Tensor, name: str, init: Callable[..., Any], gain: float, seed: Optional[int],
                    stream: int, generator: Optional[torch.Generator]) -> Tensor:
    """The Xavier/LeCun drop-ins: torch's fans from the tensor (and torch's
    error below 2-D), an empty tensor returned as is, then the varscale twin
    ``init(target, gain, ...)`` with those fans."""
    check_tensor(tensor, name)
    fan_in, fan_out = _fans(tensor)
    if tensor.numel() == 0:
        return tensor
    return fill_tensor(tensor, name, lambda t, s: init(t, gain, seed=s, stream=stream, fan_in=fan_in, fan_out=fan_out),
                 seed, generator)


def _fans(tensor: Tensor) -> Tuple[int, int]:
    """torch's ``_calculate_fan_in_and_fan_out`` (and its error for < 2 dims)."""
    return torch_fans(tensor.shape)


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
    if generator is None and seed is not None and fill_direct(tensor, "uniform", (a, b), seed, stream):
        return tensor  # a seed and a plain CPU tensor: straight to the core
    return fill_tensor(tensor, "uniform_", lambda t, s: _vs.uniform_(t, a, b, seed=s, stream=stream), seed, generator,
                       direct=("uniform", (a, b), stream))


@_doc('''
    mean : float, default 0.0
    std : float >= 0, default 1.0''')
def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Optional[torch.Generator] = None, *,
            seed: Optional[int] = None, stream: int = 0) -> Tensor:
    """Fill ``tensor`` with ``N(mean, std^2)``, as ``torch.nn.init.normal_``.

    Box-Muller transform; see :func:`varscale.normal`.
    """
    if generator is None and seed is not None and fill_direct(tensor, "normal", (mean, std), seed, stream):
        return tensor  # a seed and a plain CPU tensor: straight to the core
    return fill_tensor(tensor, "normal_", lambda t, s: _vs.normal_(t, mean, std, seed=s, stream=stream), seed,
                       generator, direct=("normal", (mean, std), stream))


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
    if (generator is None and seed is not None
            and fill_direct(tensor, "truncated_normal", (mean, std, a, b), seed, stream)):
        return tensor  # a seed and a plain CPU tensor: straight to the core
    return fill_tensor(tensor, "trunc_normal_",
                       lambda t, s: _vs.truncated_normal_(t, mean, std, a, b, seed=s, stream=stream), seed,
                       generator, direct=("truncated_normal", (mean, std, a, b), stream))


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
    check_tensor(tensor, "constant_")
    if tensor.dtype not in FLOAT_DTYPES:
        with torch.no_grad():
            return tensor.fill_(val)
    if fill_direct(tensor, "constant", (val,), 0, 0):
        return tensor  # a plain CPU tensor: straight to the core
    return fill_tensor(tensor, "constant_", lambda t, s: _vs.constant_(t, val), 0, None,
                       direct=("constant", (val,), 0))


_FILL_WITH = """Fill ``tensor`` with {value}, as ``torch.nn.init.{name}``.

    Parameters
    ----------
    tensor : torch.Tensor
        {tensor}{params}
    seed, stream
        Accepted for a uniform signature, unused.

    Returns
    -------
    torch.Tensor
        ``tensor`` itself.
    """


def ones_(tensor: Tensor, *, seed: Optional[int] = None, stream: int = 0) -> Tensor:
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor, *, seed: Optional[int] = None, stream: int = 0) -> Tensor:
    return constant_(tensor, 0.0)


constant_.__doc__ = _FILL_WITH.format(value="``val``", name="constant_", params="\n    val : float", tensor="""\
Any dtype and device: float16/bfloat16/float32/float64 tensors are
        filled by varscale (in place, parallel; other devices and layouts
        through a CPU temporary), any other dtype by torch's ``fill_``.""")
_SEE_CONSTANT = "Any dtype and device (see :func:`constant_`)."
ones_.__doc__ = _FILL_WITH.format(value=1, name="ones_", params="", tensor=_SEE_CONSTANT)
zeros_.__doc__ = _FILL_WITH.format(value=0, name="zeros_", params="", tensor=_SEE_CONSTANT)


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
    check_tensor(tensor, name)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)  # torch's warning
        return tensor
    mode = mode.lower() if isinstance(mode, str) else mode  # torch accepts "FAN_IN"
    fan_in, fan_out = _fans(tensor)
    return fill_tensor(tensor, name, lambda t, s: fill(t, a, mode, nonlinearity, seed=s, stream=stream, fan_in=fan_in,
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
    check_tensor(tensor, "orthogonal_")
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    return fill_tensor(tensor, "orthogonal_", lambda t, s: _vs.orthogonal_(t, gain, seed=s, stream=stream), seed,
                 generator)
