"""python -m varscale demo: the variance-preservation argument, checked on the
numbers it prints (fixed seeds; width 256, batch 128, 50 layers)."""

import math
import sys

import numpy as np
import pytest
from scipy import integrate

from varscale._cli import demo as _demo

L, KW = 50, dict(layers=50, width=256, batch=128, seed=0)


@pytest.fixture(scope="module")
def runs():
    return {(s, a): _demo.simulate(s, a, **KW) for a in _demo.ACTIVATIONS for s in _demo.SCHEMES}


def test_xavier_equals_lecun_for_square_layers(runs):
    for act in _demo.ACTIVATIONS:
        np.testing.assert_array_equal(runs["xavier", act].forward, runs["lecun", act].forward)
        np.testing.assert_array_equal(runs["xavier", act].backward, runs["lecun", act].backward)


def test_relu_xavier_halves_the_variance_at_every_layer(runs):
    """ReLU is positively homogeneous and Xavier's weights are He's times
    1/sqrt(2) (common random numbers): layer l's variance is He's times
    2^-l forward and 2^-(L-l+1) backward, to rounding."""
    he, xa = runs["he", "relu"], runs["xavier", "relu"]
    layers = np.arange(1, L + 1)
    np.testing.assert_allclose(xa.forward / he.forward, 2.0 ** -layers, rtol=5e-3)  # float32 rounding over 50 layers
    np.testing.assert_allclose(xa.backward / he.backward, 2.0 ** -(L - layers + 1), rtol=5e-3)
    assert _demo.change(xa, "forward") < 1e-14 and _demo.verdict(_demo.change(xa, "forward")) == "vanishes"


def test_relu_he_keeps_the_variance(runs):
    """Kept in expectation; at finite width the log-variance wanders like a
    random walk (about sqrt(5 L / width) = 1 here), hence the factor 4."""
    he = runs["he", "relu"]
    for direction in ("forward", "backward"):
        assert 0.25 < _demo.change(he, direction) < 4
    assert he.forward.max() / he.forward.min() < 5 and he.backward.max() / he.backward.min() < 3


def test_tanh_xavier_decays_polynomially_not_geometrically(runs):
    """Var(w) n = 1 and tanh'(0) = 1: the linear term is preserved; the cubic
    term gives v_{l+1} ~ v_l - 2 v_l^2, so v_L ~ 1 / (2 (L - 1) + 1 / v_1)."""
    t = runs["xavier", "tanh"]
    predicted = 1 / (2 * (L - 1) + 1 / t.forward[0])
    assert 0.6 < t.forward[-1] / predicted < 1.4
    assert t.forward[-1] > 1e-3  # vs 2^-49 for the geometric (ReLU) case
    assert 1 / 300 < _demo.change(t, "backward") < 1 / 20


def test_tanh_he_gradients_explode(runs):
    t = runs["he", "tanh"]
    assert 0.5 < _demo.change(t, "forward") < 2  # tanh saturates: the forward pass stays bounded
    assert _demo.change(t, "backward") > 20      # the chaotic phase: gradients grow geometrically


def test_selu_lecun_is_self_normalising(runs):
    t = runs["lecun", "selu"]
    assert np.all((t.forward > 0.8) & (t.forward < 1.25))
    # backward: each layer multiplies the gradient variance by E[selu'(h)^2], h ~ N(0, 1)
    lam, alpha = _demo._SELU_SCALE, _demo._SELU_ALPHA
    neg, _ = integrate.quad(lambda h: (lam * alpha * math.exp(h)) ** 2 * math.exp(-h * h / 2), -math.inf, 0)
    factor = lam**2 / 2 + neg / math.sqrt(2 * math.pi)
    assert factor == pytest.approx(1.0714, abs=1e-3)
    assert 0.5 < _demo.change(t, "backward") / factor ** (L - 1) < 2


def test_selu_he_explodes(runs):
    t = runs["he", "selu"]
    assert _demo.change(t, "forward") > 100 and _demo.verdict(_demo.change(t, "forward")) == "explodes"


def test_table_format(runs):
    traces = [runs[s, a] for a in _demo.ACTIVATIONS for s in _demo.SCHEMES]
    text = _demo.format_table(traces, "forward")
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["activation", "scheme", "L1"] and "L50" in lines[0]
    assert len(lines) == 2 + 9
    assert any(line.startswith("relu       he*") and line.endswith("kept") for line in lines)
    assert any(line.startswith("relu       xavier") and line.endswith("vanishes") for line in lines)
    assert _demo.checkpoints(50) == [1, 10, 20, 30, 40, 50]
    assert _demo.checkpoints(7) == [1, 2, 3, 4, 5, 6, 7]
    assert _demo.verdict(float("inf")) == "explodes" and _demo.verdict(float("nan")) == "explodes"
    with pytest.raises(ValueError, match="direction"):
        _demo.format_table(traces, "sideways")


def test_bad_arguments():
    with pytest.raises(ValueError, match="scheme"):
        _demo.simulate("glorot", "tanh")
    with pytest.raises(ValueError, match="activation"):
        _demo.simulate("he", "gelu")
    with pytest.raises(ValueError, match="width must be a positive integer, got 0"):
        _demo.simulate("he", "relu", width=0)


def test_main_writes_the_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "demo.png"
    assert _demo.main(["--layers", "6", "--width", "32", "--batch", "16", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "forward: variance" in text and "backward: variance" in text and f"wrote {out}" in text


def test_main_without_matplotlib_still_prints_the_table(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    out = tmp_path / "demo.png"
    assert _demo.main(["--layers", "4", "--width", "16", "--batch", "8", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "matplotlib is not installed" in text and "tanh       xavier*" in text
    assert not out.exists()


def test_main_rejects_bad_options(capsys):
    with pytest.raises(SystemExit) as e:
        _demo.main(["--layers", "0"])
    assert e.value.code == 2
    with pytest.raises(ValueError, match=".png"):
        _demo.main(["--layers", "2", "--width", "4", "--batch", "2", "--out", "demo.jpg"])
