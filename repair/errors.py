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


class MissingInput(InputError):
    """A path given on the command line names no file or folder (a typo, a file not there): nothing
    was selected there. ``repair check`` counts it as an empty selection (a usage error, exit 2)
    rather than a document that failed to read (exit 1)."""


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


class TooManyErrors(RepairError):
    """``--max-errors N``: the run stopped at its N-th failed document (nothing half-written is published)."""


_DOCUMENT_PREFIX = re.compile(r"^document .{0,1000}?: ")


def error_kind(reason: str) -> str:
    """What two errors say alike about different documents: the reason without its leading
    ``document ID: `` (the file and line are not part of the reason).

    >>> error_kind("no 'txt' field (use --text-field)"), error_kind("document a.txt: internal error X")
    ("no 'txt' field (use --text-field)", 'internal error X')
    """
    return _DOCUMENT_PREFIX.sub("", reason, count=1)


class Repeats:
    r"""Collapses repeated errors: the first ``shown`` of each kind (:func:`error_kind`) are shown in
    full, the rest are counted and said in one line each by :meth:`summaries`.

    >>> r = Repeats(shown=2)
    >>> [r.see(InputError("feed.jsonl", "no 'txt' field", n)) for n in range(1, 6)]
    [True, True, False, False, False]
    >>> r.see(InputError("b.txt", "empty file"))
    True
    >>> r.summaries()
    ["feed.jsonl: ... and 3 more lines (3 to 5): no 'txt' field"]
    >>> r.hidden
    3
    """

    def __init__(self, shown: int = 3) -> None:
        self.shown = shown
        self.hidden = 0
        self._kinds: dict[str, _Kind] = {}

    def see(self, e: InputError) -> bool:
        """Count ``e``; whether to show it in full."""
        k = self._kinds.setdefault(error_kind(e.reason), _Kind())
        k.seen += 1
        if k.seen <= self.shown:
            return True
        self.hidden += 1
        k.hide(e)
        return False

    def summaries(self) -> list[str]:
        """One line per kind with hidden errors, in the order the kinds were first seen."""
        return [k.summary(reason) for reason, k in self._kinds.items() if k.hidden]


class _Kind:
    """The hidden errors of one kind: how many, in which files, at which lines."""

    __slots__ = ("seen", "hidden", "paths", "first", "last", "lines")
    FILES_KEPT = 10_000  # distinct files counted (memory stays bounded on a corpus of millions of files)

    def __init__(self) -> None:
        self.seen = 0
        self.hidden = 0
        self.paths: dict[str, None] = {}  # in the order seen
        self.first: int | None = None
        self.last: int | None = None
        self.lines = True  # every hidden error has a line number

    def hide(self, e: InputError) -> None:
        self.hidden += 1
        if e.path not in self.paths and len(self.paths) < self.FILES_KEPT:
            self.paths[e.path] = None
        if e.line is None:
            self.lines = False
        else:
            self.first = e.line if self.first is None else min(self.first, e.line)
            self.last = e.line if self.last is None else max(self.last, e.line)

    def summary(self, reason: str) -> str:
        n = self.hidden
        if len(self.paths) == 1 and self.lines:
            span = f" ({self.first})" if self.first == self.last else f" ({self.first} to {self.last})"
            return f"{next(iter(self.paths))}: ... and {n} more line{'s' if n != 1 else ''}{span}: {reason}"
        if len(self.paths) == 1:
            return f"{next(iter(self.paths))}: ... and {n} more: {reason}"
        files = f"{len(self.paths)}" if len(self.paths) < self.FILES_KEPT else f"more than {self.FILES_KEPT:,}"
        return f"... and {n} more in {files} files: {reason}"
