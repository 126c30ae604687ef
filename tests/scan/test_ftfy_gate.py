"""The ftfy gate (repair/scan/ftfy_gate.py): text that needs no repair skips ftfy, and nothing else changes.

The ftfy pass calls ftfy only on lines one of its fixes could change. These tests hold the gate
to ftfy itself: every fix still happens, and the gate never hides a line ftfy would change.
"""
from __future__ import annotations

import itertools

import ftfy
import pytest
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES, is_bad
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.document import Document
from repair.model import apply_changes
from repair.pipeline import run_document
from repair.scan import ftfy_gate as G
from repair.stages import normalise as N


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
    assert G.ftfy_may_change(text)
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
    assert not G.ftfy_may_change(text)
    assert N._ftfy_pass(text)[:2] == (text, ())  # text, changes (info is empty)


def test_the_mojibake_shortcut_is_active():
    # if ftfy's badness regex changed shape, the gate falls back to "any non-ASCII": still
    # correct, but slow; this test says so
    assert G.MOJIBAKE_CLASS is not None
    assert not G.MOJIBAKE_CHARS.search("\u2019\u201c\u201d\u2014\u2013\u2026\u00a0")


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
UNWATCHED = sorted(c for c in _KNOWN if not G.MOJIBAKE_CHARS.search(c))


# Greek and Cyrillic letters enter the badness regex through two categories; a few stand for all
# of them in the 3-character check (those the regex names literally are watched anyway)
_LETTERS = _expand(MOJIBAKE_CATEGORIES["upper_common"] + MOJIBAKE_CATEGORIES["lower_common"])
_GREEK_CYRILLIC = "\u0391\u03b1\u0416\u0436\u0386\u03c0\u045e\u0402"
UNWATCHED_3 = [c for c in UNWATCHED if c not in _LETTERS] + [c for c in _GREEK_CYRILLIC if c in UNWATCHED]


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
    if any(G.ftfy_may_change(line) for line in N._lines(text)):
        assert G.needs_ftfy(text)


def test_whole_text_gate_respects_line_starts():
    # "Ã " is bad at the start of a line (ftfy's ^ anchor) but not after other text on the line
    line = "\u00c3 la carte"
    assert G.ftfy_may_change(line)
    assert G.needs_ftfy("A first line.\n" + line)


_SAMPLES = [*NEEDS_FTFY.values(), *CLEAN, "a&b", "&amp", "x\u00e9y", "\u00c3", "\u2019\u00a0", "\x01", "\u0394"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_SAMPLES), max_size=5), st.text(max_size=12))
def test_the_one_scan_shortcut_answers_as_the_two_tests(picks, noise):
    """needs_ftfy's first scan (for either kind of watched character) says what the full test says."""
    text = "\n".join(picks) + noise
    watched = G._WATCHED
    assert watched is not None
    try:
        G._WATCHED = None  # the full test alone
        slow = G.needs_ftfy(text)
    finally:
        G._WATCHED = watched
    assert G.needs_ftfy(text) == slow
    assert (watched.search(text) is None) == (G._FTFY_CHARS.search(text) is None and G.MOJIBAKE_CHARS.search(text) is None)


# ASCII (with controls), Latin-1 (watched and not), characters beyond (curly quotes, mojibake parts, ligatures), a
# lone surrogate
_WATCH_TEXT = st.lists(st.sampled_from(["a", " ", "\n", "\t", "\x00", "\x0b", "\x1b", "\x7f", "\x85", "\xa0", "\xa9",
                                        "\xc3", "\xe9", "\xff", "\u2019", "\u201c", "\u2014", "\u20ac", "\u0432",
                                        "\ufb01", "\uff21", "\U0001f600", "\ud800", "caf\u00e9"]), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(_WATCH_TEXT)
def test_holds_watched_is_the_regex_scan(text):
    assert G.holds_watched(text) == (G._WATCHED.search(text) is not None)


@pytest.mark.parametrize("text", ["", "plain", "It\u2019s \u201cdone\u201d \u2014 1\u20132", "\u2019" * 3000 + "\x01",
                                  "\u2019" * 3000 + "\u00e9", "\u2019" * 3000, "x\x7f"])
def test_holds_watched_edge_cases(text):
    assert G.holds_watched(text) == (G._WATCHED.search(text) is not None)
