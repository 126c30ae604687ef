"""The command line: thin commands over the library, one error boundary.

This package is the only place that imports typer and rich. Each command module registers its
commands on :data:`app`; the shared option types and the error boundary live in :mod:`.common`.

``repair COMMAND ...`` imports the module of that command alone (:func:`main`: ``repair run`` has
no use for ``bench``'s or ``check``'s imports); ``repair --help`` and ``from repair.cli import app``
get every command.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated, Any

import typer

from repair.cli.common import app as _app

#: The modules that register commands on the app when imported, in the order ``repair --help`` lists them
COMMAND_MODULES = ("bench", "check", "grammar", "learn", "review", "rules", "stages")
#: The module of each command (tests/test_cli.py checks it against the registered commands)
COMMANDS = {"bench": "bench", "check": "check", "learn": "learn", "import-pps": "learn", "diff": "review",
            "rules": "rules", "normalise": "stages", "detect": "stages", "match": "stages", "emit": "stages",
            "run": "stages"}


def load_commands(argv: list[str] | None = None) -> None:
    """Register the commands: the module of the command ``argv`` starts with, else all of them (help,
    ``--version``, a mistyped command: what typer says then lists every command)."""
    wanted = COMMANDS.get(argv[0]) if argv else None
    for name in (wanted,) if wanted else COMMAND_MODULES:
        import_module(f"repair.cli.{name}")


def __getattr__(name: str) -> Any:
    if name == "app":  # the app with every command, as tests and embedders use it
        load_commands()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _version(value: bool) -> None:
    if value:
        from repair.provenance import tool_version

        typer.echo(f"repair {tool_version()}")
        raise typer.Exit(0)


@_app.callback()
def _main(version: Annotated[bool, typer.Option("--version", "-V", is_eager=True, callback=_version,
                                                help="Print the version and exit.")] = False) -> None:
    """Clean scraped news text: fix encodings, strip scraping debris, detect and repair spun wording.

    Stages: normalise -> detect -> match -> emit. [bold]repair run[/bold] does all of them.
    """


def main() -> None:
    load_commands(sys.argv[1:])
    _app()


__all__ = ["app", "main"]
