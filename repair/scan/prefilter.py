"""Skip regex scans that cannot match: a rule's *literal cover* tested with ``in``.

Most rules match nothing in most texts, and Python's regex engine scans a text far more slowly
than ``str.__contains__`` (a pattern that starts with ``\\b``, a lookbehind or a case-insensitive
word is tried at nearly every position). :func:`literal_cover` derives, from the pattern itself,
a few strings one of which every match must contain; :meth:`Prefilter.may_match` is false only
when none occurs, so skipping the scan then changes nothing.

>>> pf = Prefilter.of(re.compile(r"\\b(two|three|several) a long time\\b", re.I))
>>> pf.cover
(' a long time',)
>>> pf.may_match("It took Two A Long Time."), pf.may_match("It took two decades.")
(True, False)
>>> Prefilter.of(re.compile(r"\\w+")).cover is None  # nothing to test: always scan
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from re import _casefix  # the re module's own case table, parser and its constants (stable since 3.11)
from re import _constants as C
from re import _parser as P
from typing import Any

import ahocorasick

from repair.scan.utf8 import utf8_and_others

# Characters that re.IGNORECASE treats as equal to a letter of another lower-case form (the
# dotless i, the long s, the micro sign, ...): a text holding one is scanned without the shortcut.
_ODD_CHARS = tuple(sorted({chr(c) for c, extra in _casefix._EXTRA_CASES.items() for c in (c, *extra) if c > 0x7F}))
_COMMON = frozenset(" \n.,;:'\"-()")


def _cost(cover: frozenset[str]) -> float:
    # a lone space, newline, ASCII letter, digit or common punctuation is in nearly every text
    return sum(100.0 if len(e) == 1 and (e in _COMMON or e.isascii() and e.isalnum()) else 1.0 / len(e)
               for e in cover)


@lru_cache(maxsize=1024)
def _parsed(pattern: str, flags: int) -> Any:
    return P.parse(pattern, flags)  # parsed once for literal_cover and match_width


def match_width(rx: re.Pattern[str]) -> tuple[int, int | None]:
    """The shortest and longest match of ``rx`` (None: unbounded), lookarounds not counted.

    >>> match_width(re.compile(r"\\bround (?=\\d)")), match_width(re.compile(r"a+"))
    ((6, 6), (1, None))
    """
    lo, hi = _parsed(rx.pattern, rx.flags).getwidth()
    return lo, (hi if hi < C.MAXREPEAT else None)


def literal_cover(rx: re.Pattern[str]) -> tuple[frozenset[str], bool] | None:
    """``(strings, folded)``: every match of ``rx`` contains one of ``strings``, or None.

    ``folded`` is true for a case-insensitive pattern: the strings are lower case and are to be
    looked for in the lower-cased text. None when the pattern has no useful cover (it could
    match with only very common characters).

    >>> literal_cover(re.compile(r"(?<=\\S) {2,}(?=\\S)"))
    (frozenset({'  '}), False)
    >>> literal_cover(re.compile(r"[ \\t]+$", re.M)) is None  # a space is in every text: no use
    True
    """
    try:
        tree = _parsed(rx.pattern, rx.flags)
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None
    folded = bool(tree.state.flags & re.IGNORECASE)
    cover = _sequence_cover(tree.data, folded)
    if not cover or _cost(cover) >= 50:
        return None
    if folded and any(len(e.lower()) != len(e) or e != e.lower() for e in cover):
        return None
    return cover, folded


_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT)


def literal_lead(rx: re.Pattern[str]) -> tuple[frozenset[str], bool, int | None] | None:
    """``(strings, folded, lead)``: every match of ``rx`` contains one of ``strings`` starting at most
    ``lead`` characters after the match starts, or None. For a pattern whose matches are unbounded
    (``stated by [a-z]+``) but whose start is not: a match then starts within ``lead`` characters
    before one of the strings (see :func:`repair.scan.windows.finditer`).

    The strings are those the first run of items of the pattern (of each alternative, at the top
    level) made of literals and groups of a few literal strings can match; everything before it
    must have a bounded width (lookarounds and anchors count as nothing), whose sum is ``lead``. ``folded`` as in
    :func:`literal_cover`. When something before the strings is unbounded (``[A-Z][a-z]+ endured``) but
    nothing there can match a space or a line break (:data:`WORD_ENDS`), ``lead`` is None: a match then
    starts in the run of characters other than those that ends where one of the strings starts.

    >>> strings, folded, lead = literal_lead(re.compile(r"\\b(?:stated|said) by [a-z]+|[,.]” (?:told|added) [A-Z]"))
    >>> sorted(strings), folded, lead
    ([',” added ', ',” told ', '.” added ', '.” told ', 'said by ', 'stated by '], False, 0)
    >>> literal_lead(re.compile(r"\\b[a-z]{1,2}(?:a|b) endured [a-z]+"))[1:]  # "a endured " or "b endured ", 2 in at most
    (False, 2)
    >>> literal_lead(re.compile(r"\\b[A-Z][a-z]+ endured \\w+"))  # unbounded, but one word before " endured "
    (frozenset({' endured '}), False, None)
    >>> literal_lead(re.compile(r"\\b[A-Z][a-z ]+ endured \\w+")) is None  # no bound: words before " endured "
    True
    """
    try:
        tree = _parsed(rx.pattern, rx.flags)
        found = _sequence_lead(tree, list(tree.data))
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None
    if found is None:
        return None
    strings, lead, word = found
    if lead is None and not word:
        return None
    folded = bool(tree.state.flags & re.IGNORECASE)
    if folded:
        strings = frozenset(e.lower() for e in strings)
        if any(len(e.lower()) != len(e) for e in strings):
            return None
    return strings, folded, lead


def _sequence_lead(tree: Any, items: list[Any]) -> tuple[frozenset[str], int | None, bool] | None:
    """(strings, lead, word) of :func:`literal_lead`: ``lead`` None when what comes before the strings is
    unbounded, ``word`` whether it can match none of :data:`WORD_ENDS`."""
    if len(items) == 1 and items[0][0] is C.BRANCH:  # a|b|c at the top level: each alternative on its own
        parts = [_sequence_lead(tree, list(b.data)) for b in items[0][1][1]]
        if any(p is None for p in parts):
            return None
        strings = frozenset().union(*(p[0] for p in parts))  # type: ignore[index]
        if any(p[1] is None for p in parts):  # type: ignore[index]
            return strings, None, all(p[2] for p in parts)  # type: ignore[index]
        return strings, max(p[1] for p in parts), all(p[2] for p in parts)  # type: ignore[index,type-var]
    lead: int | None = 0  # the longest stretch the items before this one can match (None: unbounded)
    word = True  # and none of them can match a space or a line break
    i = 0
    while i < len(items):
        op, av = items[i]
        doubled = _repeated_group(items, i)
        if doubled is not None and all(len(e) >= _LEAD_MIN for e in doubled[0]):
            return doubled[0], lead, word  # (the|a) \\1: "the the" or "a a" starts here
        if op not in (C.AT, C.ASSERT, C.ASSERT_NOT):
            for k in range(len(items), i, -1):  # the longest run of items from here that spells a few strings
                strings = _strings(items[i:k])
                if strings is not None:
                    if all(len(e) >= _LEAD_MIN for e in strings):
                        return strings, lead, word
                    break
        word = word and _no_word_end([(op, av)])
        hi = P.SubPattern(tree.state, [(op, av)]).getwidth()[1]
        if hi >= C.MAXREPEAT or lead is None:
            if not word:
                return None
            lead = None
        else:
            lead += hi
        i += 1
    return None


WORD_ENDS = " \n"  # what an unbounded lead that cannot match them stops at (see literal_lead)


def _no_word_end(items: Any) -> bool:
    """Whether the parsed items can match none of :data:`WORD_ENDS` (lookarounds and anchors match nothing;
    False for anything not understood)."""
    ends = [ord(c) for c in WORD_ENDS]
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op is C.LITERAL:
            if av in ends:
                return False
        elif op is C.IN:
            if not _set_misses(av, ends):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
            if not _no_word_end(av[2].data):
                return False
        elif op is C.SUBPATTERN:
            if not _no_word_end(av[-1].data):
                return False
        elif op is C.BRANCH:
            if not all(_no_word_end(b.data) for b in av[1]):
                return False
        elif op is C.ATOMIC_GROUP:
            if not _no_word_end(av.data):
                return False
        else:  # any character, a backreference, ...
            return False
    return True


def _set_misses(items: Any, codes: list[int]) -> bool:
    """Whether a parsed character set (``[...]``, ``\\w``) matches none of ``codes``."""
    for op, av in items:
        if op is C.LITERAL:
            if av in codes:
                return False
        elif op is C.RANGE:
            if any(av[0] <= c <= av[1] for c in codes):
                return False
        elif op is C.CATEGORY:
            if av not in (C.CATEGORY_DIGIT, C.CATEGORY_WORD):  # \\d and \\w hold no space nor line break
                return False
        else:  # a negated set, ...
            return False
    return True


_LEAD_MIN = 3  # shorter strings are in nearly every text


def literal_starts_run(rx: re.Pattern[str], pf: Prefilter) -> bool | None:
    """True when ``pf`` is case-sensitive and every match of ``rx`` (never empty) starts with its one
    literal: the pattern's first item of width (lookarounds and anchors aside) is ``c{m,}`` or ``c{m}``
    (``m`` >= 1) and the cover is ``c * m``; else None.

    >>> literal_starts_run(re.compile(r"(?<=\\S) {2,}(?=\\S)"), Prefilter(("  ",)))
    True
    >>> literal_starts_run(re.compile(r"a {2,}"), Prefilter(("  ",))) is None
    True
    """
    if pf.cover is None or pf.folded or pf.ends or len(pf.cover) != 1 or rx.flags & re.IGNORECASE:
        return None
    try:
        items = list(_parsed(rx.pattern, rx.flags).data)
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op in _REPEATS and av[0] >= 1 and len(av[2].data) == 1 and av[2].data[0][0] is C.LITERAL:
            if pf.cover[0] == chr(av[2].data[0][1]) * av[0] and match_width(rx)[0] > 0:
                return True
        return None
    return None


def line_end_cover(rx: re.Pattern[str]) -> tuple[str, ...] | None:
    """For a multiline pattern that ends with a character (or a class, once or more) and ``$``:
    those characters. Every match ends with one of them followed by a line break, or ends the
    text; where neither occurs the pattern cannot match (``[ \\t]+$`` needs a space or tab before a line break, or a
    text ending in a space or tab). None for any other pattern.

    >>> line_end_cover(re.compile(r"[ \\t]+$", re.M))
    ('\\t', ' ')
    >>> line_end_cover(re.compile(r"[ \\t]+$")) is None, line_end_cover(re.compile(r"a*$", re.M)) is None
    (True, True)
    """
    if not rx.flags & re.MULTILINE or rx.flags & re.IGNORECASE:
        return None
    try:
        items = list(_parsed(rx.pattern, rx.flags).data)
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None
    if len(items) < 2 or items[-1] != (C.AT, C.AT_END):
        return None
    op, av = items[-2]
    if op in _REPEATS and av[0] >= 1 and len(av[2].data) == 1:
        op, av = av[2].data[0]
    chars = frozenset([chr(av)]) if op is C.LITERAL else class_chars(av) if op is C.IN else None
    if not chars or "\n" in chars:
        return None
    return tuple(sorted(chars))


def _sequence_cover(items: Any, fold: bool) -> frozenset[str] | None:
    """The cheapest cover of a sequence of parsed items: a run of literals, or the cover of one item.

    ``fold``: the pattern is case-insensitive, so the strings are lower-cased.
    """
    found: list[frozenset[str]] = []
    run = ""  # the literals read since the last item that is not one
    items = list(items)
    i = 0
    while i < len(items):
        op, av = items[i]
        i += 1
        doubled = _repeated_group(items, i - 1)
        if doubled is not None:  # (the|a) \1: "the the" or "a a"
            if run:
                found.append(frozenset([run]))
            run = ""
            strings, i = doubled
            found.append(strings)
        elif op is C.LITERAL:
            run += chr(av)
        elif op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue  # zero width: the literals around it stay adjacent
        elif op in _REPEATS and av[0] >= 1 and len(av[2].data) == 1 and av[2].data[0][0] is C.LITERAL:
            rep = chr(av[2].data[0][1]) * av[0]
            if av[0] == av[1]:
                run += rep
            else:  # x{2,}: what precedes is followed by "xx", and "xx" by what follows
                found.append(frozenset([run + rep]))
                run = rep
        else:
            if run:
                found.append(frozenset([run]))
            run = ""
            pos = _item_cover(op, av, fold)
            if pos:
                found.append(pos)
    if run:
        found.append(frozenset([run]))
    if fold:
        found = [frozenset(e.lower() for e in f) for f in found]
    return min(found, key=_cost) if found else None


def _item_cover(op: Any, av: Any, fold: bool) -> frozenset[str] | None:
    """The cover of one parsed item that is not a literal: a small class, a group, a repeat, alternatives."""
    if op is C.IN:
        return class_chars(av)
    if op in _REPEATS and av[0] >= 1:
        return _sequence_cover(av[2].data, fold)
    if op is C.SUBPATTERN and not (av[1] | av[2]) & re.IGNORECASE:  # no scoped (?i:...) / (?-i:...)
        return _sequence_cover(av[-1].data, fold)
    if op is C.ATOMIC_GROUP:
        return _sequence_cover(av.data, fold)
    if op is C.BRANCH:
        covers = [_sequence_cover(b.data, fold) for b in av[1]]
        if any(c is None for c in covers):
            return None
        return frozenset().union(*covers)  # type: ignore[arg-type]
    return None


def class_chars(av: Any) -> frozenset[str] | None:
    """The characters of a character class made of literals and short ranges (else None)."""
    chars: set[str] = set()
    for op2, av2 in av:
        if op2 is C.LITERAL:
            chars.add(chr(av2))
        elif op2 is C.RANGE and av2[1] - av2[0] < 32:
            chars.update(chr(c) for c in range(av2[0], av2[1] + 1))
        else:
            return None
    return frozenset(chars)


_MAX_STRINGS = 64


def _strings(items: Any) -> frozenset[str] | None:
    """Every string a group can match, if they are few and made of literals only (else None).

    >>> sorted(_strings(P.parse("(?:an|a)[nN]")))
    ['aN', 'an', 'anN', 'ann']
    """
    out = frozenset([""])
    for op, av in items:
        if op is C.LITERAL:
            options = frozenset([chr(av)])
        elif op is C.IN and all(op2 is C.LITERAL for op2, _ in av):
            options = frozenset(chr(av2) for _, av2 in av)
        elif op is C.BRANCH:
            parts = [_strings(b.data) for b in av[1]]
            if any(p is None for p in parts):
                return None
            options = frozenset().union(*parts)  # type: ignore[arg-type]
        elif op is C.SUBPATTERN and not (av[1] | av[2]):
            inner = _strings(av[-1].data)
            if inner is None:
                return None
            options = inner
        else:
            return None
        out = frozenset(a + b for a in out for b in options)
        if len(out) > _MAX_STRINGS:
            return None
    return out


def _repeated_group(items: list[Any], i: int) -> tuple[frozenset[str], int] | None:
    """A group of a few literal strings, literals, then a backreference to the group (``(the|a) \\1``).

    Returns the strings such a run matches ("the the", "a a") and the index after the backreference.
    """
    op, av = items[i]
    if op is not C.SUBPATTERN or av[0] is None or av[1] | av[2]:
        return None
    group = _strings(av[-1].data)
    if not group or "" in group:
        return None
    between, j = "", i + 1
    while j < len(items) and items[j][0] is C.LITERAL:
        between += chr(items[j][1])
        j += 1
    if j < len(items) and items[j][0] is C.GROUPREF and items[j][1] == av[0]:
        return frozenset(g + between + g for g in group), j + 1
    return None


@dataclass(frozen=True, slots=True)
class Folded:
    """A text with its lower-cased form, made once and tested against many case-insensitive covers."""

    text: str
    lowered: str
    odd: bool  # the text holds a character re.IGNORECASE matches beyond lower-casing: always scan

    @classmethod
    def of(cls, text: str, lowered: str | None = None) -> "Folded":
        if lowered is None:
            quick = _quick_fold(text)
            if quick is not None:
                return cls(text, *quick)
        low = text.lower() if lowered is None else lowered
        if len(low) != len(text):  # a character lower-cases to two: positions would not line up
            return cls(text, low, True)
        return cls(text, low, odd_case(low))


def _quick_fold(text: str) -> tuple[str, bool] | None:
    """``(text.lower(), odd_case(text.lower()))`` for a text none of whose characters beyond ASCII
    changes when lower-cased (curly quotes, dashes, accented small letters: most news), else None.

    ``str.lower`` looks every character of a text beyond ASCII up in the Unicode tables; here only
    the few distinct characters beyond ASCII are, and the ASCII letters are lower-cased in the UTF-8
    bytes (``bytes.lower`` leaves the bytes of other characters as they are), several times sooner.
    """
    if text.isascii():
        return text.lower(), False
    split = utf8_and_others(text)
    if split is None or split[1] is None:  # a lone surrogate; much text beyond ASCII (Greek, Cyrillic, ...)
        return None
    raw, chars = split
    if any(c.lower() != c for c in chars):
        return None
    return raw.lower().decode(), not _ODD_SET.isdisjoint(chars)


_ODD_SET = frozenset(_ODD_CHARS)


@lru_cache(maxsize=4)
def folded(text: str) -> Folded:
    """:meth:`Folded.of` ``text``, made once for the passes and stages that test literals in the same
    text (normalise's passes, then detect: a text seldom changes between them)."""
    return Folded.of(text)


def odd_case(lowered: str) -> bool:
    """Whether a lower-cased text holds a character re.IGNORECASE matches beyond lower-casing.

    >>> odd_case("istanbul"), odd_case("\u0131stanbul")
    (False, True)
    """
    return not lowered.isascii() and any(c in lowered for c in _ODD_CHARS)


@lru_cache(maxsize=None)
def _automaton(strings: tuple[str, ...]) -> Any:
    auto = ahocorasick.Automaton()
    for e in strings:
        auto.add_word(e, e)
    auto.make_automaton()
    return auto


@dataclass(frozen=True, slots=True)
class Prefilter:
    """A pattern's cover, ready to test; ``cover`` None means every text must be scanned."""

    cover: tuple[str, ...] | None
    folded: bool = False
    ends: tuple[str, ...] = ()  # or the text ends with one of these (see line_end_cover)
    # a case-sensitive cover split: its single characters beyond ASCII (no-break and zero-width spaces), looked
    # up in the set of the text's such characters (:func:`repair.scan.utf8.utf8_and_others`, made once per
    # text) rather than each found by a scan of the text; and the other strings
    beyond: frozenset[str] = field(init=False, repr=False, compare=False)
    within: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cover = () if self.cover is None or self.folded else self.cover
        beyond = frozenset(e for e in cover if len(e) == 1 and not e.isascii())
        object.__setattr__(self, "beyond", beyond)
        object.__setattr__(self, "within", tuple(e for e in cover if e not in beyond))

    @classmethod
    def of(cls, rx: re.Pattern[str], *, line_end: bool = False) -> "Prefilter":
        """The prefilter of ``rx``; ``line_end``: also use :func:`line_end_cover` (for :meth:`may_match` only)."""
        found = literal_cover(rx)
        if found is None:
            ends = line_end_cover(rx) if line_end else None
            return cls(tuple(c + "\n" for c in ends), False, ends) if ends else cls(None)
        strings, folded = found
        # a string holding another adds nothing: where it occurs, the shorter one occurs too
        return cls(tuple(sorted(e for e in strings if not any(o != e and o in e for o in strings))), folded)

    def starts(self, text: str) -> list[int]:
        """Sorted start offsets of every occurrence of the cover's strings in ``text`` (one scan).

        >>> Prefilter(("ab", "b")).starts("abcab")
        [0, 1, 3, 4]
        """
        if self.cover is None or self.ends:
            raise ValueError("a Prefilter without a cover (or with line ends) has no literals to find")
        return sorted(end - len(lit) + 1 for end, lit in _automaton(self.cover).iter(text))

    def may_match(self, text: str | Folded) -> bool:
        """False only if the pattern certainly has no match in ``text``.

        Pass a :class:`Folded` text to test many case-insensitive patterns against one text
        without lower-casing it for each.
        """
        if self.cover is None:
            return True
        if self.folded:
            f = text if isinstance(text, Folded) else Folded.of(text)
            return f.odd or any(e in f.lowered for e in self.cover)
        raw = text.text if isinstance(text, Folded) else text
        if self.beyond:
            split = utf8_and_others(raw)
            if split is not None and split[1] is not None:
                return (not self.beyond.isdisjoint(split[1]) or any(e in raw for e in self.within)
                        or (bool(self.ends) and raw.endswith(self.ends)))
        return any(e in raw for e in self.cover) or (bool(self.ends) and raw.endswith(self.ends))
