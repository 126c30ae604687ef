"""Align a document's original and cleaned text by paragraph, straight from its changes.

The record's changes are in original-text coordinates and never overlap, so one pass over the
text and the sorted changes gives both columns of a side-by-side view: no text diff (and so no
quadratic ``difflib``) is needed. A *row* is a run of original lines that no change crosses;
most rows are one paragraph (one line of a scraped article).

>>> from repair.model import Change
>>> src = "[ad_1]\\nThe State Division said.\\n"
>>> ch = [Change("normalise", "boilerplate.ad-marker", 0, 7, "[ad_1]\\n", ""),
...       Change("match", "terms.us-government", 17, 25, "Division", "Department")]
>>> [(r.start, r.end, r.items) for r in rows(src, ch)]
[(0, 7, (0,)), (7, 32, ('The State ', 1, ' said.\\n'))]
>>> rows("plain\\n", [])[0].items
('plain\\n',)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Sequence

from repair.model import Change

Item = str | int  # unchanged text, or the index of a change in the sorted change list


@dataclass(frozen=True, slots=True)
class Row:
    """Original text ``[start, end)``: unchanged strings and change indexes, in order."""

    start: int
    end: int
    items: tuple[Item, ...]

    @property
    def changed(self) -> bool:
        return any(isinstance(i, int) for i in self.items)


def rows(source: str, changes: Sequence[Change]) -> list[Row]:
    """Split ``source`` into rows at line ends that no change crosses. ``changes`` must be sorted.

    Linear in ``len(source) + len(changes)``.
    """
    return list(iter_rows(source, changes))


def iter_rows(source: str, changes: Sequence[Change]) -> Iterator[Row]:
    n = len(source)
    if n == 0:
        if changes:
            yield Row(0, 0, tuple(range(len(changes))))
        return
    k = 0  # next change not yet placed in a row
    j = 0  # first change that ends after the candidate break (to test "strictly inside")
    rs = 0
    pos = 0
    while rs < n:
        # find the next line end whose break no change crosses
        while True:
            nl = source.find("\n", pos)
            re_ = n if nl < 0 else nl + 1
            pos = re_
            while j < len(changes) and changes[j].end <= re_:
                j += 1
            inside = j < len(changes) and changes[j].start < re_ < changes[j].end
            if not inside or re_ >= n:
                break
        items: list[Item] = []
        cur = rs
        while k < len(changes) and (changes[k].start < re_ or (re_ == n and changes[k].start <= n)):
            c = changes[k]
            if c.start > cur:
                items.append(source[cur:c.start])
            items.append(k)
            cur = c.end
            k += 1
        if cur < re_:
            items.append(source[cur:re_])
        yield Row(rs, re_, tuple(items))
        rs = re_


_WORD = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


def word_core(before: str, after: str) -> tuple[str, str, str, str]:
    """Split a change into (common prefix, changed before, changed after, common suffix) by words.

    Highlights then mark only the words that differ.

    >>> word_core("dangle also been", "have also been")
    ('', 'dangle', 'have', ' also been')
    >>> word_core("State Division", "State Department")
    ('State ', 'Division', 'Department', '')
    >>> word_core("[ad_1]\\n", "")
    ('', '[ad_1]\\n', '', '')
    """
    a = _WORD.findall(before)
    b = _WORD.findall(after)
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    j = 0
    while j < len(a) - i and j < len(b) - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    prefix = "".join(a[:i])
    suffix = "".join(a[len(a) - j:]) if j else ""
    return prefix, "".join(a[i:len(a) - j]), "".join(b[i:len(b) - j]), suffix


_VISIBLE = str.maketrans({"\u00a0": "\u237d", "\t": "\u21e5", "\u200b": "\u2423", "\ufeff": "\u2423",
                          "\n": "\u21b5\n"})


def visible(s: str) -> str:
    """Make invisible characters in a changed span visible (a change of spaces must be seen).

    >>> visible("a\\u00a0b")
    'a⍽b'
    >>> visible("  ")
    '··'
    >>> visible("\\n")
    '↵\\n'
    """
    if not s:
        return s
    out = s.translate(_VISIBLE)
    if not s.strip(" \n"):
        out = out.replace(" ", "\u00b7")
    return out


def is_removal(row: Row, changes: Sequence[Change]) -> bool:
    """True when the row's visible content is all removed by applied changes (a boilerplate line)."""
    had = False
    for it in row.items:
        if isinstance(it, int):
            c = changes[it]
            if c.applied and c.before.strip() and not c.after.strip():
                had = True
            elif c.before.strip() or c.after.strip():
                return False
        elif it.strip():
            return False
    return had
