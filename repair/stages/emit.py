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
from itertools import accumulate, compress, count, islice
from operator import and_, attrgetter, eq, itemgetter, le, ne, not_
from typing import Iterable

from repair.model import Change, StageResult, apply_changes, change
from repair.spans import Placed

STAGE = "emit"
DEFAULT_THRESHOLD = 0.8

_SPAN = attrgetter("start", "end")
_START, _END, _BEFORE, _AFTER, _CONFIDENCE = (attrgetter(f) for f in ("start", "end", "before", "after", "confidence"))
_START_OF, _END_OF = itemgetter(0), itemgetter(1)  # of a (start, end) span


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
    So the pass runs on each run of proposals that may overlap (a few per document, two or three
    proposals each), and the others are kept in bulk: the same choice, without a clash test each.

    >>> a = Change("detect", "a", 0, 5, "State", "X", 0.9, False)
    >>> b = Change("detect", "b", 3, 9, "te Div", "Y", 0.7, False)
    >>> kept, skipped = choose([a, b])
    >>> [c.rule for c in kept], dict(skipped)
    (['a'], {'overlap': 1})
    """
    props = list(proposals)
    skipped: Counter = Counter()
    confidences = list(map(_CONFIDENCE, props))
    if not (all(map(le, map(_START, props), map(_END, props))) and all(map(eq, confidences, confidences))):
        # a span that ends before it starts, or a confidence that is NaN (no order): the pass over them all
        ranked = sorted(props, key=_rank)
        return sorted(compress(ranked, _greedy(ranked, skipped)), key=_SPAN), skipped
    real = list(map(ne, map(_BEFORE, props), map(_AFTER, props)))  # no-ops are skipped before any clash test
    spans = list(map(_SPAN, props))
    # the indexes of the others in position order (a tie in the order given, as the greedy pass's sorts keep it)
    order = sorted(compress(range(len(props)), real), key=spans.__getitem__)
    pos = list(map(spans.__getitem__, order))
    # a run of proposals that may clash ends where all so far end at or before the next start (and that is not
    # a second insertion at one point): none before can clash with any after. joined: k with k-1 in its run
    reach = accumulate(map(_END_OF, pos), max)
    clear = map(and_, map(le, reach, map(_START_OF, islice(pos, 1, None))), map(ne, pos, islice(pos, 1, None)))
    joined = list(compress(count(1), map(not_, clear)))
    keep = [True] * len(order)
    first_overlap = None  # (rank, index) of the first proposal the greedy pass skips as overlapping
    i = 0
    while i < len(joined):  # each run of two or more, by the greedy pass in rank order
        j = i
        while j + 1 < len(joined) and joined[j + 1] == joined[j] + 1:
            j += 1
        # the run's places in ``order``, in the order given, then best first
        run = sorted(sorted(range(joined[i] - 1, joined[j] + 1), key=order.__getitem__),
                     key=lambda k: _rank(props[order[k]]))
        for k, kept in zip(run, _greedy([props[order[k]] for k in run], skipped), strict=True):
            if not kept:
                keep[k] = False
                first = (_rank(props[order[k]]), order[k])
                first_overlap = first if first_overlap is None else min(first_overlap, first)
        i = j + 1
    n_noop = len(props) - len(order)
    if n_noop:
        first_noop = min((_rank(c), k) for k, c in enumerate(props) if not real[k])
        skipped["no-op"] = n_noop
        if first_overlap is not None and first_noop < first_overlap:
            skipped["overlap"] = skipped.pop("overlap")  # the keys in the order the greedy pass meets them
    return list(map(props.__getitem__, compress(order, keep))), skipped


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
