"""repair.scan.literals finds what a plain search for every string finds, in the order detect relies on."""
from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.scan.literals import Literals

_ALPHABET = st.sampled_from(list("ab ’é\u0130K\n") + ["ß"])


def _every(strings: list[str], text: str) -> list[tuple[int, int, int]]:
    """Each occurrence of each string, found by str.find at every position: by end, the longest first."""
    found = []
    for k, s in enumerate(strings):
        i = text.find(s)
        while i >= 0:
            found.append((k, i, i + len(s)))
            i = text.find(s, i + 1)
    return sorted(found, key=lambda m: (m[2], m[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(_ALPHABET, min_size=1, max_size=4), min_size=1, max_size=8, unique=True),
       st.text(_ALPHABET, max_size=40))
def test_find_gives_every_occurrence_by_end_then_longest(strings, text):
    lits = Literals({s: k for k, s in enumerate(strings)})
    assert lits.find(text) == _every(strings, text)


def test_a_pickled_copy_finds_the_same():
    lits = Literals({"state": 1, "state division": 2, "division": 3, "ISIS-okay": 4})
    text = "The State Division said; the state division and ISIS-okay."
    copy = pickle.loads(pickle.dumps(lits))
    assert copy.find(text) == lits.find(text) and copy.values == lits.values and len(copy) == 4
    # case counts (detect scans lower-cased text); "state" ends first, "division" with "state division"
    assert [(lits.values[k], text[s:e]) for k, s, e in lits.find(text)] == [
        (1, "state"), (2, "state division"), (3, "division"), (4, "ISIS-okay")]


def test_an_empty_string_is_refused_when_the_literals_are_made():
    with pytest.raises(ValueError, match="empty string"):
        Literals({"state": 1, "": 2})
