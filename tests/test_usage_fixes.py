"""Bugs found by using the tool end to end as a newcomer; each test failed before its fix."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from repair.cli import app

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def test_the_paths_help_names_parquet_which_folders_are_searched_for(tmp_path: Path):
    import typer.main

    assert invoke("run", "--help").exit_code == 0
    (paths,) = [p for p in typer.main.get_command(app).commands["run"].params if p.name == "paths"]
    assert ".parquet" in paths.help and "or folders" in paths.help


def test_a_repair_field_that_is_not_a_block_is_a_one_line_error_and_the_batch_goes_on():
    lines = '{"id": "a", "text": "x", "repair": "yes"}\n{"id": "b", "text": "fine"}\n'
    result = invoke("run", "-", input=lines)
    assert result.exit_code == 1, result.output
    assert "<stdin>:1: field 'repair' must be a JSON object" in result.output
    assert '"id":"b"' in result.output


def test_a_parquet_repair_column_holding_json_that_is_not_a_block_is_a_one_line_error(tmp_path: Path):
    import pytest

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "text": ["x", "fine"], "repair": ["5", None]}), src)
    result = invoke("run", str(src))
    assert result.exit_code == 1, result.output
    assert "in.parquet:1: field 'repair' must be a JSON object" in result.output
    assert '"id":"b"' in result.output


def test_a_stage_command_says_it_wrote_records_not_a_folder(tmp_path: Path):

    src = tmp_path / "a.txt"
    src.write_text("[ad_1]\nHello.\n", encoding="utf-8")
    out = tmp_path / "stage-out"  # no suffix: a stage command still writes JSON lines there
    result = invoke("normalise", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file()
    assert "Records written to" in result.output
    assert "Cleaned files" not in result.output
    import typer.main

    assert invoke("normalise", "--help").exit_code == 0
    (opt,) = [p for p in typer.main.get_command(app).commands["normalise"].params if p.name == "output"]
    assert "A .jsonl (or .parquet) file for the records." in opt.help  # the option's help, not its wrapped panel
    assert "folder" not in opt.help


def test_a_baseline_path_that_is_a_folder_is_not_told_about_records(tmp_path: Path):
    src = tmp_path / "a.txt"
    src.write_text("Hello.\n", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    result = invoke("check", str(src), "--write-baseline", str(tmp_path / "adir"))
    assert result.exit_code == 1, result.output
    assert "it is a folder" in result.output
    assert "records" not in result.output
    stage = invoke("normalise", str(src), "-o", str(tmp_path / "adir"))
    assert stage.exit_code == 1
    assert "records go to a .jsonl or .parquet file" in stage.output


def test_diff_into_a_reader_that_goes_away_exits_0_like_the_other_commands(tmp_path: Path):
    import subprocess
    import sys

    seeds = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in seeds]
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": texts[i % len(texts)]}) + "\n" for i in range(60)),
                   encoding="utf-8")
    repair = Path(sys.executable).parent / "repair"
    proc = subprocess.Popen([str(repair), "diff", str(src), "--width", "100"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(200)  # like `| head -c 200`: then the reader goes away mid-output
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
