"""Partitions read in order are the input read in one stream: the same documents, ids, lines and errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.document import Document
from repair.errors import InputError
from repair.partitions import plan, read_partition
from repair.readers import read_documents

ROOT = Path(__file__).resolve().parent.parent


def _key(item):
    if isinstance(item, InputError):
        return ("error", item.path, item.reason, item.line)
    assert isinstance(item, Document)
    return ("doc", item.id, item.text, item.source, json.dumps(item.origin, sort_keys=True), json.dumps(item.fields))


def _same(paths, target, text_field="text"):
    whole = [_key(x) for x in read_documents([str(p) for p in paths], text_field=text_field)]
    parts = plan(paths, target)
    split = [_key(x) for p in parts for x in read_partition(p, text_field)]
    assert split == whole
    return parts


LINE = st.one_of(
    st.builds(lambda t: json.dumps({"text": t}, ensure_ascii=False), st.text(max_size=30)),
    st.builds(lambda t, i: json.dumps({"id": i, "text": t}), st.text(max_size=10), st.text(max_size=5)),
    st.sampled_from(["", "   ", "{not json", "[1]", '{"txt": "no text field"}', '{"text": 3}']),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=25), st.booleans(), st.booleans(), st.integers(1, 200))
def test_jsonl_byte_ranges_read_as_one_stream(tmp_path_factory, lines, bom, trailing_newline, target):
    d = tmp_path_factory.mktemp("jsonl")
    body = "\n".join(lines) + ("\n" if trailing_newline and lines else "")
    (d / "a.jsonl").write_bytes((b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))
    _same([d / "a.jsonl"], target)


def test_folders_of_text_and_jsonl_files_and_missing_paths(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for i in range(5):
        (tmp_path / "in" / "sub" / f"{i}.txt").write_text(f"Document {i}.\n" * (i + 1), encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "in" / "bad.jsonl").write_bytes(b"\x00\x01binary")
    (tmp_path / "in" / "x.jsonl").write_text("".join(f'{{"text": "line {i}"}}\n' for i in range(40)), encoding="utf-8")
    parts = _same([tmp_path / "in", tmp_path / "missing", ROOT / "seeds"], 60)
    assert len({p.kind for p in parts}) == 3 and len(parts) > 8


def test_relative_paths_are_named_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/a.txt").write_text("Hello.\n", encoding="utf-8")
    Path("in/b.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    parts = _same([Path("in")], 1)
    assert all(Path(p.where).is_absolute() for p in parts if p.where)
    (doc,) = list(read_partition(parts[0]))
    assert doc.origin["path"] == "in/a.txt"


def test_parquet_row_groups_read_as_one_stream(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = pa.table({"id": [f"r{i}" for i in range(50)], "text": [f"Row {i} text." for i in range(50)]})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=7)
    parts = _same([tmp_path / "t.parquet"], 1)
    assert len(parts) == 8
    pq.write_table(pa.table({"body": ["a", "b"]}), tmp_path / "nofield.parquet", row_group_size=1)
    _same([tmp_path / "nofield.parquet"], 1)


def test_stdin_cannot_be_partitioned():
    with pytest.raises(InputError, match="not stdin"):
        plan(["-"])


def test_compressed_jsonl_is_one_partition_read_as_one_stream(tmp_path):
    import bz2
    import gzip

    body = "".join(f'{{"text": "line {i}"}}\n' for i in range(30)) + "{broken\n"
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(body.encode()))
    (tmp_path / "b.ndjson.bz2").write_bytes(bz2.compress(body.encode()))
    (tmp_path / "damaged.jsonl.gz").write_bytes(gzip.compress(body.encode())[:-30])
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(b"A text document.\n"))
    parts = _same([tmp_path], 20)
    assert [(p.kind, p.end) for p in parts if p.kind == "jsonl"] == [("jsonl", -1)] * 3


def test_plan_selects_the_files_a_stream_reads(tmp_path):
    from repair.selection import selection_of
    from repair.settings import Settings

    for sub in ("keep", "drop"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / "a.txt").write_text(f"From {sub}.\n", encoding="utf-8")
    select = selection_of(Settings(exclude=["drop/"], path=tmp_path / "in" / "repair.toml"))
    whole = [_key(x) for x in read_documents([tmp_path / "in"], select=select)]
    parts = plan([tmp_path / "in"], 10, select=select)
    assert [_key(x) for p in parts for x in read_partition(p)] == whole and len(whole) == 1
