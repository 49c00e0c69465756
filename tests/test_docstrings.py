"""Every public callable of every public module has a numpy-style docstring
with Parameters and Returns sections (classes: Parameters or Attributes)."""

import importlib
import inspect
import re

import pytest

MODULES = ["varscale", "varscale.torch", "varscale.dask", "varscale.dtensor"]
SECTION = r"^\s*{}\s*\n\s*-{{3,}}\s*$"


def _has(doc, section):
    return re.search(SECTION.format(section), doc, re.M) is not None


def problems(obj, where):
    """What ``obj``'s docstring lacks, as messages naming ``where``."""
    doc = obj.__doc__ or ""  # not inspect.getdoc: a docstring inherited from a base class does not count
    if not doc.strip():
        return [f"{where}: no docstring"]
    if inspect.isclass(obj):
        ok = _has(doc, "Parameters") or _has(doc, "Attributes")
        return [] if ok else [f"{where}: no Parameters or Attributes section"]
    out = []
    params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
    if params and not _has(doc, "Parameters"):
        out.append(f"{where}: no Parameters section")
    if not _has(doc, "Returns"):
        out.append(f"{where}: no Returns section")
    return out


def public_callables(module_name):
    """(qualified name, object) of every public function, class and method of the module."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # constants, tables and type aliases
        yield f"{module_name}.{name}", obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{module_name}.{name}.{attr}", member


def _skip_missing(module_name):
    for dependency in {"varscale.torch": "torch", "varscale.dtensor": "torch", "varscale.dask": "dask"}.get(
            module_name, "").split():
        pytest.importorskip(dependency)


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_callable_has_a_numpy_docstring(module_name):
    _skip_missing(module_name)
    found = list(public_callables(module_name))
    assert len(found) >= 2
    missing = [p for where, obj in found for p in problems(obj, where)]
    assert not missing, "\n".join(missing)


def test_the_check_fails_for_an_undocumented_function():
    def undocumented(x):
        return x

    def no_returns(x):
        """Doubles.

        Parameters
        ----------
        x : int
        """
        return 2 * x

    class Bare:
        pass

    assert problems(undocumented, "undocumented") == ["undocumented: no docstring"]
    assert problems(no_returns, "no_returns") == ["no_returns: no Returns section"]
    assert problems(Bare, "Bare") == ["Bare: no docstring"]


def test_help_shows_the_formula():
    import varscale

    assert "sqrt(6 / (fan_in + fan_out))" in varscale.xavier_uniform.__doc__
    assert varscale.kaiming_uniform.__doc__.startswith("He/Kaiming uniform")
    assert "In-place twin of :func:`varscale.uniform`" in varscale.uniform_.__doc__
    assert "this generator's seed" in varscale.Generator.normal.__doc__
