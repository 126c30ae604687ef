"""detect's shortcuts change nothing: scans skipped or narrowed by literals find what full scans find.

detect runs a pattern rule only where the literals every match contains occur (see ``_gate`` and
``_finditer`` in repair/detect.py). These tests compare it with the same rules scanned in full.
"""
from __future__ import annotations

import dataclasses
import functools
import re

from hypothesis import given, settings, strategies as st

from repair import words
from repair.stages import detect as D
from repair.scan.prefilter import Prefilter, literal_cover
from repair.rules import load_rules


@functools.lru_cache(maxsize=1)
def _compiled() -> tuple[D._Compiled, D._Compiled]:
    """(as detect runs the built-in rules, the same with every literal shortcut off but ``needs``)."""
    fast = D.compile_rules(load_rules())
    slow = dataclasses.replace(fast, gates=tuple(D._Gate(needs=g.needs) for g in fast.gates))
    return fast, slow


@functools.lru_cache(maxsize=1)
def _pieces() -> list[str]:
    """Rule example inputs: text that holds the rules' literals and matches."""
    return sorted({ex.input for r in load_rules().for_stage("detect") for ex in r.examples})


def _key(hits: list[D._Hit]) -> list[tuple]:
    return [(h.start, h.end, h.entry.rule, h.entry.phrase, h.after) for h in hits]


_ODD = ["\u0130", "\u017f", "\u212a", "\u03a3", "\u00a0", "\u2009", "\u201c", "\u201d", "K", "Okay", "the the",
        "a a", " ", "\n", ". ", "Nineteen Nineties"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_ODD), st.integers(0, 10_000)), min_size=1, max_size=8))
def test_shortcuts_find_what_full_scans_find(parts):
    pieces = _pieces()
    text = "".join(p if isinstance(p, str) else pieces[p % len(pieces)] for p in parts)
    fast, slow = _compiled()
    assert _key(D._candidates(text, fast)) == _key(D._candidates(text, slow))


def test_shortcuts_on_the_rule_examples_upper_and_lower_case():
    fast, slow = _compiled()
    for text in _pieces():
        for t in (text, text.upper(), text.lower(), text.replace(" ", "\u00a0")):
            assert _key(D._candidates(t, fast)) == _key(D._candidates(t, slow)), t


def test_some_scans_are_narrowed():
    fast, _ = _compiled()
    assert sum(g.cover for g in fast.gates) >= 10
    assert any(g.width is not None for g in fast.gates)


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
    width = D._gate(rx, False, True)[0].width or 20
    expected = [m.span() for m in rx.finditer(text)]
    assert [m.span() for m in D._finditer(rx, text, _spots(rx, text), width)] == expected
    assert [m.span() for m in D._tried(rx, text, sorted({(max(0, p + k - width), p)
                                                          for p, k in _spots(rx, text)}))] == expected


def test_windows_of_literals_of_different_lengths():
    # "b" (at 7) lets a match start 6 characters before it, earlier than "abcde" (at 6) does
    rx = re.compile(r".{6}b|abcde")
    text = "qqqqqqabcde"
    windows = sorted({(max(0, p + k - 7), p) for p, k in [(6, 5), (7, 1)]})
    assert [m.span() for m in D._tried(rx, text, windows)] == [m.span() for m in rx.finditer(text)] == [(1, 8)]


def test_backreference_cover_and_starts():
    found = literal_cover(re.compile(r"\b(the|a) \1\b"))
    assert found == (frozenset({"the the", "a a"}), False)
    pf = Prefilter.of(re.compile(r"share this|share"))
    assert pf.cover == ("share",)  # "share this" holds "share": it adds nothing
    assert pf.starts("share and share") == [0, 10]


_DECADE_WORDS = ["Nineteen", "nineteen", "NINETEEN", "Seventeen", "Eighteen", "teen", "Nineties", "Tens", "tens",
                 "Eighties", " ", "-", "x", "\u0130", "\u017f", "Nine", "Seven", "teen-", "fifteen"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_DECADE_WORDS), max_size=8))
def test_decades_tried_at_teen_finds_what_finditer_finds(words):
    from repair.tells import spelling

    text = "".join(words)
    assert [m.span() for m in spelling._decade_matches(text)] == [m.span() for m in spelling._DECADE.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aZ1 ,.!?]\t\n(\u201c\u201d") + ["He said", "They wrote", "\u201c We"]),
                max_size=40).map("".join))
def test_quote_spacing_near_quotes_is_finditer(text):
    from repair.tells import signals

    expected = [(m.start(), m.end()) for m in signals._QUOTE_SPACING.finditer(text)]
    assert [(s, e) for s, e, _ in signals.quote_spacing(text)] == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", "1", "_", "é", "'", "\u2019", " ", "-", "\n", "don't", "''"]), max_size=30)
       .map("".join))
def test_word_count_is_findall(text):
    assert words.count(text) == len(words.WORD.findall(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["the", "a", "an", "and", "or", "its", "their", "our", "whose", ".", " ", "\t", "\n",
                                 "\n\n", "\u201d", '"', "\u201c", "A", "x", "'", "-"]), max_size=25).map("".join))
def test_dangling_end_near_its_anchors_is_finditer(text):
    from repair.tells import signals

    expected = [m.span() for m in signals._DANGLING.finditer(text)]
    assert [(s, e) for s, e, _ in signals.dangling_end(text)] == expected
