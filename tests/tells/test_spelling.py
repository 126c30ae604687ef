"""The spelling tells' shortcuts (repair/tells/spelling.py) find what a full scan finds."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from repair.tells import spelling

_DECADE_WORDS = ["Nineteen", "nineteen", "NINETEEN", "Seventeen", "Eighteen", "teen", "Nineties", "Tens", "tens",
                 "Eighties", " ", "-", "x", "\u0130", "\u017f", "Nine", "Seven", "teen-", "fifteen"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_DECADE_WORDS), max_size=8))
def test_decades_tried_at_teen_finds_what_finditer_finds(words):
    text = "".join(words)
    assert [m.span() for m in spelling._decade_matches(text)] == [m.span() for m in spelling._DECADE.finditer(text)]
