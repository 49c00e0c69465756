"""The recommended gain of each nonlinearity (torch.nn.init.calculate_gain)."""

from __future__ import annotations

import math
from typing import Optional, Union

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
NONLINEARITIES = (*_LINEAR, "sigmoid", "tanh", "relu", "leaky_relu", "selu")


def calculate_gain(nonlinearity: str, param: Optional[Union[int, float]] = None) -> float:
    """Recommended gain for a nonlinearity, exactly as ``torch.nn.init.calculate_gain``.

    The gain multiplies the standard deviation of Xavier and He
    initialisation so that a layer followed by the nonlinearity keeps the
    variance of its activations.

    ================= ====================================================
    nonlinearity      gain
    ================= ====================================================
    linear, conv*,    1
    sigmoid
    tanh              5/3
    relu              sqrt(2)
    leaky_relu        sqrt(2 / (1 + negative_slope^2)), slope default 0.01
    selu              3/4
    ================= ====================================================

    Parameters
    ----------
    nonlinearity : str
        One of the names above.
    param : int or float, optional
        The negative slope of ``leaky_relu``.

    Returns
    -------
    float
        The gain (the int 1 for the linear ones, as torch).

    Raises
    ------
    ValueError
        For an unknown nonlinearity, or a slope that is not a finite int
        or float (torch accepts NaN/inf slopes; varscale refuses them).

    Examples
    --------
    >>> calculate_gain("relu")
    1.4142135623730951
    >>> calculate_gain("leaky_relu", 0.2)
    1.3867504905630728
    """
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope: float = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        if not math.isfinite(slope):
            raise ValueError(f"negative_slope {param} not a valid number")
        if abs(slope) > 1e150:  # slope**2 would overflow; sqrt(1 + s^2) = |s| to double precision here
            return math.sqrt(2.0) / abs(float(slope))
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}; expected one of {NONLINEARITIES}")
