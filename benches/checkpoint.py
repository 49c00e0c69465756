"""Seed checkpoint benchmark: varscale's CLI against the disk's write limit and stock transformers.

Cases, each in a fresh child process (for its peak RSS), round-robin, medians:

- ``limit``: write a constant file of the checkpoint's size in 64 MiB blocks,
  then fsync: the machine's sequential write speed;
- ``varscale``: ``python -m varscale checkpoint`` (plan on meta, generate each
  window into the mapped file, fsync, rename);
- ``stock`` (``--stock``, a config that fits in memory): ``from_config`` then
  ``save_pretrained``, as a seed-checkpoint script does today.

Usage::

    python benches/checkpoint.py --preset llama-7b --dtype bfloat16 --repeat 3 --out benches/results/checkpoint-7b.json
    python benches/checkpoint.py --preset llama-1b --dtype bfloat16 --repeat 3 --stock
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import Any, Dict, List

PRESETS: Dict[str, Dict[str, Any]] = {
    # Llama-2-7B's shapes (6.74 B parameters)
    "llama-7b": dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                     num_key_value_heads=32, vocab_size=32000),
    # about 1.1 B parameters (TinyLlama's shapes)
    "llama-1b": dict(hidden_size=2048, intermediate_size=5632, num_hidden_layers=22, num_attention_heads=32,
                     num_key_value_heads=4, vocab_size=32000),
    "llama-tiny": dict(hidden_size=256, intermediate_size=688, num_hidden_layers=4, num_attention_heads=8,
                       num_key_value_heads=8, vocab_size=32000),
}

# VmHWM: the child's own peak (ru_maxrss would include what it inherits from this process)
_CHILD_TAIL = """
import json
with open("/proc/self/status") as f:
    hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_rss_mib": hwm / 1024, "base_rss_mib": base_kib / 1024}))
"""

# the resident set after imports, before the timed work
_BASE = """
with open("/proc/self/status") as f:
    base_kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
"""


def _child(code: str) -> Dict[str, Any]:
    code = textwrap.dedent(code).replace("BASE\n", _BASE.lstrip("\n"))
    out = subprocess.run([sys.executable, "-c", code + _CHILD_TAIL], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result: Dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def limit_case(path: str, size: int) -> Dict[str, Any]:
    """Write ``size`` constant bytes sequentially, then fsync."""
    return _child(f"""
        import os, time
        BASE
        block = b"\\x3c" * (64 << 20)
        t = time.perf_counter()
        fd = os.open({path!r}, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        left = {size}
        while left > 0:
            left -= os.write(fd, block[:min(left, len(block))])
        os.fsync(fd)
        os.close(fd)
        seconds = time.perf_counter() - t
    """)


def varscale_case(config_dir: str, out_dir: str, dtype: str) -> Dict[str, Any]:
    """``python -m varscale checkpoint`` in a child, timed from before the plan to the last rename."""
    return _child(f"""
        import time, torch, transformers
        from varscale._cli.checkpoint import run
        transformers.AutoConfig.from_pretrained({config_dir!r})  # the same imports as the stock case, untimed
        BASE
        t = time.perf_counter()
        assert run([{config_dir!r}, {out_dir!r}, "--seed", "0", "--dtype", {dtype!r}, "--quiet", "--force"]) == 0
        seconds = time.perf_counter() - t
    """)


def stock_case(config_dir: str, out_dir: str, dtype: str) -> Dict[str, Any]:
    """``from_config`` + ``save_pretrained`` in a child."""
    return _child(f"""
        import time, torch, transformers
        cfg = transformers.AutoConfig.from_pretrained({config_dir!r})
        BASE
        t = time.perf_counter()
        model = transformers.AutoModelForCausalLM.from_config(cfg, dtype=getattr(torch, {dtype!r}))
        model.save_pretrained({out_dir!r})
        seconds = time.perf_counter() - t
    """)


def main() -> None:
    """Run the cases round-robin and print medians and ratios."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS), default="llama-7b")
    p.add_argument("--dtype", default="bfloat16")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--stock", action="store_true", help="also time from_config + save_pretrained")
    p.add_argument("--dir", default=None, help="scratch directory (default: a temporary one)")
    p.add_argument("--out", default=None, help="write the results as JSON here")
    args = p.parse_args()
    import transformers

    scratch = tempfile.mkdtemp(prefix="varscale-ckpt-", dir=args.dir)
    cfg = transformers.LlamaConfig(**PRESETS[args.preset], architectures=["LlamaForCausalLM"])
    cfg_dir = os.path.join(scratch, "config")
    os.makedirs(cfg_dir)
    with open(os.path.join(cfg_dir, "config.json"), "w") as f:
        f.write(cfg.to_json_string())
    out_dir = os.path.join(scratch, "out")
    times: Dict[str, List[Dict[str, Any]]] = {"varscale": [], "limit": [], "stock": []}
    size = 0
    try:
        for rep in range(args.repeat):
            shutil.rmtree(out_dir, ignore_errors=True)
            times["varscale"].append(varscale_case(cfg_dir, out_dir, args.dtype))
            size = sum(os.path.getsize(os.path.join(out_dir, n)) for n in os.listdir(out_dir) if n.endswith("s"))
            shutil.rmtree(out_dir)
            times["limit"].append(limit_case(os.path.join(scratch, "limit.bin"), size))
            os.unlink(os.path.join(scratch, "limit.bin"))
            if args.stock:
                times["stock"].append(stock_case(cfg_dir, out_dir, args.dtype))
                shutil.rmtree(out_dir)
            print(f"round {rep + 1}: " + ", ".join(f"{k} {v[-1]['seconds']:.2f} s" for k, v in times.items() if v),
                  flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    summary: Dict[str, Any] = {"preset": args.preset, "dtype": args.dtype, "bytes": size, "repeat": args.repeat,
                               "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M:%S")}
    for case, runs in times.items():
        if runs:
            med = statistics.median(r["seconds"] for r in runs)
            summary[case] = {"median_s": med, "gb_per_s": size / med / 1e9,
                             "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
                             "peak_rss_above_start_mib": max(r["peak_rss_mib"] - r["base_rss_mib"] for r in runs),
                             "runs_s": [r["seconds"] for r in runs]}
    summary["varscale_vs_limit"] = summary["varscale"]["gb_per_s"] / summary["limit"]["gb_per_s"]
    if args.stock:
        summary["speedup_vs_stock"] = summary["stock"]["median_s"] / summary["varscale"]["median_s"]
    print(json.dumps(summary, indent=2))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
