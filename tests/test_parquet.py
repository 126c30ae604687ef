"""Parquet in and out (optional: needs pyarrow, the `parquet` extra; skipped cleanly without it)."""
from __future__ import annotations

import datetime
import hashlib
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair import readers as corpus
from repair.cli import app
from repair.document import Document
from repair.errors import InputError, RepairError
from repair.readers import count_documents, read_documents
from repair.writers import ParquetWriter

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
runner = CliRunner()


def test_without_pyarrow_the_error_says_how_to_install(tmp_path: Path, monkeypatch):
    f = tmp_path / "a.parquet"
    f.write_bytes(b"PAR1")
    (tmp_path / "b.txt").write_text("Fine.\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    items = list(read_documents([tmp_path]))
    errs = [i for i in items if isinstance(i, InputError)]
    assert len(errs) == 1 and "repair[parquet]" in str(errs[0]) and errs[0].path == str(f)
    assert [i.text for i in items if isinstance(i, Document)] == ["Fine.\n"]
    with pytest.raises(RepairError, match=r"repair\[parquet\]"):
        ParquetWriter(tmp_path / "o.parquet")


pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _write(path: Path, columns: dict, row_group_size: int | None = None) -> None:
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)


@pytest.fixture()
def seeds_parquet(tmp_path: Path) -> Path:
    f = tmp_path / "in" / "seeds.parquet"
    f.parent.mkdir()
    _write(f, {
        "id": [p.name for p in SEEDS],
        "text": [p.read_text(encoding="utf-8") for p in SEEDS],
        "published": [datetime.datetime(2021, 11, 30, 12, i) for i in range(len(SEEDS))],
        "tags": [["news"], [], None, ["a", "b"], ["c"]],
        "score": [0.5, 1.5, None, 2.0, 3.25],
    }, row_group_size=2)
    return f


def test_rows_are_documents_with_fields_kept(tmp_path: Path):
    f = tmp_path / "d.parquet"
    _write(f, {"text": ["One.", "Two."], "lang": ["en", "fr"], "n": [1, 2]})
    docs = list(read_documents([f]))
    kept = [{k: v for k, v in d.to_record().items() if k != "repair"} for d in docs]
    assert [(d.id, d.text) for d in docs] == [("d.parquet:1", "One."), ("d.parquet:2", "Two.")]
    assert kept == [{"text": "One.", "lang": "en", "n": 1}, {"text": "Two.", "lang": "fr", "n": 2}]
    assert [list(r) for r in kept] == [["text", "lang", "n"]] * 2  # fields stay in their order
    assert docs[1].origin == {"path": str(f), "rel": "d.parquet", "kind": "parquet", "line": 2}


def test_rows_are_streamed_in_batches(tmp_path: Path, monkeypatch):
    f = tmp_path / "many.parquet"
    _write(f, {"id": [str(i) for i in range(50)], "text": [f"doc {i}" for i in range(50)]}, row_group_size=10)
    monkeypatch.setattr(corpus, "PARQUET_BATCH", 7)
    it = read_documents([f])
    assert next(it).id == "0"
    assert [d.id for d in it] == [str(i) for i in range(1, 50)]
    assert count_documents([f]) == 50


def test_text_field_and_bad_rows(tmp_path: Path):
    f = tmp_path / "d.parquet"
    _write(f, {"id": ["a", "b", "c"], "body": ["Fine.", None, "Also fine."]})
    items = list(read_documents([f], text_field="body"))
    assert [i.id for i in items if isinstance(i, Document)] == ["a", "c"]
    (err,) = [i for i in items if isinstance(i, InputError)]
    assert err.line == 2 and "must be a string, not NoneType" in err.reason
    (missing,) = list(read_documents([f]))
    assert isinstance(missing, InputError) and "no 'text' column" in missing.reason and missing.line is None


def test_a_corrupt_parquet_file_is_one_error(tmp_path: Path):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet at all PAR1")
    (tmp_path / "ok.txt").write_text("Fine.\n", encoding="utf-8")
    items = list(read_documents([tmp_path]))
    errs = [i for i in items if isinstance(i, InputError)]
    assert len(errs) == 1 and "not a readable Parquet file" in errs[0].reason
    assert [i.id for i in items if isinstance(i, Document)] == ["ok.txt"]


def _digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_run_parquet_to_parquet_gives_the_jsonl_records(seeds_parquet: Path, tmp_path: Path):
    before = _digest(seeds_parquet)
    out_pq, out_jl = tmp_path / "o.parquet", tmp_path / "o.jsonl"
    res = runner.invoke(app, ["run", str(seeds_parquet), "-o", str(out_pq), "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["run", str(seeds_parquet), "-o", str(out_jl), "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    table = pq.read_table(out_pq)
    assert table.schema.field("published").type == pa.timestamp("us")
    assert table.schema.field("repair").type == pa.string()
    rows = table.to_pylist()
    recs = [json.loads(line) for line in out_jl.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(recs) == 5
    for row, rec in zip(rows, recs, strict=True):
        assert json.loads(row["repair"]) == rec["repair"]
        assert row["text"] == rec["text"]
        assert row["published"].isoformat() == rec["published"]
        assert row["tags"] == rec["tags"] and row["score"] == rec["score"] and row["id"] == rec["id"]
    assert _digest(seeds_parquet) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "o.jsonl", "o.parquet"]


def test_stages_through_parquet_files_equal_run(seeds_parquet: Path, tmp_path: Path):
    prev = seeds_parquet
    for stage in ("normalise", "detect", "match", "emit"):
        nxt = tmp_path / f"{stage}.parquet"
        res = runner.invoke(app, [stage, str(prev), "-o", str(nxt), "-q"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        prev = nxt
    direct = tmp_path / "run.parquet"
    assert runner.invoke(app, ["run", str(seeds_parquet), "-o", str(direct), "-q"]).exit_code == 0
    assert pq.read_table(prev).to_pylist() == pq.read_table(direct).to_pylist()


def test_folder_output_keeps_parquet_at_its_relative_path(seeds_parquet: Path, tmp_path: Path):
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(seeds_parquet.parent), "-o", str(out), "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = pq.read_table(out / "cleaned" / "seeds.parquet").to_pylist()
    assert [r["id"] for r in rows] == [p.name for p in SEEDS]
    assert "Source link" not in rows[4]["text"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == 5
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_writer_refuses_a_field_the_first_rows_did_not_have(tmp_path: Path):
    out = tmp_path / "o.parquet"
    w = ParquetWriter(out, rows=2)
    w.add({"text": "a"})
    w.add({"text": "b"})
    w.add({"text": "c", "late": 1})
    with pytest.raises(RepairError, match="late"):
        w.close()
    assert list(tmp_path.iterdir()) == []


def test_writer_on_abort_leaves_nothing(tmp_path: Path):
    w = ParquetWriter(tmp_path / "o.parquet", rows=1)
    w.add({"text": "a"})
    w.close(ok=False)
    assert list(tmp_path.iterdir()) == []


def test_empty_input_writes_an_empty_parquet(tmp_path: Path):
    w = ParquetWriter(tmp_path / "o.parquet")
    w.close()
    assert pq.read_table(tmp_path / "o.parquet").num_rows == 0


def test_parquet_output_has_typed_columns_a_query_engine_filters_on(tmp_path: Path):
    # spin score, family, counts and the changes as typed columns beside the repair JSON, and a
    # later stage that reads the file back neither keeps them as user fields nor writes them twice
    texts = ["Plain news text.", SEEDS[4].read_text(encoding="utf-8")]
    pq.write_table(pa.table({"id": ["a", "b"], "text": texts}), tmp_path / "in.parquet")
    res = runner.invoke(app, ["run", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "out.parquet")])
    assert res.exit_code == 0, res.output
    t = pq.read_table(tmp_path / "out.parquet")
    assert t.schema.field("repair_spin_score").type == pa.float64()
    assert t.schema.field("repair_applied").type == pa.int64()
    assert pa.types.is_list(t.schema.field("repair_changes").type)
    rows = t.to_pylist()
    blocks = [json.loads(r["repair"]) for r in rows]
    assert [r["repair_spin_score"] for r in rows] == [b["spin_score"] for b in blocks]
    assert [r["repair_family"] for r in rows] == [b["family"] for b in blocks]
    assert rows[1]["repair_applied"] == sum(c["applied"] for c in blocks[1]["changes"]) > 0
    assert rows[1]["repair_flagged"] == sum(not c["applied"] for c in blocks[1]["changes"])
    assert [(c["before"], c["after"]) for c in rows[1]["repair_changes"]] == [
        (c["before"], c["after"]) for c in blocks[1]["changes"]]
    # a stage's Parquet output read back by the next stage: the same columns, none kept twice
    # (emitted records are not run again: they fail, as an unreadable document does)
    assert runner.invoke(app, ["run", str(tmp_path / "out.parquet"), "-o", str(tmp_path / "x.parquet")]).exit_code == 1
    detected = runner.invoke(app, ["detect", str(tmp_path / "in.parquet"), "-o", str(tmp_path / "d.parquet")])
    assert detected.exit_code == 0, detected.output
    again = runner.invoke(app, ["emit", str(tmp_path / "d.parquet"), "-o", str(tmp_path / "again.parquet")])
    assert again.exit_code == 0, again.output
    t2 = pq.read_table(tmp_path / "again.parquet")
    assert t2.schema.names == t.schema.names
