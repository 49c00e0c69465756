"""Print criterion's median throughputs (from target/criterion/**/new/*.json).

Usage: python benches/summarize.py [FILTER_REGEX]
Run after `cargo bench --bench kernels`; prints one line per benchmark:
name, median time per iteration, and median throughput in G elements/s.
"""

import json
import pathlib
import re
import sys


def main() -> None:
    pattern = re.compile(sys.argv[1] if len(sys.argv) > 1 else ".")
    root = pathlib.Path(__file__).resolve().parent.parent / "target" / "criterion"
    rows = []
    for bench in sorted(root.glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        name = meta["full_id"]
        if not pattern.search(name):
            continue
        median_ns = est["median"]["point_estimate"]
        elems = (meta.get("throughput") or {}).get("Elements")
        rate = f"{elems / median_ns:8.3f} G/s" if elems else ""
        rows.append((name, median_ns, rate))
    width = max((len(r[0]) for r in rows), default=10)
    for name, ns, rate in rows:
        print(f"{name:<{width}}  {ns / 1e6:10.3f} ms  {rate}")


if __name__ == "__main__":
    main()
