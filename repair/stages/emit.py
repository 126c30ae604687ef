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
from itertools import compress
from operator import attrgetter, eq, le
from typing import Iterable

from repair.model import Change, StageResult, apply_changes, change
from repair.spans import Placed, overlap_span

STAGE = "emit"
DEFAULT_THRESHOLD = 0.8

_SPAN = attrgetter("start", "end")


def _rank(c: Change) -> tuple[float, int, int, str]:
    """Best first: the most confident, then the longest, then the earliest (then by rule id)."""
    return -c.confidence, -(c.end - c.start), c.start, c.rule


def _greedy(ranked: list[Change], skipped: Counter) -> list[bool]:
    """Which of the ``ranked`` proposals to keep: each that clashes with none kept before it (and is no
    no-op); the others are counted in ``skipped`` by reason.

    Kept spans are held sorted (:class:`repair.spans.Placed`, the overlap test compose uses), so each
    proposal is checked against a few neighbours only."""
    taken = Placed()  # kept (start, end), sorted
    keep = []
    for c in ranked:
        if c.before == c.after:
            skipped["no-op"] += 1
        elif taken.clashes(c.start, c.end):
            skipped["overlap"] += 1
        else:
            taken.add(c.start, c.end)
            keep.append(True)
            continue
        keep.append(False)
    return keep


def choose(proposals: Iterable[Change]) -> tuple[list[Change], Counter]:
    """Pick a non-overlapping subset of proposals, best first. Returns (kept sorted, skip counts).

    Best first is a greedy pass in rank order (:func:`_rank`, :func:`_greedy`). Only proposals that
    overlap another need it: in position order, one clear of all the others is kept whatever its rank.
    So the pass runs on each run of proposals that may overlap (:func:`_runs`: a few per document, two or three
    proposals each), and the others are kept in bulk: the same choice, without a clash test each.

    >>> a = Change("detect", "a", 0, 5, "State", "X", 0.9, False)
    >>> b = Change("detect", "b", 3, 9, "te Div", "Y", 0.7, False)
    >>> kept, skipped = choose([a, b])
    >>> [c.rule for c in kept], dict(skipped)
    (['a'], {'overlap': 1})
    """
    props = list(proposals)
    skipped: Counter = Counter()
    # (attributes read by list comprehensions: in Python's own loop that costs less than map(attrgetter))
    starts, ends, confidences = [c.start for c in props], [c.end for c in props], [c.confidence for c in props]
    if not (all(map(le, starts, ends)) and all(map(eq, confidences, confidences))):
        # a span that ends before it starts, or a confidence that is NaN (no order): the pass over them all
        ranked = sorted(props, key=_rank)
        return sorted(compress(ranked, _greedy(ranked, skipped)), key=_SPAN), skipped
    real = [c.before != c.after for c in props]  # no-ops are skipped before any clash test
    spans = list(zip(starts, ends, strict=True))
    # the indexes of the others in position order (a tie in the order given, as the greedy pass's sorts keep it)
    order = sorted(compress(range(len(props)), real), key=spans.__getitem__)
    keep = [True] * len(props)  # by index
    first_overlap = None  # (rank, index) of the first proposal the greedy pass skips as overlapping
    for lo, hi in _runs(list(map(spans.__getitem__, order))):
        # the greedy pass on the run: best first (a tie in the order given), each kept unless it clashes with
        # one kept before it (a few: tested against them all, as Placed answers)
        taken: list[tuple[int, int]] = []
        for rank, k in sorted([(_rank(props[k]), k) for k in order[lo:hi]]):
            if any(overlap_span(t, spans[k]) for t in taken):
                keep[k] = False
                skipped["overlap"] += 1
                if first_overlap is None or (rank, k) < first_overlap:
                    first_overlap = (rank, k)
            else:
                taken.append(spans[k])
    n_noop = len(props) - len(order)
    if n_noop:
        first_noop = min((_rank(c), k) for k, c in enumerate(props) if not real[k])
        skipped["no-op"] = n_noop
        if first_overlap is not None and first_noop < first_overlap:
            skipped["overlap"] = skipped.pop("overlap")  # the keys in the order the greedy pass meets them
    return list(map(props.__getitem__, compress(order, map(keep.__getitem__, order)))), skipped


def _runs(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs ``[lo, hi)`` of two or more ``spans`` (sorted) that may clash with one another.

    A run ends where all the spans so far end at or before the next start, and the next is not a second
    insertion at one point: none before can then clash with any after (:func:`repair.spans.overlap_span`).

    >>> _runs([(0, 4), (2, 3), (3, 6), (6, 6), (6, 6), (7, 8)])
    [(0, 3), (3, 5)]
    """
    runs = []
    reach, prev, lo = float("-inf"), None, -1
    for k, span in enumerate(spans):
        if span[0] < reach or span == prev:  # may clash with one before it
            if lo < 0:
                lo = k - 1
        elif lo >= 0:
            runs.append((lo, k))
            lo = -1
        if span[1] > reach:
            reach = span[1]
        prev = span
    if lo >= 0:
        runs.append((lo, len(spans)))
    return runs


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
