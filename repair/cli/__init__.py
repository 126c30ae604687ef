"""The command line: thin commands over the library, one error boundary.

This package is the only place that imports typer and rich. Each command module registers its
commands on :data:`app`; the shared option types and the error boundary live in :mod:`.common`.
"""

from __future__ import annotations

# the command modules register their commands on `app` when imported
from repair.cli import bench, check, grammar, learn, review, stages  # noqa: F401,E402
from repair.cli.common import app


def main() -> None:
    app()


__all__ = ["app", "main"]
