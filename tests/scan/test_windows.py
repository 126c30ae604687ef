"""Scans narrowed to the windows where a match can start (repair/scan/windows.py) find what finditer finds."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from repair.scan.prefilter import literal_cover, literal_lead
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


def _lead_spots(strings: frozenset[str], folded: bool, text: str) -> list[tuple[int, int]]:
    hay = text.lower()  # as detect looks for them: in the lower-cased text (more spots than needed is fine)
    return [(m.start(), len(s)) for s in strings for m in re.finditer(f"(?={re.escape(s.lower())})", hay)]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([r"\b(?:stated|said) by (?:the )?[a-z]+|[,.]” (?:told|added) (?:[A-Z][a-z]+ ){1,3}",
                        r"\b(play|plays|played) (a|an|the) ((?:[a-z]+ )?)purpose\b",
                        r"\b(the|a|any) (?:2nd|2d)(?=[,.]| of\b)", r"(?<=[a-z] )[a-z]{0,2}x{1,3} said[a-z]*",
                        r"(?i)\bsaid (?:the )?[a-z]+", r"(?i)\b(the|a|an) \1\b", r"\b(not|never) but(?= [a-z])"]),
       st.text(alphabet=st.sampled_from(list("the a an ys played purpose said by told added ,.” 2nd xX Tom Ann")),
               max_size=80))
def test_finditer_after_a_lead_is_finditer(pattern, text):
    # an unbounded pattern whose matches start a bounded stretch before one of a few strings (literal_lead)
    rx = re.compile(pattern)
    gate, strings = scan_gate(rx, False, True)
    assert gate.cover and gate.width is None and gate.lead is not None
    spots = _lead_spots(strings, gate.folded, text)
    expected = [m.span() for m in rx.finditer(text)]
    assert [m.span() for m in finditer(rx, text, spots, None, gate.lead)] == expected
    assert [m.span() for m in tried(rx, text, sorted({(max(0, p - gate.lead), p) for p, _ in spots}))] == expected


def test_no_lead_before_an_unbounded_stretch():
    assert literal_lead(re.compile(r"\b[A-Z][a-z ]+ endured \w+")) is None  # words before " endured "
    assert literal_lead(re.compile(r"\b[A-Z].+ endured \w+")) is None  # anything before it
    assert literal_lead(re.compile(r"(?:ab|c)x+")) is None  # "c" is too short to look for
    assert literal_lead(re.compile(r"\bsaid by [a-z]+|[^x]+ endured")) is None  # one alternative is unbounded
    gate = scan_gate(re.compile(r"\b[A-Z][a-z ]+ endured \w+"), False, True)[0]
    assert gate.lead is None and not gate.word


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([r"\b[A-Z][a-z]+ endured \w+",
                        r"\b(the|its|US|[A-Z][a-z]+’s|[A-Z][a-z]+'s) endured (?=[a-z]+)",
                        r"\b(new|virus|\d[\d,]*) circumstances\b",
                        r"(?:[a-z]\w*|said) (?:by|to) the\b|\d+ endured"]),
       st.lists(st.tuples(st.sampled_from(["ab", "Aa", "Tom’s", "Ann's", "US", "its", "endured", "circumstances", "new",
                                           "12,3", "4", "said", "by", "to", "the", "x-Tom", "aTom’s"]),
                          st.sampled_from([" ", " ", "\n", "\t", ", ", "", "  "])), max_size=16)
       .map(lambda words: "".join(w + sep for w, sep in words)))
def test_finditer_in_the_word_before_a_string_is_finditer(pattern, text):
    # unbounded before its strings, but no space nor line break there: a match starts in the word before one
    rx = re.compile(pattern)
    gate, strings = scan_gate(rx, False, True)
    assert gate.cover and gate.width is None and gate.lead is None and gate.word
    spots = _lead_spots(strings, gate.folded, text)
    expected = [m.span() for m in rx.finditer(text)]
    assert [m.span() for m in finditer(rx, text, spots, None, None, True)] == expected
