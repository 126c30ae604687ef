"""Errors raised by the library. The CLI is the only place that turns them into exit codes."""

from __future__ import annotations

import re


class RepairError(Exception):
    """Base class: a problem a user can act on. The message is one line: what, where, what next."""


class RuleError(RepairError):
    """A rule file is malformed: bad TOML, a missing key, a duplicate id, a pattern that does not compile."""


class InputError(RepairError):
    """One input document or file cannot be read (bad UTF-8, binary, malformed JSON line, ...).

    Carries the place so batch runs can report it and go on.
    """

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class ReplayError(RepairError):
    """A list of changes does not fit the text it claims to describe (wrong `before`, overlapping spans)."""


class ConfigError(RepairError):
    """A configuration file or option is invalid."""


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str, keep: str = "") -> str:
    r"""``text`` safe to print on one line of a terminal or CI log: control characters (C0, DEL, C1,
    so also ESC and every terminal escape), line and paragraph separators, bidirectional overrides
    and lone surrogates are shown as escapes (``\n``, ``\x1b``, ``\u202e``) rather than acted on.
    The characters in ``keep`` (e.g. ``"\n\t"`` for a multi-line view) are left as they are.

    >>> print(printable("e\n::add-mask::x \x1b[31mred\u202e"))
    e\n::add-mask::x \x1b[31mred\u202e
    >>> printable("plain café"), printable("a\tb\n\x1b", keep="\n\t")
    ('plain café', 'a\tb\n\\x1b')
    """
    if keep:
        return _UNPRINTABLE.sub(lambda m: m.group() if m.group() in keep else _escape_char(m), text)
    return _UNPRINTABLE.sub(_escape_char, text)


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group()
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if ch in special:
        return special[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
