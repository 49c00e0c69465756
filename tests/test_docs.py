"""The ```python blocks of docs/*.md run and their assertions hold, so the
formulas the docs state are the ones the code implements. Blocks of a page
share a namespace in order; a block that imports torch, JAX or Dask is skipped
where that is not installed (and later blocks must not depend on it)."""

import importlib.util
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _needs(code):
    """The optional modules a block uses (imports it, or names from them)."""
    patterns = (("torch", r"\bimport torch\b|varscale\.torch|\btorch\.\w|\bvinit\."),
                ("jax", r"\bimport jax\b|\bjax\.\w|\bjnp\."),
                ("dask", r"\bimport dask\b|varscale\.dask"))
    return [m for m, pat in patterns if re.search(pat, code)]


def _blocks():
    for page in sorted(DOCS.glob("*.md")):
        for i, code in enumerate(FENCE.findall(page.read_text(encoding="utf-8"))):
            yield pytest.param(page, i, id=f"{page.name}:{i}")


def test_docs_exist():
    pages = {p.name for p in DOCS.glob("*.md")}
    assert {"index.md", "xavier.md", "kaiming.md", "lecun.md", "variance_scaling.md", "truncated_normal.md",
            "orthogonal.md", "torch.md", "demo.md"} <= pages
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in pages - {"index.md"}:
        assert f"({page}" in index, f"index.md does not link {page}"


@pytest.mark.parametrize("page, index", list(_blocks()))
def test_code_block(page, index):
    blocks = FENCE.findall(page.read_text(encoding="utf-8"))
    for module in _needs(blocks[index]):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    namespace = {"__name__": f"docs_{page.stem}"}
    for code in blocks[:index]:  # the page's earlier blocks that can run here
        if all(importlib.util.find_spec(m) is not None for m in _needs(code)):
            exec(compile(code, f"{page.name}", "exec"), namespace)
    exec(compile(blocks[index], f"{page.name}:{index}", "exec"), namespace)


# The formulas of the variance-scaling derivation that the docs must state
# (forward/backward conditions, Xavier's compromise, He, leaky ReLU, LeCun,
# the uniform's variance), each with the page it belongs on.
FORMULAS = [
    ("index.md", "n_in Var(w) = 1"),
    ("index.md", "n_out Var(w) = 1"),
    ("index.md", "a^2 / 3"),
    ("xavier.md", "Var(w) = 2 / (n_in + n_out)"),
    ("xavier.md", "sqrt(6 / (n_in + n_out))"),
    ("xavier.md", "sqrt(2 / (n_in + n_out))"),
    ("kaiming.md", "Var(w) = 2 / n_in"),
    ("kaiming.md", "Var(w) = 2 / n_out"),
    ("kaiming.md", "sqrt(2 / n_in)"),
    ("kaiming.md", "sqrt(6 / n_in)"),
    ("kaiming.md", 'mode="fan_out"'),
    ("kaiming.md", "sqrt(2 / (1 + a^2))"),
    ("lecun.md", "sqrt(1 / n_in)"),
    ("lecun.md", "sqrt(3 / n_in)"),
    ("lecun.md", "SELU"),
    ("variance_scaling.md", "0.87962566103423978"),
    ("orthogonal.md", "sign(diag(R))"),
    ("torch.md", "#23854"),
]


@pytest.mark.parametrize("page, formula", FORMULAS)
def test_formula_is_stated(page, formula):
    assert formula in (DOCS / page).read_text(encoding="utf-8")
