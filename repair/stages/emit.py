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
from operator import attrgetter
from typing import Iterable

from repair.model import Change, StageResult, apply_changes, decided
from repair.spans import Placed, overlap_span

STAGE = "emit"
DEFAULT_THRESHOLD = 0.8

_SPAN = attrgetter("start", "end")
_START = attrgetter("start")


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
    So the pass runs on each run of proposals that may overlap (a few per document, two or three proposals
    each: :func:`_best_first`), and the others are kept as they come: the same choice, without a clash test
    each. One loop in order of the starts (an int key sorts at a third of the cost of a tuple) finds the runs
    and keeps the rest. A proposal may clash with one before it (:func:`repair.spans.overlap_span`) only if
    it starts before the furthest end of those, or is an insertion at the start of one (then of the same
    start): a run goes on while the next one does either, or has the start of the one before it (so all
    of one start are in one run, in the order given). Its pass puts what it keeps in position order; one
    clear of those before it starts after them and ends no earlier than they do.

    The skip counts' keys come in the order the greedy pass meets them: no-op or overlap first, by the
    best rank of each. Where that does not settle it (two of one rank: the order given would), or a span
    ends before it starts or a confidence is NaN (no order), the greedy pass over all decides.

    >>> a = Change("detect", "a", 0, 5, "State", "X", 0.9, False)
    >>> b = Change("detect", "b", 3, 9, "te Div", "Y", 0.7, False)
    >>> kept, skipped = choose([a, b])
    >>> [c.rule for c in kept], dict(skipped)
    (['a'], {'overlap': 1})
    """
    props = list(proposals)
    by_start = sorted(props, key=_START)  # a tie in the order given, as the greedy pass's sorts keep it
    kept: list[Change] = []  # in position order
    noops: list[Change] = []  # skipped before any clash test
    lost: list[tuple[float, int, int, str]] = []  # the ranks of those a run's pass skips as overlapping
    run: list[Change] | None = None  # the run of proposals that may clash, from its first
    reach = by_start[0].start if by_start else 0  # the furthest end of the proposals so far
    ps = None  # the start of the one before
    for c in by_start:
        s = c.start
        e = c.end
        if e < s or c.confidence != c.confidence:
            return _all_ranked(props)  # no order: the pass over them all
        if c.before == c.after:
            noops.append(c)
            continue
        if s < reach or s == ps:  # may clash with one before it
            if run is None:
                run = [kept.pop(), c]  # the one before starts the run
            else:
                run.append(c)
        else:
            if run is not None:
                kept += _best_first(run, lost)
                run = None
            kept.append(c)
        if e > reach:
            reach = e
        ps = s
    if run is not None:
        kept += _best_first(run, lost)
    skipped: Counter = Counter()
    if noops and lost:
        first_noop, first_lost = min(map(_rank, noops)), min(lost)
        if first_noop == first_lost:
            return _all_ranked(props)  # the order given decides which comes first
        if first_noop < first_lost:
            skipped["no-op"] = len(noops)
    if lost:
        skipped["overlap"] = len(lost)
    if noops:
        skipped["no-op"] = len(noops)
    return kept, skipped


def _all_ranked(props: list[Change]) -> tuple[list[Change], Counter]:
    """:func:`choose` by the greedy pass over all ``props``."""
    skipped: Counter = Counter()
    ranked = sorted(props, key=_rank)
    return sorted(compress(ranked, _greedy(ranked, skipped)), key=_SPAN), skipped


def _best_first(run: list[Change], lost: list[tuple[float, int, int, str]]) -> list[Change]:
    """The greedy pass on a ``run`` of proposals (in order of their starts, a tie in the order given) that may
    clash: best first (a tie in the run's order, which for two of one rank, so of one span, is the order
    given), each kept unless it clashes with one kept before it (a few: tested against them all, as
    :class:`repair.spans.Placed` answers). Returns those kept, in position order (a tie in the order given);
    the ranks of the others go to ``lost``."""
    taken: list[tuple[int, int]] = []
    keep = [True] * len(run)
    for rank, i in sorted([(_rank(c), i) for i, c in enumerate(run)]):
        span = (run[i].start, run[i].end)
        if any(overlap_span(t, span) for t in taken):
            keep[i] = False
            lost.append(rank)
        else:
            taken.append(span)
    return sorted(compress(run, keep), key=_SPAN)


def emit(text: str, proposals: Iterable[Change], threshold: float = DEFAULT_THRESHOLD) -> StageResult:
    """Apply proposals with ``confidence >= threshold``, flag the others; ``info["skipped"]`` counts
    the proposals left out, by reason."""
    kept, skipped = choose(proposals)
    # a proposal already so decided is kept as it is (a Change is immutable), which spares a new object for
    # each flagged one
    done = decided(kept, threshold)
    return StageResult(apply_changes(text, done), tuple(done), {"skipped": skipped})
