"""Line rules tried only on lines holding their literals (repair/scan/lines.py) find what a full scan finds."""
from __future__ import annotations

import functools
import re
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from repair.scan.prefilter import odd_case
from repair.stages import normalise as N

ROOT = Path(__file__).resolve().parent.parent.parent


def _every_line_tried(normalise_pass, text: str):
    """What ``normalise_pass`` makes of ``text`` when its regex is tried at every line start (no filter)."""
    original = N.line_matches
    N.line_matches = lambda rx, lines, t: rx.finditer(t)
    try:
        return normalise_pass(text)
    finally:
        N.line_matches = original


@functools.lru_cache(maxsize=1)
def _line_rules_and_fragments() -> tuple[list, list[str]]:
    from repair.rules import load_rules

    rules = [r for r in load_rules([ROOT / "rules" / "normalise"]).for_stage("normalise") if r.get("kind") == "line"]
    frags = [ex.input for r in rules for ex in r.examples]
    frags += ["Tags: Kabul, Delhi", "The talks ended.", "Share this:", "name", "\u0130", "\u0131", "\u017f",
              "\n", "\n\n", " ", "Photo: AP", "stage", "\u00a0"]
    return rules, frags


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10_000), max_size=12))
def test_line_rules_try_only_lines_with_their_literals_and_find_the_same(picks):
    rules, frags = _line_rules_and_fragments()
    text = "".join(frags[i % len(frags)] + ("\n" if i % 3 else "") for i in picks)
    line_pass = N._LinePass(rules)
    assert line_pass(text) == _every_line_tried(line_pass, text)


def test_line_rules_still_remove_debris_among_clean_lines():
    rules, _ = _line_rules_and_fragments()
    line_pass = N._LinePass(rules)
    text = "Officials said on Tuesday that the plan would go ahead.\n\nThe vote is next week.\n"
    res = line_pass(text)
    assert res.changes == ()
    res = line_pass(text + "Source link\n")
    assert [c.rule for c in res.changes] == ["boilerplate.source-link"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ab", "b", "aa", "a", "ba", "abab", "x y", " ", "bb"]), min_size=1, max_size=4, unique=True),
       st.text(alphabet="abxy \n", max_size=60))
def test_literal_starts_by_find_are_the_automatons(cover, text):
    from repair.scan.lines import literal_starts
    from repair.scan.prefilter import Prefilter

    pf = Prefilter(tuple(sorted(cover)))
    assert literal_starts(pf, text) == pf.starts(text)


# --- heads: every match starts with one -------------------------------------------------------------

_HEAD_PATTERNS = [
    r"source link", r"(?:share|tweet)(?:[ \t]*\|[ \t]*share)*", r"don[\x27’]?t miss", r"(?:\[ad_\d+\][ \t]*)+",
    r"e-?mail[ \t]*\*", r"(?:related|more) (?:news|posts)?", r"x{0,2}y", r"(?=ab)ab+c", r"\bAb", r"[A-C]b",
    r"(?-i:A)b", r"(?:ab|a)?b", r"(ab|cd)\1", r"\d+ likes?", r"[^\n]{1,5}©", r"(?:ab)+c", r"Σa", r"K", r"(?:İ|a)b",
]
_HEAD_TEXT = st.lists(st.sampled_from(["a", "b", "c", "A", "B", "x", "y", "ab", "ababc", "source link", "Source Link", "share",
                                       "SHARE", "don’t miss", "dont miss", "[ad_1]", "email *", "e-mail*", "related ",
                                       "more news", " ", "\t", "|", "1", "\u00a9", "\u212a", "\u03c3", "\u03a3",
                                       "\u0130", "ſ", "\n", "tweet"]), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@example(r"(?:ab)+c", "xababc")
@example(r"x{0,2}y", "y")
@given(st.sampled_from(_HEAD_PATTERNS), _HEAD_TEXT)
def test_every_match_starts_with_a_head(pattern, text):
    from repair.scan.lines import line_heads

    heads = line_heads(pattern)
    if heads is None:
        return
    low = text.lower()
    if len(low) != len(text) or odd_case(low):
        return  # such text is always scanned in full (see line_matches)
    for m in re.finditer(pattern, text, re.I):
        if m.end() > m.start():
            assert low.startswith(heads, m.start()), (pattern, text, m)


def test_heads_are_told_only_when_they_can_be():
    from repair.scan.lines import line_heads

    assert line_heads(r"x{0,2}y") == ("xxy", "xy", "y")
    assert line_heads(r"(?:ab|a)?b") == ("ab", "abb", "b")
    assert line_heads(r"[A-C]b") == ("ab", "bb", "cb")
    assert line_heads(r"(?:\[ad_\d+\][ \t]*)+") == ("[ad_",)
    assert line_heads(r"(ab|cd)\1") == ("ab", "cd")
    for pattern in [r"\d+ likes?", r"[^\n]{1,5}©", r"(?-i:A)b", r"a?\w", r"(?:İ|a)b", r""]:
        assert line_heads(pattern) is None, pattern


# --- the filter: the lines it lets through hold every match --------------------------------------

_LINE_PATTERNS = [r"source link", r"(?:share|tweet)(?:[ \t]*,[ \t]*(?:share|tweet))*", r"\d+ likes?",
                  r"[^\n]{1,30}?[ \t]©[ \t]*[A-Z]\w*", r"[ \t]*indented", r"related(?: news)?:?", r"(?:ab)+c",
                  r"[ \t]tabbed", r" ?spaced"]
_LINE_TEXT = st.lists(st.sampled_from(["Source link", "SHARE, Tweet", "share", "12 likes", "Photo \u00a9 AP",
                                       "  indented", "\tindented", "Related News:", "ababc", "The talks ended.",
                                       "related", "\u00a0", " ", "\t", "\n", "\n\n", "x", "\u0130", "ſhare",
                                       "Tweet,share", "  tabbed", "\ttabbed", " spaced", "\t spaced"]), max_size=16).map("".join)


@settings(max_examples=400, deadline=None)
@example([r"(?:ab)+c"], "x\nababc\n", " \t")  # a head is what the group's first time spells
@example([r" ?spaced", r"[ \t]tabbed"], "\t spaced\n  tabbed", " \t")  # heads starting with a blank
@example([r"source link"], "Source link", " \t")  # the first line
@given(st.lists(st.sampled_from(_LINE_PATTERNS), min_size=1, max_size=4, unique=True), _LINE_TEXT,
       st.sampled_from([" \t\u00a0", " \t"]))
def test_line_matches_finds_what_finditer_finds(patterns, text, blanks):
    from repair.scan.lines import LineFilter, line_matches

    rx = re.compile(f"^[{blanks}]*(?:" + "|".join(f"(?P<r{i}>{p})" for i, p in enumerate(patterns))
                    + f")[{blanks}]*(?:\\n|\\Z)", re.I | re.M)
    lines = LineFilter.of(patterns, blanks)
    assert lines is not None
    found = [(m.span(), m.lastgroup) for m in line_matches(rx, lines, text)]
    assert found == [(m.span(), m.lastgroup) for m in rx.finditer(text)]


def test_the_filter_tries_only_lines_that_start_like_a_rule():
    from repair.scan.lines import LineFilter, line_matches

    lines = LineFilter.of(["source link", r"\d+ likes"], " ")
    tried = []

    class Spy:
        def match(self, text, start):
            tried.append(start)
            return None

    text = "The talks ended.\n  Source link\n12 likes\nSource of the leak.\nWe like this.\n"
    list(line_matches(Spy(), lines, text))  # type: ignore[arg-type]
    assert tried == [17, 31]  # " Source link" by its head, "12 likes" by its literal


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10_000), max_size=14))
def test_tail_rules_tried_only_on_lines_that_start_like_them_find_the_same(picks):
    from repair.rules import load_rules

    rules = [r for r in load_rules([ROOT / "rules" / "normalise"]).for_stage("normalise") if r.get("kind") == "tail"]
    frags = [ex.input for r in rules for ex in r.examples]
    frags += ["Leave a Reply", "Related Articles", "  related posts", "The talks ended. " * 3, "You may also like",
              "\u0131", "\n", "\n\n", "Leave a comment to Ann"]
    text = "".join(frags[i % len(frags)] + ("\n" if i % 3 else "") for i in picks)
    tail_pass = N._TailPass(rules)
    assert tail_pass(text) == _every_line_tried(tail_pass, text)
