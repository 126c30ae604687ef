"""The signal tells tried near their anchors (repair/tells/signals.py) find what a full scan finds."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from repair.tells import signals


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aZ1 ,.!?]\t\n(\u201c\u201d") + ["He said", "They wrote", "\u201c We"]),
                max_size=40).map("".join))
def test_quote_spacing_near_quotes_is_finditer(text):
    expected = [(m.start(), m.end()) for m in signals._QUOTE_SPACING.finditer(text)]
    assert [(s, e) for s, e, _ in signals.quote_spacing(text)] == expected


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["the", "a", "an", "and", "or", "its", "their", "our", "whose", ".", " ", "\t", "\n",
                                 "\n\n", "\u201d", '"', "\u201c", "A", "x", "'", "-"]), max_size=25).map("".join))
def test_dangling_end_near_its_anchors_is_finditer(text):
    expected = [m.span() for m in signals._DANGLING.finditer(text)]
    assert [(s, e) for s, e, _ in signals.dangling_end(text)] == expected
