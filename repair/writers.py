"""Write results: JSON lines to a file or stdout, or a folder of cleaned files with diffs and a report.

Every file is written atomically (a temporary file in the same folder, then a rename), so a
crash never leaves a half-written output, and no output may land on an input.

Folder layout (``repair run seeds/ -o out/``)::

    out/cleaned/<rel path>          cleaned text, for each .txt input (same relative path)
    out/cleaned/<rel path>.jsonl    the input's records with the cleaned text, fields as in the input and
                                    no ``repair`` block (a drop-in replacement), for each .jsonl input
    out/cleaned/<rel path>.parquet  the same for each .parquet input (needs pyarrow)
    out/diffs/<rel>.diff            unified diff of each changed text document (see :func:`document_name`)
    out/diffs/<rel>/<line>.diff     ... and of each changed record, by its line (row) in its file
    out/documents.jsonl             one line per document: id, spin score, counts, where its files are
    out/records.jsonl               the full record (text + repair block) of every document: the only copy
    out/report.json                 counts by stage and rule, failures, spin-score histogram
    out/index.html, review/         the HTML review report, with ``--review`` (:mod:`repair.review.html`)

The user's data lives under ``cleaned/`` and nothing else does, so no input path (a folder named
``diffs/`` or ``review/``, a file named ``records.jsonl``) can collide with the tool's own files.

A ``.txt`` output (:class:`TextSink`) is the cleaned text of one text input and nothing else.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import difflib
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from repair import fastjson
from repair.atomic import FILE_MODE, atomic_writer, fit_name, replace_file, temp_next_to, write_atomic
from repair.compressed import split_suffix
from repair.counts import Stats
from repair.document import Document
from repair.errors import ConfigError, RepairError
from repair.readers import DERIVED, OUTPUT_DATA, SUFFIXES_JSONL, SUFFIXES_PARQUET, reads_from
from repair.staging import OutputLock, StagedFolder, lock_file


def _jsonable(o: Any) -> Any:
    """JSON for the values a Parquet row may hold that JSON has no type for."""
    if isinstance(o, (datetime.datetime, datetime.date, datetime.time)):
        return o.isoformat()
    if isinstance(o, datetime.timedelta):
        return o.total_seconds()
    if isinstance(o, decimal.Decimal):
        return str(o)
    if isinstance(o, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(o)).decode("ascii")
    raise TypeError(f"a {type(o).__name__} value cannot be written as JSON")


_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(rec: dict[str, Any]) -> str:
    """One record as a JSON line of valid JSON (timestamps as ISO strings, decimals as strings, bytes as base64).

    Strict JSON only: NaN and infinities (a Parquet float column, a JSON line that had them) are
    written as ``null``; a lone surrogate (``"\\ud800"`` read from a JSON line) is written back as
    the same ``\\ud800`` escape, so the line stays UTF-8 and the value round-trips.

    >>> dumps({"a": datetime.date(2021, 11, 30), "b": "\u00e9"})
    '{"a":"2021-11-30","b":"\u00e9"}'
    >>> print(dumps({"x": float("nan"), "id": "a" + chr(0xD800)}))
    {"x":null,"id":"a\\ud800"}
    """
    # orjson where its bytes are json's (repair.fastjson); _json_dumps writes NaN and infinities as null, as orjson does
    return fastjson.dumps(rec, _json_dumps, _jsonable, nan_null=True)


def dumps_utf8(rec: dict[str, Any]) -> bytes:
    """:func:`dumps` as the UTF-8 bytes a record file holds (what :func:`repair.atomic.atomic_writer`'s text
    file writes: a lone surrogate, which :func:`dumps` never leaves, as its escape)."""
    return fastjson.dumps_utf8(rec, _json_dumps, _jsonable, nan_null=True, errors="backslashreplace")


def _json_dumps(rec: Any) -> str:
    try:
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=_jsonable, allow_nan=False)
    except ValueError:  # a NaN or an infinity somewhere: strict JSON has no spelling for them
        line = json.dumps(_finite(rec), ensure_ascii=False, separators=(",", ":"), default=_jsonable, allow_nan=False)
    if _SURROGATE.search(line):  # only inside strings: an escape there is the same string
        line = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
    return line


def _finite(o: Any) -> Any:
    """``o`` with every NaN or infinite float replaced by None."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    return o


PARQUET_ROWS = 1024  # rows per row group written
_CHANGE_FIELDS = ("start", "end", "before", "after", "stage", "rule", "confidence", "applied")


def derived_types() -> dict[str, Any]:
    """The pyarrow types of the typed columns written beside the ``repair`` JSON (:data:`DERIVED`)."""
    import pyarrow as pa

    change = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("before", pa.string()), ("after", pa.string()),
                        ("stage", pa.string()), ("rule", pa.string()), ("confidence", pa.float64()),
                        ("applied", pa.bool_())])
    return dict(zip(DERIVED, (pa.float64(), pa.string(), pa.int64(), pa.int64(), pa.list_(change)), strict=True))


class ParquetWriter:
    """Records to one Parquet file, a row group per batch, atomically (a temporary file renamed on close).

    The columns are the fields of the first batch of records (types inferred by pyarrow); the
    ``repair`` block is stored as a JSON string, so any record shape fits one column (and a later
    stage reads it back whole). Beside it, typed columns a query engine filters on without parsing
    JSON (:data:`DERIVED`): ``repair_spin_score``, ``repair_family``, ``repair_applied``,
    ``repair_flagged`` and ``repair_changes`` (a list of structs). A later record with a field the
    first batch did not have is an error rather than a silent loss.
    """

    def __init__(self, path: Path, rows: int = PARQUET_ROWS) -> None:
        try:
            import pyarrow  # noqa: F401
            import pyarrow.parquet  # noqa: F401
        except ImportError:
            raise RepairError(f"{path}: writing Parquet needs pyarrow; install it with pip install "
                              "'repair[parquet]'") from None
        self.path = path
        self.rows = rows
        fd, tmp = temp_next_to(path)
        try:
            os.fchmod(fd, FILE_MODE)
        finally:
            os.close(fd)
        self._tmp = Path(tmp)
        self._buf: list[dict[str, Any]] = []
        self._writer: Any = None
        self._schema: Any = None
        self._written = 0

    def add(self, rec: dict[str, Any]) -> None:
        row = dict(rec)
        block = row.get("repair")
        if isinstance(block, dict):
            row["repair"] = dumps(block)
            changes = [c for c in block.get("changes", ()) if isinstance(c, dict)]
            row["repair_spin_score"] = block.get("spin_score")
            row["repair_family"] = block.get("family")
            row["repair_applied"] = sum(1 for c in changes if c.get("applied"))
            row["repair_flagged"] = len(changes) - row["repair_applied"]
            row["repair_changes"] = [{k: c.get(k) for k in _CHANGE_FIELDS} for c in changes]
        self._buf.append(row)
        if len(self._buf) >= self.rows:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._buf:
            return
        try:
            if self._schema is None:  # columns: every field of the first batch (from_pylist sees only row 1)
                names = list(dict.fromkeys(k for row in self._buf for k in row))
                types = derived_types() if "repair_changes" in names else {}
                table = pa.Table.from_pydict({k: pa.array([row.get(k) for row in self._buf], type=types.get(k))
                                              for k in names})
                self._schema = table.schema
                self._writer = pq.ParquetWriter(self._tmp, self._schema)
            else:
                extra = set().union(*self._buf) - set(self._schema.names)
                if extra:
                    raise RepairError(f"{self.path}: field(s) {', '.join(sorted(extra))} first appear after row "
                                      f"{self._written}; a Parquet file has one set of columns, taken from the "
                                      "first rows")
                table = pa.Table.from_pylist(self._buf, schema=self._schema)
        except (pa.ArrowException, TypeError, ValueError) as e:
            raise RepairError(f"{self.path}: records after row {self._written} do not fit the columns of the "
                              f"first rows ({type(e).__name__}: {e})") from None
        self._writer.write_table(table)
        self._written += len(self._buf)
        self._buf = []

    def close(self, ok: bool = True) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            if ok:
                self._flush()
                if self._writer is None:  # no records at all: an empty file with the record's core columns
                    self._writer = pq.ParquetWriter(self._tmp, pa.schema([("text", pa.string()),
                                                                          ("repair", pa.string())]))
                self._writer.close()
                self._writer = None
                replace_file(str(self._tmp), self.path)
        finally:
            if self._writer is not None:
                self._writer.close()
            if self._tmp.exists():
                self._tmp.unlink()


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
        self.published: list[Callable[[], None]] = []  # run once the output is in place, its lock still held
        self._lock: OutputLock | None = None
        if path is not None:
            refuse_output_over_inputs(path, inputs)
            _refuse_folder(path)
            self._lock = lock_file(path)
            try:
                self._cm = atomic_writer(path)
                self._f = self._cm.__enter__()
            except BaseException:
                self._lock.release()
                raise
        else:
            self._cm = None
            self._f = sys.stdout

    def add(self, doc: Document) -> None:
        if self._cm is None:  # stdout
            line = dumps(doc.to_record(final=self.final)) + "\n"  # a record that cannot be written raises before any write
            self.stats.add(doc)
            self._f.write(line)
            self._f.flush()
            return
        data = dumps_utf8(doc.to_record(final=self.final)) + b"\n"
        self.stats.add(doc)
        self._f.buffer.write(data)  # the bytes its text layer would write (it is given nothing else)

    def close(self, ok: bool = True) -> None:
        try:
            if self._cm is not None:
                cm, self._cm = self._cm, None
                if ok:
                    cm.__exit__(None, None, None)
                    for then in self.published:
                        then()
                else:
                    cm.__exit__(RepairError, RepairError("aborted"), None)
        finally:
            if self._lock is not None:
                self._lock.release()


class ParquetSink:
    """Records to a ``.parquet`` file (streamed by row groups, renamed into place on close)."""

    def __init__(self, path: Path, *, final: bool = True, inputs: tuple[Path, ...] = ()) -> None:
        refuse_output_over_inputs(path, inputs)
        _refuse_folder(path)
        self.final = final
        self.path = path
        self.stats = Stats()
        self.published: list[Callable[[], None]] = []  # run once the output is in place, its lock still held
        self._lock = lock_file(path)
        try:
            self._w = ParquetWriter(path)
        except BaseException:
            self._lock.release()
            raise

    def add(self, doc: Document) -> None:
        self.stats.add(doc)
        self._w.add(doc.to_record(final=self.final))

    def close(self, ok: bool = True) -> None:
        try:
            self._w.close(ok)
            if ok:
                for then in self.published:
                    then()
        finally:
            self._lock.release()


class TextSink:
    """``-o out.txt``: the cleaned text of the one text document a run reads, written atomically on
    close, and nothing else (no records: a folder or a ``.jsonl`` output keeps them). A run that
    cleans no document writes no file. A second document, or a record read from JSON lines (stdin),
    is a usage error (:class:`ConfigError`): the callers refuse those inputs before reading when
    they can (:func:`refuse_text_output`)."""

    def __init__(self, path: Path, *, inputs: tuple[Path, ...] = ()) -> None:
        refuse_output_over_inputs(path, inputs)
        self.path = path
        self.stats = Stats()
        self.published: list[Callable[[], None]] = []  # run once the output is in place, its lock still held
        self._text: str | None = None
        self._lock = lock_file(path)

    def add(self, doc: Document) -> None:
        if self._text is not None or doc.origin.get("kind", "txt") != "txt":
            raise ConfigError(f"{self.path}: {TEXT_OUTPUT_ONLY}")
        self.stats.add(doc)
        self._text = doc.text

    def close(self, ok: bool = True) -> None:
        try:
            if ok and self._text is not None:
                write_atomic(self.path, self._text)
                for then in self.published:
                    then()
        finally:
            self._lock.release()


TEXT_OUTPUT_ONLY = ("a .txt output holds the cleaned text of exactly one text input; for several inputs, JSON "
                    "lines or Parquet, write to a folder or a .jsonl/.parquet output")


def refuse_text_output(output: Path, paths: Iterable[Path | str]) -> None:
    """A ``.txt`` output takes exactly one text input: more than one input, a folder (any number of
    documents) or a JSON lines or Parquet file is a usage error (:class:`ConfigError`), before
    anything is read or written. Stdin is checked as it is read (:class:`TextSink`)."""
    given = [str(p) for p in paths]
    if len(given) > 1:
        raise ConfigError(f"-o {output}: {len(given)} inputs given, but {TEXT_OUTPUT_ONLY}")
    if given and given[0] != "-":
        p = Path(given[0])
        if p.is_dir():
            raise ConfigError(f"-o {output}: {p} is a folder, but {TEXT_OUTPUT_ONLY}")
        if split_suffix(p)[0] in SUFFIXES_JSONL + SUFFIXES_PARQUET:
            raise ConfigError(f"-o {output}: {p} holds records, but {TEXT_OUTPUT_ONLY}")


def document_name(rel: str, kind: str, line: Any, doc_id: str) -> str:
    """The stable name of a document in a folder output, from its source file and line: its diff is
    ``diffs/<name>.diff``, its review page ``review/<shard>/<name>.html``.

    A text document's is its cleaned path; a record's is a folder named after its cleaned file
    holding ``<line>``, its line in a JSON lines file (its row in a Parquet file), unique within the
    file; a record without a line number (a piped one) is ``id-<id>``, the id reduced to letters,
    digits, ``.``, ``_`` and ``-``. To the cleaned file's path the tool adds only these (never ``#``,
    ``?``, ``%`` or ``:``, which break URLs and tools), so a name depends on the document alone, not
    on which other documents the run holds or their order; :class:`UniqueNames` numbers the rare
    name two documents would share (records piped twice: ``-2``, ``-3``, ...).

    >>> document_name("2021/a.txt", "txt", None, "2021/a.txt"), document_name("feed.jsonl", "jsonl", 3, "x#1")
    ('2021/a.txt', 'feed.jsonl/3')
    >>> document_name("stdin.jsonl", "jsonl", None, "a/b#1")
    'stdin.jsonl/id-a_b_1'
    """
    if kind == "txt":
        return rel
    if isinstance(line, int) and not isinstance(line, bool) and line > 0:
        return f"{rel}/{line}"
    return f"{rel}/id-{_safe_name(doc_id)}"


class UniqueNames:
    """:func:`document_name` s given out in one output: a name already taken (compared without case,
    for case-insensitive file systems) gets ``-2``, ``-3``, ... in the order documents come.

    >>> names = UniqueNames()
    >>> names.claim("stdin.jsonl/id-a"), names.claim("stdin.jsonl/id-A"), names.claim("a.txt")
    ('stdin.jsonl/id-a', 'stdin.jsonl/id-A-2', 'a.txt')
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def claim(self, name: str, *, keep_suffix: bool = False) -> str:
        """``name``, or numbered when taken; ``keep_suffix``: the number goes before the file's
        suffix (``x-2.txt``)."""
        stem, dot, ext = name.rpartition(".") if keep_suffix and "." in name.rsplit("/", 1)[-1] else (name, "", "")
        n = 2
        while name.casefold() in self._taken:
            name = f"{stem}-{n}{dot}{ext}"
            n += 1
        self._taken.add(name.casefold())
        return name


def target_of(doc: Document) -> tuple[str, str]:
    """A document's kind as written (``txt``, ``jsonl`` or ``parquet``) and its path under ``cleaned/``
    (before :class:`FolderSink` numbers a path two inputs share), from its origin."""
    kind = doc.origin.get("kind", "txt")
    rel = _safe_rel(str(doc.origin.get("rel") or _safe_name(doc.id)))
    if kind == "parquet":
        rel = rel if rel.endswith(".parquet") else rel + ".parquet"
    elif kind != "txt":
        kind, rel = "jsonl", rel if rel.endswith((".jsonl", ".ndjson")) else rel + ".jsonl"
    return kind, rel


class FolderSink:
    """Cleaned files at their relative paths under ``cleaned/``, diffs, per-document index, records and report.json."""

    def __init__(self, out: Path, *, inputs: tuple[Path, ...] = (), diffs: bool = True) -> None:
        self.out = out
        self.stats = Stats()
        self.diffs = diffs
        refuse_output_over_inputs(out, inputs, folder=True)
        self._staged = StagedFolder(out)
        self.dir = self._staged.staging  # everything is written here, and published as a whole on close
        self._outputs: dict[tuple[str, str], str] = {}  # (relative path, input) -> output path
        self._paths = UniqueNames()  # output paths given out
        self._names = UniqueNames()  # each document's name: its diff's and its review page's
        self._jsonl: dict[str, tuple[Any, IO[str]]] = {}
        self._parquet: dict[str, ParquetWriter] = {}
        self._index_cm = atomic_writer(self.dir / "documents.jsonl")
        self._index = self._index_cm.__enter__()
        self._records_cm = atomic_writer(self.dir / "records.jsonl")
        self._records = self._records_cm.__enter__()
        self.listeners: list[Any] = []  # objects with add(doc, entry, name=) and close(stats), e.g. the HTML report
        self.published: list[Callable[[], None]] = []  # run once the folder is in place, its lock still held

    def _target(self, doc: Document) -> tuple[str, str]:
        kind, rel = target_of(doc)
        return kind, self._claim(rel, str(doc.origin.get("path", doc.id)))

    def _claim(self, rel: str, source: str) -> str:
        """The output path of ``source`` under ``cleaned/``: ``rel``, or ``rel`` with ``-2``, ``-3``, ...
        when another input (``x.txt`` in two folders given) already has it (compared without case,
        for case-insensitive file systems)."""
        key = (rel, source)
        if key not in self._outputs:
            self._outputs[key] = self._paths.claim(rel, keep_suffix=True)
        return self._outputs[key]

    def add(self, doc: Document) -> None:
        kind, rel = self._target(doc)
        record = doc.to_record(final=True)
        record_line = dumps(record) + "\n"  # a record that cannot be written raises here, before any write
        # the cleaned copy of a record input: the user's fields and the cleaned text, without the repair
        # block (that lives once, in records.jsonl), so it replaces the input for whatever reads it
        cleaned = {k: v for k, v in record.items() if k != "repair"} if kind != "txt" else None
        cleaned_line = dumps(cleaned) + "\n" if kind == "jsonl" else ""
        self.stats.add(doc)
        data = self.dir / OUTPUT_DATA
        if kind == "txt":
            write_atomic(data / rel, doc.text)
        elif kind == "parquet":
            if rel not in self._parquet:
                self._parquet[rel] = ParquetWriter(data / rel)
            self._parquet[rel].add(cleaned)
        else:
            if rel not in self._jsonl:
                cm = atomic_writer(data / rel)
                self._jsonl[rel] = (cm, cm.__enter__())
            self._jsonl[rel][1].write(cleaned_line)
        name = self._names.claim(document_name(rel, kind, doc.origin.get("line"), doc.id))
        diff_rel = None
        if self.diffs and doc.text != doc.source:
            diff_rel = f"diffs/{name}.diff"
            line = doc.origin.get("line")
            write_atomic(self.dir / diff_rel, unified_diff(doc, rel if kind == "txt" or not line else f"{rel}:{line}"))
        entry = {
            "id": doc.id,
            "output": f"{OUTPUT_DATA}/{rel}",
            "line": doc.origin.get("line"),
            "diff": diff_rel,
            "spin_score": round(doc.spin_score, 4),
            "family": doc.family,
            "applied": sum(1 for c in doc.changes if c.applied),
            "flagged": sum(1 for c in doc.changes if not c.applied),
            "characters": len(doc.source),
            "review": None,  # its page in the review report, when one is written (the listener says)
        }
        for listener in self.listeners:
            listener.add(doc, entry, name=name)
        self._index.write(dumps(entry) + "\n")
        self._records.write(record_line)

    def close(self, ok: bool = True) -> dict[str, Any]:
        exc = (None, None, None) if ok else (RepairError, RepairError("aborted"), None)
        closers = [lambda cm=cm: cm.__exit__(*exc) for cm, _ in self._jsonl.values()]
        closers += [lambda w=w: w.close(ok) for w in self._parquet.values()]
        closers += [lambda: self._index_cm.__exit__(*exc), lambda: self._records_cm.__exit__(*exc)]
        published = False
        try:
            failed: RepairError | None = None
            for close in closers:  # every file is finished (or its temporary removed) even if one fails
                try:
                    close()
                except RepairError as e:
                    failed = failed or e
            if failed is not None:
                raise failed
            report = self.stats.as_dict()
            if not ok:  # an aborted run leaves the previous output set as it was
                return report
            for listener in self.listeners:
                listener.close(self.stats)
            write_atomic(self.dir / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
            self._staged.publish(then=self.published)
            published = True
            return report
        finally:
            if not published:
                self._staged.abort()


def _safe_name(s: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in s)[:120] or "doc"


_UNSAFE_CHARS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _safe_rel(rel: str) -> str:
    """A relative output path from an untrusted one, inside ``cleaned/`` (which holds nothing else).

    No absolute paths, no ``..``; control characters and lone surrogates become ``_``;
    a hidden name (``.x``) becomes ``_.x``; each name fits in :data:`MAX_NAME_BYTES`. A name such as
    ``review`` or ``records.jsonl`` is kept: under ``cleaned/`` it cannot reach the tool's own files.

    >>> _safe_rel("../a/./b.txt"), _safe_rel("review/x.html"), _safe_rel(".lock"), _safe_rel("a\x1b[31m")
    ('a/b.txt', 'review/x.html', '_.lock', 'a_[31m')
    """
    parts = [fit_name(_UNSAFE_CHARS.sub("_", p)) for p in rel.split("/") if p not in ("", ".", "..")]
    parts = ["_" + p if p.startswith(".") else p for p in parts]
    return "/".join(parts) or "doc"


def _refuse_folder(path: Path) -> None:
    if path.is_dir():
        raise RepairError(f"cannot write {path}: it is a folder; records go to a .jsonl or .parquet file "
                          "(only emit and run write folders)")


def refuse_output_over_inputs(out: Path, inputs: Iterable[Path | str], *, folder: bool = False,
                              flag: str = "output") -> None:
    """The one check that an output never lands on an input, for every command that writes.

    Refused (:class:`ConfigError`, exit 2): an output that is an input; an output inside an input
    folder where the next run would read it (see :func:`repair.readers.reads_from`); with
    ``folder``, an output folder that holds an input. ``-`` (stdin) is no file.
    """
    o = out.resolve()
    for i in inputs:
        if str(i) == "-":
            continue
        r = Path(i).resolve()
        if o == r:
            raise ConfigError(f"{flag} {out} is also an input; write it elsewhere")
        if r.is_dir() and reads_from(r, o, is_folder=folder):
            raise ConfigError(f"{flag} {out} is inside the input folder {i}, where the next run would read it as an "
                              "input; write it outside the input folders")
        if folder and r.is_relative_to(o):
            raise ConfigError(f"input {i} is inside the {flag} folder {out}; choose a folder that holds no inputs")
