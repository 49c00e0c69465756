# Tasks of varscale. `make ci` is what .ci/run (CI) runs.
PYTHON ?= python
PKG := python/varscale

.PHONY: help build format lint lint-rust lint-python typecheck stubs test bench ci

help:
	@echo "build      build the Rust extension into the active environment (maturin develop --release)"
	@echo "format     cargo fmt, and ruff check --fix over python/varscale"
	@echo "lint       cargo fmt --check, clippy -D warnings, ruff, stale stubs"
	@echo "typecheck  mypy --strict over python/varscale (configured in pyproject.toml)"
	@echo "stubs      regenerate the .pyi stubs from the registry"
	@echo "test       the README's test command: pip install \".[test]\", cargo test, pytest"
	@echo "bench      the side-by-side benchmark (python -m varscale bench)"
	@echo "ci         lint, typecheck, test"

build:
	maturin develop --release -q

format:
	cargo fmt
	$(PYTHON) -m ruff check --fix $(PKG)

lint: lint-rust lint-python

lint-rust:
	cargo fmt --check
	cargo clippy --release --all-targets -- -D warnings
	cargo clippy --release --features python --lib -- -D warnings

# needs the package installed (the stub check imports it) and ruff (in the test extra)
lint-python:
	$(PYTHON) -m ruff check $(PKG)
	$(PYTHON) -m varscale._stubgen --check

typecheck:
	$(PYTHON) -m mypy

stubs:
	$(PYTHON) -m varscale._stubgen

# verbatim the README's command: CI runs what a contributor runs
test:
	pip install ".[test]" && cargo test --release && python -m pytest

bench:
	$(PYTHON) -m varscale bench

# Rust gates first (fast, need nothing installed), then the install and tests,
# then the Python gates that need the installed package and its test extra
ci: lint-rust test lint-python typecheck
