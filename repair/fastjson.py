"""JSON lines written by orjson where it writes exactly what ``json.dumps`` writes, else by ``json``.

``json.dumps(rec, ensure_ascii=False, separators=(",", ":"))`` is the format of every record
(:func:`repair.writers.dumps`). orjson writes the same bytes, several times faster, for records of
strings, booleans, null, integers, lists and dicts with string keys, and floats written without an
exponent (json writes ``1e-05`` where orjson writes ``0.00001``, and ``NaN`` where orjson writes
``null``). :func:`exact` checks a record for those; any other record, or one orjson refuses (a lone
surrogate, an integer beyond 64 bits), is written by ``json`` as before. The output never depends
on whether orjson is installed.

>>> dumps({"a": [1, 0.5, None, True], "b": "\u00e9\\n"}, lambda r: "json")
'{"a":[1,0.5,null,true],"b":"\u00e9\\\\n"}'
>>> dumps({"a": 1e-05}, lambda r: "json")
'json'
"""

from __future__ import annotations

from typing import Any, Callable

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; without it json writes everything
    orjson = None


def exact(o: Any) -> bool:
    """Whether orjson writes ``o`` byte for byte as ``json.dumps`` (ensure_ascii off, compact) does."""
    t = type(o)
    if t is str or t is bool or t is int or o is None:
        return True
    if t is float:
        return o == 0.0 or 1e-4 <= abs(o) < 1e16  # False for NaN and infinities too
    if t is dict:
        for k, v in o.items():
            if type(k) is not str or not exact(v):
                return False
        return True
    if t is list or t is tuple:
        for v in o:
            if not exact(v):
                return False
        return True
    return False  # datetimes, decimals, bytes, subclasses: json.dumps and its default= decide


def dumps(rec: Any, slow: Callable[[Any], str]) -> str:
    """``rec`` as one JSON line: by orjson when :func:`exact`, else by ``slow`` (the json.dumps call)."""
    if orjson is not None and exact(rec):
        try:
            return orjson.dumps(rec).decode("utf-8")
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an integer beyond 64 bits
            pass
    return slow(rec)
