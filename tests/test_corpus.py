"""Reading documents (files, folders, stdin) and writing outputs (atomic, never onto inputs)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from repair.atomic import atomic_writer, write_atomic
from repair.decoding import decode
from repair.document import Document
from repair.errors import InputError, RepairError
from repair.readers import discover, read_documents
from repair.writers import FolderSink, JsonlSink


def _split(items):
    docs = [i for i in items if isinstance(i, Document)]
    errs = [i for i in items if isinstance(i, InputError)]
    return docs, errs


def _tree(root: Path) -> None:
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "b.txt").write_text("Second.\n", encoding="utf-8")
    (root / "a.txt").write_text("First.\n", encoding="utf-8")
    (root / "sub" / "deeper" / "c.txt").write_text("Third.\n", encoding="utf-8")
    (root / "sub" / "notes.md").write_text("not read\n", encoding="utf-8")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.txt").write_text("hidden\n", encoding="utf-8")
    (root / "sub" / "d.jsonl").write_text('{"id": "d1", "text": "Fourth."}\n{"text": "Fifth."}\n', encoding="utf-8")


def test_folder_is_read_recursively_sorted_with_relative_ids(tmp_path: Path):
    _tree(tmp_path)
    docs, errs = _split(list(read_documents([tmp_path])))
    assert errs == []
    assert [d.id for d in docs] == ["a.txt", "b.txt", "d1", "sub/d.jsonl:2", "sub/deeper/c.txt"]
    assert [d.text for d in docs] == ["First.\n", "Second.\n", "Fourth.", "Fifth.", "Third.\n"]
    assert docs[4].origin == {"path": str(tmp_path / "sub" / "deeper" / "c.txt"), "rel": "sub/deeper/c.txt",
                              "kind": "txt"}
    assert docs[3].origin["line"] == 2 and docs[3].origin["rel"] == "sub/d.jsonl"


def test_a_file_given_directly_is_named_by_its_file_name(tmp_path: Path):
    _tree(tmp_path)
    docs, _ = _split(list(read_documents([tmp_path / "sub" / "deeper" / "c.txt"])))
    assert [d.id for d in docs] == ["c.txt"]


def test_jsonl_keeps_every_other_field_and_uses_text_field(tmp_path: Path):
    rec = {"id": 7, "body": "Caf\u00e9 \u2014 news", "meta": {"tags": ["a", None], "score": 1.5}, "flag": False,
           "text": "not the text"}
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    (doc,) = list(read_documents([f], text_field="body"))
    assert doc.id == "7" and doc.text == "Caf\u00e9 \u2014 news"
    out = doc.to_record()
    assert out["body"] == doc.text
    assert {k: v for k, v in out.items() if k not in ("body", "repair")} == \
           {k: v for k, v in rec.items() if k != "body"}


def test_bom_and_crlf_lines_are_read(tmp_path: Path):
    f = tmp_path / "bom.txt"
    f.write_bytes("\ufeffHello.\r\n".encode("utf-8"))
    (doc,) = list(read_documents([f]))
    assert doc.text == "Hello.\r\n"
    j = tmp_path / "crlf.jsonl"
    j.write_bytes(b'{"text": "one"}\r\n\r\n{"text": "two"}\r\n')
    assert [d.text for d in read_documents([j])] == ["one", "two"]


@pytest.mark.parametrize("name,data,line,needle", [
    ("latin1.txt", "caf\u00e9\n".encode("latin-1"), 1, "not valid UTF-8 (byte 0xe9"),
    ("late.txt", b"ok\nok\nbad \xff here\n", 3, "not valid UTF-8"),
    ("bin.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary file"),
    ("bin.jsonl", b"\x00\x01\n\x00\x02\n\x00\x03\n", None, "binary file"),
    ("empty.txt", b"", None, "empty file"),
    ("blank.txt", b"  \n\n", None, "empty file"),
])
def test_unreadable_files_become_one_error_naming_file_and_line(tmp_path: Path, name, data, line, needle):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "zz_good.txt").write_text("Good.\n", encoding="utf-8")
    docs, errs = _split(list(read_documents([tmp_path])))
    assert [d.id for d in docs] == ["zz_good.txt"]
    assert len(errs) == 1
    e = errs[0]
    assert e.path == str(tmp_path / name) and e.line == line and needle in e.reason
    assert "\n" not in str(e) and str(e).startswith(f"{tmp_path / name}")


@pytest.mark.parametrize("line,needle", [
    ("{bad json", "malformed JSON"),
    ("[1, 2]", "must be a JSON object, not list"),
    ('"just a string"', "must be a JSON object, not str"),
    ('{"id": "x"}', "no 'text' field"),
    ('{"id": "x", "text": 5}', "must be a string, not int"),
    ('{"id": "x", "text": null}', "must be a string, not NoneType"),
    ('{"text": "abc", "repair": {"changes": [{"start": 0, "end": 1, "before": "z", "after": "y", '
     '"stage": "s", "rule": "r"}]}}', "does not replay"),
])
def test_bad_jsonl_lines_are_reported_and_the_rest_read(tmp_path: Path, line: str, needle: str):
    f = tmp_path / "in.jsonl"
    f.write_text('{"id": "a", "text": "A."}\n' + line + '\n{"id": "c", "text": "C."}\n', encoding="utf-8")
    docs, errs = _split(list(read_documents([f])))
    assert [d.id for d in docs] == ["a", "c"]
    assert len(errs) == 1 and errs[0].line == 2 and needle in errs[0].reason
    assert str(errs[0]).startswith(f"{f}:2: ")


def test_missing_path_and_special_file(tmp_path: Path):
    items = list(read_documents([tmp_path / "nope.txt"]))
    assert len(items) == 1 and isinstance(items[0], InputError) and "no such file" in items[0].reason


def test_unreadable_file_is_an_error_not_a_crash(tmp_path: Path, monkeypatch):
    good = tmp_path / "a.txt"
    good.write_text("Good.\n", encoding="utf-8")
    locked = tmp_path / "b.txt"
    locked.write_text("Secret.\n", encoding="utf-8")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "b.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    docs, errs = _split(list(read_documents([tmp_path])))
    assert [d.id for d in docs] == ["a.txt"]
    assert len(errs) == 1 and errs[0].path == str(locked) and "Permission denied" in errs[0].reason


def test_stdin_text_and_jsonl():
    (doc,) = list(read_documents(["-"], stdin=io.BufferedReader(io.BytesIO(b"Plain text.\n"))))
    assert doc.id == "stdin" and doc.text == "Plain text.\n"
    docs = list(read_documents([], stdin=io.BytesIO(b'{"id": "j", "text": "T."}\n{"text": "U."}\n')))
    assert [(d.id, d.text) for d in docs] == [("j", "T."), ("stdin.jsonl:2", "U.")]
    docs = list(read_documents([], stdin=io.BufferedReader(io.BytesIO(b'\xef\xbb\xbf\n{"text": "B."}\n'))))
    assert [(d.id, d.text) for d in docs] == [("stdin.jsonl:2", "B.")]
    (err,) = list(read_documents([], stdin=io.BytesIO(b"")))
    assert isinstance(err, InputError) and err.path == "<stdin>"


def test_reading_is_a_stream(tmp_path: Path):
    """Documents come one at a time: a later bad line does not stop earlier ones from arriving."""
    f = tmp_path / "in.jsonl"
    f.write_text("".join(json.dumps({"text": f"doc {i}"}) + "\n" for i in range(1000)), encoding="utf-8")
    it = read_documents([f])
    first = next(it)
    assert isinstance(first, Document) and first.text == "doc 0"
    assert sum(1 for _ in it) == 999


def test_decode_names_line_and_byte():
    with pytest.raises(InputError) as e:
        decode(b"a\nb\n\xc3(", "f.txt")
    assert e.value.line == 3 and "0xc3" in str(e.value)


def test_discover_skips_other_suffixes_and_hidden(tmp_path: Path):
    _tree(tmp_path)
    rels = [s.rel for s in discover([tmp_path])]
    assert rels == ["a.txt", "b.txt", "sub/d.jsonl", "sub/deeper/c.txt"]


# --- writing ----------------------------------------------------------------------------------

def test_atomic_writer_keeps_the_old_file_on_failure(tmp_path: Path):
    target = tmp_path / "out.txt"
    target.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_writer(target) as f:
            f.write("half")
            raise RuntimeError("crash mid-write")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_jsonl_sink_writes_nothing_until_closed_and_nothing_on_abort(tmp_path: Path):
    out = tmp_path / "o.jsonl"
    sink = JsonlSink(out)
    sink.add(Document.from_text("x", id="1"))
    assert not out.exists()
    sink.close(ok=False)
    assert list(tmp_path.iterdir()) == []
    sink = JsonlSink(out)
    sink.add(Document.from_text("x", id="1"))
    sink.close()
    assert json.loads(out.read_text(encoding="utf-8"))["repair"]["id"] == "1"
    assert [p.name for p in tmp_path.iterdir()] == ["o.jsonl"]


@pytest.mark.parametrize("where", ["inside", "same", "holds"])
def test_outputs_never_land_on_inputs(tmp_path: Path, where: str):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(RepairError):
        if where == "inside":
            FolderSink(src / "out.d", inputs=(src,))
        elif where == "same":
            JsonlSink(src / "a.jsonl", inputs=(src / "a.jsonl",))
        else:
            FolderSink(tmp_path, inputs=(src,))
    with pytest.raises(RepairError, match="inside the input folder"):
        JsonlSink(src / "new.jsonl", inputs=(src,))
    assert sorted(p.name for p in src.iterdir()) == ["a.jsonl"]


def test_folder_sink_keeps_paths_inside_the_output(tmp_path: Path):
    out = tmp_path / "out"
    sink = FolderSink(out)
    doc = Document.from_text("x", id="evil", origin={"rel": "../../escape.txt", "kind": "txt"})
    sink.add(doc)
    sink.close()
    assert (out / "cleaned" / "escape.txt").read_text(encoding="utf-8") == "x"
    assert not (tmp_path.parent / "escape.txt").exists()


def test_count_documents_for_the_progress_total(tmp_path: Path):
    from repair.readers import count_documents
    _tree(tmp_path)
    assert count_documents([tmp_path]) == 5  # three .txt files and a two-line .jsonl
    (tmp_path / "no_final_newline.jsonl").write_bytes(b'{"text": "a"}\n{"text": "b"}')
    assert count_documents([tmp_path]) == 7
    assert count_documents([tmp_path / "missing"]) == 0
    assert count_documents(["-"]) is None and count_documents([]) is None
