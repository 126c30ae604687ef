"""Whole-line regexes tried only on the lines that could match: those that start like a rule.

normalise's ``line`` and ``tail`` rules match whole lines. When no rule can consume a line break
(:func:`may_cross_lines`, read from the pattern with CPython's own parser ``re._parser``), every
match is one line, which starts (after blanks) with one of the rule's *heads* (:func:`line_heads`:
"source link", "share", "[ad_"), or, for a rule whose start cannot be told, holds one of its literals
(:mod:`repair.scan.prefilter`). :func:`line_matches` tries only those lines: on news text a few lines,
found by a look at the start of each line rather than a scan of the whole text for literals.
tests/scan/test_lines.py checks that it finds what ``finditer`` finds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as C  # the re module's own parser: stable since 3.11
from re import _parser as P
from typing import Any, Iterator, Sequence

from repair.scan.prefilter import Prefilter, class_chars, folded, literal_cover


def may_cross_lines(pattern: str) -> bool:
    r"""Whether ``pattern`` (case-insensitive, multiline, as line rules are compiled) could consume a
    line break. Errs on the side of yes.

    >>> may_cross_lines(r"source link"), may_cross_lines(r"tags:[^.!?\n]+"), may_cross_lines(r"a\s+b")
    (False, False, True)
    >>> may_cross_lines(r"tags:[^.!?]+"), may_cross_lines(r"tags:[\w ]+"), may_cross_lines(r"x.y")
    (True, False, False)
    """
    try:
        tree = P.parse(pattern, re.I | re.M)
    except Exception:  # noqa: BLE001 - any surprise means: assume it could
        return True
    return _crosses(tree.data, bool(tree.state.flags & re.S))


_SAFE_CATEGORIES = {C.CATEGORY_DIGIT, C.CATEGORY_WORD, C.CATEGORY_NOT_SPACE, C.CATEGORY_UNI_DIGIT,
                    C.CATEGORY_UNI_WORD, C.CATEGORY_UNI_NOT_SPACE}
_BREAKING_CATEGORIES = {C.CATEGORY_SPACE, C.CATEGORY_UNI_SPACE, C.CATEGORY_LINEBREAK, C.CATEGORY_UNI_LINEBREAK}


def _crosses(items: Any, dotall: bool) -> bool:
    """Whether a sequence of parsed items could consume a line break (``dotall``: ``.`` matches one)."""
    return any(_item_crosses(op, av, dotall) for op, av in items)


def _item_crosses(op: Any, av: Any, dotall: bool) -> bool:
    if op is C.LITERAL:
        return av == 10
    if op is C.NOT_LITERAL:
        return av != 10
    if op is C.ANY:
        return dotall
    if op is C.IN:
        return _class_crosses(av)
    if op is C.BRANCH:
        return any(_crosses(b.data, dotall) for b in av[1])
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        return _crosses(av[2].data, dotall)
    if op is C.SUBPATTERN:
        return bool(av[1] & re.S) or _crosses(av[-1].data, dotall)
    if op is C.ATOMIC_GROUP:
        return _crosses(av.data, dotall)
    return op in (C.GROUPREF, C.GROUPREF_EXISTS)


def _class_crosses(av: Any) -> bool:
    """Whether a character class can match a line break: [^.!?] can, [^.!?\\n] and [\\w ] cannot, [\\s] can."""
    negated = any(op2 is C.NEGATE for op2, _ in av)
    holds_break = any((op2 is C.LITERAL and av2 == 10) or (op2 is C.RANGE and av2[0] <= 10 <= av2[1])
                      or (op2 is C.CATEGORY and av2 in _BREAKING_CATEGORIES) for op2, av2 in av)
    if negated:
        return not holds_break
    return holds_break or any(op2 is C.CATEGORY and av2 not in _SAFE_CATEGORIES for op2, av2 in av)


# Up to this many literals, ``str.find`` per literal (a fast C scan each) finds their starts sooner than one
# Aho-Corasick pass (several times slower per character than a find): the line rules without heads
# (see LineFilter) have some 5 together
_FIND_MAX = 8


def literal_starts(pf: Prefilter, lowered: str) -> list[int]:
    """:meth:`Prefilter.starts`: the sorted start offsets of every occurrence (overlapping ones too) of
    ``pf``'s literals in ``lowered``; found with ``str.find`` when they are few.

    >>> literal_starts(Prefilter(("ab", "b")), "abcab"), literal_starts(Prefilter(("aa",)), "aaa")
    ([0, 1, 3, 4], [0, 1])
    """
    cover = pf.cover
    if cover is None or pf.ends or len(cover) > _FIND_MAX:
        return pf.starts(lowered)
    out = []
    find = lowered.find
    for lit in cover:
        i = find(lit)
        while i >= 0:
            out.append(i)
            i = find(lit, i + 1)
    out.sort()
    return out


_MAX_HEADS = 256  # past this many heads, shorter ones (of fewer leading items) are kept


def line_heads(pattern: str) -> tuple[str, ...] | None:
    r"""The strings (lower-cased) one of which starts every match of ``pattern`` compiled
    case-insensitive, or None when they cannot be told (a match could start with anything, or
    with nothing).

    >>> line_heads(r"(?:share|tweet)(?:[ \t]*\|[ \t]*share)*"), line_heads(r"don[\x27’]?t miss")
    (('share', 'tweet'), ("don't miss", 'dont miss', 'don’t miss'))
    >>> line_heads(r"(?:\[ad_\d+\][ \t]*)+"), line_heads(r"\d+ bloggers"), line_heads(r"[^\n]{1,9}©")
    (('[ad_',), None, None)
    """
    try:
        tree = P.parse(pattern, re.I | re.M)
    except Exception:  # noqa: BLE001 - any surprise means: cannot tell
        return None
    heads = _heads(list(tree.data))
    return tuple(sorted(heads)) if heads else None


def _heads(items: list[Any]) -> set[str] | None:
    """The heads of a sequence of parsed items: the strings its leading items can match, as far as
    they are few, then the heads of the first item that is not spelt out so (if it has some)."""
    out = {""}
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width: the match starts with what follows
        options = _strings(op, av)
        spelt = options is not None  # every string the item matches: the items after it lengthen the heads
        if options is None:
            options = _item_heads(op, av)
            if options is None:
                break
        grown = {a + b for a in out for b in options}
        if len(grown) > _MAX_HEADS:
            break
        out = grown
        if not spelt:
            break
    return None if "" in out else out  # ("": an item that may match nothing was the last told)


def _item_heads(op: Any, av: Any) -> set[str] | None:
    """The heads of one item whose strings are too many: alternatives, a group or a repeat (at least once)."""
    if op is C.BRANCH:
        parts = [_heads(list(b.data)) for b in av[1]]
        return None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
    if op is C.SUBPATTERN and not (av[1] or av[2]):  # no scoped flags
        return _heads(list(av[-1].data))
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _heads(list(av[2].data))
    return None


def _strings(op: Any, av: Any) -> set[str] | None:
    """Every string (lower-cased) one item matches, if they are few and spelt by literals (else None)."""
    if op is C.LITERAL:
        return _lowered({chr(av)})
    if op is C.IN:
        chars = class_chars(av)  # None: a negated class, a category (\d, \w)
        return None if chars is None else _lowered(set(chars))
    if op is C.BRANCH:
        parts = [_sequence_strings(list(b.data)) for b in av[1]]
        return None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
    if op is C.SUBPATTERN and not (av[1] or av[2]):
        return _sequence_strings(list(av[-1].data))
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[1] <= 3:  # x?, x{0,2}, ...
        once = _sequence_strings(list(av[2].data))
        if once is None:
            return None
        out, times = set(), {""}
        for k in range(av[1] + 1):
            if k >= av[0]:
                out |= times
            times = {a + b for a in times for b in once}
            if len(out) + len(times) > _MAX_HEADS:
                return None
        return out
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return {""}  # zero width (it may fail, never adds a character)
    return None


def _sequence_strings(items: list[Any]) -> set[str] | None:
    out = {""}
    for op, av in items:
        options = _strings(op, av)
        if options is None:
            return None
        out = {a + b for a in out for b in options}
        if len(out) > _MAX_HEADS:
            return None
    return out


def _lowered(chars: set[str]) -> set[str] | None:
    """``chars`` lower-cased (as the text they are compared with is), None if one lower-cases to two."""
    low = {c.lower() for c in chars}
    return low if all(len(c) == 1 for c in low) else None


@dataclass(frozen=True, slots=True)
class LineFilter:
    r"""The lines a whole-line regex made of some rules' patterns needs trying: those that start, after
    the characters the regex skips at a line's start, with one of the rules' heads (``starts`` finds
    them in the lower-cased text after a line break), and those that hold one of ``rest``'s literals
    (the covers of the rules without heads). None of them: no line is tried.

    ``starts`` is one regex, ``\n[blanks]*(?:s(?:hare|ource link)|t(?:weet)|...)`` (the heads grouped by
    their first character: the regex engine tries the rest of a group only after that character), so a
    text's lines are looked at in C, not one by one in Python.
    """

    starts: re.Pattern[str] | None
    rest: Prefilter

    @classmethod
    def of(cls, patterns: Sequence[str], blanks: str) -> "LineFilter | None":
        r"""The filter of a regex ``^[blanks]*(?:p1|p2|...)`` (case-insensitive) whose matches never cross
        a line break (:func:`may_cross_lines`); None if a rule has neither heads nor literals (then every
        line needs trying).

        >>> f = LineFilter.of(["share(?: this)?", "tweet", r"[^\n]+ bloggers"], " ")
        >>> f.starts.pattern, f.rest.cover
        ('\n[\\ ]*(?:s(?:hare)|t(?:weet))', (' bloggers',))
        """
        heads: set[str] = set()
        rest: set[str] = set()
        for p in patterns:
            found = line_heads(p)
            if found is not None:
                heads.update(found)
                continue
            cover = literal_cover(re.compile(p, re.I))
            if cover is None:
                return None
            rest.update(cover[0])
        by_first: dict[str, list[str]] = {}
        for h in sorted(heads):
            if not any(h.startswith(o) for o in heads if o != h):  # a longer head adds nothing
                by_first.setdefault(h[0], []).append(re.escape(h[1:]))
        starts = None
        if by_first:
            groups = "|".join(f"{re.escape(c)}(?:{'|'.join(tails)})" for c, tails in by_first.items())
            starts = re.compile(f"\n[{re.escape(blanks)}]*(?:{groups})")
        # as in Prefilter.of: a literal holding another adds nothing
        literals = tuple(sorted(e for e in rest if not any(o != e and o in e for o in rest)))
        return cls(starts, Prefilter(literals or None, True))


def line_matches(rx: re.Pattern[str], lines: LineFilter | None, text: str) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` for a whole-line regex whose matches never cross a line break, filtered
    by ``lines`` (None: every line is tried).

    Each match is one line (plus its break), so only the lines ``lines`` lets through are tried;
    on news text that is a few lines, not every line.
    """
    f = folded(text) if lines is not None else None
    if f is None or f.odd:
        yield from rx.finditer(text)
        return
    lowered = f.lowered
    starts = []
    if lines.starts is not None:  # (a line break put before the text: the first line starts after one too)
        starts = [m.start() for m in lines.starts.finditer("\n" + lowered)]
    if lines.rest.cover is not None:
        starts.extend(text.rfind("\n", 0, j) + 1 for j in literal_starts(lines.rest, lowered))
        starts = sorted(set(starts))
    for start in starts:
        m = rx.match(text, start)
        if m:
            yield m
