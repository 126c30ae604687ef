"""The span indexes compose and emit share (repair/spans.py) answer exactly as testing every span would."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

_SPAN = st.tuples(st.integers(0, 30), st.integers(0, 6)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_SPAN, max_size=25), st.lists(_SPAN, min_size=1, max_size=10))
def test_span_index_finds_exactly_the_overlapping_spans(spans, queries):
    from repair.spans import Spans, overlap_span

    spans = sorted(spans)
    index = Spans(spans)
    for s, e in queries:
        assert index.overlapping(s, e) == [j for j, t in enumerate(spans) if overlap_span(t, (s, e))]


@settings(max_examples=300, deadline=None)
@given(st.lists(_SPAN, max_size=40))
def test_placed_spans_clash_exactly_like_testing_them_all(candidates):
    from repair.spans import Placed, overlap_span

    placed, naive = Placed(), []
    for s, e in candidates:
        clash = any(overlap_span(t, (s, e)) for t in naive)
        assert placed.clashes(s, e) == clash
        if not clash:
            placed.add(s, e)
            naive.append((s, e))
