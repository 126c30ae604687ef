"""Bytes to documents, read defensively: the size limit of one document, text decoding, and JSON
lines each decoded, parsed and checked on its own, so one bad line (invalid UTF-8, not an object,
nested too deep, a number too long) is a one-line error naming the file and line, and the lines
after it are still read."""

from __future__ import annotations

import json
import os
from typing import IO, Any, Iterator

from repair.document import BlockError
from repair.errors import ConfigError, InputError, RepairError

SNIFF = 8192


#: The largest document read, in megabytes (a .txt file, a JSON line, stdin text, a Parquet row's
#: text); set ``REPAIR_MAX_DOCUMENT_MB`` to change it. Cleaning takes memory in proportion to the
#: text (tens of times its size), so one huge document must not exhaust a machine: it is refused
#: with one error line naming it, and the batch goes on. Real articles are well under 1 MB.
MAX_DOCUMENT_MB = 10.0


def max_document_bytes() -> int:
    """The size limit of one document in bytes (``REPAIR_MAX_DOCUMENT_MB``, default :data:`MAX_DOCUMENT_MB`)."""
    raw = os.environ.get("REPAIR_MAX_DOCUMENT_MB", "").strip()
    if not raw:
        return int(MAX_DOCUMENT_MB * 1_000_000)
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if not mb > 0 or mb == float("inf"):
        raise ConfigError(f"REPAIR_MAX_DOCUMENT_MB must be a positive number of megabytes, not {raw!r}")
    return int(mb * 1_000_000)


def too_big(size: int, limit: int, what: str) -> str:
    return (f"{what} is {size / 1e6:.1f} MB, over the {limit / 1e6:g} MB limit for one document; split it, or "
            "raise REPAIR_MAX_DOCUMENT_MB")


def decode(data: bytes, where: str) -> str:
    """Strict UTF-8 (a BOM is dropped); errors name the line and byte."""
    if b"\x00" in data[:SNIFF]:
        raise InputError(where, "looks like a binary file (NUL bytes); only UTF-8 text and JSON lines are read")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise InputError(where, f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
                                f"convert it to UTF-8 first, e.g. with iconv", line) from None
    return text[1:] if text.startswith("\ufeff") else text


RECORD_ERRORS = (RepairError, KeyError, TypeError, ValueError, IndexError, OverflowError, AttributeError)


def record_problem(e: BaseException) -> str:
    if isinstance(e, BlockError):
        return f"bad repair block: {e}"
    if isinstance(e, RepairError):
        return f"record does not replay: {e}"
    return f"bad repair block ({type(e).__name__}: {str(e)[:120]})"


def block_problem(rec: dict[str, Any]) -> str | None:
    """Why a record's ``repair`` field cannot be the repair block a stage writes (None if it can)."""
    block = rec.get("repair")
    if block is None or isinstance(block, dict):
        return None
    return (f"field 'repair' must be a JSON object (the repair block a stage writes), not {type(block).__name__}; "
            "rename the input field")


MAX_DEPTH = 100  # levels of nested arrays and objects a record may have (deeper ones cannot be written safely)


def too_deep(obj: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether ``obj`` nests lists and dicts more than ``limit`` levels deep (checked without recursion).

    >>> too_deep({"a": [[1]]}, 3), too_deep({"a": [[1]]}, 2)
    (False, True)
    """
    stack = [(obj, 1)]
    while stack:
        o, depth = stack.pop()
        children = o.values() if isinstance(o, dict) else o
        for c in children:
            if isinstance(c, (dict, list)):
                if depth + 1 > limit:
                    return True
                stack.append((c, depth + 1))
    return False


def _lines(f: IO[bytes], limit: int) -> Iterator[bytes | None]:
    """The lines of ``f``; None for a line over ``limit`` bytes, which is skipped without being held in memory."""
    while raw := f.readline(limit + 1):
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (more := f.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
            yield None
        else:
            yield raw


def json_lines(f: IO[bytes], where: str, first_line: int = 1) -> Iterator[tuple[int, dict[str, Any]] | InputError]:
    """``(line number, object)`` for each non-blank line of a JSON-lines stream, or an InputError for that line.

    >>> import io
    >>> [x if isinstance(x, tuple) else str(x) for x in json_lines(io.BytesIO(b'{"a": 1}\\n\\n[2]\\n'), "f.jsonl")]
    [(1, {'a': 1}), 'f.jsonl:3: a line must be a JSON object, not list']
    """
    limit = max_document_bytes()
    for lineno, raw in enumerate(_lines(f, limit), start=first_line):  # first_line: a byte range of a file (repair.partitions)
        if raw is None:
            yield InputError(where, f"the line is over the {limit / 1e6:g} MB limit for one document; split it, "
                                    "or raise REPAIR_MAX_DOCUMENT_MB", lineno)
            continue
        if not raw.strip():
            continue
        try:
            line = decode(raw, where)
        except InputError as e:
            yield InputError(where, e.reason, lineno)
            continue
        if not line.strip():  # a line holding only a byte-order mark
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            yield InputError(where, f"malformed JSON ({e.msg} at column {e.colno})", lineno)
            continue
        except RecursionError:
            yield InputError(where, f"JSON nested too deeply (more than {MAX_DEPTH} levels); flatten the record", lineno)
            continue
        except ValueError as e:  # an integer of more than 4300 digits (Python's int conversion limit)
            yield InputError(where, f"malformed JSON ({str(e).split(';')[0]}); write huge numbers as strings", lineno)
            continue
        if too_deep(rec):
            yield InputError(where, f"JSON nested too deeply (more than {MAX_DEPTH} levels); flatten the record", lineno)
            continue
        if not isinstance(rec, dict):
            yield InputError(where, f"a line must be a JSON object, not {type(rec).__name__}", lineno)
            continue
        yield lineno, rec
