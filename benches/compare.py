"""Side-by-side benchmark of varscale against NumPy (and torch/JAX when
installed) and the machine's own fill limit, measured in one process.

Usage: python benches/compare.py [--gib 1] [--repeat 7] [--json out.json]
(same as `python -m varscale bench` once installed; see benches/README.md).
"""

import sys

from varscale._cli.bench import main

if __name__ == "__main__":
    sys.exit(main())
