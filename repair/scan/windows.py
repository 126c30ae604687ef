"""Run a regex scan only where it can match: skip it on a text without its literals, or try it only near them.

detect runs some forty pattern and builtin scans per text. Most cannot match most texts: each
match contains one of a few literals (derived from the regex by
:func:`~repair.scan.prefilter.literal_cover`, which reads it with CPython's own parser), so a text
without them skips the scan (:class:`ScanGate`), and a pattern whose matches are short is tried
only within reach of a literal (:func:`finditer`, :func:`tried`). Both find exactly what
``rx.finditer(text)`` finds; tests/scan/test_windows.py and tests/test_detect_fastpath.py check it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from repair.scan.prefilter import WORD_ENDS, literal_cover, literal_lead, match_width


@dataclass(frozen=True, slots=True)
class ScanGate:
    """When a pattern or builtin rule is worth running on a text (every test is a necessary condition)."""

    needs: bool = False  # the rule lists ``needs``: it runs only if one of them occurs
    cover: bool = False  # every match contains one of some literals (derived from the regex): run only near them
    folded: bool = False  # those literals are compared case-blind (no use on text with odd case characters)
    width: int | None = None  # the longest match, when bounded and never empty: try only close to a literal
    lead: int | None = None  # else, when a match (never empty) starts at most this far before one of them
    word: bool = False  # else, whether a match starts in the run of characters other than a space or a line
    # break that ends where one of them starts (see repair.scan.prefilter.literal_lead)


MIN_LITERAL = 3  # shorter ASCII literals are in nearly every text


def scan_gate(rx: re.Pattern[str] | None, needs: bool, windows: bool) -> tuple[ScanGate, frozenset[str]]:
    """What lets a text skip a scan: its declared ``needs`` and the literals every match of ``rx``
    contains (from :func:`~repair.scan.prefilter.literal_cover`), which are returned too.

    The literals are looked for in the lower-cased text: a case-sensitive literal is used only if
    lower-casing maps each of its characters to one character, context-free (not a capital sigma).
    """
    found = literal_cover(rx) if rx is not None else None
    if found is None or any(len(e) < MIN_LITERAL and e.isascii() for e in found[0]) or (
            not found[1] and not all(len(ch.lower()) == 1 and ch != "\u03a3" for e in found[0] for ch in e)):
        # none, or " a", ". " (in every text, and looking for them costs), or a literal whose case does not fold
        # one to one: perhaps a match starts close to other strings
        led = _lead_gate(rx, needs) if windows and rx is not None and match_width(rx)[0] > 0 else None
        return led if led is not None else (ScanGate(needs), frozenset())
    strings, folded = found
    lo, hi = match_width(rx)  # type: ignore[arg-type]
    width = hi if windows and lo > 0 else None
    if windows and lo > 0:
        led = _lead_gate(rx, needs)  # type: ignore[arg-type]
        # a match starts within ``lead`` of strings of its first items: fewer places to try than within
        # ``width`` of the cover (" but" is in many texts, "not but" in few)
        if led is not None and (width is None if led[0].lead is None
                                else width is None or led[0].lead < width - min(len(e) for e in strings)):
            return led
    return ScanGate(needs, True, folded, width), strings


def _lead_gate(rx: re.Pattern[str], needs: bool) -> tuple[ScanGate, frozenset[str]] | None:
    """The gate of a pattern whose matches are unbounded (or have no literal cover) but start within a
    bounded stretch before one of a few strings (:func:`~repair.scan.prefilter.literal_lead`)."""
    found = literal_lead(rx)
    if found is None:
        return None
    strings, folded, lead = found
    if any(len(e) < MIN_LITERAL and e.isascii() for e in strings):
        return None
    if not folded and not all(len(ch.lower()) == 1 and ch != "\u03a3" for e in strings for ch in e):
        return None
    return ScanGate(needs, True, folded, None, lead, lead is None), strings


TRY_COST = 16  # one rx.match call costs about as much as scanning this many characters


def finditer(rx: re.Pattern[str], text: str, spots: list[tuple[int, int]] | None,
             width: int | None, lead: int | None = None, word: bool = False) -> Iterator[re.Match[str]]:
    """The matches of ``rx.finditer(text)``, looked for only where one can start.

    ``spots`` are the (start, length) of literals every match contains (None: unknown) and
    ``width`` the longest match (None: unbounded): a match then starts at most ``width - length``
    characters before one of them, and nowhere else. Trying ``rx.match`` at those positions, in
    order and never inside the previous match, finds what ``finditer`` finds; when they are many,
    one scan from the first of them is cheaper (and finds the same: no match starts before it).
    Without ``width``, ``lead`` (when known) bounds how far before one of those strings a match starts;
    without either, ``word``: a match starts after the last space or line break before one of them.
    """
    if spots is None or (width is None and lead is None and not word):
        return rx.finditer(text)
    if not spots:
        return iter(())  # no literal: no match
    if width is not None:
        windows = sorted({(max(0, p + k - width), p) for p, k in spots})  # (first, last) possible start
    elif lead is not None:
        windows = sorted({(max(0, p - lead), p) for p, _ in spots})
    else:
        windows = sorted({(max(text.rfind(c, 0, p) for c in WORD_ENDS) + 1, p) for p, _ in spots})
    first = windows[0][0]
    if sum(hi - lo + 1 for lo, hi in windows) * TRY_COST > len(text) - first:
        return rx.finditer(text, first)
    return tried(rx, text, windows)


def tried(rx: re.Pattern[str], text: str, windows: list[tuple[int, int]]) -> Iterator[re.Match[str]]:
    """The matches of ``rx.finditer(text)`` when every match starts in one of ``windows``.

    ``windows`` are (first, last) possible starts, sorted by first; ``rx`` never matches the empty
    string. ``rx.match`` is tried at those positions in order, never inside the previous match,
    which finds what ``finditer`` finds (its leftmost match from a position starts in a window).

    >>> [m.span() for m in tried(re.compile(r"ab+"), "abbxab ab", [(0, 1), (4, 4), (6, 8)])]
    [(0, 3), (4, 6), (7, 9)]
    """
    pos = 0  # no match may start before this (tried already, or inside the previous match)
    for lo, hi in windows:  # sorted by lo: a position skipped here is in no later window
        pos = max(pos, lo)
        while pos <= hi:
            m = rx.match(text, pos)
            if m is None:
                pos += 1
            else:
                yield m
                pos = m.end()
