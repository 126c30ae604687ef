"""Shared CLI pieces: the app, option types, the error boundary and the document loop."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

import typer

from repair.document import Document
from repair.errors import ConfigError, InputError, RepairError, Repeats, TooManyErrors, printable
from repair.executor import imap
from repair.gcpolicy import loaded
from repair.pipeline import Config
from repair.readers import count_documents, missing_inputs, read_documents
from repair.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    help="Clean scraped news text: fix encodings, strip scraping debris, detect and repair spun wording.\n\n"
         "Stages: normalise -> detect -> match -> emit. [bold]repair run[/bold] does all of them.",
)


class _Stderr:
    """The console on stderr (:data:`err`), made on first use: rich (some 25 ms to import) is not imported by
    a run that prints nothing, as a quiet run that goes well."""

    __slots__ = ("_console",)

    def __init__(self) -> None:
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=True, highlight=False)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


err: Any = _Stderr()


def _real(console: Any) -> Console:
    """A rich Console for ``console``: :data:`err`'s own, or ``console`` itself (a test's)."""
    return console.console if isinstance(console, _Stderr) else console


def escape(text: str) -> str:
    """``rich.markup.escape`` (rich imported when something is printed)."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)
SHOWN_PER_KIND = 3  # errors of one kind shown in full before the rest are counted

class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is so that it stops as Ctrl-C stops it: temporaries removed,
    the previous output left as it was, completed partitions recorded (see :func:`terminate_as_interrupt`)."""


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` (once; a second one is ignored while
    the run cleans up). Outside the main thread, where no handler can be set, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated()

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


@contextmanager
def boundary() -> Iterator[None]:
    """The one place library errors become a message and an exit code, for every command.

    ``ConfigError`` (a bad configuration file or option, an output that is an input) exits 2, like
    Click's own usage errors; any other ``RepairError`` (a bad rule file, failed documents) exits 1.
    """
    try:
        yield
    except RepairError as e:  # never `except Exception`: it would swallow typer.Exit
        err.print(f"[red]error:[/red] {clean(str(e))}", soft_wrap=True)
        raise typer.Exit(2 if isinstance(e, ConfigError) else 1) from None
    except OSError as e:  # BrokenPipeError is handled below; anything else (a full disk, an I/O error) is one line
        if isinstance(e, BrokenPipeError):
            _quiet_exit()
        where = f" {clean(str(e.filename))}" if e.filename else ""
        err.print(f"[red]error:[/red] cannot read or write{where} ({clean(e.strerror or str(e))}); "
                  "check the disk space and permissions", soft_wrap=True)
        raise typer.Exit(1) from None
    except RecursionError:
        err.print("[red]error:[/red] input nested too deeply to process; flatten it", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt as e:  # Ctrl-C, or SIGTERM (Terminated): exit as the signal's 128 + number
        err.print(f"[yellow]{'terminated' if isinstance(e, Terminated) else 'interrupted'}[/yellow]")
        raise typer.Exit(143 if isinstance(e, Terminated) else 130) from None


def _quiet_exit() -> None:
    """The reader went away (e.g. `| head`): stop quietly like other Unix tools."""
    try:
        sys.stdout = None  # type: ignore[assignment]
    finally:
        raise typer.Exit(0) from None


def load_settings(config: Optional[Path], isolated: bool, **flags) -> Settings:
    """The command's settings: ``--config FILE``, else the discovered file (none with ``--isolated``),
    with the flags given put over it (see :meth:`Settings.override`)."""
    if config is not None and isolated:
        raise ConfigError("--config and --isolated contradict each other; give one of them")
    return Settings.load(config, discover=not isolated).override(**flags)


def show_settings(settings: Settings, *, as_json: bool = False) -> None:
    """``--show-settings``: the resolved settings on stdout (TOML, or JSON), then exit 0."""
    if as_json:
        import json

        sys.stdout.write(json.dumps(settings.to_mapping(), indent=2) + "\n")
    else:
        sys.stdout.write(settings.dumps())
    raise typer.Exit(0)


def stdin_is_terminal() -> bool:
    """Whether stdin is an interactive terminal (tests replace this function)."""
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


def refuse_terminal_stdin(paths: Optional[list[Path]], *, announce: bool = False) -> None:
    """No path on a terminal would wait for typed input behind a spinner: a usage error instead.

    ``-`` asks for stdin explicitly; on a terminal, stderr says that stdin is being read.
    """
    if not stdin_is_terminal():
        return
    if not paths:
        raise ConfigError("no input given: name files or folders, or '-' to read stdin (e.g. cat in.jsonl | repair run -)")
    if announce and any(str(p) == "-" for p in paths):
        err.print("reading from stdin (end with Ctrl-D)")


def refuse_missing_inputs(paths: Iterable[Optional[Path]]) -> None:
    """A path given that names no file or folder (a typo) is a usage error (exit 2) on every command,
    said in one line naming it, before anything is read or written (no output file or folder is
    created). ``None`` entries (an option not given) and ``-`` (stdin) are skipped."""
    missing = missing_inputs(p for p in paths if p is not None)
    if missing:
        raise ConfigError("; ".join(str(m) for m in missing) + "; nothing was read or written")


def load_config(settings: Settings, **kw) -> Config:
    """The pipeline for ``settings`` (``kw``: ``stages``, see :meth:`Config.from_settings`).

    A language model named by file that cannot run is a configuration error; the bundled one
    (``auto``) missing is said once, and the run goes on without it (each record's
    ``evidence.model.path`` says which path ran)."""
    cfg = Config.from_settings(settings, **kw)
    loaded()  # the modules and compiled rules out of the collector's reach (see repair.gcpolicy)
    if cfg.model != "off" and "detect" in cfg.stages:
        from repair.spin.lm import available

        ok, why = available(None if cfg.model == "auto" else cfg.model)
        if not ok and cfg.model != "auto":
            raise ConfigError(f"--model {cfg.model}: {why}")
        if not ok:
            err.print(f"[yellow]note:[/yellow] no language model ({escape(why)}); repairs are judged by the "
                      "learned tables alone (the rules-only path)", soft_wrap=True)
            cfg.model = "off"
    return cfg


def progress_enabled(quiet: bool, console: Console | None = None) -> bool:
    """Show the progress bar only on a terminal (stderr), never when piped or with --quiet.

    The bar is drawn on stderr, so stdout (records) is never touched by it.
    """
    return not quiet and (console if console is not None else err).is_terminal


def process(paths: Optional[list[Path]], text_field: str, handle: Callable[[Document], None],
            on_error: Callable[[InputError], None], *, quiet: bool, work: Callable[[Document], Document],
            jobs: int = 1, select: Callable[[Path], bool] | None = None, executor: Any = None,
            items: Iterable | None = None) -> None:
    """Stream documents through ``work`` then ``handle``; report unreadable ones and go on.

    With ``jobs > 1``, ``work`` runs in that many worker processes (it must be picklable, see
    :class:`repair.executor.PipelineWork`); with an ``executor`` (:class:`repair.cluster.DaskExecutor`),
    on its cluster. Documents still reach ``handle`` in input order. ``items``: the cleaned items,
    already streaming (a resumable run's, see :class:`repair.resume.WorkFolder`), instead of reading ``paths``.
    """
    refuse_terminal_stdin(paths, announce=True)
    refuse_missing_inputs(paths or [])  # a command that has not said so already
    if items is not None:
        pass
    elif executor is not None:  # a Dask cluster reads its partitions itself
        items = executor.imap(work, [str(p) for p in (paths or [])], text_field, select)
    else:
        items = imap(work, read_documents([str(p) for p in (paths or [])], text_field=text_field, select=select),
                     jobs=jobs)
    try:
        _loop(items, handle, on_error, paths, quiet)
    finally:  # a stop (--max-errors, Ctrl-C) ends the workers now, not when the exception is collected
        close = getattr(items, "close", None)
        if close is not None:
            close()


def _loop(items: Iterable, handle: Callable[[Document], None], on_error: Callable[[InputError], None],
          paths: Optional[list[Path]], quiet: bool) -> None:
    if progress_enabled(quiet):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        total = count_documents([str(p) for p in (paths or [])])  # None on stdin: no ETA then
        with Progress(SpinnerColumn(), TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                      TextColumn("eta"), TimeRemainingColumn(), console=_real(err), transient=True) as bar:
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
        return
    try:
        handle(item)
    except (TypeError, ValueError, RecursionError) as e:  # this record cannot be written (nothing of it was): go on
        on_error(InputError(str(item.origin.get("path", item.id)), f"document {item.id}: cannot be written "
                            f"({type(e).__name__}: {str(e)[:200]})", item.origin.get("line")))


def clean(text: str) -> str:
    """Input echoed on the console: control characters and terminal escapes shown as escapes
    (:func:`repair.errors.printable`), then rich markup escaped."""
    return escape(printable(text))


def report_error(e: InputError) -> None:
    err.print(f"[red]error:[/red] {clean(str(e))}", soft_wrap=True)


class ErrorLog:
    """A command's per-document errors, as ``on_error``: one line each on stderr naming the file and
    line, no traceback. An error that repeats (the same reason, see :func:`repair.errors.error_kind`)
    is shown in full for its first :data:`SHOWN_PER_KIND` documents, then counted, and the count is
    said in one line when the log closes (``... and 997 more lines (4 to 1000): no 'txt' field``).

    ``max_errors`` (``--max-errors``; 0: no limit): the N-th failed document stops the run with
    :class:`TooManyErrors` (exit 1); ``lost`` says what the stop leaves unwritten. ``echo=False``
    prints nothing unless the run stops (``check -q`` lists its failures in its report, which a stop
    never writes). Use it as a context manager: the counts are said on the way out, also when the
    run stops.
    """

    def __init__(self, max_errors: int = 0, *, echo: bool = True, lost: str = "") -> None:
        self.max_errors = max_errors
        self.echo = echo
        self.lost = lost
        self.count = 0
        self.repeats = Repeats(SHOWN_PER_KIND)
        self._held: list[InputError] = []  # echo=False: the errors a stop prints after all
        self._closed = False

    def __call__(self, e: InputError) -> None:
        self.count += 1
        if self.repeats.see(e):
            if self.echo:
                report_error(e)
            elif self.max_errors:
                self._held.append(e)
        if self.max_errors and self.count >= self.max_errors:
            if not self.echo:
                self.echo = True
                for held in self._held:
                    report_error(held)
            self.close()
            n = self.count
            raise TooManyErrors(f"stopped after {n} failed document{'s' if n != 1 else ''} (--max-errors "
                                f"{self.max_errors})" + (f"; {self.lost}" if self.lost else ""))

    def close(self) -> None:
        """Say the counts of the errors not shown (once)."""
        if self._closed:
            return
        self._closed = True
        if self.echo:
            for line in self.repeats.summaries():
                err.print(f"[red]error:[/red] {clean(line)}", soft_wrap=True)

    def __enter__(self) -> "ErrorLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unwritten(output: Optional[Path]) -> str:
    """What a stopped run leaves unwritten, for :class:`ErrorLog`'s message."""
    if output is None:
        return "the records on stdout stop there"
    return f"nothing was written to {output}"
