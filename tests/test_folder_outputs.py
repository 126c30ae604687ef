"""Folder outputs keep every document: no two inputs, documents or runs overwrite each other's files."""
from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from repair.cli import app

runner = CliRunner()


def invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def test_same_file_name_in_two_input_folders_keeps_both_cleaned_copies(tmp_path: Path):
    (tmp_path / "d1").mkdir()
    (tmp_path / "d2").mkdir()
    (tmp_path / "d1" / "x.txt").write_text("[ad_1]\nFirst.\n", encoding="utf-8")
    (tmp_path / "d2" / "x.txt").write_text("[ad_1]\nSecond.\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", str(tmp_path / "d1"), str(tmp_path / "d2"), "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    index = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    outputs = [e["output"] for e in index]
    assert len(set(outputs)) == 2
    assert sorted((out / o).read_text() for o in outputs) == ["First.\n", "Second.\n"]


def test_an_input_named_like_the_folders_own_files_does_not_overwrite_them(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "documents.jsonl").write_text('{"id": "a", "text": "Hello."}\n', encoding="utf-8")
    (src / "other.jsonl").write_text('{"id": "b", "text": "World."}\n', encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    index = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    assert [e["id"] for e in index] == ["a", "b"]  # the index, not the cleaned input
    cleaned = out / index[0]["output"]
    assert index[0]["output"] != "documents.jsonl"
    assert json.loads(cleaned.read_text())["text"] == "Hello."


def test_documents_with_duplicate_ids_each_keep_their_diff(tmp_path: Path):
    src = tmp_path / "f.jsonl"
    src.write_text('{"id": "d", "text": "[ad_1]\\nOne."}\n{"id": "d", "text": "[ad_1]\\nTwo."}\n', encoding="utf-8")
    out = tmp_path / "out"
    assert invoke("run", str(src), "-o", str(out), "-q").exit_code == 0
    index = [json.loads(line) for line in (out / "documents.jsonl").read_text().splitlines()]
    diffs = [e["diff"] for e in index]
    assert len(set(diffs)) == 2
    assert "One." in (out / diffs[0]).read_text()
    assert "Two." in (out / diffs[1]).read_text()


def test_an_aborted_folder_run_leaves_the_earlier_report_and_review_pages(tmp_path: Path):
    from repair.document import Document
    from repair.review.html import HtmlReport
    from repair.writers import FolderSink

    out = tmp_path / "out"
    sink = FolderSink(out)
    sink.listeners.append(HtmlReport(out, into=sink.dir))
    for i in range(3):
        sink.add(Document.from_text(f"[ad_1]\nText {i}.\n", id=f"d{i}.txt"))
    sink.close()
    before = {p: p.read_bytes() for p in (out / "report.json", out / "index.html", out / "review" / "data.js")}
    pages = sorted(p.name for p in (out / "review").glob("*.html"))

    sink = FolderSink(out)  # a second run into the same folder, interrupted after one document
    sink.listeners.append(HtmlReport(out, into=sink.dir))
    sink.add(Document.from_text("[ad_1]\nOther.\n", id="other.txt"))
    sink.close(ok=False)
    assert {p: p.read_bytes() for p in before} == before
    assert set(pages) <= {p.name for p in (out / "review").glob("*.html")}
    assert json.loads((out / "report.json").read_text())["documents"] == 3
