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

from collections import Counter
from typing import Iterable

from repair.model import Change, StageResult, apply_changes, change
from repair.spans import Placed

STAGE = "emit"
DEFAULT_THRESHOLD = 0.8


def choose(proposals: Iterable[Change]) -> tuple[list[Change], Counter]:
    """Pick a non-overlapping subset of proposals, best first. Returns (kept sorted, skip counts).

    Kept spans are held sorted (:class:`repair.spans.Placed`, the overlap test compose uses), so
    each proposal is checked against a few neighbours only: O(n log n), not a comparison with every other.

    >>> a = Change("detect", "a", 0, 5, "State", "X", 0.9, False)
    >>> b = Change("detect", "b", 3, 9, "te Div", "Y", 0.7, False)
    >>> kept, skipped = choose([a, b])
    >>> [c.rule for c in kept], dict(skipped)
    (['a'], {'overlap': 1})
    """
    ranked = sorted(proposals, key=lambda c: (-c.confidence, -(c.end - c.start), c.start, c.rule))
    kept: list[Change] = []
    skipped: Counter = Counter()
    taken = Placed()  # kept (start, end), sorted
    for c in ranked:
        if c.before == c.after:
            skipped["no-op"] += 1
            continue
        if taken.clashes(c.start, c.end):
            skipped["overlap"] += 1
            continue
        taken.add(c.start, c.end)
        kept.append(c)
    kept.sort(key=lambda c: (c.start, c.end))
    return kept, skipped


def emit(text: str, proposals: Iterable[Change], threshold: float = DEFAULT_THRESHOLD) -> StageResult:
    """Apply proposals with ``confidence >= threshold``, flag the others; ``info["skipped"]`` counts
    the proposals left out, by reason."""
    kept, skipped = choose(proposals)
    # c.with_applied(...), without a method call per proposal; a proposal already so decided is kept as it is
    # (a Change is immutable), which spares a new object for each flagged one
    decided = [c if c.applied is (c.confidence >= threshold) and c.note is None else
               change(c.stage, c.rule, c.start, c.end, c.before, c.after, c.confidence, c.confidence >= threshold)
               for c in kept]
    return StageResult(apply_changes(text, decided), tuple(decided), {"skipped": skipped})
