"""Output options of run/emit that change what lands in the output folder."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from repair.cli import app

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_no_report_leaves_out_the_html_but_keeps_files_diffs_and_counts(tmp_path: Path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(SEEDS), "-o", str(out), "--no-report", "-q"])
    assert res.exit_code == 0, res.output
    assert not (out / "index.html").exists() and not (out / "review").exists()
    assert (out / "report.json").is_file() and (out / "records.jsonl").is_file()
    assert sorted(p.name for p in out.glob("*.txt")) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert list((out / "diffs").glob("*.diff"))


def test_the_html_report_is_written_by_default(tmp_path: Path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(SEEDS), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert (out / "index.html").is_file()
