"""Call ftfy only where one of its fixes can change the text: a whole-text test, never a false "no".

ftfy's ``is_bad`` (behind every encoding fix) is one regex of ~40 alternatives and the slowest part of
normalising clean text. Reading that regex with CPython's own parser (``re._parser``, stable since
3.11) gives the characters a bad match must contain and its longest match, so a text is tested
only around those characters; the other fixes act only on characters from ftfy's own tables.
Everything here is derived from ftfy at import, so it follows ftfy upgrades; if ftfy's regex takes a
shape this does not understand, the shortcuts switch off (always call ftfy), never on.
tests/scan/test_ftfy_gate.py holds the gate to ftfy itself.
"""

from __future__ import annotations

import re
from re import _constants as C  # the re module's own parser: stable since 3.11
from re import _parser as P
from typing import Any, Iterable, Iterator

from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from ftfy.chardata import CONTROL_CHARS, HTML_ENTITY_RE, LIGATURES, WIDTH_MAP

from repair.scan.utf8 import utf8_and_others


def _char_class(codepoints: Iterable[int]) -> str:
    """A regex character class (escaped code points and ranges) matching exactly ``codepoints``."""
    cps = sorted(set(codepoints))
    parts, i = [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = (f"\\U{c:08x}" for c in (cps[i], cps[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _category(name: str) -> set[int]:
    """Code points of one of ftfy's mojibake categories (strings with ``a-z`` style ranges)."""
    s, out, i = MOJIBAKE_CATEGORIES[name], set(), 0
    while i < len(s):
        if i + 2 < len(s) and s[i + 1] == "-":
            out.update(range(ord(s[i]), ord(s[i + 2]) + 1))
            i += 3
        else:
            out.add(ord(s[i]))
            i += 1
    return out


def _parse_badness() -> Any:
    """ftfy's badness regex parsed (for the two shortcuts below), or None if it cannot be."""
    try:
        return P.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None


_BADNESS_TREE = _parse_badness()


def _mojibake_codepoints() -> set[int] | None:
    """The characters one of which every match of ftfy's badness regex must contain, or None.

    ftfy's ``is_bad`` (the test behind every encoding fix) is one regex of ~40 alternatives; it is
    the slowest part of normalising clean text. Each alternative has positions that must match
    a character from a set; per alternative we take the set (without ASCII) that contains the
    fewest characters clean typography uses (curly quotes, dashes, ellipsis: ftfy's "common" and
    punctuation categories). A text with none of the chosen characters cannot be bad, so
    ``is_bad`` is only run where one occurs. Derived from ftfy's own regex, so it follows ftfy
    upgrades; None (always run ``is_bad``) if the regex has a shape this does not understand.
    """
    tree = _BADNESS_TREE
    if tree is None or len(tree.data) != 1 or tree.data[0][0] is not C.BRANCH:
        return None
    typographic = _category("common") | _category("start_punctuation") | _category("end_punctuation")

    def required_sets(items: list) -> Iterator[set[int]]:
        for op, av in items:
            if op is C.LITERAL:
                yield {av}
            elif op is C.IN:
                chars: set[int] = set()
                for op2, av2 in av:
                    if op2 is C.LITERAL:
                        chars.add(av2)
                    elif op2 is C.RANGE:
                        chars.update(range(av2[0], av2[1] + 1))
                    else:  # a negated class or a category (\\s, \\w): not a usable position
                        break
                else:
                    yield chars
            elif op is C.SUBPATTERN:
                yield from required_sets(av[-1].data)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
                yield from required_sets(av[2].data)

    chosen: set[int] = set()
    for branch in tree.data[0][1][1]:
        usable = [cs for cs in required_sets(branch.data) if cs and min(cs) > 0x7F]
        if not usable:
            return None
        chosen |= min(usable, key=lambda cs: (len(cs & typographic), len(cs)))
    return chosen


# Text that none of ftfy's fixes can change is passed through without calling ftfy. The fixes
# other than the encoding repair act only on: HTML entities (unescape_html), C1 controls,
# ligatures, half/full-width forms, surrogates, terminal escapes (ESC is a control) and the
# control characters ftfy removes. Built from ftfy's own tables; tests/scan/test_ftfy_gate.py checks
# that a text needing each fix still gets it.
_FTFY_CODEPOINTS = {*range(0x80, 0xA0), *LIGATURES, *WIDTH_MAP, *range(0xD800, 0xE000), *CONTROL_CHARS, 0x1B}
_FTFY_CHARS = re.compile(_char_class(_FTFY_CODEPOINTS))


def ftfy_triggered(text: str) -> bool:
    """An HTML entity or a character one of ftfy's character fixes handles (two fast scans)."""
    return _FTFY_CHARS.search(text) is not None or ("&" in text and HTML_ENTITY_RE.search(text) is not None)

_MOJIBAKE_CODEPOINTS = _mojibake_codepoints()
MOJIBAKE_CLASS = _char_class(_MOJIBAKE_CODEPOINTS) if _MOJIBAKE_CODEPOINTS is not None else None
MOJIBAKE_CHARS = re.compile(MOJIBAKE_CLASS if MOJIBAKE_CLASS is not None else r"[^\x00-\x7f]")
# the characters of both tests: a text holding none of them (most text, spun or not) is told apart in one
# scan instead of two
_WATCHED = (re.compile(_char_class(_FTFY_CODEPOINTS | _MOJIBAKE_CODEPOINTS)) if _MOJIBAKE_CODEPOINTS is not None
            else None)
_WATCHED_CHARS = frozenset(map(chr, _FTFY_CODEPOINTS | (_MOJIBAKE_CODEPOINTS or set())))
_UNWATCHED_BYTES = bytes(b for b in range(256) if b >= 0x80 or chr(b) not in _WATCHED_CHARS)


def holds_watched(text: str) -> bool:
    """``_WATCHED.search(text) is not None``, told sooner for most text: the regex engine tests every
    character against a class of some 2,600; here the watched ASCII characters (controls) are found by
    deleting all other bytes of the text's UTF-8, and only the few distinct characters beyond ASCII are
    looked up.
    """
    split = utf8_and_others(text)
    if split is None:  # a lone surrogate: ftfy fixes those (they are watched)
        return True
    raw, others = split
    if raw.translate(None, _UNWATCHED_BYTES):
        return True  # a watched ASCII character
    if others is None:  # much text beyond ASCII: the regex scan is sooner than the set of its characters
        return _WATCHED is not None and _WATCHED.search(text) is not None
    return not _WATCHED_CHARS.isdisjoint(others)


def _badness_window() -> int | None:
    """The longest match of ftfy's badness regex, if it is short and free of context tests.

    Then a line is bad only if the few characters around one of its watched characters are:
    :func:`needs_ftfy` checks those windows instead of whole lines.
    """
    if _BADNESS_TREE is None:
        return None
    try:
        width = _BADNESS_TREE.getwidth()[1]
    except Exception:  # noqa: BLE001 - any surprise means: no shortcut
        return None
    ok = True

    def walk(items: list) -> None:
        nonlocal ok
        for op, av in items:
            if op in (C.ASSERT, C.ASSERT_NOT, C.GROUPREF, C.GROUPREF_EXISTS) or (
                    op is C.AT and av is not C.AT_BEGINNING):
                ok = False  # lookarounds, \\b, $: a window could miss a match
            elif op is C.BRANCH:
                for b in av[1]:
                    walk(b.data)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
                walk(av[2].data)
            elif op is C.SUBPATTERN:
                walk(av[-1].data)

    walk(_BADNESS_TREE.data)
    return width if ok and width <= 16 else None


_BAD_WIDTH = _badness_window()
# Past this many watched characters (accented text) checking line by line is cheaper: a window
# costs about as much as ``is_bad`` on 24 characters of a line.
_MIN_WINDOWS = 24
_CHARS_PER_WINDOW = 24


def needs_ftfy(text: str) -> bool:
    """Whether some line of ``text`` needs ftfy (a cheap whole-text test, never a false "no")."""
    if _WATCHED is not None and not holds_watched(text):
        return "&" in text and HTML_ENTITY_RE.search(text) is not None  # neither kind of character: as below
    if ftfy_triggered(text):
        return True
    if _BAD_WIDTH is None:
        return MOJIBAKE_CHARS.search(text) is not None
    w = _BAD_WIDTH
    limit = max(_MIN_WINDOWS, len(text) // _CHARS_PER_WINDOW)
    for n, m in enumerate(MOJIBAKE_CHARS.finditer(text)):
        if n >= limit:
            return True
        i = m.start()
        # a match containing position i lies within w-1 characters of it and within its line;
        # ^ (the regex's only anchor) may match at a window's start: a false "yes" at worst
        lo = max(0, i - w + 1)
        k = text.rfind("\n", lo, i)
        start = k + 1 if k >= 0 else lo
        k = text.find("\n", i, i + w)
        end = k + 1 if k >= 0 else min(len(text), i + w)
        if is_bad(text[start:end]):
            return True
    return False


def ftfy_may_change(text: str) -> bool:
    """True unless ``text`` certainly passes through ftfy (with this stage's config) unchanged.

    >>> ftfy_may_change("The Taliban\u2019s \u201ctakeover\u201d \u2014 AT&T")
    False
    >>> ftfy_may_change("The Taliban\u00e2\u0080\u0099s"), ftfy_may_change("AT&amp;T")
    (True, True)
    """
    if ftfy_triggered(text):
        return True
    return MOJIBAKE_CHARS.search(text) is not None and is_bad(text)

