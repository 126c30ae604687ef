"""The benchmark harness (bench/run.py): discovery, failures kept apart, table, JSON. No timing here."""
from __future__ import annotations

import json

from bench import run


def _package(tmp_path, monkeypatch):
    pkg = tmp_path / "fakebench"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bench_speed.py").write_text(
        "BENCHMARKS = {\n"
        "    'fast': lambda: {'MBps': 12.5, 'docs': 3000, 'note': 'a long explanation of the figure'},\n"
        "    'broken': lambda: 1 / 0,\n"
        "}\n")
    (pkg / "bench_other.py").write_text("BENCHMARKS = {'skip': lambda: {'skipped': 'no data'}}\n")
    (pkg / "helpers.py").write_text("raise RuntimeError('not a bench module: never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "fakebench"


def test_discovers_bench_modules_and_keeps_going_after_an_error(tmp_path, monkeypatch):
    mods = run.discover(_package(tmp_path, monkeypatch))
    assert [m for m, _ in mods] == ["other", "speed"]
    results = run.run_all(mods)
    assert results["speed.fast"]["MBps"] == 12.5
    assert results["speed.broken"]["error"].startswith("ZeroDivisionError")
    assert results["other.skip"]["skipped"] == "no data"
    assert set(run.run_all(mods, "fast")) == {"speed.fast"}


def test_render_puts_numbers_in_columns_and_long_text_below(tmp_path, monkeypatch):
    results = run.run_all(run.discover(_package(tmp_path, monkeypatch)), "speed")
    table = run.render(results)
    header = next(line for line in table.splitlines() if line.startswith("benchmark"))
    assert "MBps" in header and "docs" in header and "note" not in header
    assert "12.5" in table and "3,000" in table
    assert "speed.fast note: a long explanation of the figure" in table


def test_main_writes_the_figures_as_json(tmp_path, monkeypatch):
    import bench

    monkeypatch.setattr(bench, "QUICK", bench.QUICK)  # --quick sets it: restored after the test
    monkeypatch.setattr(run, "discover", lambda package="bench": [("x", {"one": lambda: {"v": 1.0}})])
    out = tmp_path / "r" / "latest.json"
    assert run.main(["--json", str(out), "--quick"]) == 0
    data = json.loads(out.read_text())
    assert data["results"]["x.one"]["v"] == 1.0 and data["meta"]["quick"] is True
