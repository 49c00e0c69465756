"""``python -m varscale checkpoint CONFIG OUT_DIR``: a Hugging Face seed checkpoint, straight to safetensors."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from typing import Any, Callable, List, Optional

from ..torch._checkpoint.safetensors_writer import INDEX_FILE, SAFETENSORS_DTYPES, parse_size

DTYPES = [d for d in SAFETENSORS_DTYPES if d.startswith(("float", "bfloat"))]


class UsageError(Exception):
    """A problem with the command line or its files, reported in one line."""


def load_config(path: str) -> Any:
    """A transformers config from a ``config.json`` or the directory holding one."""
    import transformers

    file = os.path.join(path, "config.json") if os.path.isdir(path) else path
    if not os.path.isfile(file):
        raise UsageError(f"no config.json at {path!r}: give a Hugging Face config.json or its directory")
    try:
        with open(file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read {file}: {e}") from e
    model_type = data.pop("model_type", None)
    if not isinstance(model_type, str):
        raise UsageError(f"{file} has no \"model_type\"; it is not a Hugging Face model config")
    try:
        return transformers.AutoConfig.for_model(model_type, **data)
    except ValueError as e:
        raise UsageError(f"unknown architecture {model_type!r} for transformers {transformers.__version__}: "
                         f"{str(e).splitlines()[0]}") from e


def model_builder(config: Any) -> Callable[[], Any]:
    """The zero-argument builder of the config's model class (its ``architectures``, else a causal LM or base model)."""
    import transformers

    for arch in getattr(config, "architectures", None) or []:
        cls = getattr(transformers, arch, None)
        if cls is not None:
            return lambda: cls._from_config(config)
    for auto in (transformers.AutoModelForCausalLM, transformers.AutoModel):
        try:
            auto._model_mapping[type(config)]
        except KeyError:
            continue
        return lambda: auto.from_config(config)  # type: ignore[no-untyped-call]
    raise UsageError(f"transformers has no model class for {type(config).__name__}")


def prepare_out_dir(out_dir: str, force: bool) -> None:
    """Create ``out_dir``; refuse a non-empty one unless ``force`` (then remove old checkpoint files only)."""
    os.makedirs(out_dir, exist_ok=True)
    present = os.listdir(out_dir)
    if present and not force:
        raise UsageError(f"{out_dir} is not empty ({len(present)} entries); choose an empty directory or pass --force")
    for name in present:
        if name == "config.json" or name == INDEX_FILE or (name.startswith("model") and name.endswith(".safetensors")):
            os.unlink(os.path.join(out_dir, name))


class ProgressBar:
    """One self-rewriting line on stderr: bytes written of the total, and GB/s."""

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.stream = stream or sys.stderr
        self.last = 0.0

    def __call__(self, nbytes: int) -> None:
        self.done += nbytes
        now = time.perf_counter()
        if now - self.last >= 0.2 or self.done >= self.total:
            self.last = now
            rate = self.done / max(now - self.start, 1e-9) / 1e9
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done / 1e9:6.2f}/"
                              f"{self.total / 1e9:.2f} GB  {rate:5.2f} GB/s")
            self.stream.flush()

    def close(self) -> None:
        """End the line."""
        self.stream.write("\n")
        self.stream.flush()


def run(argv: Optional[List[str]] = None) -> int:
    """Entry point of ``python -m varscale checkpoint``; returns the exit status."""
    p = argparse.ArgumentParser(prog="python -m varscale checkpoint",
                                description="Write a Hugging Face model's initial weights (its own init code, drawn "
                                            "by varscale) as safetensors, in bounded memory.")
    p.add_argument("config", help="config.json of a Hugging Face model, or its directory")
    p.add_argument("out_dir", help="directory for config.json and the safetensors files (must be empty)")
    p.add_argument("--seed", type=int, required=True, help="seed of every random tensor (0 <= seed < 2**64)")
    p.add_argument("--dtype", choices=DTYPES, default=None, help="element type of the weights (default: the model's)")
    p.add_argument("--max-shard-size", default="5GB", help="largest shard, e.g. 5GB (10^9) or 4GiB (default 5GB)")
    p.add_argument("--force", action="store_true", help="write into a non-empty directory, replacing a checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    try:
        return _write(args)
    except (UsageError, ValueError, TypeError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted: no complete checkpoint was written", file=sys.stderr)
        return 130


def _write(args: argparse.Namespace) -> int:
    from ..torch._checkpoint.plan import plan_init

    parse_size(args.max_shard_size)
    if not 0 <= args.seed < 2**64:
        raise UsageError(f"--seed {args.seed} must be in [0, 2**64)")
    config = load_config(args.config)
    prepare_out_dir(args.out_dir, args.force)
    t0 = time.perf_counter()
    plan = plan_init(model_builder(config), seed=args.seed)
    planned = time.perf_counter() - t0
    if args.dtype is not None:
        config.dtype = args.dtype  # what from_pretrained(dtype="auto") loads
    total = plan.nbytes(args.dtype)
    free = shutil.disk_usage(args.out_dir).free
    if total > free:
        raise UsageError(f"the checkpoint needs {total / 1e9:.2f} GB but {args.out_dir} has {free / 1e9:.2f} GB free")
    bar = None if args.quiet else ProgressBar(total)
    t1 = time.perf_counter()
    try:
        files = plan.save_safetensors(args.out_dir, max_shard_size=args.max_shard_size, dtype=args.dtype,
                                      progress=bar, extra_files=[("config.json", config.to_json_string().encode())])
    finally:
        if bar is not None:
            bar.close()
    wrote = time.perf_counter() - t1
    print(f"wrote {len(files)} files, {total / 1e9:.2f} GB, to {args.out_dir} in {wrote:.1f} s "
          f"({total / 1e9 / max(wrote, 1e-9):.2f} GB/s; planning {planned:.1f} s)")
    return 0
