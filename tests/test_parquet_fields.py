"""A Parquet output keeps every input field, including one that only later rows of the first batch have."""
from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app

pq = pytest.importorskip("pyarrow.parquet")


def test_a_field_missing_from_the_first_record_is_kept_in_the_parquet_output(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "one"}\n{"id": "b", "text": "two", "author": "Ann", "n": 3}\n',
                   encoding="utf-8")
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(app, ["run", str(src), "-o", str(out), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = pq.read_table(out).to_pylist()
    assert [(r["id"], r["author"], r["n"]) for r in rows] == [("a", None, None), ("b", "Ann", 3)]
    assert list(rows[0])[:2] == ["id", "text"]  # the input's field order
