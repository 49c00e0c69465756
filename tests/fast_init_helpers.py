"""Shared checks for the fast_init tests: a model built stock vs inside
``fast_init`` has the same distributions, the same constants and buffers,
and the same ties."""

from __future__ import annotations

from typing import Callable, Dict

import torch
from scipy import stats

#: Family-wise false-failure rate of the KS checks of one model (Bonferroni).
ALPHA = 1e-3


def _tensors(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    out = {name: p.detach() for name, p in model.named_parameters(remove_duplicate=False)}
    out.update({name: b for name, b in model.named_buffers()})
    return out


def _ties(model: torch.nn.Module) -> set:
    """Pairs of names that are the same Parameter object."""
    by_id: Dict[int, list] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        by_id.setdefault(id(p), []).append(name)
    return {tuple(sorted(names)) for names in by_id.values() if len(names) > 1}


def assert_same_init(make: Callable[[], torch.nn.Module], fast: torch.nn.Module) -> int:
    """``fast`` (built under varscale) against two stock builds of ``make``
    with different torch seeds: tensors equal in both stock builds (constants,
    buffers) must be equal in ``fast``; the others pass a two-sample KS test
    against the first stock build at ``ALPHA`` / their number. Returns the
    number of KS tests."""
    torch.manual_seed(0)
    stock = make()
    torch.manual_seed(1)
    stock2 = make()
    a, b, f = _tensors(stock), _tensors(stock2), _tensors(fast)
    assert a.keys() == f.keys()
    assert _ties(stock) == _ties(fast)
    random = [name for name in a if not torch.equal(a[name], b[name])]
    for name in a:
        assert f[name].dtype == a[name].dtype and f[name].shape == a[name].shape, name
        if name not in random:
            assert torch.equal(f[name], a[name]), f"{name}: constant/buffer differs"
    for name in random:
        x = a[name].double().flatten().numpy()
        y = f[name].double().flatten().numpy()
        p = stats.ks_2samp(x, y).pvalue
        assert p > ALPHA / len(random), f"{name}: KS p={p:.2e} (n={x.size})"
    return len(random)
