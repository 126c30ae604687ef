"""repair/words.py: the one word count."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from repair import words


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "Z", "1", "_", "é", "'", "\u2019", " ", "-", "\n", "don't", "''"]), max_size=30)
       .map("".join))
def test_word_count_is_findall(text):
    assert words.count(text) == len(words.WORD.findall(text))


_PIECES = st.sampled_from(["a", "Z", "1", "_", "é", "'", "\u2019", " ", "-", "\n", "don't", "''", "x y"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 4), st.lists(_PIECES, max_size=3).map("".join)),
                max_size=5))
def test_recount_is_count_of_the_edited_text(old, edits):
    # non-overlapping replacements, in order: (start, length, replacement)
    spans, parts, pos, shift = [], [], 0, 0
    for start, length, after in sorted(edits):
        if start < pos or start + length > len(old):
            continue
        parts += [old[pos:start], after]
        spans.append((start, start + length, start + shift, start + shift + len(after)))
        shift += len(after) - length
        pos = start + length
    new = "".join(parts) + old[pos:]
    assert words.recount(old, words.count(old), new, spans) == words.count(new)
