"""JSON lines written by orjson where it writes exactly what ``json.dumps`` writes, else by ``json``.

``json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=...)`` is the format of every
record (:func:`repair.writers.dumps`). orjson writes the same bytes, several times faster, except
for numbers in exponent form (json writes ``1e-05`` where orjson writes ``0.00001``), NaN and
infinities (json: ``NaN``, orjson: ``null``), and what orjson refuses (a lone surrogate, an integer
beyond 64 bits, a key that is not a string). So a line orjson wrote is kept unless it has a number
with an exponent or a small fraction (a quick scan of the line, which may also flag such text
inside a string: then json writes it, as before) or a ``null`` that might stand for a NaN (then
the record is checked); any other line is written by ``json``. Datetimes, decimals and bytes go
through the same ``default`` as in json. The output never depends on whether orjson is installed.

>>> dumps({"a": [1, 0.5, None, True], "b": "\u00e9\\n"}, lambda r: "json")
'{"a":[1,0.5,null,true],"b":"\u00e9\\\\n"}'
>>> dumps({"a": 1e-05}, lambda r: "json"), dumps({"a": float("nan")}, lambda r: "json")
('json', 'json')
"""

from __future__ import annotations

import re
from typing import Any, Callable

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; without it json writes everything
    orjson = None

# an exponent (orjson and json write some numbers with one differently); "0.00": a number below 0.01
_EXPONENT = re.compile(rb"[0-9][eE][-+]?[0-9]")


def finite(o: Any) -> bool:
    """Whether ``o`` holds no NaN or infinity (anywhere in its lists and dicts)."""
    t = type(o)
    if t is float:
        return o - o == 0.0  # False for NaN and the infinities
    if t is dict:
        return all(finite(v) for v in o.values())
    if t is list or t is tuple:
        return all(finite(v) for v in o)
    return True


def dumps(rec: Any, slow: Callable[[Any], str], default: Callable[[Any], Any] | None = None) -> str:
    """``rec`` as one JSON line, as ``slow`` (the json.dumps call, with ``default``) writes it."""
    if orjson is None:
        return slow(rec)
    try:
        out = orjson.dumps(rec, default=default,
                           option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, a big integer, a key not a string, ...
        return slow(rec)
    if b"0.00" in out or _EXPONENT.search(out) or (b"null" in out and not finite(rec)):
        return slow(rec)
    return out.decode("utf-8")
