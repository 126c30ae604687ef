"""JSON lines written by orjson where it writes exactly what ``json.dumps`` writes, else by ``json``.

``json.dumps(rec, ensure_ascii=False, separators=(",", ":"), default=...)`` is the format of every
record (:func:`repair.writers.dumps`). orjson writes the same bytes, several times faster, except
for numbers below 1e-4 (json writes ``7.9e-05`` and ``1e-08`` where orjson writes ``0.000079``
and ``1e-8``; every other float is written alike, both give the shortest repr), NaN and infinities
(json: ``NaN``, orjson: ``null``), and what orjson refuses (a lone surrogate, an integer beyond 64
bits, a key that is not a string). So a line orjson wrote is kept unless it has a number with an
exponent (``e-`` or ``e+`` after a digit) or ``0.0000`` (a quick scan of the line, which may also
flag such text inside a string: then json writes it, as before) or a ``null`` that
might stand for a NaN (then the record is checked, unless the caller's json writes NaN as ``null``
too: ``nan_null``); any other line is written by ``json``. Text inside strings that only looks
like an exponent (a hash such as ``"2e35b1df"``) does not send the line to ``json``. Datetimes,
decimals and bytes go through the same ``default`` as in json. The output never depends on whether
orjson is installed.

>>> dumps({"a": [1, 0.5, None, True], "b": "\u00e9\\n"}, lambda r: "json")
'{"a":[1,0.5,null,true],"b":"\u00e9\\\\n"}'
>>> dumps({"a": 1e-05}, lambda r: "json"), dumps({"a": float("nan")}, lambda r: "json")
('json', 'json')
"""

from __future__ import annotations

from typing import Any, Callable

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; without it json writes everything
    orjson = None

_DIGITS = frozenset(b"0123456789")


def _maybe_apart(out: bytes) -> bool:
    """Whether orjson's ``out`` may hold a number json writes otherwise: one below 1e-4, which orjson
    writes as ``0.0000...`` or with an exponent (always ``e-`` or ``e+`` after a digit). ``bytes.find``
    is many times faster than a regex over a long line; text in a string that looks so ("2e-3",
    "0.00001") only sends the line to json.

    The exponent's sign is what is searched for, one byte (``memchr``: a record's hundred-odd hyphens
    cost less than a search for ``e-`` through its every ``e``, three times as long on a spun article's
    record); its ``e`` and the digit before are then read."""
    e = 101  # ord("e")
    for mark in (b"-", b"+") if b"+" in out else (b"-",):  # a "+" is rare: one quick memchr instead of a search
        i = out.find(mark, 2)
        while i >= 0:
            if out[i - 1] == e and out[i - 2] in _DIGITS:
                return True
            i = out.find(mark, i + 1)
    return b"0.0000" in out


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


def dumps(rec: Any, slow: Callable[[Any], str], default: Callable[[Any], Any] | None = None, *,
          nan_null: bool = False) -> str:
    """``rec`` as one JSON line, as ``slow`` (the json.dumps call, with ``default``) writes it.

    ``nan_null``: ``slow`` writes NaN and the infinities as ``null``, as orjson does (so no need to look for them).
    """
    out = _orjson(rec, default, nan_null)
    return slow(rec) if out is None else out.decode("utf-8")


def dumps_utf8(rec: Any, slow: Callable[[Any], str], default: Callable[[Any], Any] | None = None, *,
               nan_null: bool = False, errors: str = "strict") -> bytes:
    """:func:`dumps` encoded in UTF-8 (with ``errors`` for what ``slow`` writes): for a file opened in binary,
    orjson's bytes as they are, not decoded to be encoded again.

    >>> dumps_utf8({"b": "é"}, lambda r: "json") == dumps({"b": "é"}, lambda r: "json").encode()
    True
    """
    out = _orjson(rec, default, nan_null)
    return slow(rec).encode("utf-8", errors) if out is None else out


def _orjson(rec: Any, default: Callable[[Any], Any] | None, nan_null: bool) -> bytes | None:
    """orjson's line for ``rec`` where it is json's, else None (see the module's docstring)."""
    if orjson is None:
        return None
    try:
        out = orjson.dumps(rec, default=default,
                           option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate, a big integer, a key not a string, ...
        return None
    if _maybe_apart(out) or (not nan_null and b"null" in out and not finite(rec)):
        return None
    return out
