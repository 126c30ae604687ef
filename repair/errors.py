"""Errors raised by the library. The CLI is the only place that turns them into exit codes."""

from __future__ import annotations


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
