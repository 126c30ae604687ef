"""repair/fastjson.py: orjson's line is kept only where it is json's, byte for byte."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from repair import fastjson, writers

# floats of every magnitude (tiny ones are where orjson and json differ), and strings that look like numbers
_FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(-12, 20).flatmap(lambda e: st.floats(10.0 ** (e - 1), 10.0 ** e)),
                    st.sampled_from([1e-4, 9.99e-5, 7.9e-5, 1e-8, 1e16, 0.0, -0.0, 0.0041, 5e-324]))
_STRINGS = st.one_of(st.text(max_size=12),
                     st.sampled_from(["2e35b1df88259154", ":1e5,", "0.00001", ",0.0000", "[1E3", "null", "é\n", "2e-3",
                                      "re-elected", "1e+16"]))
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), _FLOATS, _STRINGS)
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(_STRINGS, inner, max_size=4)),
                       max_leaves=12)


def _json(rec):
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(_STRINGS, _VALUES, max_size=6))
def test_dumps_is_json(rec):
    assert fastjson.dumps(rec, _json) == _json(rec)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_STRINGS, _VALUES, max_size=6))
def test_nan_null_is_the_writers_json(rec):
    assert fastjson.dumps(rec, writers._json_dumps, writers._jsonable, nan_null=True) == writers._json_dumps(rec)


def test_a_hash_in_a_string_keeps_orjsons_line():
    calls = []

    def slow(rec):
        calls.append(rec)
        return _json(rec)

    rec = {"rules_hash": "2e35b1df88259154", "x": 0.0041, "y": [1e-4, 12.5]}
    assert fastjson.dumps(rec, slow) == _json(rec)
    assert not calls  # the fast line was kept
    assert fastjson.dumps({"a": 7.9e-5}, slow) == '{"a":7.9e-05}' and calls


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789e+-. x", max_size=30))
def test_maybe_apart_looks_for_every_mark(s):
    """The "+" shortcut (no "+" in the line: no "e+" search) finds what searching for each mark finds."""
    out = s.encode()
    every = any(out[i - 1:i] in [bytes([d]) for d in b"0123456789"] and out[i:i + 2] in (b"e-", b"e+")
                for i in range(1, len(out))) or b"0.0000" in out
    assert fastjson._maybe_apart(out) == every


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_STRINGS, _VALUES, max_size=6))
def test_the_bytes_are_the_lines_encoding(rec):
    assert writers.dumps_utf8(rec) == writers.dumps(rec).encode("utf-8", "backslashreplace")
    assert fastjson.dumps_utf8(rec, _json) == fastjson.dumps(rec, _json).encode("utf-8", "surrogatepass")
