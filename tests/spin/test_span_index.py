"""The automaton scan (SpanIndex) finds exactly the spans of the token-by-token lookup (find_spans)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from repair.spin.decode import MIN_P_CHANGE, SpanIndex, find_spans, name_like, scan
from repair.spin.table import Entry, Table

_TABLE = Table("t", {
    "state division": Entry({"state department": 3}, pairs=3),
    "state": Entry({"country": 1}, kept=9),
    "division": Entry({"department": 2}, kept=1),
    "tips on how to": Entry({"how to": 4}, pairs=4),
    "tips on": Entry({"advice on": 1}, kept=3),
    "metropolis": Entry({"city": 5}, pairs=5),
    "the": Entry({"a": 1}, kept=200, in_originals=400),  # weighs nothing: never evidence, never proposed
    "half - time": Entry({"half-time": 2}, pairs=2),
    "it's": Entry({"it is": 2}),
    "'quoted": Entry({"x": 1}),  # starts with punctuation: find_spans never starts a span there
    "empty": Entry({}),  # maps to nothing
    "οδος": Entry({"δρομος": 3}, pairs=3),  # a final sigma: "ΟΔΟΣ." lower-cases to "οδοσ."
    "σ σοφια": Entry({"σοφια": 2}, pairs=2),
}, pairs=10, spun_words=5000, original_words=5000)

_PIECES = ["state", "State", "STATE", "division", "Division", "tips", "on", "how", "to", "metropolis", "Metropolis",
           "the", "The", "half", "-", "\u2013", "time", "it's", "it\u2019s", "'quoted", "empty", "İstanbul", "ΟΔΟΣ", ".",
           ",", "\n", "  ", "x",
           # forms inside other words, before the form itself (SpanIndex.located looks for a span's words by str.find)
           "restate", "Restate", "subdivision", "metropolises", "statestate", "\n\n\n\n", "Σ", "ΣΟΦΙΑ", "οδος", "ς"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.lists(st.sampled_from([" ", "", "\n", "  "]), max_size=40))
def test_the_automaton_finds_the_spans_of_the_lookup(pieces, gaps):
    text = "".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(pieces))
    for min_p in (0.0, MIN_P_CHANGE):
        assert SpanIndex(_TABLE, min_p_change=min_p).find(text) == find_spans(text, _TABLE, min_p_change=min_p)
    # without the weightless forms: the same spans less those, and evidence leaves out names too
    lean = SpanIndex(_TABLE, weightless=False)
    spans = [s for s in find_spans(text, _TABLE) if s.p_change >= MIN_P_CHANGE or s.log_lr > 0]
    assert lean.find(text) == spans
    evidence = lean.evidence(text)
    assert [e.key for e in evidence] == [s.key for s in spans
                                         if (s.p_change >= 0.5 or s.log_lr > 0) and not name_like(text, s.start)]


def _walked(index: SpanIndex, text: str):
    """SpanIndex.walk as evidence and located give it."""
    found = list(index.located(text))
    return index.evidence(text), [v[0] for _, _, _, v in found], [(s, e, v) for s, e, _, v in found if v[8]]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40), st.lists(st.sampled_from([" ", "", "\n", "  "]), max_size=40))
def test_one_walk_is_evidence_and_located(pieces, gaps):
    text = "".join(p + (gaps[i] if i < len(gaps) else " ") for i, p in enumerate(pieces))
    for index in (SpanIndex(_TABLE, weightless=False), SpanIndex(_TABLE)):
        assert index.walk(scan(text)) == _walked(index, text)


def test_a_weightless_form_still_takes_its_tokens():
    # "the" weighs nothing, but it is matched: "the state division" is not cut differently
    lean = SpanIndex(_TABLE, weightless=False)
    assert [s.key for s in lean.find("in the state division")] == ["state division"]
    assert [s.key for s in SpanIndex(_TABLE).find("in the state division")] == ["the", "state division"]


def test_a_sigma_lower_cased_otherwise_in_the_text_is_placed():
    # str.lower() spells a capital sigma by its neighbours: "ΟΔΟΣ.x" is "οδοσ.x" in the text, "οδος" as a token
    for text in ["ΟΔΟΣ.x", "Α.Σ ΣΟΦΙΑ", "Ψ.ΟΔΟΣ.Σ ΟΔΟΣ.ΣΟΦΙΑ", "ς ΟΔΟΣ"]:
        spans = find_spans(text, _TABLE)
        assert SpanIndex(_TABLE).find(text) == spans and spans
        assert [e.key for e in SpanIndex(_TABLE, weightless=False).evidence(text)] == [
            s.key for s in spans if not name_like(text, s.start)]
        assert SpanIndex(_TABLE).walk(scan(text)) == _walked(SpanIndex(_TABLE), text)


def test_a_form_inside_a_word_before_it_is_not_its_place(monkeypatch):
    # located looks for a span's first word with str.find from the least place it can stand at (as many characters
    # on as there are non-space ones between): past white space, the word can stand inside the word before it
    import repair.spin.decode as decode

    again = []
    place = decode.place
    monkeypatch.setattr(decode, "place", lambda *a: again.append(a[1]) or place(*a))
    for text in ["metropolis\n\n\n\n\n\nrestate state", "Metropolis       subdivision division",
                 "state\n\n\n\nmetropolises metropolis", "the  \n\n  statestate State Division", "it's\n\n\n\nrestate State"]:
        spans = find_spans(text, _TABLE)
        assert SpanIndex(_TABLE).find(text) == spans
        assert [e.key for e in SpanIndex(_TABLE, weightless=False).evidence(text)] == [
            s.key for s in spans if (s.p_change >= 0.5 or s.log_lr > 0) and not name_like(text, s.start)]
        # walk places a span's first word inline (not by place): the same spans there
        for index in (SpanIndex(_TABLE, weightless=False), SpanIndex(_TABLE)):
            walked = index.walk(scan(text))
            assert walked == _walked(index, text) and walked[2]
    assert {"state", "metropolis", "division"} <= set(again)
