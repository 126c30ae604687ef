"""emit: decide on the proposals of detect and match.

Proposals at or above the confidence threshold are applied; the rest are kept as flagged
changes (``applied: false``) for a reviewer. Where proposals overlap, the most confident
(then the longest, then the earliest) wins; the losers are dropped with the reason
``"overlap"`` so nothing disappears silently.

>>> from repair.model import Change
>>> p = [Change("detect", "okay.division", 10, 18, "Division", "Department", 0.95, False)]
>>> emit("The State Division said", p, threshold=0.8).text
'The State Department said'
>>> emit("The State Division said", p, threshold=0.99).text
'The State Division said'
"""

from __future__ import annotations

import bisect
from collections import Counter
from typing import Iterable, NamedTuple

from .model import Change, StageResult

STAGE = "emit"
DEFAULT_THRESHOLD = 0.8


class Emitted(NamedTuple):
    text: str
    changes: tuple[Change, ...]
    skipped: Counter


def choose(proposals: Iterable[Change]) -> tuple[list[Change], Counter]:
    """Pick a non-overlapping subset of proposals, best first. Returns (kept sorted, skip counts).

    Kept spans are held sorted by start, so each proposal is checked against its two neighbours
    only (kept spans never overlap each other): O(n log n), not a comparison with every other.

    >>> a = Change("detect", "a", 0, 5, "State", "X", 0.9, False)
    >>> b = Change("detect", "b", 3, 9, "te Div", "Y", 0.7, False)
    >>> kept, skipped = choose([a, b])
    >>> [c.rule for c in kept], dict(skipped)
    (['a'], {'overlap': 1})
    """
    ranked = sorted(proposals, key=lambda c: (-c.confidence, -(c.end - c.start), c.start, c.rule))
    kept: list[Change] = []
    skipped: Counter = Counter()
    starts: list[tuple[int, int]] = []  # kept (start, end), sorted
    for c in ranked:
        if c.before == c.after:
            skipped["no-op"] += 1
            continue
        s, e = c.start, c.end
        i = bisect.bisect_left(starts, (s, e))
        if ((i > 0 and _clash(s, e, *starts[i - 1])) or (i < len(starts) and _clash(s, e, *starts[i]))
                or (i + 1 < len(starts) and _clash(s, e, *starts[i + 1]))):
            skipped["overlap"] += 1
            continue
        starts.insert(i, (s, e))
        kept.append(c)
    kept.sort(key=lambda c: (c.start, c.end))
    return kept, skipped


def _clash(s1: int, e1: int, s2: int, e2: int) -> bool:
    """Two spans conflict: they overlap, or an insertion sits strictly inside (or on) the other."""
    if s1 == e1 or s2 == e2:
        return (s1 == s2 and e1 == e2) or s2 < s1 < e2 or s1 < s2 < e1
    return s1 < e2 and s2 < e1


def emit(text: str, proposals: Iterable[Change], threshold: float = DEFAULT_THRESHOLD) -> Emitted:
    """Apply proposals with ``confidence >= threshold``, flag the others."""
    kept, skipped = choose(proposals)
    decided = [Change(c.stage, c.rule, c.start, c.end, c.before, c.after, c.confidence, c.confidence >= threshold)
               for c in kept]  # c.with_applied(...), without a method call per proposal
    parts, pos = [], 0
    for c in decided:
        if c.applied:
            parts.append(text[pos:c.start])
            parts.append(c.after)
            pos = c.end
    parts.append(text[pos:])
    return Emitted("".join(parts), tuple(decided), skipped)


def as_stage_result(e: Emitted) -> StageResult:
    return StageResult(e.text, e.changes)
