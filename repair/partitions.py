"""Split the inputs of a run into partitions that can be read and cleaned independently.

A partition is a run of whole ``.txt`` files, a byte range of a ``.jsonl`` file cut at line
ends, or a range of a ``.parquet`` file's row groups, each of about ``target`` bytes.
:func:`read_partition` yields exactly the items :func:`repair.readers.read_documents` yields for
that part of the input (the same ids, line and row numbers, and errors), so the partitions read
in order are the whole input read in one stream: that is what lets a Dask run (see
:mod:`repair.cluster`) write what a local run writes. Planning reads each JSONL file once, in big
blocks, to find line ends and count lines; it decodes nothing.

A compressed ``.jsonl`` file (``.gz``, ``.bz2``, ``.zst``) cannot be cut without decompressing
it, so it is one partition, read whole. :func:`plan` takes the ``select`` of
:func:`~repair.readers.read_documents` (``--include``/``--exclude``), so a partitioned run reads the
files a single stream reads.

One difference from a single stream, for broken files only: a Parquet file whose data cannot be
decoded in one partition reports that and goes on with its next partition, where one stream stops
reading that file.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.jsonl").write_text("".join(f'{{"text": "line {i}"}}\\n' for i in range(1, 7)))
>>> parts = plan([d / "a.jsonl"], target=40)
>>> [(p.start, p.end, p.first_line) for p in parts]
[(0, 57, 1), (57, 114, 4)]
>>> [doc.id for p in parts for doc in read_partition(p)]
['a.jsonl:1', 'a.jsonl:2', 'a.jsonl:3', 'a.jsonl:4', 'a.jsonl:5', 'a.jsonl:6']
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from repair.compressed import split_suffix
from repair.decoding import SNIFF
from repair.errors import InputError
from repair.readers import (
    PARQUET_BATCH,
    Item,
    Source,
    arrow_errors,
    batch_rows,
    discover,
    parquet_file,
    parquet_row,
    read_jsonl,
    read_jsonl_file,
    read_txt,
)

TARGET_BYTES = 8 << 20  # about this much input per partition: seconds of work, a few MB of results
_BLOCK = 1 << 20


@dataclass(frozen=True, slots=True)
class Partition:
    """One independently readable part of the input; ``kind`` is txt, jsonl, parquet or error."""

    index: int
    kind: str
    sources: tuple[Source, ...] = ()  # txt: the files; jsonl, parquet: the one file
    where: str = ""  # the absolute path a worker opens (the display name stays the one given)
    start: int = 0  # jsonl: byte offset; parquet: first row group
    end: int = 0  # jsonl: byte offset (exclusive); parquet: row group (exclusive); -1: to the end of the file
    first_line: int = 1  # jsonl: line number of the first line; parquet: rows before the first group + 1
    error: tuple[str, str, int | None] | None = None  # kind "error": an input that cannot be read at all

    @property
    def label(self) -> str:
        """A stable name for the partition (completion markers, messages)."""
        if self.kind == "txt":
            return f"txt:{self.sources[0].rel}+{len(self.sources)}"
        if self.kind == "error":
            return f"error:{self.error[0] if self.error else ''}"
        return f"{self.kind}:{self.sources[0].rel}:{self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class End:
    """In a stream of cleaned items, the mark that every item of ``part`` came before it."""

    part: Partition


def plan(paths: Iterable[str | Path], target: int = TARGET_BYTES,
         select: Callable[[Path], bool] | None = None) -> list[Partition]:
    """The partitions of ``paths``, in the order a single stream reads them (stdin is not partitionable).

    ``select`` chooses among the files found in folders, as in :func:`repair.readers.read_documents`.
    """
    paths = [str(p) for p in paths]
    named = {Path(p) for p in paths}
    out: list[Partition] = []
    txt: list[Source] = []
    txt_size = 0

    def flush_txt() -> None:
        nonlocal txt, txt_size
        if txt:
            out.append(Partition(len(out), "txt", tuple(_opened(s) for s in txt)))
            txt, txt_size = [], 0

    for src in discover(paths):
        if isinstance(src, InputError):
            flush_txt()
            out.append(Partition(len(out), "error", error=(src.path, src.reason, src.line)))
            continue
        if select is not None and src.path is not None and src.path not in named and not select(src.path):
            continue
        if src.path is None:
            raise InputError("<stdin>", "a partitioned run (--executor dask) reads files, not stdin; "
                                        "save the input to a file first")
        if src.kind == "txt":
            txt.append(src)
            try:
                txt_size += src.path.stat().st_size
            except OSError:
                pass
            if txt_size >= target:
                flush_txt()
            continue
        flush_txt()
        if src.kind == "jsonl":
            out.extend(_jsonl_parts(src, target, len(out)))
        else:
            out.extend(_parquet_parts(src, target, len(out)))
    flush_txt()
    return out


def _unreadable(src: Source) -> tuple[str, str, int | None]:
    """The error a single stream reports for a file it cannot read at all."""
    from repair.readers import read_documents

    e = next(iter(read_documents([src.path])))  # type: ignore[list-item]
    assert isinstance(e, InputError)
    return (src.display, e.reason, e.line)


def _jsonl_parts(src: Source, target: int, index: int) -> list[Partition]:
    assert src.path is not None
    where = str(src.path.resolve())
    if split_suffix(src.path)[1]:  # compressed: no byte offsets to cut at; read whole, as one stream does
        return [Partition(index, "jsonl", (_opened(src),), where, 0, -1, 1)]
    try:
        f = open(src.path, "rb")
    except OSError:
        return [Partition(index, "error", (src,), where, error=_unreadable(src))]
    cuts: list[tuple[int, int]] = [(0, 1)]  # (byte offset, line number) where a partition starts
    with f:
        if b"\x00" in f.read(SNIFF):
            return [Partition(index, "error", (src,), where, error=_unreadable(src))]  # binary: one error
        f.seek(0)
        pos, lines, want = 0, 1, target
        while block := f.read(_BLOCK):
            at = 0
            while pos + len(block) > want:  # this block holds the next cut: the first line end at or after ``want``
                nl = block.find(b"\n", max(want - pos, at))
                if nl < 0:
                    break
                lines += block.count(b"\n", at, nl + 1)
                at = nl + 1
                cuts.append((pos + at, lines))
                want = pos + at + target
            lines += block.count(b"\n", at)
            pos += len(block)
    if len(cuts) > 1 and cuts[-1][0] >= pos:
        cuts.pop()  # the file ends at the last cut
    ends = [c[0] for c in cuts[1:]] + [pos]
    return [Partition(index + i, "jsonl", (src,), where, start, end, first)
            for i, ((start, first), end) in enumerate(zip(cuts, ends, strict=True))]


def _parquet_parts(src: Source, target: int, index: int) -> list[Partition]:
    where = str(src.path.resolve()) if src.path is not None else ""
    whole = [Partition(index, "parquet", (src,), where, 0, -1, 1)]
    try:
        meta = parquet_file(src).metadata
    except InputError:
        return whole  # reading it reports the error once
    groups = [(meta.row_group(i).num_rows, meta.row_group(i).total_byte_size) for i in range(meta.num_row_groups)]
    if len(groups) <= 1:
        return whole
    out, start, rows, first, size = [], 0, 0, 1, 0
    for i, (n, nbytes) in enumerate(groups):
        rows += n
        size += nbytes
        if size >= target or i == len(groups) - 1:
            out.append(Partition(index + len(out), "parquet", (src,), where, start, i + 1, first))
            start, first, size = i + 1, rows + 1, 0
    return out


def read_partition(part: Partition, text_field: str = "text") -> Iterator[Item]:
    """The items a single stream would yield for this part of the input, in order."""
    if part.kind == "error":
        assert part.error is not None
        yield InputError(*part.error)
        return
    if part.kind == "txt":
        items: Iterator[Item] = (read_txt(src, allow_empty=False) for src in part.sources)
    elif part.kind == "jsonl":
        items = _read_jsonl_part(part, text_field)
    else:
        items = _read_parquet_part(part, text_field)
    yield from items


def _opened(src: Source, where: str = "") -> Source:
    """``src`` opened by its absolute path (a worker may run in another folder), named as given (ids, origins, errors)."""
    assert src.path is not None
    return _Opened(Path(where) if where else src.path.resolve(), src.rel, src.kind, src.display)


@dataclass(frozen=True, slots=True)
class _Opened(Source):
    given: str = ""

    @property
    def display(self) -> str:
        return self.given


def _read_jsonl_part(part: Partition, text_field: str) -> Iterator[Item]:
    src = part.sources[0]
    if part.end < 0:
        yield from read_jsonl_file(src, text_field)
        return
    with open(part.where, "rb") as f:
        f.seek(part.start)
        data = f.read(part.end - part.start)
    yield from read_jsonl(io.BytesIO(data), src, text_field, part.first_line)


def _read_parquet_part(part: Partition, text_field: str) -> Iterator[Item]:
    src = part.sources[0]
    where = src.display
    try:
        pf = parquet_file(_opened(src, part.where))
    except InputError as e:
        yield InputError(where, e.reason, e.line)
        return
    if text_field not in pf.schema_arrow.names:
        if part.start == 0:  # said once per file, as a single stream does
            yield InputError(where, f"no {text_field!r} column (use --text-field to name the text column)")
        return
    groups = list(range(part.start, part.end if part.end >= 0 else pf.metadata.num_row_groups))
    row = part.first_line - 1
    try:
        for batch in pf.iter_batches(batch_size=PARQUET_BATCH, row_groups=groups):
            for rec in batch_rows(batch):
                row += 1
                yield parquet_row(rec, src, text_field, row)
    except arrow_errors() as e:
        yield InputError(where, f"cannot read Parquet data after row {row} ({type(e).__name__}: {e})")
