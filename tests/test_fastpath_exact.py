"""Speed shortcuts that must change no output: compose for changes clear of rewritten spans; JSON lines by orjson."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair import model
from repair.model import Change, apply_changes, compose


@st.composite
def _case(draw):
    source = draw(st.text(alphabet="ab c\n", min_size=0, max_size=40))
    prior, pos = [], 0
    while pos <= len(source) and draw(st.booleans()):
        s = draw(st.integers(pos, len(source)))
        e = draw(st.integers(s, min(len(source), s + 4)))
        after = draw(st.text(alphabet="xy", max_size=3))
        if (s, e) != (s, s) or after:
            prior.append(Change("normalise", "p", s, e, source[s:e], after, 1.0, True))
        pos = e + 1
    current = apply_changes(source, prior)
    new = []
    for _ in range(draw(st.integers(0, 8))):
        s = draw(st.integers(0, len(current)))
        e = draw(st.integers(s, min(len(current), s + 5)))
        new.append(Change("emit", f"n{len(new)}", s, e, current[s:e], draw(st.text(alphabet="zw", max_size=3)),
                          draw(st.sampled_from([0.5, 0.9])), draw(st.booleans())))
    return source, prior, current, new


@settings(max_examples=500, deadline=None)
@given(_case())
def test_isolated_shortcut_matches_the_general_path(monkeypatch_free_case):
    source, prior, current, new = monkeypatch_free_case
    fast = compose(source, prior, current, new)
    original = model._Composition._add_isolated
    model._Composition._add_isolated = lambda self, n: False
    try:
        slow = compose(source, prior, current, new)
    finally:
        model._Composition._add_isolated = original
    assert fast.changes == slow.changes
    assert fast.skipped == slow.skipped


# --- JSON lines by orjson: the same bytes as json.dumps ------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec="utf-8")) | st.text(max_size=3)
    | st.dates() | st.datetimes() | st.decimals(allow_nan=False) | st.binary(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.integers(0, 3), inner, max_size=2),
    max_leaves=20)


@settings(max_examples=500, deadline=None)
@given(JSONISH, st.floats() | st.integers(-(2 ** 70), 2 ** 70))
def test_orjson_lines_are_json_lines(value, number):
    from repair.writers import _json_dumps, dumps

    for rec in ({"v": value}, {"n": number, "v": [number, value]}, {"text": f"a:{number}", "n": None}):
        try:
            expected = _json_dumps(rec)
        except (TypeError, ValueError) as e:
            with pytest.raises(type(e)):
                dumps(rec)
            continue
        assert dumps(rec) == expected
