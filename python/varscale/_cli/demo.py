"""``python -m varscale demo``: the variance-preservation argument, measured.

A deep MLP of ``L`` square layers (width ``W``, no biases) is initialised
with each scheme and run with each activation. A batch of standard-normal
inputs goes forward and a standard-normal gradient comes back from the top;
the variance of the activations after each layer (forward) and of the
gradient reaching each layer's input (backward) is recorded.

Why the pairings matter (see ``docs/``): for ``h = W x`` with i.i.d.
zero-mean weights, ``Var(h_i) = n_in Var(w) E[x^2]`` and, backwards,
``Var(dx_j) = n_out Var(w) E[(f'(h) dh)^2]``. So

* Xavier (``Var(w) = 2 / (n_in + n_out)``) keeps both for activations
  that are the identity near 0 (tanh);
* He (``Var(w) = 2 / n_in``) doubles the variance to make up for the half
  of the inputs ReLU zeroes;
* LeCun (``Var(w) = 1 / n_in``) is the fixed point of SELU's
  self-normalisation (mean 0, variance 1).

The wrong pairings multiply the variance by a constant factor per layer, so
it explodes or vanishes geometrically with depth. With square layers
``n_in = n_out`` and Xavier and LeCun are the same distribution: their
columns coincide.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from .. import _api as init

#: The three schemes, as the plain formulas (gain 1): weight std for a layer.
SCHEMES: Dict[str, Callable[..., np.ndarray]] = {
    "xavier": init.xavier_normal,                                          # Var = 2 / (n_in + n_out)
    "he": lambda shape, **kw: init.kaiming_normal(shape, nonlinearity="relu", **kw),  # Var = 2 / n_in
    "lecun": init.lecun_normal,                                            # Var = 1 / n_in
}

# SELU's constants (Klambauer et al. 2017), as torch.nn.SELU.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _tanh(h: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    y = np.tanh(h)
    return y, 1 - y * y


def _relu(h: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    return np.maximum(h, 0), (h > 0).astype(h.dtype)


def _selu(h: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    neg = _SELU_SCALE * _SELU_ALPHA * np.exp(np.minimum(h, 0))  # derivative on h <= 0
    y = np.where(h > 0, _SELU_SCALE * h, neg - _SELU_SCALE * _SELU_ALPHA)
    return y.astype(h.dtype), np.where(h > 0, _SELU_SCALE, neg).astype(h.dtype)


#: activation -> function returning (f(h), f'(h)).
ACTIVATIONS: Dict[str, Callable[[np.ndarray], Tuple[np.ndarray, np.ndarray]]] = {
    "tanh": _tanh, "relu": _relu, "selu": _selu,
}

#: The pairing each derivation was made for.
MATCHED = {"tanh": "xavier", "relu": "he", "selu": "lecun"}


NOTES = """
change: last over first variance along the flow (forward L1 -> L, backward L -> L1); kept = within 10x.
* xavier and lecun coincide: with square layers n_in = n_out, so 2 / (n_in + n_out) = 1 / n_in.
* relu with xavier/lecun halves the variance at every layer (ReLU zeroes half the inputs): 2^-(L-1).
* tanh with xavier: n_in Var(w) = 1 keeps the variance to first order (tanh x ~ x), but the curvature
  (tanh x ~ x - x^3/3) takes about 2 v^2 off a variance v per layer, so it decays like 1 / (2 L):
  polynomially, where the wrong pairings drift geometrically (tanh with he: gradients grow per layer).
* selu with lecun holds the forward variance at SELU's fixed point 1, while the gradient variance grows
  by E[selu'(h)^2] ~ 1.07 per layer for h ~ N(0, 1) (the gradient growth noted by Philipp et al. 2018)."""


class Trace(NamedTuple):
    """Per-layer variances of one (scheme, activation) run.

    ``forward[l]``: variance of the activations after layer ``l + 1``.
    ``backward[l]``: variance of the gradient w.r.t. the input of layer
    ``l + 1`` (so ``backward[-1]`` is just below the top layer, where the
    incoming gradient has variance 1, and ``backward[0]`` reaches the data).
    """

    scheme: str
    activation: str
    forward: np.ndarray
    backward: np.ndarray


def simulate(scheme: str, activation: str, *, layers: int = 50, width: int = 512, batch: int = 256,
             seed: int = 0, dtype: str = "float32") -> Trace:
    """Forward and backward variances through a ``layers``-deep MLP of ``width``.

    Layer ``l`` (1-based) uses weights ``(width, width)`` from stream ``l``
    of ``seed``; inputs and the top gradient are standard normal from streams
    ``0`` and ``layers + 1``. Every run with the same seed therefore sees the
    same underlying numbers, scaled by the scheme's std (common random
    numbers: the curves differ only by the scheme and the activation).

    Parameters
    ----------
    scheme : {"xavier", "he", "lecun"}
        ``xavier_normal`` (``Var = 2 / (n_in + n_out)``), ``kaiming_normal``
        with the ReLU gain (``2 / n_in``) or ``lecun_normal`` (``1 / n_in``).
    activation : {"tanh", "relu", "selu"}
    layers, width, batch : int >= 1
    seed : int
    dtype : {"float32", "float64"}

    Returns
    -------
    Trace
        The per-layer forward and backward variances (float64 arrays of
        length ``layers``).
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {tuple(SCHEMES)}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; expected one of {tuple(ACTIVATIONS)}")
    for name, value in (("layers", layers), ("width", width), ("batch", batch)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    make, act = SCHEMES[scheme], ACTIVATIONS[activation]
    x = init.normal((batch, width), dtype=dtype, seed=seed, stream=0)
    weights: List[np.ndarray] = []
    slopes: List[np.ndarray] = []
    forward = np.empty(layers)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for layer in range(1, layers + 1):
            w = make((width, width), dtype=dtype, seed=seed, stream=layer)  # torch layout (out, in)
            x, slope = act(x @ w.T)
            weights.append(w)
            slopes.append(slope)
            forward[layer - 1] = float(np.var(x, dtype=np.float64))
        grad = init.normal((batch, width), dtype=dtype, seed=seed, stream=layers + 1)
        backward = np.empty(layers)
        for layer in range(layers, 0, -1):
            grad = (grad * slopes[layer - 1]) @ weights[layer - 1]  # d loss / d (input of this layer)
            backward[layer - 1] = float(np.var(grad, dtype=np.float64))
    return Trace(scheme, activation, forward, backward)


def run_all(*, layers: int = 50, width: int = 512, batch: int = 256, seed: int = 0,
            dtype: str = "float32") -> List[Trace]:
    """:func:`simulate` for every scheme x activation (activation-major)."""
    return [simulate(s, a, layers=layers, width=width, batch=batch, seed=seed, dtype=dtype)
            for a in ACTIVATIONS for s in SCHEMES]


def checkpoints(layers: int) -> List[int]:
    """Layers shown in the table: 1, then every ~10th, and the last."""
    step = 10 if layers > 20 else max(1, layers // 5)
    points = [1, *list(range(step, layers + 1, step))]
    if points[-1] != layers:
        points.append(layers)
    return sorted(set(points))


def change(trace: Trace, direction: str) -> float:
    """Factor by which the variance changed along the direction of flow:
    forward from layer 1 to layer L, backward from layer L down to layer 1."""
    if direction == "forward":
        return float(trace.forward[-1] / trace.forward[0])
    if direction == "backward":
        return float(trace.backward[0] / trace.backward[-1])
    raise ValueError(f"unknown direction {direction!r}; expected 'forward' or 'backward'")


def verdict(factor: float) -> str:
    """``kept`` within 10x either way, else ``explodes``/``vanishes``
    (a variance past the float range, inf or nan, counts as exploded)."""
    if not math.isfinite(factor) or factor > 10:
        return "explodes"
    if factor < 0.1:
        return "vanishes"
    return "kept"


def format_table(traces: Sequence[Trace], direction: str) -> str:
    """A text table: one row per run, one column per checkpoint layer, then
    the overall change (see :func:`change`) and its verdict."""
    if direction not in ("forward", "backward"):
        raise ValueError(f"unknown direction {direction!r}; expected 'forward' or 'backward'")
    layers = len(traces[0].forward)
    points = checkpoints(layers)
    head = (f"{'activation':<10} {'scheme':<7}" + "".join(f"{'L' + str(p):>10}" for p in points)
            + f"{'change':>11}  verdict")
    lines = [head, "-" * len(head)]
    for t in traces:
        values = t.forward if direction == "forward" else t.backward
        mark = "*" if MATCHED[t.activation] == t.scheme else " "
        cells = "".join(f"{values[p - 1]:>10.3g}" for p in points)
        factor = change(t, direction)
        lines.append(f"{t.activation:<10} {t.scheme + mark:<7}{cells}{'x' + format(factor, '.3g'):>11}  "
                     f"{verdict(factor)}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m varscale demo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layers", type=int, default=50, help="depth L (default 50)")
    p.add_argument("--width", type=int, default=512, help="width W of every layer (default 512)")
    p.add_argument("--batch", type=int, default=256, help="inputs per forward pass (default 256)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--out", default="demo.png", help="PNG plot (needs matplotlib; default demo.png)")
    p.add_argument("--no-plot", action="store_true", help="only print the tables")
    args = p.parse_args(argv)
    for name in ("layers", "width", "batch"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")

    traces = run_all(layers=args.layers, width=args.width, batch=args.batch, seed=args.seed, dtype=args.dtype)
    print(f"{args.layers}-layer MLP, width {args.width}, batch {args.batch}, {args.dtype}, seed {args.seed}; "
          "* = the pairing the scheme was derived for")
    print("\nforward: variance of the activations after layer L")
    print(format_table(traces, "forward"))
    print(f"\nbackward: variance of the gradient at the input of layer L (it enters layer {args.layers} "
          "with variance 1 and flows down to L1)")
    print(format_table(traces, "backward"))
    print(NOTES)
    if not args.no_plot:
        from .plots import plot_demo
        written = plot_demo(traces, args.out, MATCHED)
        print(f"\nwrote {args.out}" if written else "\nmatplotlib is not installed: no plot (pip install matplotlib)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
