"""Span indexes: which fixed spans overlap a span, and a growing set of spans that never overlap.

Spans are ``(start, end)`` pairs of character offsets. An empty span is an insertion point: it
clashes with a span only strictly inside it, or with an insertion at the same point.
:func:`repair.model.compose` and :mod:`repair.stages.emit` share these indexes.
"""

from __future__ import annotations

import bisect
from itertools import accumulate
from operator import itemgetter


def overlap_span(a: tuple[int, int], b: tuple[int, int]) -> bool:
    (s1, e1), (s2, e2) = a, b
    if s1 == e1 or s2 == e2:  # insertions clash only strictly inside the other span, or at the same point
        return (s1 == s2 and e1 == e2) or (s2 < s1 < e2) or (s1 < s2 < e1)
    return s1 < e2 and s2 < e1


AFTER = float("inf")
_START, _END = itemgetter(0), itemgetter(1)


class Spans:
    """Fixed spans sorted by (start, end): which ones overlap a span, without testing them all.

    A span overlapping ``[s, e)`` (as :func:`overlap_span` has it) starts at or before ``e``
    and ends at or after ``s``; the running maximum of the ends says when to stop looking back.

    >>> spans = Spans([(0, 2), (2, 2), (5, 9)])
    >>> spans.overlapping(1, 6), spans.overlapping(3, 4), spans.overlapping(9, 9)
    ([0, 1, 2], [], [])
    """

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = spans
        self.starts = list(map(_START, spans))  # for the search by start alone (ints, not tuples)
        self.max_end = list(accumulate(map(_END, spans), max, initial=-1))[1:]

    def overlapping(self, s: int, e: int) -> list[int]:
        # the spans from the last one starting at or before e back to where no span ends at or after s
        j = bisect.bisect_right(self.starts, e) - 1
        if j < 0 or self.max_end[j] < s:
            return []  # the usual case: none
        out = []
        while j >= 0 and self.max_end[j] >= s:
            if overlap_span(self.spans[j], (s, e)):
                out.append(j)
            j -= 1
        out.reverse()
        return out


class Placed:
    """Spans that never overlap one another, added one by one; sorted by (start, end), so their
    ends never decrease either and a clash test looks at a handful of neighbours.

    >>> p = Placed(); p.add(0, 3); p.add(3, 3); p.add(5, 8)
    >>> p.clashes(2, 4), p.clashes(3, 3), p.clashes(3, 5), p.clashes(8, 9)
    (True, True, False, False)
    """

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []

    @classmethod
    def of(cls, spans: list[tuple[int, int]]) -> "Placed":
        """Spans already sorted and clear of one another, placed at once (the list is taken, not copied)."""
        placed = cls()
        placed.spans = spans
        return placed

    def clashes(self, s: int, e: int) -> bool:
        if self.spans and (s, e) >= self.spans[-1]:  # the usual case: spans come in order
            return overlap_span(self.spans[-1], (s, e))  # then only the last one can clash (no two placed do)
        j = bisect.bisect_right(self.spans, (e, AFTER)) - 1
        while j >= 0 and self.spans[j][1] >= s:
            if overlap_span(self.spans[j], (s, e)):
                return True
            j -= 1
        return False

    def add(self, s: int, e: int) -> None:
        if not self.spans or (s, e) >= self.spans[-1]:
            self.spans.append((s, e))
        else:
            bisect.insort(self.spans, (s, e))
