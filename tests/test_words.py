"""repair/words.py: the one word count."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair import words

# word characters (ASCII, Latin-1, beyond: "\u0660" and the long s "\u017f" send a text to the general count),
# apostrophes, white space and other characters of both ranges
_PIECES = ["a", "Z", "1", "_", "é", "ÿ", "\u00b2", "'", "\u2019", " ", "-", "?", "\n", "don't", "''", "\t", "\xa0",
           "\u2003", "\x1c", "\u0660", "\u017f", "\u0301", "\u201c", "\u2014", "a_b", "\x85", "\xd7"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30).map("".join))
def test_word_count_is_findall(text):
    assert words.count(text) == len(words.WORD.findall(text)) == words._count_tokens(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([p for p in _PIECES if p not in ("\u0660", "\u017f")]), max_size=30).map("".join))
def test_latin_text_takes_the_bytes_count(text):
    """Text whose characters beyond Latin-1 are not word characters is counted on its bytes (not the general count)."""
    original = words._count_tokens
    words._count_tokens = None  # type: ignore[assignment]  # called: a TypeError
    try:
        assert words.count(text) == len(words.WORD.findall(text))
    finally:
        words._count_tokens = original


@pytest.mark.parametrize("text", [
    "",
    "'",
    "a'",
    "'a",
    "a’b’c d'e'f ' g",
    "naïve café — “quoted” l’été",
    "\ud800 lone surrogate's",  # cannot be encoded: the general count
    "Ελληνικά κείμενα " * 200,  # much text beyond Latin-1 (its word characters): the general count
    "“quotes” — " * 1000,  # much text beyond Latin-1 (no word characters): the general count
    "don’t" * 3 + "\u2019",
])
def test_word_count_edge_cases(text):
    assert words.count(text) == len(words.WORD.findall(text))
