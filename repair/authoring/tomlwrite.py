"""Write rule packs as TOML a person can read and vet: values inline, comments where we put them.

(``tomllib`` only reads TOML; the generated packs need comments between rules, which TOML writers
drop, so the few value types rules use are written here.)

>>> value(["a \\"b\\"", 1, 0.5, True, {"in": "x", "out": "y"}])
'["a \\\\"b\\\\"", 1, 0.5, true, { in = "x", out = "y" }]'
>>> import tomllib
>>> tomllib.loads("k = " + value("tab\\there\\u007f"))["k"]
'tab\\there\\x7f'
"""

from __future__ import annotations

import json
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def string(s: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def key(k: str) -> str:
    return k if _BARE_KEY.match(k) else string(k)


def value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        r = repr(round(v, 4))
        return r if ("." in r or "e" in r or "inf" in r or "nan" in r) else r + ".0"
    if isinstance(v, str):
        return string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def table(header: str, items: dict[str, Any], multiline: tuple[str, ...] = ()) -> str:
    """``[header]`` / ``[[header]]`` and one ``key = value`` line per item; lists named in
    ``multiline`` get one element per line."""
    lines = [header]
    for k, v in items.items():
        if v is None:
            continue
        if k in multiline and isinstance(v, (list, tuple)) and v:
            lines.append(f"{key(k)} = [")
            lines.extend(f"  {value(x)}," for x in v)
            lines.append("]")
        else:
            lines.append(f"{key(k)} = {value(v)}")
    return "\n".join(lines) + "\n"


def comment(text: str) -> str:
    return "".join(f"# {line}".rstrip() + "\n" for line in text.splitlines())
