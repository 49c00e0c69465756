"""varscale: Xavier/He/LeCun weight initialisation at memory speed.

A Rust core fills large buffers in parallel with uniform, normal and
truncated-normal samples from a counter-based generator (ARS4x32-7): every
element is a pure function of (seed, stream, flat index, parameters), so
results are bit-identical for any thread count, and any slice can be
generated alone. Fresh arrays are returned without a copy.

>>> import varscale
>>> w = varscale.kaiming_uniform((4096, 4096), nonlinearity="relu", seed=0)
>>> varscale.xavier_normal_(w, seed=0, stream=1)   # in place, like torch.nn.init

The initialisers are listed once, in ``varscale._registry``; the functions
below, their in-place twins, :class:`Generator`'s methods and
``varscale.dask`` are made from it. ``varscale.torch`` (imported on its own,
needs torch) has drop-ins for the ``torch.nn.init`` functions and
``init_module`` for whole models.
"""

from . import _api, _core
from ._api import *  # noqa: F403  (the initialisers and their twins, as the registry lists them)
from ._conv import conv_fans
from ._fans import LAYOUTS, compute_fans
from ._gain import NONLINEARITIES, calculate_gain
from ._generator import Generator
from ._specs import TRUNCATED_STD_2

__version__: str = _core.__version__
#: Name of the counter-based generator behind every sample.
GENERATOR: str = _core.GENERATOR

__all__ = ["GENERATOR", "LAYOUTS", "NONLINEARITIES", "TRUNCATED_STD_2", "Generator", "calculate_gain", "compute_fans",
           "conv_fans", *_api.__all__]
