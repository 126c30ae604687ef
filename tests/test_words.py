"""repair/words.py: the one word count."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from repair import words


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", "1", "_", "é", "'", "\u2019", " ", "-", "\n", "don't", "''", "\t", "\xa0",
                                 "\u2003", "\x1c", "\u0660", "\u00b2", "\u0301", "a_b"]), max_size=30)
       .map("".join))
def test_word_count_is_findall(text):
    assert words.count(text) == len(words.WORD.findall(text))
