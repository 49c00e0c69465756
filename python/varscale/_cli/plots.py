"""PNG plots for the CLI (``demo`` and ``bench``); matplotlib is optional.

Each function returns False, without writing anything, when matplotlib
cannot be imported, so the callers can still print their tables.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Sequence


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")  # files only: no display needed (CI, servers)
    import matplotlib.pyplot as plt
    return plt


def _check_path(path: str) -> str:
    path = os.fspath(path)
    if not path.lower().endswith(".png"):
        raise ValueError(f"plot file must end in .png, got {path!r}")
    return path


def plot_demo(traces: Sequence[Any], path: str, matched_schemes: Dict[str, str]) -> bool:
    """Forward and backward variance against depth, log scale, one line per
    (scheme, activation); colour = activation, line style = scheme, matched
    pairings (``matched_schemes``: activation -> scheme) drawn thick.
    ``traces`` are :class:`varscale._cli.demo.Trace`."""
    path = _check_path(path)
    plt = _pyplot()
    if plt is None:
        return False
    colours = {"tanh": "tab:blue", "relu": "tab:red", "selu": "tab:green"}
    styles = {"xavier": "-", "he": "--", "lecun": ":"}
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.5), sharex=True)
    for t in traces:
        layers = range(1, len(t.forward) + 1)
        matched = matched_schemes.get(t.activation) == t.scheme
        kw = dict(color=colours.get(t.activation), linestyle=styles.get(t.scheme, "-"),
                  linewidth=2.6 if matched else 1.2, label=f"{t.activation} + {t.scheme}" + (" *" if matched else ""))
        axes[0].plot(layers, t.forward, **kw)
        axes[1].plot(layers, t.backward, **kw)
    axes[0].set_title("forward: variance of the activations after layer l")
    axes[1].set_title("backward: variance of the gradient at the input of layer l\n(enters at the top with variance 1)")
    for ax in axes:
        ax.set_yscale("log")
        ax.set_xlabel("layer l")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("variance (log scale)")
    axes[1].legend(fontsize=8, loc="best", title="* derived pairing", title_fontsize=8)
    fig.suptitle(f"{len(traces[0].forward)}-layer MLP: Xavier for tanh, He for ReLU, LeCun for SELU "
                 "(square layers: the xavier and lecun curves coincide)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_bench(rows: List[Dict[str, Any]], path: str, title: str = "varscale benchmark") -> bool:
    """Horizontal bars of G samples/s for every benchmark row (``group``,
    ``name``, ``gsamples_per_s``), grouped as the benchmark printed them."""
    path = _check_path(path)
    plt = _pyplot()
    if plt is None:
        return False
    if not rows:
        raise ValueError("no benchmark rows to plot")
    labels = [f"{r['group']}: {r['name']}" for r in rows]
    values = [r["gsamples_per_s"] for r in rows]
    groups = list(dict.fromkeys(r["group"] for r in rows))
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colours = [palette[groups.index(r["group"]) % len(palette)] for r in rows]
    fig, ax = plt.subplots(figsize=(11, 0.3 * len(rows) + 1.5))
    y = list(range(len(rows)))[::-1]  # first row on top
    ax.barh(y, values, color=colours)
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    for yi, v in zip(y, values):
        ax.text(v, yi, f" {v:.3g}", va="center", fontsize=7)
    ax.set_xlabel("G samples/s (median; higher is faster)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
