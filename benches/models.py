"""Whole-model initialisation: stock transformers vs varscale, side by side.

    python benches/models.py --rounds 3 --json benches/results/models.json

For GPT-2 small (124M parameters) and a ~1.1B-parameter Llama (TinyLlama's
shape: hidden 2048, 22 layers, 32000 tokens), built from config objects,
float32 on the CPU, one process, cases run round-robin (one of each per
round) and medians quoted:

* ``stock``: ``Model(config)``, transformers' own init on torch;
* ``fast_init``: the same inside ``varscale.torch.fast_init(seed=0)``;
* ``fast_init, eager``: the same with deferral off
  (``varscale.torch._fast_init.deferral.ENABLED = False``): every fill
  written, including those ``_init_weights`` overwrites -- the cost of the
  double work;
* ``meta+init``: built under ``torch.device("meta")``, then
  ``varscale.torch.materialize`` (``to_empty`` + ``init_module``);
* ``limit``: allocate every parameter and buffer of the model
  (``torch.empty``) and constant-fill it (``fill_``), nothing else;
* ``limit, batched``: the same allocations, constant-filled by one
  ``varscale._backend.fill_many`` call (the batched write ``fast_init``
  ends with). Ratios are quoted against the faster of the two limits.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
from typing import Any, Callable, Dict, List

import torch
import transformers

import varscale.torch as vinit
from varscale import _backend
from varscale.torch._fast_init import deferral


def gpt2_small() -> Callable[[], torch.nn.Module]:
    config = transformers.GPT2Config()  # 124M: 12 layers, 768 wide, 50257 tokens
    return lambda: transformers.GPT2LMHeadModel(config)


def llama_1b() -> Callable[[], torch.nn.Module]:
    config = transformers.LlamaConfig(vocab_size=32000, hidden_size=2048, intermediate_size=5632,
                                      num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4,
                                      max_position_embeddings=2048)
    return lambda: transformers.LlamaForCausalLM(config)


MODELS = {"gpt2-small": gpt2_small, "llama-1.1b": llama_1b}


def cases(make: Callable[[], torch.nn.Module]) -> Dict[str, Callable[[], Any]]:
    with torch.device("meta"):
        shapes = [t.shape for t in list(make().parameters()) + list(make().buffers())]

    def fast() -> torch.nn.Module:
        with vinit.fast_init(seed=0):
            return make()

    def fast_eager() -> torch.nn.Module:
        deferral.ENABLED = False
        try:
            return fast()
        finally:
            deferral.ENABLED = True

    def meta_init() -> torch.nn.Module:
        with torch.device("meta"):
            model = make()
        return vinit.materialize(model, seed=0)

    def limit() -> List[torch.Tensor]:
        return [torch.empty(shape).fill_(0.5) for shape in shapes]

    def limit_batched() -> List[torch.Tensor]:
        tensors = [torch.empty(shape) for shape in shapes]
        value = _backend.constant(0.5)
        _backend.fill_many([(t, value, 0, 0) for t in tensors])
        return tensors

    return {"stock": make, "fast_init": fast, "fast_init, eager": fast_eager, "meta+init": meta_init,
            "limit": limit, "limit, batched": limit_batched}


def run(names: List[str], rounds: int) -> Dict[str, Any]:
    results: Dict[str, Any] = {"threads": torch.get_num_threads(), "loadavg_before": os.getloadavg(),
                               "torch": torch.__version__, "transformers": transformers.__version__,
                               "rounds": rounds, "models": {}}
    for name in names:
        make = MODELS[name]()
        with torch.device("meta"):
            n_params = sum(p.numel() for p in make().parameters())
        todo = cases(make)
        times: Dict[str, List[float]] = {case: [] for case in todo}
        for _ in range(rounds):
            for case, fn in todo.items():
                gc.collect()
                start = time.perf_counter()
                out = fn()
                times[case].append(time.perf_counter() - start)
                del out
        results["models"][name] = {"parameters": n_params, "seconds": times}
    results["loadavg_after"] = os.getloadavg()
    return results


def report(results: Dict[str, Any]) -> str:
    header = (f"torch {results['torch']}, transformers {results['transformers']}, {results['threads']} threads, "
              f"{results['rounds']} rounds, load average before {results['loadavg_before'][0]:.2f}, after "
              f"{results['loadavg_after'][0]:.2f}")
    lines = [header, "",
             "| model | case | median s | min-max s | stock / case | case / limit (the faster of the two) |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, entry in results["models"].items():
        med = {case: statistics.median(ts) for case, ts in entry["seconds"].items()}
        best_limit = min(med["limit"], med["limit, batched"])
        for case, ts in entry["seconds"].items():
            lines.append(f"| {name} ({entry['parameters'] / 1e6:.0f}M) | {case} | {med[case]:.2f} | "
                         f"{min(ts):.2f}-{max(ts):.2f} | {med['stock'] / med[case]:.1f}x | "
                         f"{med[case] / best_limit:.2f}x |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {list(MODELS)}")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the raw times here")
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    results = run(args.models.split(","), args.rounds)
    print(report(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
