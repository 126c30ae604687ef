"""Shared CLI pieces: the app, option types, the error boundary and the document loop."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable, Iterable, Iterator, Optional

import typer
from rich.console import Console
from rich.markup import escape

from repair.readers import count_documents, read_documents
from repair.errors import InputError, RepairError
from repair.document import Document
from repair.executor import imap
from repair.pipeline import Config

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    help="Clean scraped news text: fix encodings, strip scraping debris, detect and repair spun wording.\n\n"
         "Stages: normalise -> detect -> match -> emit. [bold]repair run[/bold] does all of them.",
)
err = Console(stderr=True, highlight=False)

Paths = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Files (.txt, .jsonl, .parquet) or folders (searched for all three); '-' or nothing reads stdin.",
                   show_default=False),
]
RulesDirs = Annotated[
    Optional[list[Path]],
    typer.Option("--rules", help="Rule folder or .toml file (repeatable). Default: the built-in rules.",
                 show_default=False),
]
TextField = Annotated[str, typer.Option("--text-field", help="JSONL field holding the text.")]
Only = Annotated[Optional[list[str]], typer.Option("--only", help="Use only rules whose id starts with this (repeatable).",
                                                   show_default=False)]
Skip = Annotated[Optional[list[str]], typer.Option("--skip", help="Leave out rules whose id starts with this (repeatable).",
                                                   show_default=False)]
Threshold = Annotated[float, typer.Option("--threshold", min=0.0, max=1.0,
                                          help="Apply proposed repairs at or above this confidence; flag the rest.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1,
                                   help="Worker processes cleaning documents in parallel; the output is the same.")]


@contextmanager
def boundary() -> Iterator[None]:
    """The one place library errors become a message and exit code 1."""
    try:
        yield
    except RepairError as e:  # never `except Exception`: it would swallow typer.Exit
        err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]")
        raise typer.Exit(130) from None
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly like other Unix tools
        try:
            sys.stdout = None  # type: ignore[assignment]
        finally:
            raise typer.Exit(0) from None


def load_config(rules: Optional[list[Path]], only: Optional[list[str]], skip: Optional[list[str]],
                **kw) -> Config:
    return Config.load(rules or None, only=only or (), skip=skip or (), **kw)


def progress_enabled(quiet: bool, console: Console | None = None) -> bool:
    """Show the progress bar only on a terminal (stderr), never when piped or with --quiet.

    The bar is drawn on stderr, so stdout (records) is never touched by it.
    """
    return not quiet and (console if console is not None else err).is_terminal


def process(paths: Optional[list[Path]], text_field: str, handle: Callable[[Document], None],
            on_error: Callable[[InputError], None], *, quiet: bool, work: Callable[[Document], Document],
            jobs: int = 1) -> None:
    """Stream documents through ``work`` then ``handle``; report unreadable ones and go on.

    With ``jobs > 1``, ``work`` runs in that many worker processes (it must be picklable, see
    :class:`repair.executor.PipelineWork`); documents still reach ``handle`` in input order.
    """
    items: Iterable = imap(work, read_documents([str(p) for p in (paths or [])], text_field=text_field), jobs=jobs)
    if progress_enabled(quiet):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        total = count_documents([str(p) for p in (paths or [])])  # None on stdin: no ETA then
        with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                      TextColumn("eta"), TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("documents", total=total, rate="")
            import time

            t0 = time.perf_counter()
            for n, item in enumerate(items, start=1):
                _deliver(item, handle, on_error)
                dt = time.perf_counter() - t0
                bar.update(task, advance=1, rate=f"{n / dt:.0f} docs/s" if dt > 0 else "")
    else:
        for item in items:
            _deliver(item, handle, on_error)


def _deliver(item, handle, on_error) -> None:
    """A processed document goes to ``handle``; an unreadable or failed one to ``on_error``."""
    if isinstance(item, InputError):
        on_error(item)
    else:
        handle(item)


def report_error(e: InputError) -> None:
    err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)
