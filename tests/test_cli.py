"""python -m varscale: the main job by default, and the run/demo/bench subcommands."""

import subprocess
import sys

import pytest

from varscale._cli import main as cli
from varscale._cli import bench as _bench

SMALL = ["--gib", "0.004", "--repeat", "1"]


def test_no_subcommand_is_the_main_job(capsys):
    assert cli.main(SMALL) == 0
    out = capsys.readouterr().out
    assert "kaiming_normal" in out and "statistics match the formula" in out


def test_run_subcommand_is_the_same_job(capsys):
    assert cli.main(["run"] + SMALL + ["--init", "xavier_uniform", "--dtype", "float64"]) == 0
    out = capsys.readouterr().out
    assert "xavier_uniform" in out and "float64" in out and "statistics match the formula" in out


def test_python_dash_m_entry_point():
    res = subprocess.run([sys.executable, "-m", "varscale"] + SMALL, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "statistics match the formula" in res.stdout


def test_help_lists_the_subcommands(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for word in ("run", "demo", "bench"):
        assert f"python -m varscale {word}" in out or f"[{word}]" in out
    with pytest.raises(SystemExit) as e:
        cli.main(["run", "--help"])
    assert e.value.code == 0
    assert "--gib" in capsys.readouterr().out


def test_unknown_subcommand(capsys):
    assert cli.main(["plot"]) == 2
    assert "unknown subcommand 'plot'" in capsys.readouterr().err


def test_demo_subcommand(capsys, tmp_path):
    assert cli.main(["demo", "--layers", "3", "--width", "8", "--batch", "4", "--no-plot"]) == 0
    out = capsys.readouterr().out
    assert "3-layer MLP" in out and "selu       lecun*" in out


BENCH = ["--gib", "0.002", "--repeat", "1", "--dtypes", "float32", "--no-small", "--no-rss"]


def test_bench_subcommand_with_plot(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    png, js = tmp_path / "bench.png", tmp_path / "bench.json"
    assert cli.main(["bench"] + BENCH + ["--plot", str(png), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "varscale.normal fresh" in out and f"wrote {png}" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bench_plot_without_matplotlib(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    png = tmp_path / "bench.png"
    assert _bench.main(BENCH + ["--plot", str(png)]) == 0
    assert "matplotlib is not installed" in capsys.readouterr().out and not png.exists()


def test_bench_plot_needs_a_png_name(capsys):
    with pytest.raises(SystemExit) as e:
        _bench.main(BENCH + ["--plot", "bench.svg"])
    assert e.value.code == 2 and "--plot must name a .png file" in capsys.readouterr().err


def test_bench_small_tensor_cases_report_ratios_to_torch(capsys):
    pytest.importorskip("torch")
    from varscale._cli import bench_small
    from varscale._cli.timing import Table

    table = Table(0, 0)
    per_call = bench_small.per_call(table, 1, None)
    many = bench_small.many_small(table, 1, None)
    assert set(per_call) == {f"{n} / torch Tensor.normal_" for n in
                             ("varscale.normal_ (numpy, seed given)", "varscale.torch.normal_ (seed given)")}
    assert "_backend.fill_many (numpy) / torch Tensor.uniform_ loop" in many
    assert all(v > 0 for v in [*per_call.values(), *many.values()])
    assert {r["group"] for r in table.rows} == {"per-call", "many-small"}
    assert "one call on a (768,) float32 tensor" in capsys.readouterr().out
