"""The record every stage passes on.

A :class:`Change` says that ``input[start:end] == before`` became ``after``. Stages are pure
functions ``text -> StageResult``; their changes are in the coordinates of *their* input.
:func:`compose` maps a later stage's changes back onto the original input so that a
:class:`Document` always holds changes in original-text coordinates, and
:func:`apply_changes` replays them:

>>> src = "a  b"
>>> c = Change("normalise", "space.runs", 1, 3, "  ", " ")
>>> apply_changes(src, [c])
'a b'
>>> unapply("a b", [c])
'a  b'
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from itertools import compress, islice, repeat
from operator import attrgetter, le, lt, ne
from types import MappingProxyType
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from repair.errors import ReplayError
from repair.spans import Placed, Spans

#: A document is spun when its detect ``spin_score`` is at or above this: the one threshold the
#: detect and match gates, the run's report, ``repair check`` and ``repair bench`` all use.
SPUN = 0.5
#: The confidence a proposal is capped at when its gate (the document spun, or its family) is not
#: met: below any sensible emit threshold, so it is flagged. ``repair check`` reads a flagged change
#: at or below this cap, in a document that is not spun, as a candidate rather than a spun phrase.
FLAG_CAP = 0.55


@dataclass(frozen=True, slots=True)
class Note:
    """What a checker said about the text a change covers (the grammar stage: LanguageTool's
    message, category, issue type and first suggestions)."""

    message: str
    category: str = ""
    issue_type: str = ""
    replacements: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message, "category": self.category, "issue_type": self.issue_type,
                "replacements": list(self.replacements)}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Note":
        return cls(str(d["message"]), str(d.get("category", "")), str(d.get("issue_type", "")),
                   tuple(str(r) for r in d.get("replacements", ())))


_ROUNDED: dict[float, float] = {}  # round(c, 4) of the confidences seen (a few per rule set), up to a bound


def _round4(x: float) -> float:
    """``round(float(x), 4)``: what a record says of a confidence. The rounding is a correctly rounded decimal
    conversion (a quarter of a microsecond), and a run writes the same few confidences (a rule's, the
    gates' caps) hundreds of times per document: those are kept. Only positive values are (``-0.0``
    equals ``0.0`` as a key but is written ``-0.0``; NaN is no key)."""
    f = float(x)
    r = _ROUNDED.get(f)
    if r is None:
        r = round(f, 4)
        if f > 0 and len(_ROUNDED) < 4096:
            _ROUNDED[f] = r
    return r


@dataclass(frozen=True, slots=True)
class Change:
    """One edit. ``start``/``end`` index the text the change was made against; ``note`` (optional,
    and left out of the JSON when unset) says why, in the words of the checker that proposed it."""

    stage: str
    rule: str
    start: int
    end: int
    before: str
    after: str
    confidence: float = 1.0
    applied: bool = True
    note: Note | None = None

    def to_json(self) -> dict[str, Any]:
        d = {
            "start": self.start,
            "end": self.end,
            "before": self.before,
            "after": self.after,
            "stage": self.stage,
            "rule": self.rule,
            "confidence": _round4(self.confidence),
            "applied": self.applied,
        }
        if self.note is not None:
            d["note"] = self.note.to_json()
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Change":
        try:
            return cls(
                stage=str(d["stage"]),
                rule=str(d["rule"]),
                start=int(d["start"]),
                end=int(d["end"]),
                before=str(d["before"]),
                after=str(d["after"]),
                confidence=float(d.get("confidence", 1.0)),
                applied=bool(d.get("applied", True)),
                note=Note.from_json(d["note"]) if d.get("note") is not None else None,
            )
        except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as e:
            raise ReplayError(f"malformed change {str(d)[:80]!r}: {type(e).__name__} {str(e)[:80]}") from None

    def shifted(self, delta: int) -> "Change":
        return change(self.stage, self.rule, self.start + delta, self.end + delta, self.before, self.after,
                      self.confidence, self.applied, self.note)

    def with_applied(self, applied: bool) -> "Change":
        return change(self.stage, self.rule, self.start, self.end, self.before, self.after, self.confidence, applied,
                      self.note)


def changes_json(changes: Iterable[Change]) -> list[dict[str, Any]]:
    """``[c.to_json() for c in changes]`` at three quarters of the cost, for a record's hundreds of changes: the
    dict is built in the comprehension (no method call per change), and the rounding of the confidence
    looked up in :func:`_round4`'s table first (a value not in it, or rounded to a falsy 0.0, takes the call).
    A change with a note takes :meth:`Change.to_json`."""
    rounded = _ROUNDED.get
    return [{"start": c.start, "end": c.end, "before": c.before, "after": c.after, "stage": c.stage, "rule": c.rule,
             "confidence": rounded(c.confidence) or _round4(c.confidence), "applied": c.applied}
            if c.note is None else c.to_json() for c in changes]


class _Draft:
    """A :class:`Change` under construction: the same slots (so the same memory layout) without the frozen
    ``__setattr__``, so that its fields are set by plain attribute stores; it then becomes a Change by
    ``__class__`` assignment (which Python allows between classes of one layout)."""

    __slots__ = Change.__slots__


_as_object_attr = object.__setattr__


def change(stage: str, rule: str, start: int, end: int, before: str, after: str, confidence: float = 1.0,
           applied: bool = True, note: Note | None = None) -> Change:
    """``Change(...)`` at three fifths of the cost (the same object: a frozen Change, equal to one built the usual
    way): built as a :class:`_Draft` and turned into a Change. For the hot paths that make a Change per
    proposal; the arguments are positional or by keyword as for ``Change``. (``_Draft()``, a call of the type,
    costs two thirds of ``object.__new__(_Draft)``, which goes through the checks of ``__new__`` called by name.)

    >>> change("s", "r", 0, 1, "a", "b") == Change("s", "r", 0, 1, "a", "b")
    True
    """
    c = _Draft()
    c.stage = stage
    c.rule = rule
    c.start = start
    c.end = end
    c.before = before
    c.after = after
    c.confidence = confidence
    c.applied = applied
    c.note = note
    c.__class__ = Change
    return c  # type: ignore[return-value]


def _moved(changes: Iterable[Change], delta: int) -> list[Change]:
    """``[c.shifted(delta) for c in changes]``, each made as :func:`change` makes one but in this loop (no
    call per change): :func:`compose` moves most of a stage's changes by the shift of the rewritten text
    before them."""
    out = []
    for n in changes:
        c = _Draft()
        c.stage = n.stage
        c.rule = n.rule
        c.start = n.start + delta
        c.end = n.end + delta
        c.before = n.before
        c.after = n.after
        c.confidence = n.confidence
        c.applied = n.applied
        c.note = n.note
        c.__class__ = Change
        out.append(c)
    return out  # type: ignore[return-value]


def decided(changes: Iterable[Change], threshold: float) -> list[Change]:
    """Each of ``changes`` applied when its confidence is at or above ``threshold``, flagged when not: one so
    already (and without a note) as it is (a Change is immutable), the others made afresh, without their note
    (``change(stage, rule, start, end, before, after, confidence, applied)``), as :func:`change` makes one but
    in this loop (no call per change). What :func:`repair.stages.emit.emit` applies.

    >>> [c.applied for c in decided([Change("s", "r", 0, 1, "a", "b", 0.9), Change("s", "r", 1, 2, "b", "c", 0.5)], 0.8)]
    [True, False]
    """
    out = []
    for n in changes:
        applied = n.confidence >= threshold
        if n.applied is applied and n.note is None:
            out.append(n)
            continue
        c = _Draft()
        c.stage = n.stage
        c.rule = n.rule
        c.start = n.start
        c.end = n.end
        c.before = n.before
        c.after = n.after
        c.confidence = n.confidence
        c.applied = applied
        c.note = None
        c.__class__ = Change
        out.append(c)
    return out  # type: ignore[return-value]


def _fast_init() -> None:
    """Give :class:`Change` an ``__init__`` that sets its slots as a :class:`_Draft` (plain attribute stores):
    nearly three times as fast as the one a frozen dataclass generates (``object.__setattr__`` by name, per
    field), a third faster than setting each slot through its descriptor; a run makes several Changes per
    proposal. The same signature, defaults and (frozen) behaviour."""

    def __init__(self: Change, stage: str, rule: str, start: int, end: int, before: str, after: str,
                 confidence: float = 1.0, applied: bool = True, note: Note | None = None) -> None:
        _as_object_attr(self, "__class__", _Draft)
        self.stage = stage  # type: ignore[misc]
        self.rule = rule  # type: ignore[misc]
        self.start = start  # type: ignore[misc]
        self.end = end  # type: ignore[misc]
        self.before = before  # type: ignore[misc]
        self.after = after  # type: ignore[misc]
        self.confidence = confidence  # type: ignore[misc]
        self.applied = applied  # type: ignore[misc]
        self.note = note  # type: ignore[misc]
        self.__class__ = Change  # type: ignore[assignment]

    __init__.__qualname__ = "Change.__init__"
    Change.__init__ = __init__  # type: ignore[method-assign]


_fast_init()


NO_INFO: Mapping[str, Any] = MappingProxyType({})


class StageResult(NamedTuple):
    """What a stage returns: its output text, the changes (in its input's coordinates) and, for a
    stage that has them, facts about the run as a whole (grammar: status, sentences checked, ...)."""

    text: str
    changes: tuple[Change, ...]
    info: Mapping[str, Any] = NO_INFO


_SPAN = attrgetter("start", "end")  # the sort key of changes: (start, end), read in C


def _sorted(changes: Iterable[Change]) -> list[Change]:
    return sorted(changes, key=_SPAN)


_START = attrgetter("start")


def _by_span(changes: list[Change]) -> list[Change]:
    """:func:`_sorted`, sorting by the starts alone (an int key: a third of the cost of a tuple) when no two
    changes share one (then the order is the same); else by (start, end)."""
    out = sorted(changes, key=_START)
    prev = -1
    for c in out:
        s = c.start
        if s <= prev:
            return _sorted(changes)
        prev = s
    return out


def _in_order(changes: list[Change]) -> tuple[list[Change], list[int]]:
    """``changes`` (a list of the caller's own) sorted as :func:`_sorted` sorts, and their starts. When the
    starts rise (a stage's changes come in order) that is the list itself: the sort (a key and a few
    tuple comparisons per change) is spared. A list comprehension reads the starts: an attribute read
    in Python's own loop costs less than ``map(attrgetter)``."""
    starts = [c.start for c in changes]
    if all(map(lt, starts, islice(starts, 1, None))):
        return changes, starts
    changes = _sorted(changes)
    return changes, [c.start for c in changes]


def _holds(text: str, changes: list[Change], starts: list[int], ends: list[int]) -> bool:
    """Whether ``text[start:end] == before`` for each of ``changes`` (their ``starts`` and ``ends``):
    one comparison of two lists built in C, instead of a slice and a test per change in Python."""
    return list(map(text.__getitem__, map(slice, starts, ends))) == [c.before for c in changes]


def _laid_in_order(text: str, changes: list[Change]) -> tuple[list[int], list[int]] | None:
    """The starts and ends of ``changes`` if their starts rise, each starts at or after the end of the one
    before, holds its ``before`` and ends inside ``text`` (so :func:`_in_order` keeps them as they are, and
    they pass :func:`_holds` and :func:`_laid_out`); else None. One loop: a slice, a comparison and two
    appends per change cost less than those tests' bulk passes (``map`` calls its function per item)."""
    starts: list[int] = []
    ends: list[int] = []
    pos = 0  # the end of the one before
    prev = -1  # the start of the one before
    for c in changes:
        s = c.start
        e = c.end
        if s <= prev or s < pos or e < s or text[s:e] != c.before:
            return None
        starts.append(s)
        ends.append(e)
        prev = s
        pos = e
    return (starts, ends) if pos <= len(text) else None


def _laid_out(length: int, starts: list[int], ends: list[int]) -> bool:
    """Whether the spans of sorted changes (their ``starts`` and ``ends``, at least one) lie inside a text of
    ``length`` characters, none overlapping the one before it (then the ends never decrease: the first
    start and the last end bound them all): :func:`check_changes`' test of the places, in bulk."""
    return (starts[0] >= 0 and ends[-1] <= length and all(map(le, starts, ends))
            and all(map(le, ends, islice(starts, 1, None))))


def _fits(text: str, changes: list[Change], starts: list[int], ends: list[int]) -> bool:
    """Whether the sorted ``changes`` pass :func:`check_changes`: laid out inside ``text`` (:func:`_laid_out`),
    each holding its ``before``. The same test as its loop, in bulk."""
    return not changes or (_laid_out(len(text), starts, ends) and _holds(text, changes, starts, ends))


def check_changes(text: str, changes: Iterable[Change]) -> list[Change]:
    """Return ``changes`` sorted, raising :class:`ReplayError` if one does not fit ``text``.

    >>> check_changes("abc", [Change("s", "r", 0, 1, "x", "y")])
    Traceback (most recent call last):
    ...
    repair.errors.ReplayError: change r at 0-1 expects 'x' but the text has 'a'
    """
    out, starts = _in_order(list(changes))
    if _fits(text, out, starts, [c.end for c in out]):
        return out
    prev_end = 0  # a misfit: find the first and say what it is
    for c in out:
        if c.start < 0 or c.end < c.start or c.end > len(text):
            raise ReplayError(f"change {c.rule} span {c.start}-{c.end} is outside a text of {len(text)} characters")
        if text[c.start:c.end] != c.before:
            raise ReplayError(
                f"change {c.rule} at {c.start}-{c.end} expects {c.before!r} but the text has {text[c.start:c.end]!r}"
            )
        if c.start < prev_end:
            raise ReplayError(f"change {c.rule} at {c.start}-{c.end} overlaps the change before it (ends at {prev_end})")
        prev_end = max(prev_end, c.end)
    return out


def apply_changes(text: str, changes: Iterable[Change], *, only_applied: bool = True) -> str:
    """Replay ``changes`` (those with ``applied`` set, unless ``only_applied`` is false) on ``text``."""
    if not isinstance(changes, (list, tuple)):
        changes = list(changes)
    out = _replayed(text, changes, only_applied)
    if out is None:  # not in order, or a misfit: sorted, and checked (which raises the ReplayError that names it)
        chosen = check_changes(text, [c for c in changes if c.applied] if only_applied else changes)
        out = _replayed(text, chosen, False)
        assert out is not None
    return out


def _replayed(text: str, changes: Sequence[Change], only_applied: bool) -> str | None:
    """``text`` with ``changes`` made (those with ``applied`` set, if ``only_applied``), if they come in order
    and fit it as :func:`check_changes` has it (each starts at or after the end of the one before, holds its
    ``before`` and ends inside the text); else None. Changes that come so are sorted as :func:`_sorted`
    sorts: their starts never fall, and two of one start are an insertion and what comes after it, or two
    insertions (equal spans). One loop in Python: a slice, a comparison and two appends per change cost less
    than the same work done in bulk by ``map`` (a call of the mapped function per item)."""
    parts = []
    pos = 0  # the end of the change before
    for c in changes:
        if only_applied and not c.applied:
            continue
        s = c.start
        e = c.end
        if s < pos or e < s or text[s:e] != c.before:
            return None
        parts.append(text[pos:s])
        parts.append(c.after)
        pos = e
    if pos > len(text):
        return None  # the last ends past the text (its slice, cut short, may still equal its before)
    parts.append(text[pos:])
    return "".join(parts)


def unapply(output: str, changes: Iterable[Change]) -> str:
    """Rebuild the original input from the output and its applied changes (the inverse of apply)."""
    parts: list[str] = []
    pos = 0  # in output coordinates
    delta = 0  # output offset minus input offset
    for c in _sorted(c for c in changes if c.applied):
        out_start = c.start + delta
        if output[out_start:out_start + len(c.after)] != c.after:
            raise ReplayError(f"change {c.rule} at {c.start}: output does not hold {c.after!r} where expected")
        parts.append(output[pos:out_start])
        parts.append(c.before)
        pos = out_start + len(c.after)
        delta += len(c.after) - (c.end - c.start)
    parts.append(output[pos:])
    return "".join(parts)


class _Map:
    """Maps positions of the current text (source with the applied changes) back to the source."""

    def __init__(self, applied: Sequence[Change]) -> None:
        self.changes = list(applied)
        self.cur_start: list[int] = []
        self.cur_end: list[int] = []
        delta = 0
        for c in self.changes:
            s = c.start + delta
            self.cur_start.append(s)
            self.cur_end.append(s + len(c.after))
            delta += len(c.after) - (c.end - c.start)

    def to_source(self, p: int, *, right: bool) -> int:
        """Source position of a boundary ``p`` that lies in an unchanged gap (or at its edge).

        At a pure deletion (empty span in the current text) ``right`` picks the end of the deleted text.
        """
        i = bisect.bisect_right(self.cur_end, p) - 1  # the last change ending at or before p
        if not right:
            while i >= 0 and self.cur_start[i] == p and self.cur_end[i] == p:
                i -= 1
        if i < 0:
            return p
        return self.changes[i].end + (p - self.cur_end[i])

    def source_span(self, s: int, e: int, hits: Sequence[int]) -> tuple[int, int]:
        """The source span a change at ``[s, e)`` of the current text covers, widened over the
        applied changes ``hits`` (from :meth:`overlapping`) it merges with."""
        if hits:
            S, E = self.changes[hits[0]].start, self.changes[hits[-1]].end
            if s < self.cur_start[hits[0]]:
                S = self.to_source(s, right=True)
            if e > self.cur_end[hits[-1]]:
                E = self.to_source(e, right=False)
            return S, E
        if not self.changes:
            return s, e  # nothing rewritten: the current text is the source
        if s == e:
            p = self.to_source(s, right=False)
            return p, p
        return self.to_source(s, right=True), self.to_source(e, right=False)

    def overlapping(self, s: int, e: int) -> list[int]:
        """Indexes of applied changes whose current span must merge with a new change at [s, e)."""
        hits = []
        i = max(0, bisect.bisect_left(self.cur_end, s) - 1)
        while i < len(self.changes) and self.cur_start[i] <= e:
            cs, ce = self.cur_start[i], self.cur_end[i]
            if cs < ce:
                if s == e:
                    hit = cs < s < ce
                else:
                    hit = cs < e and s < ce
            else:  # a deletion: merge only if it sits strictly inside the new span
                hit = s < cs < e
            if hit:
                hits.append(i)
            i += 1
        return hits


def source_span(prior: Sequence[Change], start: int, end: int) -> tuple[int, int]:
    """The span of the source that ``[start, end)`` of the current text comes from (``prior``'s
    applied changes turn the source into the current text), widened over every rewritten change
    it touches: where :func:`compose` places a change at that span.

    >>> prior = [Change("match", "m", 7, 14, "perhaps", "maybe")]  # "It was perhaps maybe." -> "It was maybe maybe."
    >>> source_span(prior, 7, 18), source_span(prior, 13, 18), source_span(prior, 0, 2)
    ((7, 20), (15, 20), (0, 2))
    """
    m = _Map([c for c in _sorted(prior) if c.applied])
    return m.source_span(start, end, m.overlapping(start, end) if m.changes else [])


class Composed(NamedTuple):
    changes: list[Change]
    skipped: list[tuple[str, Change]]


def compose(source: str, prior: Sequence[Change], current: str, new: Iterable[Change], *, fuse: bool = True) -> Composed:
    """Map ``new`` (changes against ``current``) onto ``source`` and merge them with ``prior``.

    ``prior`` holds changes against ``source``; its applied ones turn ``source`` into ``current``.
    A new change that touches text an earlier change already rewrote is merged with it into one
    change (rule ids joined with ``+``); with ``fuse``, applied new changes that touch the same
    earlier change are first fused into one, so that all of them are merged (else the second would
    clash with the first and be skipped although the stage applied it). Overlaps that cannot be
    merged honestly (a flagged change over an applied one, two flagged changes) are skipped with
    the reason ``"overlap"``.

    >>> src = "Hello  wrld"
    >>> n1 = Change("normalise", "space", 5, 7, "  ", " ")
    >>> cur = apply_changes(src, [n1])
    >>> n2 = Change("emit", "spell", 6, 10, "wrld", "world")
    >>> out = compose(src, [n1], cur, [n2]).changes
    >>> [(c.start, c.end, c.before, c.after) for c in out]
    [(5, 7, '  ', ' '), (7, 11, 'wrld', 'world')]
    >>> apply_changes(src, out)
    'Hello world'
    """
    composition = _Composition(source, prior)
    news = list(new)
    laid = _laid_in_order(current, news)
    if laid is not None:
        starts, ends = laid
    else:
        news, starts = _in_order(news)
        ends = [n.end for n in news]
        if not _holds(current, news, starts, ends):
            for n in news:
                if current[n.start:n.end] != n.before:
                    raise ReplayError(f"change {n.rule} at {n.start}-{n.end} expects {n.before!r} but the text has "
                                      f"{current[n.start:n.end]!r}")
    done = composition.in_bulk(news, starts, ends, current, fuse, laid is not None)
    if done is not None:
        return done
    composition = _Composition(source, prior)  # afresh: in_bulk may have placed some
    for n in (composition.fused(news, current) if fuse else news):
        composition.add(n, current)
    return composition.result()


class _Composition:
    """What :func:`compose` holds while it places new changes: the prior changes (applied ones with
    the map from the current text back to the source, flagged ones with a span index) and the
    new changes accepted so far."""

    def __init__(self, source: str, prior: Sequence[Change]) -> None:
        prior_sorted = _sorted(prior)
        self.source = source
        self.applied = [c for c in prior_sorted if c.applied]
        self.flagged = [c for c in prior_sorted if not c.applied]
        self.map = _Map(self.applied)
        self.merged_away: set[int] = set()  # applied prior changes a new change was merged with
        self.dropped_flagged: set[int] = set()  # flagged prior changes an applied new change supersedes
        self.out_new: list[Change] = []
        self.skipped: list[tuple[str, Change]] = []
        self.taken = Placed()  # source spans of accepted new changes, to reject new-new overlaps
        self.flagged_index = Spans([(f.start, f.end) for f in self.flagged])

    def in_bulk(self, news: list[Change], starts: list[int], ends: list[int], current: str,
                fuse: bool, laid: bool = False) -> Composed | None:
        """The composition with most new changes placed in bulk, for the common case: no prior flagged
        change, and the new changes (sorted, with their ``starts`` and ``ends``) lie inside ``current``
        and clash with none of one another. Then a new change clear of every rewritten span (what
        :meth:`_add_isolated` tests for one) is neither fused, merged nor skipped: it keeps its text
        and moves by the shift of the rewritten spans before it. The few that touch a rewritten span
        go the general way (:meth:`fused`, :meth:`add`), on their own: no fusion joins a change
        across one clear of the rewritten spans, and if one of them lands on a clear one (which would
        then be skipped, or skip it) the general path decides for all. None: not this case.

        Clear of the rewritten spans, a new change's source text is its ``before`` when the current text
        and the source agree between the rewritten spans (a prior change list that describes
        ``current``, as :class:`repair.document.Document` keeps it): that is tested too, once per gap.
        ``laid``: the new changes are known to lie inside ``current``, clear of one another, their starts
        rising (:func:`_laid_in_order`)."""
        if self.flagged:
            return None
        if laid:
            pass  # (:func:`_laid_in_order`: laid out, and the starts rise)
        elif news and not _laid_out(len(current), starts, ends):
            return None  # outside the text, or two overlap (then ends may decrease): the general path
        elif not all(map(lt, starts, islice(starts, 1, None))):
            spans = list(zip(starts, ends, strict=True))
            if not all(map(ne, spans, islice(spans, 1, None))):
                return None  # two insertions at one point clash
        applied, m = self.applied, self.map
        cs, ce = m.cur_start, m.cur_end
        if not applied:
            return Composed(news, []) if self.source == current else None
        if not all(map(le, ce, islice(cs, 1, None))):
            return None  # prior changes that overlap: the general path says what becomes of them
        # the source and the current text agree between the rewritten spans
        src_from, src_to = [0], [c.start for c in applied]
        src_from += [c.end for c in applied]
        src_to.append(len(self.source))
        if (list(map(self.source.__getitem__, map(slice, src_from, src_to)))
                != list(map(current.__getitem__, map(slice, [0, *ce], [*cs, len(current)])))):
            return None
        # the new changes touching rewritten span j start at or before its end and end at or after its
        # start: with starts and ends both sorted, a range of indexes
        near = sorted({k for lo, hi in zip(map(bisect.bisect_left, repeat(ends), cs),
                                           map(bisect.bisect_right, repeat(starts), ce), strict=True)
                       for k in range(lo, hi)})
        clear = [True] * len(news)
        for k in near:
            clear[k] = False
        cut = list(map(bisect.bisect_left, repeat(starts), cs))  # the clear new changes before rewritten span j
        cut.append(len(news))
        out = list(compress(news[:cut[0]], clear[:cut[0]])) if near else news[:cut[0]]
        for j, c in enumerate(applied):
            if not near:
                out.append(c)  # no merge: the prior changes and the new ones in order as they come
            group = news[cut[j]:cut[j + 1]]
            if near:
                group = list(compress(group, clear[cut[j]:cut[j + 1]]))
            off = c.end - ce[j]
            out += _moved(group, off) if off else group
        if not near:
            return Composed(out, [])
        touching = [news[k] for k in near]
        for n in (self.fused(touching, current) if fuse else touching):
            self.add(n, current)
        placed = Placed.of([(c.start, c.end) for c in out])
        if any(placed.clashes(c.start, c.end) for c in self.out_new):
            return None
        self.out_new += out
        return self.result()

    def fused(self, news: list[Change], current: str) -> list[Change]:
        """``news`` with consecutive applied changes that touch the same rewritten text fused into one.

        Merged one by one, the first would take the prior change into its span and the second
        would then clash with it and be skipped although the stage applied it: the stage's text
        and the replay of its changes would differ (``ReplayError``, issue 11).
        """
        if not self.applied:
            return news
        out: list[Change] = []
        last: set[int] = set()
        for n in news:
            hits = set(self.map.overlapping(n.start, n.end)) if n.applied else set()
            if out and hits & last and out[-1].applied and out[-1].end <= n.start:
                p = out[-1]
                rule = p.rule if n.rule in p.rule.split("+") else f"{p.rule}+{n.rule}"
                out[-1] = change(n.stage, rule, p.start, n.end, current[p.start:n.end],
                                 p.after + current[p.end:n.start] + n.after, min(p.confidence, n.confidence), True,
                                 p.note or n.note)
                last |= hits
            else:
                out.append(n)
                last = hits
        return out

    def add(self, n: Change, current: str) -> None:
        """Map ``n`` (a change against ``current``) to the source and place it, or skip it with a reason."""
        if not self.flagged and self._add_isolated(n):
            return
        hits = self.map.overlapping(n.start, n.end) if self.applied else []
        if hits and not n.applied:
            self.skipped.append(("overlap", n))
            return
        mapped = self._merged(n, hits, current) if hits else self._mapped(n)
        if self._place(n, mapped):
            self.merged_away.update(hits)

    def _add_isolated(self, n: Change) -> bool:
        """The common case, placed in a few steps: no prior flagged change, and ``n`` is clear of every
        rewritten span (the last one ends before ``n`` starts, the next starts after ``n`` ends), so it
        maps to the source by the shift of the changes before it. What :meth:`_mapped` and
        :meth:`_place` do for such a change, without the general searches; False: not this case."""
        m = self.map
        ce = m.cur_end
        i = bisect.bisect_left(ce, n.start) - 1  # the last rewritten span ending before n starts
        if i + 1 < len(ce) and m.cur_start[i + 1] <= n.end:
            return False
        off = m.changes[i].end - ce[i] if i >= 0 else 0
        S, E = n.start + off, n.end + off
        before = self.source[S:E]
        mapped = n if off == 0 and before == n.before else \
            change(n.stage, n.rule, S, E, before, n.after, n.confidence, n.applied, n.note)
        if self.taken.clashes(S, E):
            self.skipped.append(("overlap", n))
        else:
            self.taken.add(S, E)
            self.out_new.append(mapped)
        return True

    def _merged(self, n: Change, hits: list[int], current: str) -> Change:
        """``n`` merged with the applied prior changes ``hits`` it touches into one change (rule ids joined by +)."""
        m, applied = self.map, self.applied
        S, E = m.source_span(n.start, n.end, hits)
        cs = min(n.start, m.cur_start[hits[0]])
        ce = max(n.end, m.cur_end[hits[-1]])
        after = current[cs:n.start] + n.after + current[n.end:ce]
        rules = []
        for r in [applied[i].rule for i in hits] + [n.rule]:
            if r not in rules:
                rules.append(r)
        return change(n.stage, "+".join(rules), S, E, self.source[S:E], after,
                      min([n.confidence] + [applied[i].confidence for i in hits]), True, n.note)

    def _mapped(self, n: Change) -> Change:
        """``n``, which touches no rewritten text, in source coordinates."""
        S, E = self.map.source_span(n.start, n.end, [])
        if S == n.start and E == n.end and self.source[S:E] == n.before:
            return n  # the same change in source coordinates (a Change is immutable: no copy needed)
        return change(n.stage, n.rule, S, E, self.source[S:E], n.after, n.confidence, n.applied, n.note)

    def _place(self, n: Change, mapped: Change) -> bool:
        """Accept ``mapped`` unless it overlaps a new change already placed, or is flagged and overlaps a
        prior flagged change; an applied one supersedes the prior flagged changes it overlaps."""
        clash_flagged = [j for j in self.flagged_index.overlapping(mapped.start, mapped.end)
                         if j not in self.dropped_flagged] if self.flagged else []
        if self.taken.clashes(mapped.start, mapped.end) or (clash_flagged and not mapped.applied):
            self.skipped.append(("overlap", n))
            return False
        for j in clash_flagged:
            self.dropped_flagged.add(j)
            self.skipped.append(("superseded", self.flagged[j]))
        self.taken.add(mapped.start, mapped.end)
        self.out_new.append(mapped)
        return True

    def result(self) -> Composed:
        kept = [c for i, c in enumerate(self.applied) if i not in self.merged_away]
        kept += [c for j, c in enumerate(self.flagged) if j not in self.dropped_flagged]
        return Composed(_by_span(kept + self.out_new), self.skipped)
