"""Literal covers (repair/scan/prefilter.py): a scan skipped because none of a pattern's literals occurs
would have found nothing."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.scan.prefilter import _ODD_CHARS, Folded, Prefilter, literal_cover
from repair.stages import normalise as N

ROOT = Path(__file__).resolve().parent.parent.parent


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
        fast = N._ReplacePass(by_order[order])
        original = N.Prefilter.of
        N.Prefilter.of = classmethod(lambda cls, rx, **kw: cls(None))  # the same pass, every rule scanned
        try:
            slow = N._ReplacePass(by_order[order])
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


def test_backreference_cover_and_starts():
    found = literal_cover(re.compile(r"\b(the|a) \1\b"))
    assert found == (frozenset({"the the", "a a"}), False)
    pf = Prefilter.of(re.compile(r"share this|share"))
    assert pf.cover == ("share",)  # "share this" holds "share": it adds nothing
    assert pf.starts("share and share") == [0, 10]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("a \t\n\r\x85\u2028")), max_size=30),
       st.sampled_from([r"[ \t]+$", r" $", r"a[ \t]{2,}$", r"\t+$"]))
def test_line_end_covers_skip_only_texts_without_a_match(text, pattern):
    rx = re.compile(pattern, re.M)
    pf = Prefilter.of(rx, line_end=True)
    assert pf.ends or pattern == r"\t+$"  # that one has a literal cover ("\t") already
    if not pf.may_match(text):
        assert rx.search(text) is None


# covers of single characters beyond ASCII (looked up in the text's set of them), mixed with other strings; texts
# with them, a lone surrogate (no UTF-8: the scan) and much text beyond ASCII (no set: the scan)
@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["\xa0", "\u200b", "\u3000", "\t", "ab", "’", "\n"]), min_size=1, max_size=4),
       st.lists(st.sampled_from(["a", "b", " ", "\t", "\xa0", "\u200b", "\u3000", "’", "\ud800", "\n", "ж" * 2100]),
                max_size=12).map("".join), st.sampled_from([(), ("\t", " ")]))
def test_single_characters_beyond_ascii_found_as_a_scan_finds_them(cover, text, ends):
    pf = Prefilter(tuple(sorted(set(cover))), False, ends)
    simple = any(e in text for e in pf.cover) or (bool(ends) and text.endswith(ends))
    assert pf.may_match(text) is simple and pf.may_match(Folded.of(text)) is simple


def _folded_simply(text: str) -> Folded:
    """:meth:`Folded.of` as first written: lower-case the text, then look for the odd characters."""
    low = text.lower()
    if len(low) != len(text):
        return Folded(text, low, True)
    return Folded(text, low, any(c in low for c in _ODD_CHARS))


# ASCII, Latin-1 and other characters that keep their case, ones that lower-case to another (É, Σ, K the Kelvin sign
# to ASCII), to two (İ), odd ones (ſ, µ, ı), a lone surrogate
_FOLD_TEXT = st.lists(st.sampled_from(["a", "B", " ", "\n", "’", "“", "—", "\xa0", "é", "É", "Σ", "σ", "\u212a", "İ",
                                       "ſ", "µ", "ı", "ß", "\u0301", "\ud800", "Don’t", "CAFÉ"]), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(_FOLD_TEXT)
def test_folded_is_lower_casing(text):
    assert Folded.of(text) == _folded_simply(text)


@pytest.mark.parametrize("text", ["", "plain ASCII", "It’s “done” — 1–2\xa0km", "ſ" + "’" * 3000, "é" * 5000 + "A"])
def test_folded_edge_cases(text):
    assert Folded.of(text) == _folded_simply(text)
