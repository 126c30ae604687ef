"""The command line: thin commands over the library, one error boundary.

This package is the only place that imports typer and rich. Each command module registers its
commands on :data:`app`; the shared option types and the error boundary live in :mod:`.common`.
"""

from __future__ import annotations

from repair.cli.common import app

# command modules register themselves on `app` when imported
from repair.cli import stages as _stages  # noqa: F401,E402

for _optional in ("review", "check", "learn", "bench", "grammar"):
    try:
        __import__(f"{__name__}.{_optional}")
    except ModuleNotFoundError as _e:  # a command module not written yet
        if _e.name != f"{__name__}.{_optional}":
            raise


def main() -> None:
    app()


__all__ = ["app", "main"]
