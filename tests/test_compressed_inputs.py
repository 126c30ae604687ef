"""Compressed inputs (.gz, .bz2, .zst) are read transparently, named or found in a folder;
.ndjson is read like .jsonl; a damaged archive is an error for that file, not the batch."""

from __future__ import annotations

import bz2
import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app
from repair.readers import count_documents, read_documents

zstandard = pytest.importorskip("zstandard")
runner = CliRunner()

DEBRIS = "[ad_1]\nThe bridge will close for two weeks while engineers replace the deck.\nSource link\n"
COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".zst": lambda b: zstandard.ZstdCompressor().compress(b)}


def records(n: int) -> bytes:
    return "".join(json.dumps({"id": f"r{i}", "text": DEBRIS}) + "\n" for i in range(n)).encode()


@pytest.mark.parametrize("comp", list(COMPRESS))
def test_compressed_jsonl_and_txt_are_read_named_or_in_a_folder(isolated: Path, comp: str) -> None:
    folder = isolated / "corpus"
    folder.mkdir()
    (folder / f"feed.jsonl{comp}").write_bytes(COMPRESS[comp](records(3)))
    (folder / f"page.txt{comp}").write_bytes(COMPRESS[comp](DEBRIS.encode()))
    docs = list(read_documents([folder]))
    assert [d.id for d in docs] == ["feed.jsonl:1", "feed.jsonl:2", "feed.jsonl:3", "page.txt"] or \
        sorted(d.id for d in docs) == ["page.txt", "r0", "r1", "r2"]
    assert all(d.source == DEBRIS for d in docs)
    assert count_documents([folder]) == 4
    named = list(read_documents([folder / f"feed.jsonl{comp}"]))
    assert len(named) == 3 and all(d.source == DEBRIS for d in named)


def test_ndjson_is_json_lines(isolated: Path) -> None:
    (isolated / "a.ndjson").write_bytes(records(2))
    (isolated / "b.ndjson.gz").write_bytes(gzip.compress(records(1)))
    docs = list(read_documents([isolated]))
    assert sorted(d.id for d in docs) == ["r0", "r0", "r1"]


def test_a_damaged_archive_is_an_error_for_that_file_only(isolated: Path) -> None:
    good = gzip.compress(records(50))
    (isolated / "a.jsonl.gz").write_bytes(good[: len(good) // 2])  # truncated
    (isolated / "b.jsonl").write_bytes(records(1))
    r = runner.invoke(app, ["check", str(isolated), "--format", "json", "--isolated"])
    data = json.loads(r.stdout)
    assert r.exit_code == 1
    assert any(u["path"].endswith("a.jsonl.gz") and "decompress" in u["error"] for u in data["unreadable"])
    assert any(d["id"].endswith("b.jsonl#r0") for d in data["documents"])


def test_check_reads_a_folder_of_jsonl_gz(isolated: Path) -> None:
    (isolated / "corpus").mkdir()
    (isolated / "corpus" / "feed.jsonl.gz").write_bytes(gzip.compress(records(2)))
    r = runner.invoke(app, ["check", "corpus", "--format", "json", "--isolated", "--no-corpus"])
    assert r.exit_code == 1, r.output  # debris fails; the point is that 2 documents were read
    assert sorted(d["id"] for d in json.loads(r.stdout)["documents"]) == ["corpus/feed.jsonl.gz#r0",
                                                                          "corpus/feed.jsonl.gz#r1"]


def test_run_writes_a_compressed_input_plain_under_its_plain_name(isolated: Path) -> None:
    (isolated / "in").mkdir()
    (isolated / "in" / "page.txt.gz").write_bytes(gzip.compress(DEBRIS.encode()))
    (isolated / "in" / "feed.jsonl.bz2").write_bytes(bz2.compress(records(1)))
    r = runner.invoke(app, ["run", "in", "-o", "out", "--isolated", "--no-report", "-q"])
    assert r.exit_code == 0, r.output
    assert (isolated / "out" / "cleaned" / "page.txt").read_text(encoding="utf-8").startswith("The bridge")
    assert json.loads((isolated / "out" / "cleaned" / "feed.jsonl").read_text(encoding="utf-8"))["id"] == "r0"


def test_help_lists_the_suffixes_read() -> None:
    import typer.main

    (paths,) = [p for p in typer.main.get_command(app).commands["check"].params if p.name == "paths"]
    assert all(s in paths.help for s in (".ndjson", ".gz", ".bz2", ".zst"))
