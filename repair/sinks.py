"""Write results: JSON lines to a file or stdout, or a folder of cleaned files with diffs and a report.

Every file is written atomically (a temporary file in the same folder, then a rename), so a
crash never leaves a half-written output, and no output may land on an input.

Folder layout (``repair run seeds/ -o out/``)::

    out/<rel path>            cleaned text, for each .txt input (same relative path)
    out/<rel path>.jsonl      cleaned records, for each .jsonl input (same relative path)
    out/diffs/<rel>.diff      unified diff of each changed document
    out/documents.jsonl       one line per document: id, spin score, counts, where its files are
    out/records.jsonl         the full record (text + repair block) of every document
    out/report.json           counts by stage and rule, failures, spin-score histogram
"""

from __future__ import annotations

import difflib
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterator

from .errors import RepairError
from .model import Document
from .stats import Stats


@contextmanager
def atomic_writer(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8", newline=None if "b" in mode else "") as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_atomic(path: Path, text: str) -> None:
    with atomic_writer(path) as f:
        f.write(text)


def dumps(rec: dict[str, Any]) -> str:
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def unified_diff(doc: Document, name: str) -> str:
    a = doc.source.splitlines(keepends=True)
    b = doc.text.splitlines(keepends=True)
    lines = difflib.unified_diff(a, b, fromfile=f"a/{name}", tofile=f"b/{name}", n=1)
    out = []
    for ln in lines:
        out.append(ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n")
    return "".join(out)


class JsonlSink:
    """Records, one per line, to a file (atomically, on close) or to stdout (streaming)."""

    def __init__(self, path: Path | None, *, final: bool = True, inputs: tuple[Path, ...] = ()) -> None:
        self.final = final
        self.path = path
        self.stats = Stats()
        if path is not None:
            _refuse_inputs(path, inputs)
            self._cm = atomic_writer(path)
            self._f = self._cm.__enter__()
        else:
            self._cm = None
            self._f = sys.stdout

    def add(self, doc: Document) -> None:
        self.stats.add(doc)
        self._f.write(dumps(doc.to_record(final=self.final)) + "\n")
        if self._cm is None:
            self._f.flush()

    def close(self, ok: bool = True) -> None:
        if self._cm is not None:
            if ok:
                self._cm.__exit__(None, None, None)
            else:
                self._cm.__exit__(RepairError, RepairError("aborted"), None)
            self._cm = None


class FolderSink:
    """Cleaned files at their relative paths, diffs, per-document index, records and report.json."""

    def __init__(self, out: Path, *, inputs: tuple[Path, ...] = (), diffs: bool = True) -> None:
        self.out = out
        self.stats = Stats()
        self.diffs = diffs
        _refuse_inputs(out, inputs, folder=True)
        out.mkdir(parents=True, exist_ok=True)
        self._jsonl: dict[str, tuple[Any, IO[str]]] = {}
        self._index_cm = atomic_writer(out / "documents.jsonl")
        self._index = self._index_cm.__enter__()
        self._records_cm = atomic_writer(out / "records.jsonl")
        self._records = self._records_cm.__enter__()
        self.listeners: list[Any] = []  # objects with add(doc, entry) and close(stats), e.g. the HTML report

    def _target(self, doc: Document) -> tuple[str, str]:
        kind = doc.origin.get("kind", "txt")
        rel = str(doc.origin.get("rel") or _safe_name(doc.id))
        rel = _safe_rel(rel)
        if kind == "txt":
            return "txt", rel
        return "jsonl", rel if rel.endswith((".jsonl", ".ndjson")) else rel + ".jsonl"

    def add(self, doc: Document) -> None:
        self.stats.add(doc)
        kind, rel = self._target(doc)
        record = doc.to_record(final=True)
        if kind == "txt":
            write_atomic(self.out / rel, doc.text)
        else:
            if rel not in self._jsonl:
                cm = atomic_writer(self.out / rel)
                self._jsonl[rel] = (cm, cm.__enter__())
            self._jsonl[rel][1].write(dumps(record) + "\n")
        diff_rel = None
        if self.diffs and doc.text != doc.source:
            name = rel if kind == "txt" else f"{rel}#{_safe_name(doc.id)}"
            diff_rel = f"diffs/{_safe_rel(name)}.diff"
            write_atomic(self.out / diff_rel, unified_diff(doc, name))
        entry = {
            "id": doc.id,
            "output": rel,
            "line": doc.origin.get("line"),
            "diff": diff_rel,
            "spin_score": round(doc.spin_score, 4),
            "family": doc.family,
            "applied": sum(1 for c in doc.changes if c.applied),
            "flagged": sum(1 for c in doc.changes if not c.applied),
            "characters": len(doc.source),
        }
        self._index.write(dumps(entry) + "\n")
        self._records.write(dumps(record) + "\n")
        for listener in self.listeners:
            listener.add(doc, entry)

    def close(self, ok: bool = True) -> dict[str, Any]:
        exc = (None, None, None) if ok else (RepairError, RepairError("aborted"), None)
        for cm, _ in self._jsonl.values():
            cm.__exit__(*exc)
        self._index_cm.__exit__(*exc)
        self._records_cm.__exit__(*exc)
        report = self.stats.as_dict()
        for listener in self.listeners:
            listener.close(self.stats)
        write_atomic(self.out / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return report


def _safe_name(s: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in s)[:120] or "doc"


def _safe_rel(rel: str) -> str:
    """Keep a relative path inside the output folder (no absolute paths, no ``..``)."""
    parts = [p for p in Path(rel).as_posix().split("/") if p not in ("", ".", "..")]
    return "/".join(parts) or "doc"


def _refuse_inputs(out: Path, inputs: tuple[Path, ...], *, folder: bool = False) -> None:
    """Refuse an output that is an input, lies inside an input folder, or (a folder) holds an input.

    An output inside an input folder would be read back as input by the next run.
    """
    o = out.resolve()
    for i in inputs:
        r = i.resolve()
        if o == r:
            raise RepairError(f"output {out} is also an input; choose another output path")
        if r.is_dir() and o.is_relative_to(r):
            raise RepairError(f"output {out} is inside the input folder {i}; choose an output outside the input folders")
        if folder and r.is_relative_to(o):
            raise RepairError(f"input {i} is inside the output folder {out}; choose an output folder that holds no inputs")
