"""``init_module``: a whole model's parameters, each from its own stream.

Which parameters a module's own initialisation sets, and how, is a table
from module type to rule (:data:`RULES`); :func:`register_rule` adds rules
for other module types (your own, or a library's). A rule sees the module
and the :class:`Scheme` of the call and returns, by parameter name, how to
fill each parameter it sets (a :data:`ParamRule`).
"""

from __future__ import annotations

import functools
import hashlib
import math
from types import MappingProxyType
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple, cast

import numpy as np
import torch
from torch import Tensor, nn

from .. import _api as _vs
from .. import _backend
from .._conv import conv_fans, torch_fans
from .._gain import calculate_gain
from .._registry import SCHEME_KWARGS
from ._dropins import constant_, fill_tensor, normal_, uniform_, xavier_normal_, xavier_uniform_
from ._fast_init import hf
from ._fast_init.fast_init import fast_init
from ._fast_init.own import run_own_init
from ._writer import bump_versions, resolve_seed, tensor_memory

#: ``init_module`` schemes: torch's own defaults, or one registry initialiser
#: for every Linear/Conv weight.
SCHEMES: Tuple[str, ...] = ("torch_default", *SCHEME_KWARGS)

#: Fills one parameter: ``rule(tensor, seed, stream)``.
ParamRule = Callable[[Tensor, int, int], Any]


def _batchable(rule: ParamRule, dist: Optional[_backend.Dist] = None) -> ParamRule:
    """Mark ``rule`` as one whole-tensor varscale fill and nothing else (no
    read of the tensor after it), which ``init_module`` may write in one
    batched call with the others (:func:`varscale._backend.batched`);
    ``dist``: the one distribution it fills with, whatever the tensor, which
    lets a plain tensor skip the drop-in's layers (same values)."""
    rule.batchable = True  # type: ignore[attr-defined]
    rule.dist = dist  # type: ignore[attr-defined]
    return rule


class Scheme(NamedTuple):
    """The scheme of one :func:`init_module` call, as module rules see it.

    Attributes
    ----------
    name : str
        One of :data:`SCHEMES`.
    fans : {"torch", "correct"}
        How Conv/ConvTranspose fans are counted.
    kwargs : mapping
        The scheme's keyword arguments (``gain``, ``mode``, ...).
    """

    name: str
    fans: str
    kwargs: Mapping[str, Any]

    def weight(self, module: nn.Module) -> ParamRule:
        """The rule for the weight of a Linear/Conv ``module`` under this scheme.

        Parameters
        ----------
        module : torch.nn.Module
            A Linear, Conv*d or ConvTranspose*d module (its fans are used).

        Returns
        -------
        ParamRule
            ``rule(tensor, seed, stream)``: torch's ``U(+-1/sqrt(fan_in))``
            for ``"torch_default"``, else the scheme's initialiser.
        """
        if self.name == "torch_default":
            return _torch_default_rules(_layer_fans(module, self.fans)[0])["weight"]
        kwargs = dict(self.kwargs)
        name = self.name + "_"
        if self.name == "orthogonal":
            return lambda t, seed, stream: fill_tensor(
                t, name, lambda x, s: _vs.orthogonal_(x, seed=s, stream=stream, **kwargs), seed, None)
        fan_in, fan_out = _layer_fans(module, self.fans)
        fn = getattr(_vs, name)
        return _batchable(lambda t, seed, stream: fill_tensor(
            t, name, lambda x, s: fn(x, seed=s, stream=stream, fan_in=fan_in, fan_out=fan_out, **kwargs), seed, None))

    def bias(self, module: nn.Module) -> ParamRule:
        """The rule for the bias of a Linear/Conv ``module``.

        Parameters
        ----------
        module : torch.nn.Module
            A Linear, Conv*d or ConvTranspose*d module.

        Returns
        -------
        ParamRule
            torch's ``U(+-1/sqrt(fan_in))`` for ``"torch_default"``, else 0.
        """
        if self.name != "torch_default":
            return _const_rule(0.0)
        return _torch_default_rules(_layer_fans(module, self.fans)[0])["bias"]


#: Decides, for one module, the parameters its own initialisation sets:
#: ``rule(module, scheme) -> {relative parameter name: ParamRule}``.
ModuleRule = Callable[[nn.Module, Scheme], Mapping[str, ParamRule]]

#: module type -> rule; the most derived registered type of a module applies.
RULES: Dict[type, ModuleRule] = {}


def register_rule(module_type: type, rule: ModuleRule) -> None:
    """Let :func:`init_module` initialise modules of ``module_type`` with ``rule``.

    Parameters
    ----------
    module_type : type
        A subclass of ``torch.nn.Module``; the rule also applies to its
        subclasses that have no rule of their own.
    rule : callable
        ``rule(module, scheme)`` returning a mapping from parameter name
        (relative to ``module``, e.g. ``"weight"`` or ``"out_proj.bias"``) to
        a :data:`ParamRule` ``(tensor, seed, stream) -> None``. Parameters
        that are None are skipped.

    Returns
    -------
    None

    Examples
    --------
    >>> class Scale(torch.nn.Module):
    ...     def __init__(self, n):
    ...         super().__init__()
    ...         self.scale = torch.nn.Parameter(torch.empty(n))
    >>> register_rule(Scale, lambda m, scheme: {"scale": lambda t, seed, stream: ones_(t)})
    """
    if not (isinstance(module_type, type) and issubclass(module_type, nn.Module)):
        raise TypeError(f"module_type must be a torch.nn.Module subclass, got {module_type!r}")
    if not callable(rule):
        raise TypeError(f"rule must be callable, got {type(rule).__name__}")
    RULES[module_type] = rule


def rule_for(module: nn.Module) -> Optional[ModuleRule]:
    """The rule of ``module``'s most derived registered type, if any."""
    for cls in type(module).__mro__:
        if cls in RULES:
            return RULES[cls]
    return None


_STREAM_PERSON = b"varscale.stream"  # blake2b personalisation: keeps these hashes apart from others


def param_stream(name: str) -> int:
    """The stream :func:`init_module` uses for the parameter called ``name``.

    Parameters
    ----------
    name : str
        Qualified parameter name, e.g. ``"encoder.layers.0.linear1.weight"``.

    Returns
    -------
    int
        ``int.from_bytes(blake2b(name.encode("utf-8"), digest_size=8,
        person=b"varscale.stream").digest(), "little")``: a stable 64-bit
        hash, the same in every process and Python version (unlike the
        salted ``hash()``).
    """
    if not isinstance(name, str):
        raise TypeError(f"parameter name must be a str, got {type(name).__name__}")
    return _stream_of(name)


@functools.lru_cache(maxsize=1 << 16)  # a model's names recur on every init_module call (0.5 us a hash)
def _stream_of(name: str) -> int:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8, person=_STREAM_PERSON).digest()
    return int.from_bytes(digest, "little")


# ------------------------------------------------------------ the built-in rules


@functools.lru_cache(maxsize=4096)  # one rule object per bound: a model's layers share a few sizes
def _uniform_rule(bound: float) -> ParamRule:
    return _batchable(lambda t, seed, stream: uniform_(t, -bound, bound, seed=seed, stream=stream),
                      _backend.uniform(-bound, bound))


@functools.lru_cache(maxsize=256)
def _const_rule(value: float) -> ParamRule:
    return _batchable(lambda t, seed, stream: constant_(t, value), _backend.constant(value))


def _xavier_rule(normal: bool) -> ParamRule:
    fill = xavier_normal_ if normal else xavier_uniform_
    return _batchable(lambda t, seed, stream: fill(t, seed=seed, stream=stream))


def _layer_fans(module: nn.Module, fans: str) -> Tuple[int, int]:
    """Fans of a Linear/Conv module's weight, torch's or the correct ones."""
    if fans == "correct" and isinstance(module, nn.modules.conv._ConvNd):
        return conv_fans(module)
    weight = module._parameters.get("weight")  # without nn.Module.__getattr__ (0.4 us) when it is a parameter
    shape = cast(Tensor, module.weight if weight is None else weight).shape
    return _size_fans(shape) if type(shape) is torch.Size else torch_fans(shape)


@functools.lru_cache(maxsize=4096)
def _size_fans(shape: torch.Size) -> Tuple[int, int]:
    """:func:`torch_fans` of a ``torch.Size``, cached: its entries are ints,
    so equal keys are equal shapes (0.15 us instead of the 0.65 us of
    ``torch_fans``' check of a general shape)."""
    return torch_fans(shape)


_SQRT5_GAIN = calculate_gain("leaky_relu", math.sqrt(5))  # sqrt(1/3)


@functools.lru_cache(maxsize=4096)  # shared, read-only: callers only iterate it
def _torch_default_rules(fan_in: int) -> Mapping[str, ParamRule]:
    """torch's Linear/Conv ``reset_parameters`` for ``fan_in``, in torch's float
    ops: weight ``kaiming_uniform_(a=sqrt(5))``, i.e. ``U(+-1/sqrt(fan_in))``,
    and bias ``U(+-1/sqrt(fan_in))``."""
    weight = math.sqrt(3.0) * (_SQRT5_GAIN / math.sqrt(fan_in)) if fan_in > 0 else 0.0
    return MappingProxyType({"weight": _uniform_rule(weight),
                             "bias": _uniform_rule(1 / math.sqrt(fan_in) if fan_in > 0 else 0.0)})


def _linear(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    if scheme.name == "torch_default":  # Scheme.weight and .bias, with the fans counted once
        return _torch_default_rules(_layer_fans(module, scheme.fans)[0])
    return {"weight": scheme.weight(module), "bias": scheme.bias(module)}


def _bilinear(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    bound = 1 / math.sqrt(cast(Tensor, module.weight).size(1))
    return {"weight": _uniform_rule(bound), "bias": _uniform_rule(bound)}


def _embedding(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    padding_idx = cast(Optional[int], getattr(module, "padding_idx", None))

    def rule(t: Tensor, seed: int, stream: int) -> None:
        normal_(t, seed=seed, stream=stream)
        if padding_idx is not None:
            with torch.no_grad():
                t[padding_idx].fill_(0)  # as Embedding._fill_padding_idx_with_zero

    return {"weight": rule}


def _norm(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    return {"weight": _const_rule(1.0), "bias": _const_rule(0.0)}


def _recurrent(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    hidden = cast(int, module.hidden_size)
    bound = 1.0 / math.sqrt(hidden) if hidden > 0 else 0.0
    return {name: _uniform_rule(bound) for name, _ in module.named_parameters(recurse=False)}


def _prelu(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    return {"weight": _const_rule(float(cast(float, module.init)))}


def _attention(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    rules: Dict[str, ParamRule] = {name: _xavier_rule(False)
                                   for name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight")}
    if module.in_proj_bias is not None:
        rules["in_proj_bias"] = _const_rule(0.0)
        rules["out_proj.bias"] = _const_rule(0.0)
    rules["bias_k"] = rules["bias_v"] = _xavier_rule(True)
    return rules


def _transformer(module: nn.Module, scheme: Scheme) -> Mapping[str, ParamRule]:
    # nn.Transformer._reset_parameters: xavier_uniform_ on every p.dim() > 1 beneath it
    if scheme.name != "torch_default":
        return {}
    return {name: _xavier_rule(False) for name, t in module.named_parameters() if t.dim() > 1}


# modules whose reset_parameters sets weight 1 and bias 0 (RMSNorm is new in torch 2.4)
for _type in (nn.LayerNorm, nn.GroupNorm, getattr(nn, "RMSNorm", None), nn.modules.batchnorm._NormBase):
    if _type is not None:
        register_rule(_type, _norm)
for _type, _rule in ((nn.Linear, _linear), (nn.modules.conv._ConvNd, _linear), (nn.Bilinear, _bilinear),
                     (nn.Embedding, _embedding), (nn.EmbeddingBag, _embedding),
                     (nn.modules.rnn.RNNBase, _recurrent), (nn.modules.rnn.RNNCellBase, _recurrent),
                     (nn.PReLU, _prelu), (nn.MultiheadAttention, _attention), (nn.Transformer, _transformer)):
    register_rule(_type, _rule)


# ------------------------------------------------------------------ init_module


def _find(module: nn.Module, name: str) -> Optional[Tensor]:
    own = module._parameters.get(name) if "." not in name else None
    if own is not None:  # the common case, without nn.Module.__getattr__
        return own
    target: Any = module
    for part in name.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return cast(Optional[Tensor], target)


def _probe(scheme: str, kwargs: Dict[str, Any]) -> None:
    """Check the scheme's keyword arguments on a tiny array before any
    parameter is touched (so a bad value cannot leave a model half done)."""
    allowed = SCHEME_KWARGS.get(scheme, ())
    unknown = sorted(set(kwargs) - set(allowed))
    if unknown:
        raise TypeError(f"scheme {scheme!r} takes no argument(s) {unknown}; it takes {list(allowed)}")
    if scheme == "orthogonal":
        _vs.orthogonal_(np.empty((2, 2), np.float32), seed=0, **kwargs)
    elif scheme != "torch_default":
        getattr(_vs, scheme + "_")(np.empty((1, 1), np.float32), seed=0, fan_in=1, fan_out=1, **kwargs)


#: One parameter to fill: its rule, the parameter and its qualified name.
Todo = Tuple[ParamRule, Tensor, str]


def _plan(model: nn.Module, scheme: Scheme) -> Tuple[List[Todo], List[str], List[Tuple[str, nn.Module]]]:
    """The parameters a rule covers with their rules (in ``named_parameters``
    order, a shared parameter once under its first name), the names of those
    none covers, and the modules (with their names) that own such parameters."""
    names: Dict[int, Tuple[str, Tensor]] = {}
    plan: Dict[int, ParamRule] = {}
    missing: List[str] = []
    owners: List[Tuple[str, nn.Module]] = []
    for prefix, module in model.named_modules():  # parents first: their overrides win over the child's own rule
        for pname, param in module._parameters.items():  # before the rule, which may read shapes
            if type(param) is not nn.Parameter and isinstance(param, nn.parameter.UninitializedParameter):
                name = f"{prefix}.{pname}" if prefix else pname
                raise ValueError(f"parameter {name!r} is not materialised yet (lazy module): run a forward pass first")
        rule = rule_for(module)
        for relative, param_rule in (rule(module, scheme) if rule is not None else {}).items():
            target = _find(module, relative)
            if target is not None:
                plan.setdefault(id(target), param_rule)
        for pname, param in module._parameters.items():  # named_parameters(recurse=False), without its overhead
            if param is None or id(param) in names:
                continue  # shared: keeps its first name
            name = f"{prefix}.{pname}" if prefix else pname
            names[id(param)] = (name, param)
            if id(param) not in plan:
                missing.append(f"{name} ({type(module).__name__})")
                if not owners or owners[-1][1] is not module:
                    owners.append((prefix, module))
    todo = [(plan[key], param, name) for key, (name, param) in names.items() if key in plan]
    return todo, missing, owners


def _fill_all(todo: List[Todo], seed: int) -> None:
    """Every parameter by its rule: those with a fixed distribution and the
    other plain fills in batched writes (one GIL release each, small tensors
    spread over the threads), then the rules that read what they wrote.

    A fixed distribution goes straight into the batch when the core can
    write the tensor by address (:func:`tensor_memory`: a plain, contiguous
    CPU tensor, not float8, not empty, not an inference tensor); else the
    rule's drop-in runs, with its checks, errors and staging."""
    direct: List[Tuple[Tensor, str]] = []
    jobs: List[_backend.FillJob] = []
    rest: List[Todo] = []
    for rule, param, name in todo:  # one pass: 3,000 parameters of small layers cost 1 us each here
        dist = getattr(rule, "dist", None)
        if dist is not None:
            memory = tensor_memory(param)
            if memory is not None:
                direct.append((param, name))
                jobs.append((memory, dist, seed, _stream_of(name)))  # names are str here
                continue
        rest.append((rule, param, name))
    try:
        try:
            _backend.fill_many(jobs)
        except ValueError as e:
            if "overlaps buffer" not in str(e):
                raise
            # parameters sharing memory (refused before anything was written): one
            # call each, in plan order, so the later one wins, as in a loop of fills
            for i, job in enumerate(jobs):
                try:
                    _backend.fill_many([job])
                except (TypeError, ValueError) as one:  # as the batch would name it
                    raise type(one)(f"buffer {i}: {str(one).removeprefix('buffer 0: ')}") from None
    except (TypeError, ValueError) as e:  # refused before anything was written: name the parameter
        index, _, reason = str(e).removeprefix("buffer ").partition(": ")
        name = direct[int(index)][1] if index.isdigit() and int(index) < len(direct) else "?"
        raise type(e)(f"parameter {name!r}: {reason or e}") from None
    bump_versions([param for param, _ in direct])
    with _backend.batched():
        for rule, param, name in rest:
            if getattr(rule, "batchable", False):
                rule(param, seed, param_stream(name))
    for rule, param, name in rest:  # e.g. an embedding's padding row, custom rules
        if not getattr(rule, "batchable", False):
            rule(param, seed, param_stream(name))


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
    seed : int or None, default None
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

        (the table is :data:`RULES`; :func:`register_rule` adds module types).

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
        materialised, (``unknown="error"``) parameters without a rule,
        (``unknown="own"``) parameters without a rule whose module has no
        reset method, or another scheme for a transformers model.
    TypeError
        ``model`` not a module, or keyword arguments the scheme does not take.

    Notes
    -----
    A transformers ``PreTrainedModel`` is initialised by its own
    ``_init_weights`` on varscale, as its constructor does (HF's
    distributions, buffers such as RoPE ``inv_freq`` recomputed, weights
    tied), keyed by call order under ``seed`` (see :func:`fast_init`); only
    ``scheme="torch_default"`` applies to it.

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
    if hf.is_hf_model(model):  # the model's own _init_weights, on varscale
        if scheme != "torch_default":
            raise ValueError(f"scheme {scheme!r}: a transformers model is initialised by its own _init_weights; "
                             "use scheme='torch_default' (the default)")
        with fast_init(seed):
            hf.initialize(model)
        return model

    todo, missing, owners = _plan(model, Scheme(scheme, fans, scheme_kwargs))
    if missing and unknown == "error":
        raise ValueError(f"no initialisation rule for {', '.join(missing)}; pass unknown='own' to run their "
                         "reset_parameters, unknown='skip' to leave them unchanged, or add a rule with "
                         "varscale.torch.register_rule")

    seed_v = resolve_seed(seed, None)
    if owners and unknown == "own":  # their own reset_parameters, on varscale
        without = run_own_init([(name, module, param_stream(name + ".<own>")) for name, module in owners], seed_v)
        if without:
            raise ValueError(f"no initialisation rule and no reset_parameters() for {', '.join(without)}; "
                             "pass unknown='skip' to leave them unchanged, or add a rule with "
                             "varscale.torch.register_rule")
    _fill_all(todo, seed_v)
    if include_buffers:
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._NormBase):
                module.reset_running_stats()  # constants only: torch's own method
    return model
