"""Optional dependencies: a clear ImportError naming the extra to install.

``varscale.torch``, ``varscale.dtensor`` and ``varscale.dask`` import their
framework inside ``try``/``except ImportError`` and raise :func:`missing`'s
error, so that an absent framework is reported as
``pip install "varscale[torch]"`` rather than as a bare
``ModuleNotFoundError`` from deep inside the module.
"""

from __future__ import annotations


def missing(package: str, extra: str, feature: str, error: ImportError) -> ImportError:
    """The ImportError for ``varscale.<feature>`` when ``package`` cannot be imported.

    Parameters
    ----------
    package : str
        The dependency, e.g. ``"torch"`` or ``"dask"``.
    extra : str
        The extra of varscale's ``pyproject.toml`` that installs it.
    feature : str
        The varscale module that needs it, for the message.
    error : ImportError
        The original error (raise the result ``from`` it).

    Returns
    -------
    ImportError
        Its message names the package, the original error and the install
        command ``pip install "varscale[<extra>]"``.
    """
    return ImportError(f"varscale.{feature} needs {package}, which is not installed or failed to import "
                       f"({error}); install it with: pip install \"varscale[{extra}]\"", name=package)
