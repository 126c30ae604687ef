"""The command line: thin commands over the library, one error boundary.

This package is the only place that imports typer and rich. Each command module registers its
commands on :data:`app`; the shared option types and the error boundary live in :mod:`.common`.
"""

from __future__ import annotations

from typing import Annotated

import typer

# the command modules register their commands on `app` when imported
from repair.cli import bench, check, grammar, learn, review, rules, stages  # noqa: F401,E402
from repair.cli.common import app


def _version(value: bool) -> None:
    if value:
        from repair.provenance import tool_version

        typer.echo(f"repair {tool_version()}")
        raise typer.Exit(0)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", "-V", is_eager=True, callback=_version,
                                                help="Print the version and exit.")] = False) -> None:
    """Clean scraped news text: fix encodings, strip scraping debris, detect and repair spun wording.

    Stages: normalise -> detect -> match -> emit. [bold]repair run[/bold] does all of them.
    """


def main() -> None:
    app()


__all__ = ["app", "main"]
