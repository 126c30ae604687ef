"""The fast path: text that needs no repair skips the expensive work, and nothing else changes.

The ftfy pass calls ftfy only on lines one of its fixes could change. These tests hold the gate
to ftfy itself: every fix still happens, and the gate never hides a line ftfy would change.
"""
from __future__ import annotations

import functools
import itertools
import re
from pathlib import Path

import ftfy
import pytest
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from hypothesis import given, settings, strategies as st

from repair.stages import normalise as N
from repair.model import apply_changes
from repair.document import Document
from repair.pipeline import run_document
from repair.scan.prefilter import Folded, Prefilter, literal_cover

ROOT = Path(__file__).resolve().parent.parent


def _reference(text: str) -> str:
    """What the ftfy pass must produce: ftfy on every line, with no gate at all."""
    return "".join(ftfy.fix_and_explain(line, config=N._FTFY_CONFIG).text for line in N._lines(text))


# One text per ftfy fix that this stage's config leaves on; each must be changed.
NEEDS_FTFY = {
    "html-entity": "AT&amp;T said &#8220;no&#8221;",
    "mojibake-cp1252": "The Taliban\u00e2\u0080\u0099s takeover",
    "mojibake-sloppy-1252": "the group\u00e2\u20ac\u2122s leader",
    "mojibake-latin1-accent": "Caf\u00c3\u00a9 au lait",
    "mojibake-macroman": "Caf\u221a\u00a9 au lait",
    "mojibake-cp1251": "\u0432\u0402\u045a quoted \u0432\u0402\u045c",
    "c1-control": "price \u0080100",
    "ligature-fi": "\ufb01nance and \ufb02ow",
    "ligature-ij": "the \u0132ssel river",
    "ligature-dz": "\u01c4ako",
    "fullwidth": "\uff21\uff22\uff23 news",
    "halfwidth-katakana": "\uff71\uff72 text",
    "ideographic-space": "a\u3000b",
    "surrogate-pair": "smile \ud83d\ude00 ok",
    "terminal-escape": "\x1b[31mred\x1b[0m alert",
    "c0-control": "bell\x07 here",
    "deprecated-format-char": "a\u206ab",
    "bom-inside": "Ka\ufeffbul",
    "interlinear-annotation": "x\ufff9y",
}


@pytest.mark.parametrize("text", NEEDS_FTFY.values(), ids=NEEDS_FTFY.keys())
def test_each_ftfy_fix_still_happens(text):
    expected = _reference(text)
    assert expected != text, "the example must need ftfy"
    assert N.ftfy_may_change(text)
    res = N._ftfy_pass(text)
    assert res.text == expected
    assert apply_changes(text, res.changes) == expected
    assert all(c.rule.startswith("ftfy.") for c in res.changes)


CLEAN = [
    "The Taliban\u2019s \u201ctakeover\u201d \u2014 announced on Tuesday \u2026 was swift.",
    "AT&T and S&P 500 rose; Q&A at 5 p.m. \u2013 \u2018quoted\u2019 \u00b7 item",
    "plain ASCII text\nwith lines\n",
    "",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_typography_skips_ftfy(text, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("ftfy called on text it cannot change")

    monkeypatch.setattr(N.ftfy, "fix_and_explain", boom)
    assert not N.ftfy_may_change(text)
    assert N._ftfy_pass(text)[:2] == (text, ())  # text, changes (info is empty)


def test_the_mojibake_shortcut_is_active():
    # if ftfy's badness regex changed shape, the gate falls back to "any non-ASCII": still
    # correct, but slow; this test says so
    assert N._MOJIBAKE_CLASS is not None
    assert not N._MOJIBAKE_CHARS.search("\u2019\u201c\u201d\u2014\u2013\u2026\u00a0")


def _expand(s: str) -> set[str]:
    out, i = set(), 0
    while i < len(s):
        if i + 2 < len(s) and s[i + 1] == "-":
            out.update(chr(c) for c in range(ord(s[i]), ord(s[i + 2]) + 1))
            i += 3
        else:
            out.add(s[i])
            i += 1
    return out


# every character ftfy's badness regex knows, plus ASCII of every class, minus those the gate watches
_KNOWN = set().union(*(_expand(v) for v in MOJIBAKE_CATEGORIES.values())) | set("aZ .,?!1_\n\t")
UNWATCHED = sorted(c for c in _KNOWN if not N._MOJIBAKE_CHARS.search(c))


# Greek and Cyrillic letters enter the badness regex through two categories; a few stand for all
# of them in the 3-character check (those the regex names literally are watched anyway)
_LETTERS = _expand(MOJIBAKE_CATEGORIES["upper_common"] + MOJIBAKE_CATEGORIES["lower_common"])
UNWATCHED_3 = [c for c in UNWATCHED if c not in _LETTERS] + [c for c in "\u0391\u03b1\u0416\u0436\u0386\u03c0\u045e\u0402"
                                                               if c in UNWATCHED]


def _never_bad(strings) -> None:
    # one search over all of them, newline-separated: a match inside any string is found
    # (the regex has no lookarounds and its only anchor, ^, needs a watched character)
    joined = "\n".join(strings)
    m = BADNESS_RE.search(joined)
    assert m is None, f"is_bad would be true for {joined[max(0, m.start() - 4):m.end() + 4]!r}"


def test_unwatched_characters_are_never_bad_exhaustively():
    """All strings of up to 2 unwatched characters, and of 3 over a representative set."""
    assert len(UNWATCHED) > 20
    _never_bad(map("".join, itertools.product(UNWATCHED, repeat=2)))
    _never_bad(map("".join, itertools.product(UNWATCHED_3, repeat=3)))
    assert not any(is_bad(c) for c in UNWATCHED)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(UNWATCHED), max_size=40))
def test_unwatched_characters_are_never_bad(text):
    assert not is_bad(text)


_MIXED = st.text(alphabet=st.one_of(
    st.sampled_from(sorted(_KNOWN)),
    st.sampled_from("&#;amp\u00c3\u00a9\u00e2\u0080\u0099\ufb01\uff21\x1b[\x07\ufeff\u3000"),
    st.characters(blacklist_categories=("Cs",)),
), max_size=60)


@settings(max_examples=400, deadline=None)
@given(_MIXED)
def test_gated_ftfy_pass_equals_ungated_ftfy(text):
    assert N._ftfy_pass(text).text == _reference(text)


def test_pipeline_on_clean_text_makes_no_changes_and_keeps_the_text(cfg):
    text = "Officials said on Tuesday that the \u201cplan\u201d \u2014 worth $2 billion \u2014 would go ahead.\n"
    doc = run_document(Document.from_text(text), cfg, ["normalise"])
    assert doc.changes == [] and doc.text == text


_LINES = st.lists(st.one_of(st.sampled_from(list(NEEDS_FTFY.values()) + CLEAN), _MIXED), max_size=6).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(_LINES)
def test_whole_text_gate_never_hides_a_line_that_needs_ftfy(text):
    if any(N.ftfy_may_change(line) for line in N._lines(text)):
        assert N._needs_ftfy(text)


def test_whole_text_gate_respects_line_starts():
    # "Ã " is bad at the start of a line (ftfy's ^ anchor) but not after other text on the line
    line = "\u00c3 la carte"
    assert N.ftfy_may_change(line)
    assert N._needs_ftfy("A first line.\n" + line)


_RULE_TEXT = st.text(alphabet=st.sampled_from(list("ab .\n\t\r\u00a0\u200b\u2028\u3000\ufeff\u2009\x85")), max_size=50)


@functools.lru_cache(maxsize=1)
def _replace_passes() -> list[tuple]:
    """(fast, slow) pass pairs for the built-in replace rules: with and without literal prefilters."""
    from repair.rules import load_rules

    rules = [r for r in load_rules([ROOT / "rules" / "normalise"]).for_stage("normalise")
             if r.get("kind") == "replace"]
    by_order: dict[int, list] = {}
    for r in rules:
        by_order.setdefault(int(r.get("order", 50)), []).append(r)
    pairs = []
    for order in sorted(by_order):
        fast = N._replace_pass(by_order[order])
        original = N.Prefilter.of
        N.Prefilter.of = classmethod(lambda cls, rx: cls(None))  # the same pass, every rule scanned
        try:
            slow = N._replace_pass(by_order[order])
        finally:
            N.Prefilter.of = original
        pairs.append((fast, slow))
    assert len(pairs) >= 2
    return pairs


@settings(max_examples=300, deadline=None)
@given(_RULE_TEXT)
def test_literal_covers_change_nothing(text):
    cur = text
    for fast, slow in _replace_passes():
        assert fast(cur) == slow(cur)
        cur = slow(cur).text


@pytest.mark.parametrize("pattern, flags, expected", [
    (r"(?<=\S)\t+(?=\S)", 0, {"\t"}),
    (r"(?<=\S) {2,}(?=\S)", 0, {"  "}),
    (r"abc", 0, {"abc"}),
    (r"#(?:yz|w)", 0, {"#"}),
    (r"[\u00a0\u3000]", 0, {"\u00a0", "\u3000"}),
    (r"\r\n?|\u2028", 0, {"\r", "\u2028"}),
    (r"foo", re.I, {"foo"}),
    (r"\bhowever(?= [a-z])", re.I, {"however"}),
    (r"Q", re.I, None),
    (r"[a-z]+", 0, None),
    (r"[ \t]+$", re.M, None),
    (r"\d{3}", 0, None),
])
def test_literal_cover(pattern, flags, expected):
    found = literal_cover(re.compile(pattern, flags))
    cover = found[0] if found is not None else None
    assert (set(cover) if cover is not None else None) == expected
    if cover is not None:  # the cover is necessary: every match holds one of its strings
        for sample in ("abc", "x yz", "\tq\t", "a  b", "\u00a0", "\r\n", "\u2028", "xw"):
            for m in re.finditer(pattern, sample, flags):
                assert any(e in m.group(0).lower() for e in cover)


_CASE_PATTERNS = [r"\b(two|three|several) a long time\b", r"however(?= [a-z])", r"\bStated by\b", r"ISIS-K\b",
                  r"(?:(?<=^)|(?<=[.!?]\s))however", r"in the past\b"]
_CASE_TEXT = st.text(alphabet=st.sampled_from(list("aAtTwWoOhHeEvVrRsSiInNpPkK -.\n") +
                                              ["\u0131", "\u017f", "\u0130", "\u212a", "\u00e9"]), max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_CASE_PATTERNS), st.booleans(), st.lists(_CASE_TEXT, max_size=3),
       st.sampled_from(["two a long time", "HOWEVER it", "stated by", "isis-k", "In The Past"]))
def test_prefilter_never_skips_a_text_with_a_match(pattern, ignore_case, parts, planted):
    rx = re.compile(pattern, re.I if ignore_case else 0)
    text = planted.join(parts) if len(parts) > 1 else "".join(parts)
    pf = Prefilter.of(rx)
    if rx.search(text):
        assert pf.may_match(text) and pf.may_match(Folded.of(text))


def test_prefilter_skips_texts_without_the_literal():
    pf = Prefilter.of(re.compile(r"\b(two|three|several) a long time\b", re.I))
    assert pf.cover == (" a long time",) and pf.folded
    assert not pf.may_match("They waited two decades.")
    assert pf.may_match("They waited TWO A LONG TIME.")
    # the dotless i matches "i" case-insensitively but does not lower-case to it: no shortcut then
    assert Prefilter.of(re.compile("stated", re.I)).may_match("ST\u0130TED") is True
    assert Prefilter.of(re.compile("is", re.I)).may_match("\u0131s") is True


_SPAN = st.tuples(st.integers(0, 30), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_SPAN, max_size=25), st.lists(_SPAN, min_size=1, max_size=10))
def test_span_index_finds_exactly_the_overlapping_spans(spans, queries):
    from repair.spans import overlap_span, Spans

    spans = sorted(spans)
    index = Spans(spans)
    for s, e in queries:
        assert index.overlapping(s, e) == [j for j, t in enumerate(spans) if overlap_span(t, (s, e))]


@settings(max_examples=300, deadline=None)
@given(st.lists(_SPAN, max_size=40))
def test_placed_spans_clash_exactly_like_testing_them_all(candidates):
    from repair.spans import overlap_span, Placed

    placed, naive = Placed(), []
    for s, e in candidates:
        clash = any(overlap_span(t, (s, e)) for t in naive)
        assert placed.clashes(s, e) == clash
        if not clash:
            placed.add(s, e)
            naive.append((s, e))


@functools.lru_cache(maxsize=1)
def _line_rules_and_fragments() -> tuple[list, list[str]]:
    from repair.rules import load_rules

    rules = [r for r in load_rules([ROOT / "rules" / "normalise"]).for_stage("normalise") if r.get("kind") == "line"]
    frags = [ex.input for r in rules for ex in r.examples]
    frags += ["Tags: Kabul, Delhi", "The talks ended.", "Share this:", "name", "\u0130", "\u0131", "\u017f", "\n", "\n\n",
              " ", "Photo: AP", "stage", "\u00a0"]
    return rules, frags


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10_000), max_size=12))
def test_line_rules_try_only_lines_with_their_literals_and_find_the_same(picks):
    rules, frags = _line_rules_and_fragments()
    text = "".join(frags[i % len(frags)] + ("\n" if i % 3 else "") for i in picks)
    line_pass = N._line_pass(rules)
    fast = line_pass(text)
    original = N._line_matches
    N._line_matches = lambda rx, pf, t: rx.finditer(t)  # every line start tried
    try:
        slow = line_pass(text)
    finally:
        N._line_matches = original
    assert fast == slow


def test_line_rules_still_remove_debris_among_clean_lines():
    rules, _ = _line_rules_and_fragments()
    line_pass = N._line_pass(rules)
    text = "Officials said on Tuesday that the plan would go ahead.\n\nThe vote is next week.\n"
    res = line_pass(text)
    assert res.changes == ()
    res = line_pass(text + "Source link\n")
    assert [c.rule for c in res.changes] == ["boilerplate.source-link"]
