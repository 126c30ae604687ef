"""Line rules tried only on lines holding their literals (repair/scan/lines.py) find what a full scan finds."""
from __future__ import annotations

import functools
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from repair.stages import normalise as N

ROOT = Path(__file__).resolve().parent.parent.parent


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
    fast = line_pass(text)
    original = N.line_matches
    N.line_matches = lambda rx, pf, t: rx.finditer(t)  # every line start tried
    try:
        slow = line_pass(text)
    finally:
        N.line_matches = original
    assert fast == slow


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
