"""Whole-line regexes tried only on the lines that hold one of their literals.

normalise's ``line`` and ``tail`` rules match whole lines. When no rule can consume a line break
(:func:`may_cross_lines`, read from the pattern with CPython's own parser ``re._parser``), every
match lies within one line and holds one of the pattern's literals (:mod:`repair.scan.prefilter`),
so :func:`line_matches` tries only those lines. tests/scan/test_lines.py checks that it finds what
``finditer`` finds.
"""

from __future__ import annotations

import re
from re import _constants as C  # the re module's own parser: stable since 3.11
from re import _parser as P
from typing import Any, Iterator

from repair.scan.prefilter import Prefilter, folded


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
# Aho-Corasick pass (several times slower per character than a find): a tail rule has 1 to 3 literals,
# the line rules together some 50
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


def line_matches(rx: re.Pattern[str], pf: Prefilter, text: str) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` for a whole-line regex whose matches never cross a line break.

    Each match lies within one line (plus its break) and contains one of ``pf``'s literals, so
    only the lines holding one are tried; on news text that is a few lines, not every line.
    """
    if pf.cover is None:
        yield from rx.finditer(text)
        return
    f = folded(text)
    if f.odd:
        yield from rx.finditer(text)
        return
    line_end = -1
    for j in literal_starts(pf, f.lowered):
        if j < line_end:
            continue  # this line is tried already
        start = text.rfind("\n", 0, j) + 1
        line_end = text.find("\n", j)
        line_end = len(text) if line_end < 0 else line_end
        m = rx.match(text, start)
        if m:
            yield m

