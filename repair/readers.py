"""Read documents from files, folders and stdin as a stream.

- a ``.txt`` file is one document, its id the path relative to the folder given (or its name);
- a ``.jsonl`` (or ``.ndjson``) file is one document per line with a text field (``text`` unless told otherwise)
  and an ``id`` field (else ``<file>:<line>``); all other fields are kept untouched;
- a folder is searched recursively for ``*.txt``, ``*.jsonl``, ``*.ndjson`` and ``*.parquet``, and
  the first three compressed (``.gz``, ``.bz2``, ``.zst``: read transparently, see
  :mod:`repair.compressed`) (sorted, so runs repeat; hidden files and folders are skipped); a
  folder that is a repair output (:func:`is_output_folder`) is read as its cleaned data (its
  ``cleaned/`` folder), without the tool's own files (``records.jsonl``, ``diffs/``, ``review/``, ...);
- a ``.parquet`` file (needs the optional ``pyarrow``: ``pip install 'repair[parquet]'``) is one
  document per row, read in record batches, with the same fields rules as ``.jsonl``; a repair
  block written by an earlier stage is a JSON string in the ``repair`` column;
- ``-`` (or no path) is stdin: JSON lines if it starts with ``{``, else one text document.

A document that cannot be read yields an :class:`~repair.errors.InputError` in its place, so a
batch goes on; nothing is ever written to an input.
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Union

from repair.compressed import DECOMPRESSION_ERRORS, open_binary, plain_name, read_bytes, split_suffix
from repair.decoding import (
    RECORD_ERRORS,
    SNIFF,
    block_problem,
    decode,
    json_lines,
    max_document_bytes,
    record_problem,
    too_big,
)
from repair.document import Document
from repair.errors import InputError, MissingInput, RepairError

SUFFIXES_TEXT = (".txt",)
SUFFIXES_JSONL = (".jsonl", ".ndjson")
SUFFIXES_PARQUET = (".parquet",)
#: the files a repair output folder holds all of (``repair run -o FOLDER`` writes them)
OUTPUT_MARKERS = ("report.json", "documents.jsonl", "records.jsonl")
#: the sub-folder of a repair output folder that holds its cleaned data, at the inputs' relative paths,
#: and nothing else (repair.writers.FolderSink)
OUTPUT_DATA = "cleaned"
#: a repair output folder's own files and folders, in the layout before the cleaned data had a
#: sub-folder of its own (such a folder is read without them)
OUTPUT_OWN = frozenset({*OUTPUT_MARKERS, "index.html", "diffs", "review"})
PARQUET_BATCH = 1024  # rows per record batch read from a Parquet file

Item = Union[Document, InputError]


@dataclass(frozen=True, slots=True)
class Source:
    path: Path | None  # None for stdin
    rel: str  # path relative to the root it was found under; output files use it
    kind: str  # "txt", "jsonl", "parquet" or "stdin"

    def __post_init__(self) -> None:
        # a compressed input's output is written plain: a.jsonl.gz -> a.jsonl
        object.__setattr__(self, "rel", plain_name(self.rel))

    @property
    def display(self) -> str:
        return "<stdin>" if self.path is None else str(self.path)


def reads_from(folder: Path, path: Path, *, is_folder: bool = False) -> bool:
    """Whether reading ``folder`` reads ``path`` (or, ``is_folder``, the files written into that folder).

    Files with a suffix the readers know, anywhere below ``folder`` except in hidden files and folders.

    >>> reads_from(Path("in"), Path("in/sub/a.txt")), reads_from(Path("in"), Path("in/.cache/a.txt"))
    (True, False)
    >>> reads_from(Path("in"), Path("in/report.json")), reads_from(Path("in"), Path("in/out"), is_folder=True)
    (False, True)
    """
    if not path.is_relative_to(folder):
        return False
    if any(part.startswith(".") for part in path.relative_to(folder).parts):
        return False
    return is_folder or readable_suffix(path)


def readable_suffix(path: Path | str) -> bool:
    """Whether the readers know a file by its name: ``.txt``, ``.jsonl``, ``.ndjson``, ``.parquet``,
    and the first three compressed (``.gz``, ``.bz2``, ``.zst``).

    >>> [readable_suffix(n) for n in ("a.txt", "a.NDJSON", "a.jsonl.gz", "a.txt.zst", "a.parquet.gz", "a.md")]
    [True, True, True, True, False, False]
    """
    suffix, comp = split_suffix(path)
    if comp:
        return suffix in SUFFIXES_TEXT + SUFFIXES_JSONL
    return suffix in SUFFIXES_TEXT + SUFFIXES_JSONL + SUFFIXES_PARQUET


def discover(paths: Iterable[str | Path]) -> Iterator[Source | InputError]:
    """Expand the paths the user gave into sources, in a stable order."""
    given = [str(p) for p in paths] or ["-"]
    for p in given:
        if p == "-":
            yield Source(None, "stdin.jsonl", "stdin")
            continue
        path = Path(p)
        try:
            is_dir, is_file = path.is_dir(), path.is_file()
        except OSError as e:
            yield InputError(p, f"cannot read ({e.strerror or e})")
            continue
        if is_dir:
            yield from _walk(path)
        elif is_file:
            yield Source(path, path.name, _kind(path))
        else:
            yield MissingInput(p, _nothing_there(path))


def _nothing_there(path: Path) -> str:
    """Why a path that is neither a file nor a folder names nothing to read."""
    return "not a regular file or folder" if path.exists() else "no such file or folder"


def missing_inputs(paths: Iterable[str | Path]) -> list[MissingInput]:
    """The paths given that name no file or folder (``-``, stdin, is never one), as :func:`discover`
    says them: what every command refuses as a usage error before it reads or writes anything.

    >>> [str(e) for e in missing_inputs(["-", ".", "no/such.txt"])]
    ['no/such.txt: no such file or folder']
    """
    out = []
    for p in paths:
        if str(p) == "-":
            continue
        path = Path(p)
        try:
            if path.is_dir() or path.is_file():
                continue
        except OSError:  # cannot be examined: read (and reported) as any unreadable input
            continue
        out.append(MissingInput(str(p), _nothing_there(path)))
    return out


def is_output_folder(folder: Path) -> bool:
    """Whether ``folder`` is what ``repair run -o FOLDER`` wrote (it holds every :data:`OUTPUT_MARKERS` file).

    Read as an input (``repair check out/``, ``repair run out/ -o again/``) it gives its cleaned data
    once: its ``records.jsonl``, ``documents.jsonl``, diffs and review pages are not documents.
    """
    return all((folder / name).is_file() for name in OUTPUT_MARKERS)


def _walk(root: Path) -> Iterator[Source | InputError]:
    """The files under ``root`` the readers know, in path order, hidden names skipped, symlinked
    folders not followed. One ``os.scandir`` per folder and no ``stat`` per file (the listing says
    what is a file), so time grows linearly with the number of files. A folder that cannot be
    listed, or an entry that cannot be examined, is an InputError (never silently skipped)."""
    stack: list[tuple[Iterator[os.DirEntry[str]], str]] = []
    own = is_output_folder(root)
    if own and (root / OUTPUT_DATA).is_dir():  # its cleaned data, with paths relative to it (as the inputs')
        root, own = root / OUTPUT_DATA, False
    listed = _listing(root)
    if isinstance(listed, InputError):
        yield listed
        return
    if own:  # an output folder from before cleaned/
        listed = [e for e in listed if e.name.casefold() not in OUTPUT_OWN]
    stack.append((iter(listed), ""))
    while stack:
        entries, prefix = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                listed = _listing(Path(entry.path))
                if isinstance(listed, InputError):
                    yield listed
                else:
                    stack.append((iter(listed), f"{prefix}{entry.name}/"))
                continue
            is_file = entry.is_file()
        except OSError as e:
            yield InputError(entry.path, f"cannot read ({e.strerror or e})")
            continue
        if is_file and readable_suffix(entry.name):
            f = Path(entry.path)
            yield Source(f, prefix + entry.name, _kind(f))


def _listing(folder: Path) -> list[os.DirEntry[str]] | InputError:
    """A folder's entries sorted by name, hidden ones left out."""
    try:
        with os.scandir(folder) as it:
            return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)
    except OSError as e:
        return InputError(str(folder), f"cannot list this folder ({e.strerror or e}); its files were not read; "
                                       "fix its permissions or leave it out")


def count_documents(paths: Iterable[str | Path]) -> int | None:
    """How many documents ``paths`` hold, for a progress bar's total and ETA (None for stdin).

    A ``.txt`` file counts one; a ``.jsonl`` file counts its lines (bytes read in big chunks,
    not decoded), so the figure is exact unless a file has blank lines.
    """
    total = 0
    for src in discover(paths):
        if isinstance(src, InputError):
            continue
        if src.path is None:
            return None
        if src.kind == "parquet":
            try:
                total += parquet_file(src).metadata.num_rows
            except (InputError, OSError):
                pass
            continue
        if src.kind != "jsonl":
            total += 1
            continue
        try:
            with open_binary(src.path) as f:
                last = b"\n"
                while chunk := f.read(1 << 20):
                    total += chunk.count(b"\n")
                    last = chunk[-1:]
                total += last != b"\n"
        except (InputError, *DECOMPRESSION_ERRORS):
            continue
    return total


def _kind(path: Path) -> str:
    suffix = split_suffix(path)[0]
    if suffix in SUFFIXES_PARQUET:
        return "parquet"
    return "jsonl" if suffix in SUFFIXES_JSONL else "txt"


def read_documents(paths: Iterable[str | Path], *, text_field: str = "text", stdin: IO[bytes] | None = None,
                   allow_empty: bool = False, select: Callable[[Path], bool] | None = None) -> Iterator[Item]:
    """Yield a Document (or an InputError) for every document under ``paths``, streaming.

    ``select`` (see :mod:`repair.selection`) chooses among the files found in folders; a file
    named in ``paths`` is always read.
    """
    paths = [str(p) for p in paths]
    named = {Path(p) for p in paths}
    for src in discover(paths):
        if isinstance(src, InputError):
            yield src
            continue
        if select is not None and src.path is not None and src.path not in named and not select(src.path):
            continue
        if src.path is None:
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _read_stdin(stream, text_field, allow_empty)
        elif src.kind == "parquet":
            yield from _read_parquet(src, text_field)
        elif src.kind == "jsonl":
            yield from read_jsonl_file(src, text_field)
        else:
            yield read_txt(src, allow_empty)


def read_jsonl_file(src: Source, text_field: str) -> Iterator[Item]:
    """The items of one whole ``.jsonl`` file (compressed or not), its errors included."""
    assert src.path is not None
    try:
        f = open_binary(src.path)
    except OSError as e:
        yield InputError(src.display, f"cannot read ({e.strerror})")
        return
    except InputError as e:
        yield e
        return
    with f:
        try:
            if b"\x00" in f.peek(SNIFF)[:SNIFF]:
                yield InputError(src.display, "looks like a binary file (NUL bytes); only UTF-8 text and "
                                              "JSON lines are read")
                return
            yield from read_jsonl(f, src, text_field)
        except DECOMPRESSION_ERRORS as e:  # a damaged .gz/.bz2/.zst: the records before it were read
            yield InputError(src.display, f"cannot decompress ({type(e).__name__}: {e})")


def parquet_file(src: Source) -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(src.display, "reading Parquet needs pyarrow; install it with pip install 'repair[parquet]'") \
            from None
    try:
        return pq.ParquetFile(src.path)
    except arrow_errors() as e:
        raise InputError(src.display, f"not a readable Parquet file ({type(e).__name__}: {e})") from None


def arrow_errors() -> tuple[type[BaseException], ...]:
    """What pyarrow raises for a broken or unreadable file (its own base class, I/O, bad values)."""
    import pyarrow as pa

    return (pa.ArrowException, OSError, ValueError)


def _read_parquet(src: Source, text_field: str) -> Iterator[Item]:
    """One document per row, streamed a record batch at a time; the row number plays the line's part."""
    where = src.display
    try:
        pf = parquet_file(src)
    except InputError as e:
        yield e
        return
    if text_field not in pf.schema_arrow.names:
        yield InputError(where, f"no {text_field!r} column (use --text-field to name the text column)")
        return
    row = 0
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH):
            for rec in batch_rows(batch):
                row += 1
                yield parquet_row(rec, src, text_field, row)
    except arrow_errors() as e:  # a corrupt page: report it and go on with the next input
        yield InputError(where, f"cannot read Parquet data after row {row} ({type(e).__name__}: {e})")


def batch_rows(batch: Any) -> list[dict[str, Any]]:
    """A record batch as dicts. A column Python cannot hold exactly (a nanosecond timestamp, time or
    duration) is read as text (``2021-01-01 00:00:00.000000001``) rather than dropping the batch."""
    try:
        return batch.to_pylist()
    except arrow_errors():
        import pyarrow as pa

    columns = {}
    for name, col in zip(batch.schema.names, batch.columns, strict=True):
        try:
            columns[name] = col.to_pylist()
        except arrow_errors():
            try:
                columns[name] = col.cast(pa.string()).to_pylist()
            except arrow_errors():  # no text form either: reported for the rest of the file, as before
                raise
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)] if columns else []


# the typed columns a Parquet output carries beside the ``repair`` JSON (repair.writers.ParquetWriter)
DERIVED = ("repair_spin_score", "repair_family", "repair_applied", "repair_flagged", "repair_changes")


def parquet_row(rec: dict[str, Any], src: Source, text_field: str, row: int) -> Item:
    where = src.display
    text = rec[text_field]
    if not isinstance(text, str):
        return InputError(where, f"field {text_field!r} must be a string, not {type(text).__name__}", row)
    if len(text) > (limit := max_document_bytes()):
        return InputError(where, too_big(len(text), limit, "the text"), row)
    block = rec.get("repair")
    if isinstance(block, str):  # a record written by a stage: the repair block is stored as JSON, and
        for name in DERIVED:  # the typed columns beside it are derived from it (written again on output)
            rec.pop(name, None)
        try:
            rec["repair"] = json.loads(block)
        except json.JSONDecodeError as e:
            return InputError(where, f"the 'repair' column does not hold JSON ({e.msg})", row)
    elif block is None:
        rec.pop("repair", None)
    if (problem := block_problem(rec)) is not None:
        return InputError(where, problem, row)
    origin = {"path": where, "rel": src.rel, "kind": "parquet", "line": row}
    try:
        return Document.from_record(rec, text_field=text_field, id=f"{src.rel}:{row}", origin=origin)
    except (RepairError, KeyError, TypeError, ValueError) as e:
        return InputError(where, f"record does not replay: {e}", row)


def read_txt(src: Source, allow_empty: bool) -> Item:
    assert src.path is not None
    limit = max_document_bytes()
    try:
        size = src.path.stat().st_size
        if size > limit:
            return InputError(src.display, too_big(size, limit, "the file"))
        data = read_bytes(src.path)
        if len(data) > limit:  # a compressed file: its text is larger than the file
            return InputError(src.display, too_big(len(data), limit, "the text"))
    except OSError as e:
        return InputError(src.display, f"cannot read ({e.strerror})")
    except InputError as e:
        return e
    try:
        text = decode(data, src.display)
    except InputError as e:
        return e
    if not text.strip() and not allow_empty:
        return InputError(src.display, "empty file (no text to clean)")
    return Document(id=src.rel, source=text, text=text, fields={"id": src.rel},
                    origin={"path": src.display, "rel": src.rel, "kind": "txt"})


def _read_stdin(stream: IO[bytes], text_field: str, allow_empty: bool) -> Iterator[Item]:
    if not hasattr(stream, "peek"):  # e.g. a BytesIO: buffer it, so it streams like sys.stdin.buffer
        stream = io.BufferedReader(_Raw(stream))  # type: ignore[arg-type]
    head = stream.peek(64)[:64]  # type: ignore[attr-defined]
    if _looks_like_jsonl(head):
        yield from read_jsonl(stream, Source(None, "stdin.jsonl", "jsonl"), text_field)
    else:
        yield from _stdin_text(stream.read(max_document_bytes() + 1), allow_empty)


class _Raw(io.RawIOBase):
    """A byte stream without ``peek`` as a raw stream :class:`io.BufferedReader` can buffer."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._s = stream

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
        data = self._s.read(len(b))
        b[:len(data)] = data
        return len(data)


def _looks_like_jsonl(head: bytes) -> bool:
    """Stdin holds JSON lines if it starts with ``{`` (after a BOM and blank space)."""
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def _stdin_text(data: bytes, allow_empty: bool) -> Iterator[Item]:
    limit = max_document_bytes()
    if len(data) > limit:  # read up to one byte over the limit, never all of it
        yield InputError("<stdin>", f"the text is over the {limit / 1e6:g} MB limit for one document; split it, "
                                    "or raise REPAIR_MAX_DOCUMENT_MB")
        return
    try:
        text = decode(data, "<stdin>")
    except InputError as e:
        yield e
        return
    if not text.strip() and not allow_empty:
        yield InputError("<stdin>", "empty input (no text to clean)")
        return
    yield Document(id="stdin", source=text, text=text, fields={"id": "stdin"},
                   origin={"path": "<stdin>", "rel": "stdin.txt", "kind": "txt"})


def read_jsonl(f: IO[bytes], src: Source, text_field: str, first_line: int = 1) -> Iterator[Item]:
    where = src.display
    for item in json_lines(f, where, first_line):
        if isinstance(item, InputError):
            yield item
            continue
        lineno, rec = item
        if text_field not in rec:
            yield InputError(where, f"no {text_field!r} field (use --text-field to name the text field)", lineno)
            continue
        if not isinstance(rec[text_field], str):
            yield InputError(where, f"field {text_field!r} must be a string, not {type(rec[text_field]).__name__}",
                             lineno)
            continue
        if (problem := block_problem(rec)) is not None:
            yield InputError(where, problem, lineno)
            continue
        origin = {"path": where, "rel": src.rel, "kind": "jsonl", "line": lineno}
        try:
            doc = Document.from_record(rec, text_field=text_field, id=f"{src.rel}:{lineno}", origin=origin)
        except RECORD_ERRORS as e:  # a piped record must be well-formed and replay
            yield InputError(where, record_problem(e), lineno)
            continue
        yield doc
