"""emit: decide on the proposals of detect and match.

Proposals at or above the confidence threshold are applied; the rest are kept as flagged
changes (``applied: false``) for a reviewer. Where proposals overlap, the set with the greatest
total confidence wins (see :func:`choose`); the losers are dropped with the reason
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
from typing import Iterable

from repair.model import Change, StageResult, apply_changes
from repair.spans import overlap_span

STAGE = "emit"
DEFAULT_THRESHOLD = 0.8


def choose(proposals: Iterable[Change]) -> tuple[list[Change], Counter]:
    """Pick a non-overlapping subset of proposals with the greatest total confidence. Returns (kept
    sorted, skip counts).

    Weighted interval scheduling (O(n log n)): one proposal that overlaps two others wins only if it
    is worth more than both. A greedy "most confident first" let a 0.92 proposal spanning two 0.92
    ones ("Secretary of Protection" across two "Protection Secretary") take both, and a second run
    then repaired the one left (issue 11). Ties go to the most confident, then longest, then earliest.

    >>> a = Change("detect", "a", 0, 5, "State", "X", 0.9, False)
    >>> b = Change("detect", "b", 3, 9, "te Div", "Y", 0.7, False)
    >>> kept, skipped = choose([a, b])
    >>> [c.rule for c in kept], dict(skipped)
    (['a'], {'overlap': 1})
    """
    skipped: Counter = Counter()
    cands = []
    for c in proposals:
        if c.before == c.after:
            skipped["no-op"] += 1
        else:
            cands.append(c)
    # the preference order of the greedy choice: it breaks ties between equally good sets
    ranked = sorted(cands, key=lambda c: (-c.confidence, -(c.end - c.start), c.start, c.rule))
    rank = {id(c): i for i, c in enumerate(ranked)}
    by_end = sorted(cands, key=lambda c: (c.end, c.start, rank[id(c)]))
    ends = [c.end for c in by_end]
    # best[i]: (total confidence, -sum of ranks) of the best set among the first i proposals by end
    best: list[tuple[float, int]] = [(0.0, 0)]
    took: list[bool] = []
    prev: list[int] = []
    for i, c in enumerate(by_end):
        # the proposals that end at or before c starts (a zero-width insertion at c.start does not clash)
        j = k = bisect.bisect_right(ends, c.start, 0, i)
        while k > 0 and by_end[k - 1].end == c.start:  # touching ones: a clash only for some zero-width spans
            if overlap_span((by_end[k - 1].start, by_end[k - 1].end), (c.start, c.end)):
                j = k - 1
            k -= 1
        prev.append(j)
        with_c = (round(best[j][0] + c.confidence, 9), best[j][1] - rank[id(c)])
        take = with_c > best[i]
        took.append(take)
        best.append(with_c if take else best[i])
    kept: list[Change] = []
    i = len(by_end)
    while i > 0:
        if took[i - 1]:
            kept.append(by_end[i - 1])
            i = prev[i - 1]
        else:
            i -= 1
    skipped["overlap"] += len(cands) - len(kept)
    if not skipped["overlap"]:
        del skipped["overlap"]
    kept.sort(key=lambda c: (c.start, c.end))
    return kept, skipped


def emit(text: str, proposals: Iterable[Change], threshold: float = DEFAULT_THRESHOLD) -> StageResult:
    """Apply proposals with ``confidence >= threshold``, flag the others; ``info["skipped"]`` counts
    the proposals left out, by reason."""
    kept, skipped = choose(proposals)
    # c.with_applied(...), without a method call per proposal; a proposal already so decided is kept as it is
    # (a Change is immutable), which spares a new object for each flagged one
    decided = [c if c.applied is (c.confidence >= threshold) and c.note is None else
               Change(c.stage, c.rule, c.start, c.end, c.before, c.after, c.confidence, c.confidence >= threshold)
               for c in kept]
    return StageResult(apply_changes(text, decided), tuple(decided), {"skipped": skipped})
