"""Scans narrowed to the windows where a match can start (repair/scan/windows.py) find what finditer finds."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from repair.scan.prefilter import literal_cover
from repair.scan.windows import finditer, scan_gate, tried


def _spots(rx: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    strings, folded = literal_cover(rx)  # type: ignore[misc]
    hay = text.lower() if folded else text
    return [(m.start(), len(s)) for s in strings for m in re.finditer(f"(?={re.escape(s)})", hay)]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([r"\b(the|a|an) \1\b", r"\bround (?=\d)", r"[,.] \u201d[A-Za-z]|[A-Za-z] \u201c [A-Za-z]",
                        r"(?:abc|bcd)x?", r"\b(?:a|an) (?:lot|bit)(?: of)?\b"]),
       st.text(alphabet=st.sampled_from(list("the an a round 1 xbcd,.\u201c\u201dlotbiof")), max_size=60))
def test_finditer_near_literals_is_finditer(pattern, text):
    rx = re.compile(pattern)
    width = scan_gate(rx, False, True)[0].width or 20
    expected = [m.span() for m in rx.finditer(text)]
    assert [m.span() for m in finditer(rx, text, _spots(rx, text), width)] == expected
    assert [m.span() for m in tried(rx, text, sorted({(max(0, p + k - width), p)
                                                          for p, k in _spots(rx, text)}))] == expected


def test_windows_of_literals_of_different_lengths():
    # "b" (at 7) lets a match start 6 characters before it, earlier than "abcde" (at 6) does
    rx = re.compile(r".{6}b|abcde")
    text = "qqqqqqabcde"
    windows = sorted({(max(0, p + k - 7), p) for p, k in [(6, 5), (7, 1)]})
    assert [m.span() for m in tried(rx, text, windows)] == [m.span() for m in rx.finditer(text)] == [(1, 8)]
