"""Columns inside a JSON line: where each character of a string value sits in the raw line.

A JSONL record's text is a JSON string with escapes (``\\n``, ``\\u00e9``, surrogate pairs), so an
offset in the decoded text is not a column in the file. :func:`string_columns` finds the value
(by its hash, so the scanner never guesses which field held the text) and maps offsets to columns.

>>> raw = '{"id": "a", "text": "caf\\\\u00e9 \\\\"x\\\\""}'
>>> to_col = string_columns(raw, text_hash('café "x"'))
>>> [to_col(i) for i in (0, 3, 4, 5, 8)]
[21, 24, 30, 31, 36]
>>> string_columns(raw, text_hash("other")) is None
True

With ``key`` only that field counts, so a title holding the same text is never taken for it:

>>> dup = '{"title": "x y", "text": "x y"}'
>>> string_columns(dup, text_hash("x y"))(0), string_columns(dup, text_hash("x y"), key="text")(0)
(11, 26)
"""

from __future__ import annotations

import hashlib
import json
from typing import Callable

ColumnMap = Callable[[int], int]  # offset in the decoded string -> 0-based index in the raw line


def text_hash(text: str) -> str:
    """The hash that identifies a document's text (lone surrogates included)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def string_columns(raw: str, want_hash: str, key: str | None = None) -> ColumnMap | None:
    """Find the top-level JSON string in ``raw`` whose value hashes to ``want_hash`` (under ``key``, when
    given: the last such key, as JSON parsers keep the last); map its offsets to columns. None when
    there is no such value or the line is not a JSON object."""
    decoder = json.JSONDecoder()
    found: ColumnMap | None = None
    try:
        i = _skip_ws(raw, 0)
        if raw[i] != "{":
            return None
        i = _skip_ws(raw, i + 1)
        while i < len(raw) and raw[i] != "}":
            name, i = json.decoder.scanstring(raw, i + 1)  # type: ignore[attr-defined]
            i = _skip_ws(raw, i)
            i = _skip_ws(raw, i + 1)  # the colon
            value_start = i
            value, i = decoder.raw_decode(raw, i)
            if key is None:
                if isinstance(value, str) and text_hash(value) == want_hash:
                    return _escaped_map(raw, value_start)
            elif name == key:
                found = _escaped_map(raw, value_start) if isinstance(value, str) and text_hash(value) == want_hash \
                    else None
            i = _skip_ws(raw, i)
            if i < len(raw) and raw[i] == ",":
                i = _skip_ws(raw, i + 1)
    except (ValueError, IndexError):
        return None
    return found


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t\r\n\ufeff":
        i += 1
    return i


def _escaped_map(raw: str, quote: int) -> ColumnMap:
    """offset in the decoded string -> 0-based index in ``raw`` (escapes and surrogate pairs counted)."""
    positions = []
    i = quote + 1
    while i < len(raw) and raw[i] != '"':
        positions.append(i)
        if raw[i] == "\\":
            if raw[i + 1] == "u":
                code = int(raw[i + 2:i + 6], 16)
                i += 12 if 0xD800 <= code < 0xDC00 and raw[i + 6:i + 8] == "\\u" else 6
            else:
                i += 2
        else:
            i += 1
    positions.append(i)
    return lambda off: positions[min(off, len(positions) - 1)]


__all__ = ["ColumnMap", "string_columns", "text_hash"]
