"""varscale.conv_fans: correct fans of grouped and transposed convolutions
(no torch needed; tests/test_torch_module.py checks them against torch's
own convolutions)."""

import numpy as np
import pytest

import varscale
from varscale._conv import torch_fans


@pytest.mark.parametrize("shape, groups, transposed, fans", [
    ((64, 3, 7, 7), 1, False, (147, 3136)),          # plain conv: same as torch
    ((4, 1, 3, 3), 4, False, (9, 9)),                # depthwise Conv2d(4, 4, 3, groups=4): pytorch#23854
    ((64, 8, 3, 3), 8, False, (72, 72)),             # Conv2d(64, 64, 3, groups=8)
    ((128, 16, 5), 4, False, (80, 160)),             # Conv1d(64, 128, 5, groups=4)
    ((16, 32, 4, 4), 1, True, (256, 512)),           # ConvTranspose2d(16, 32, 4)
    ((64, 16, 3, 3), 4, True, (144, 144)),           # ConvTranspose2d(64, 64, 3, groups=4)
    ((8, 2, 3, 3, 3), 2, True, (108, 54)),           # ConvTranspose3d(8, 4, 3, groups=2)
    ((30, 20), 1, False, (20, 30)),                  # a Linear weight
])
def test_conv_fans(shape, groups, transposed, fans):
    assert varscale.conv_fans(shape, groups=groups, transposed=transposed) == fans
    assert varscale.conv_fans(np.empty(shape, np.float32), groups=groups, transposed=transposed) == fans


def test_differs_from_torch_exactly_by_the_group_factor_and_the_transpose():
    shape, g = (64, 8, 3, 3), 8
    fi, fo = torch_fans(shape)
    assert varscale.conv_fans(shape, groups=g) == (fi, fo // g)
    # transposed: torch reads (C_in, C_out/g, k) as (out, in, k)
    tfi, tfo = torch_fans(shape)
    assert varscale.conv_fans(shape, groups=g, transposed=True) == (tfo // g, tfi)
    assert varscale.conv_fans(shape) == torch_fans(shape) == varscale.compute_fans(shape)


class FakeConv:
    """Duck-typed module: weight, groups, transposed."""

    def __init__(self, shape, groups, transposed):
        self.weight = np.empty(shape, np.float32)
        self.groups, self.transposed = groups, transposed


def test_module_like_objects():
    assert varscale.conv_fans(FakeConv((64, 16, 3, 3), 4, True)) == (144, 144)
    with pytest.raises(TypeError, match="from the module"):
        varscale.conv_fans(FakeConv((64, 16, 3, 3), 4, True), groups=4)


@pytest.mark.parametrize("args, kwargs, exc, match", [
    (((5,),), {}, ValueError, "fewer than 2 dimensions"),
    (((6, 2, 3),), {"groups": 4}, ValueError, "groups=4 does not divide"),
    (((6, 2, 3),), {"groups": 0}, ValueError, "groups must be a positive integer, got 0"),
    (((6, 2, 3),), {"groups": 1.5}, TypeError, "groups"),
    (((6, 2, 3),), {"transposed": 1}, TypeError, "transposed"),
    (((6, -2, 3),), {}, ValueError, "negative"),
    ((3.5,), {}, TypeError, "conv module"),
])
def test_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        varscale.conv_fans(*args, **kwargs)
