"""match's window reading, held to the plain forms it replaced (the same words, the same runs)."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import repair.stages.match as M
from repair.rules import load_rules

_WORD_PLAIN = re.compile(r"[A-Za-z](?:[\w'’-]|\.(?=\w))*|&")  # _WORD as it was first written
_PIECES = ["State", "Department", "of", "the", "and", "&", "U.S.", "U.S.-based", "x.", ".y", "a..b", "O’Neil", "é",
           "É", "9", "A9b", "Mc-Donald's", "-", "--", ".", ",", "'", "’", " ", "  ", "\n", "\t", "\xa0", "AT&T", "The"]
_TEXTS = st.lists(st.sampled_from(_PIECES), min_size=0, max_size=60).map("".join)


@settings(max_examples=500, deadline=None)
@given(_TEXTS, st.data())
def test_word_pattern_finds_what_the_plain_pattern_finds(text, data):
    lo = data.draw(st.integers(0, len(text)))
    hi = data.draw(st.integers(lo, len(text)))
    assert ([m.span() for m in M._WORD.finditer(text, lo, hi)]
            == [m.span() for m in _WORD_PLAIN.finditer(text, lo, hi)])


@settings(max_examples=500, deadline=None)
@given(_TEXTS, st.data())
def test_tokens_back_are_the_reach_tokenised_at_once(text, data):
    edge = data.draw(st.integers(0, len(text)))
    assert list(M._tokens_back(text, edge)) == list(reversed(M._tokens(text, max(0, edge - M.REACH), edge)))


@settings(max_examples=500, deadline=None)
@given(_TEXTS, st.data())
def test_rightward_is_the_run_over_the_reach(text, data):
    edge = data.draw(st.integers(0, len(text)))
    full = M._tokens(text, edge, min(len(text), edge + M.REACH))
    assert M._rightward(text, edge) == M._run(text, full, edge, False)[0]


_SWAPS = M.with_swaps(M.compile_rules(load_rules()), [("Purple", "Red", 0.8), ("Bull Ring", "Red Bull", 0.7)], "learned")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(sorted(_SWAPS.subs)[:40] + ["Ring", "Bull", " ", "-", "x", "é", ","]),
                max_size=30).map("".join))
def test_swap_words_find_what_the_contiguous_nfa_finds(text):
    import pickle

    from repair.scan.literals import Literals

    plain = Literals(dict(_SWAPS.automaton.items()))
    assert _SWAPS.automaton.find(text) == plain.find(text)
    assert pickle.loads(pickle.dumps(_SWAPS.automaton)).find(text) == plain.find(text)
