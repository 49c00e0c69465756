"""The small-tensor cases of ``python -m varscale bench`` (issue 14): the cost
of one call on a (768,) tensor, and of filling many small tensors (1,500
``nn.Linear(64, 64)`` weights) one call each or in one batched call, each
against torch's own in-place ops when torch is installed.

Every case of a group runs once per round, round-robin, for ``repeat``
rounds; the table shows medians. A per-call case times a loop of
``PER_CALL_LOOP`` calls per round and reports the time of one call.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

import varscale
from varscale import _backend

from .timing import Table, round_robin

PER_CALL_SHAPE = (768,)
PER_CALL_LOOP = 2000
MANY_COUNT, MANY_SHAPE = 1500, (64, 64)
#: ``kaiming_uniform_(a=sqrt(5))`` of ``nn.Linear(64, 64)``: U(-1/8, 1/8).
LINEAR_BOUND = 0.125

Cases = List[Tuple[str, Callable[[], Any]]]


def _torch() -> Optional[Any]:
    try:
        import torch
    except ImportError:
        print("  torch not installed: its cases are skipped")
        return None
    return torch


def _loop(fn: Callable[[], Any], count: int) -> Callable[[], None]:
    def run() -> None:
        for _ in range(count):
            fn()
    return run


def per_call(table: Table, repeat: int, threads: Optional[int]) -> Dict[str, float]:
    """One call on a (768,) float32 tensor; returns each case's ratio to
    torch's ``Tensor.normal_`` (time; below 1 is faster than torch)."""
    g = "per-call"
    n = int(np.prod(PER_CALL_SHAPE))
    print(f"\none call on a {PER_CALL_SHAPE} float32 tensor (loops of {PER_CALL_LOOP} calls), median of {repeat}:")
    a = np.empty(PER_CALL_SHAPE, np.float32)
    cases: Cases = [("varscale.normal_ (numpy, seed given)",
                     _loop(lambda: varscale.normal_(a, 0.0, 0.02, seed=0, threads=threads), PER_CALL_LOOP))]
    torch = _torch()
    if torch is not None:
        import varscale.torch as vt

        t = torch.empty(PER_CALL_SHAPE)
        cases += [("varscale.torch.normal_ (seed given)",
                   _loop(lambda: vt.normal_(t, 0.0, 0.02, seed=0), PER_CALL_LOOP)),
                  ("torch Tensor.normal_", _loop(lambda: t.normal_(0.0, 0.02), PER_CALL_LOOP))]
    times = round_robin(cases, repeat)
    for name, ts in times.items():
        table.add(g, name, [x / PER_CALL_LOOP for x in ts], n, 4 * n)
    return _ratios(table, g, [name for name, _ in cases], "torch Tensor.normal_")


def many_small(table: Table, repeat: int, threads: Optional[int]) -> Dict[str, float]:
    """1,500 (64, 64) float32 tensors filled with the ``nn.Linear`` default
    U(-1/8, 1/8): a loop of varscale calls, one ``_backend.fill_many``, and
    torch's loop; returns each case's ratio to torch's loop (time)."""
    g = "many-small"
    n = MANY_COUNT * int(np.prod(MANY_SHAPE))
    print(f"\n{MANY_COUNT} x {MANY_SHAPE} float32 tensors, U(-{LINEAR_BOUND}, {LINEAR_BOUND}), median of {repeat}:")
    b = LINEAR_BOUND
    arrays = [np.empty(MANY_SHAPE, np.float32) for _ in range(MANY_COUNT)]

    def varscale_loop(outs: List[Any]) -> None:
        for i, out in enumerate(outs):
            varscale.uniform_(out, -b, b, seed=0, stream=i, threads=threads)

    def batched(outs: List[Any]) -> None:
        dist = _backend.uniform(-b, b)
        _backend.fill_many([(out, dist, 0, i) for i, out in enumerate(outs)], threads)

    cases: Cases = [("varscale.uniform_ loop (numpy)", lambda: varscale_loop(arrays)),
                    ("_backend.fill_many (numpy)", lambda: batched(arrays))]
    torch = _torch()
    if torch is not None:
        tensors = [torch.empty(MANY_SHAPE) for _ in range(MANY_COUNT)]

        def torch_loop() -> None:
            for t in tensors:
                t.uniform_(-b, b)

        import varscale.torch as vt

        # the issue's own case: a model of 1,500 Linear(64, 64) (weights and
        # biases), varscale's init_module against torch's reset_parameters loop
        model = torch.nn.Sequential(*(torch.nn.Linear(*MANY_SHAPE) for _ in range(MANY_COUNT)))

        def torch_reset() -> None:
            for m in model:
                m.reset_parameters()

        cases += [("varscale.uniform_ loop (torch tensors)", lambda: varscale_loop(tensors)),
                  ("_backend.fill_many (torch tensors)", lambda: batched(tensors)),
                  ("torch Tensor.uniform_ loop", torch_loop),
                  ("varscale.torch.init_module (1,500 Linear)", lambda: vt.init_module(model, seed=0)),
                  ("torch reset_parameters loop (1,500 Linear)", torch_reset)]
    for name, ts in round_robin(cases, repeat).items():
        table.add(g, name, ts, n, 4 * n)
    ratios = _ratios(table, g, [name for name, _ in cases if "1,500 Linear" not in name], "torch Tensor.uniform_ loop")
    ratios.update(_ratios(table, g, [name for name, _ in cases if "1,500 Linear" in name],
                          "torch reset_parameters loop (1,500 Linear)"))
    return ratios


def _ratios(table: Table, group: str, names: List[str], reference: str) -> Dict[str, float]:
    """Median time of each case over the reference case's (when it ran)."""
    if reference not in names:
        return {}
    ref = float(table.find(group, reference)["median_s"])
    ratios = {f"{name} / {reference}": float(table.find(group, name)["median_s"]) / ref
              for name in names if name != reference}
    for k, v in ratios.items():
        print(f"  {group} {k:<76} {v:6.2f}x")
    return ratios
