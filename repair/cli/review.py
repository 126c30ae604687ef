"""Review commands: `repair diff` (side by side in the terminal) and the `emit --decisions` helpers."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Optional

import typer
from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from repair.cli import options as opt
from repair.cli.common import ErrorLog, app, boundary, err, load_config, load_settings, process, refuse_missing_inputs, show_settings
from repair.document import Document
from repair.errors import ConfigError, printable
from repair.model import Change, check_changes
from repair.pipeline import STAGE_ORDER, Config, run_document
from repair.readers import SUFFIXES_JSONL
from repair.review.align import Row, is_removal, rows, visible, word_core
from repair.review.decisions import Decisions, redecide  # noqa: F401
from repair.selection import selection_of
from repair.writers import unified_diff

DecisionsFile = opt.DecisionsFile  # declared with the shared options: `repair run` imports no rich for it


# ---------------------------------------------------------------- emit --decisions


def check_decision_inputs(paths: Optional[list[Path]]) -> None:
    """--decisions re-decides emitted records; raw text would silently get no review at all."""
    for p in paths or []:
        if str(p) != "-" and (p.is_dir() or p.suffix.lower() not in SUFFIXES_JSONL + (".parquet",)):
            raise ConfigError(f"{p}: --decisions re-decides emitted records; give it the records the report was "
                              "made from (e.g. out/records.jsonl or a .parquet of records), not text files or folders")


def decision_work(cfg: Config, decisions: Decisions, totals: dict[str, int]) -> Callable[[Document], Document]:
    """The per-document work of `emit --decisions`: finish any stage a piped record still needs, then re-decide.

    An emitted record (it carries changes and no ``stages``) is not run again: its changes are the
    ones the reviewer saw.
    """

    def work(doc: Document) -> Document:
        if doc.stages:  # a record from a stage command: finish the remaining stages first
            doc = run_document(doc, cfg)
        outcome = redecide(doc, decisions)
        for w in outcome.warnings:
            err.print(f"[yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)
        totals["accepted"] += outcome.accepted
        totals["rejected"] += outcome.rejected
        totals["changed"] += outcome.flipped
        totals["warnings"] += len(outcome.warnings)
        return doc

    return work


def decisions_summary(decisions: Decisions, totals: dict[str, int], quiet: bool) -> None:
    for w in decisions.unused():
        err.print(f"[yellow]warning:[/yellow] {escape(w)}", soft_wrap=True)
    if not quiet:
        err.print(f"decisions: {totals['accepted']} changes accepted, {totals['rejected']} rejected "
                  f"({totals['changed']} differ from the tool's choice).", soft_wrap=True)


# ---------------------------------------------------------------- repair diff

STYLE_DEL = "red strike"
STYLE_INS = "bold green"
STYLE_FLAG = "black on yellow"
STYLE_GONE = "italic red"
DocFilter = Annotated[Optional[list[str]], typer.Option("--doc", help="Only documents whose id contains this "
                                                                        "(repeatable).", show_default=False)]


def _shown(s: str) -> str:
    """Document text on the terminal: terminal escapes and other controls shown, never acted on."""
    return printable(s, keep="\n\t")


def _cells(row: Row, source: str, changes: list[Change]) -> tuple[Text, Text, Text]:
    left, right, notes = Text(), Text(), Text()
    removal = is_removal(row, changes)
    last = len(row.items) - 1
    for n, it in enumerate(row.items):
        if isinstance(it, str):
            t = _shown(it[:-1] if n == last and it.endswith("\n") else it)
            left.append(t)
            right.append(t)
            continue
        c = changes[it]
        pre, b, a, suf = (_shown(x) for x in word_core(c.before, c.after))
        left.append(pre)
        left.append(visible(b) or "\u2205", style=STYLE_DEL if c.applied else STYLE_FLAG)
        left.append(suf)
        if c.applied and (removal or (not c.after.strip() and "\n" in c.before and c.before.strip())):
            right.append(f"removed \u00b7 {printable(c.rule)}", style=STYLE_GONE)
        elif c.applied:
            right.append(pre)
            right.append(visible(a) or "\u2205", style=STYLE_INS)
            right.append(suf)
        else:
            right.append(pre)
            right.append(visible(b), style=STYLE_FLAG)
            right.append(" [\u2192 " + (visible(a) or "\u2205") + "]", style="dim italic")
            right.append(suf)
        if notes:
            notes.append("\n")
        notes.append(printable(c.rule), style="bold" if c.applied else "bold yellow")
        notes.append(f" {printable(c.stage)} {c.confidence:.2f}" + ("" if c.applied else " flagged"),
                     style="dim" if c.applied else "yellow")
    for t in (left, right):
        t.rstrip()
    return left, right, notes


CHUNK = 100  # rows per table: long documents stream out instead of being laid out in one piece


def render_diff(doc: Document, *, context: int = 0, show_all: bool = False) -> Group:
    """A rich renderable: the document's changed paragraphs side by side, with a little context."""
    return Group(*iter_diff(doc, context=context, show_all=show_all))


def iter_diff(doc: Document, *, context: int = 0, show_all: bool = False) -> Iterator[Any]:
    """The same view as a stream of renderables (a heading, then tables of up to CHUNK rows)."""
    changes = check_changes(doc.source, doc.changes)
    applied = sum(c.applied for c in changes)
    fam = f" ({printable(doc.family)})" if doc.family else ""
    yield Rule(Text(f"{printable(doc.id)}  \u00b7  spin {doc.spin_score:.2f}{fam}  \u00b7  {applied} applied  \u00b7  "
                    f"{len(changes) - applied} flagged"), align="left", style="cyan")
    if not changes:
        yield Text("no changes", style="dim")
        return
    all_rows = rows(doc.source, changes)
    lines = []
    ln = 1
    for r in all_rows:
        lines.append(ln)
        ln += doc.source.count("\n", r.start, r.end)
    keep = [False] * len(all_rows)
    for i, r in enumerate(all_rows):
        if r.changed or show_all:
            for j in range(max(0, i - context), min(len(all_rows), i + context + 1)):
                keep[j] = True
    num_width = max(4, len(str(ln)))

    def new_table(first: bool) -> Table:
        t = Table(show_header=first, header_style="bold", expand=True, show_lines=True, pad_edge=False,
                  box=box.SIMPLE)
        t.add_column("line", justify="right", style="dim", width=num_width, no_wrap=True)
        t.add_column("original", ratio=1)
        t.add_column("cleaned", ratio=1)
        t.add_column("change", width=34, overflow="fold")
        return t

    def folded(n: int) -> tuple[str, Text, str, str]:
        return "", Text(f"\u2026 {n} unchanged paragraph{'s' if n != 1 else ''}", style="dim"), "", ""

    table = new_table(True)
    hidden = 0
    for i, r in enumerate(all_rows):
        if not keep[i] or not (r.changed or doc.source[r.start:r.end].strip()):
            hidden += bool(doc.source[r.start:r.end].strip())
            continue
        if table.row_count >= CHUNK:
            yield table
            table = new_table(False)
        if hidden:
            table.add_row(*folded(hidden))
            hidden = 0
        if r.changed:
            left, right, notes = _cells(r, doc.source, changes)
        else:
            t = _shown(doc.source[r.start:r.end].rstrip("\n"))
            left, right, notes = Text(t, style="dim"), Text(t, style="dim"), Text()
        table.add_row(str(lines[i]), left, right, notes)
    if hidden:
        table.add_row(*folded(hidden))
    yield table


def _prepare(cfg: Config) -> Callable[[Document], Document]:
    def work(doc: Document) -> Document:
        if doc.emitted:
            return doc  # an emitted record: show it as recorded
        return run_document(doc, cfg)

    return work


class _StdoutConsole(Console):
    """rich exits 1 when the reader goes away; `| head` should stop quietly (exit 0) as with -u."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


@app.command("diff")
def diff(paths: opt.Paths = None, rules: opt.RulesDirs = None, text_field: opt.TextField = None, only: opt.Only = None,
         skip: opt.Skip = None, threshold: opt.Threshold = None, doc_filter: DocFilter = None,
         context: Annotated[int, typer.Option("--context", "-C", min=0, help="Unchanged paragraphs shown around "
                                                                            "each change.")] = 0,
         show_all: Annotated[bool, typer.Option("--all", help="Show every paragraph, not only changed ones.")] = False,
         unified: Annotated[bool, typer.Option("--unified", "-u", help="Print plain unified diffs (for git-style "
                                                                       "tools) instead of the side-by-side view.")] = False,
         width: Annotated[Optional[int], typer.Option("--width", min=60, help="Terminal width to lay out for.",
                                                      show_default=False)] = None,
         config: opt.ConfigFile = None, isolated: opt.Isolated = False, extend_rules: opt.ExtendRules = None,
         include: opt.Include = None, exclude: opt.Exclude = None, respect_gitignore: opt.RespectGitignore = None,
         show_settings_: opt.ShowSettings = False, max_errors: opt.MaxErrors = None) -> None:
    """Show what the tool changed, side by side: original left, cleaned right, by paragraph.

    A .txt file (or raw records) is cleaned first; emitted records (e.g. out/records.jsonl) are
    shown as recorded. Applied changes are red/green, flagged ones yellow with the suggestion.
    """
    with boundary():
        s = load_settings(config, isolated, rules=rules, only=only, skip=skip, threshold=threshold,
                          text_field=text_field, extend_rules=extend_rules, include=include, exclude=exclude,
                          respect_gitignore=respect_gitignore, max_errors=max_errors)
        if show_settings_:
            show_settings(s)
        refuse_missing_inputs(paths or [])
        cfg = load_config(s, stages=STAGE_ORDER)
        out = (_StdoutConsole(width=width, highlight=False, soft_wrap=False) if width
               else _StdoutConsole(highlight=False))
        log = ErrorLog(s.max_errors, lost="the diffs on stdout stop there")

        def show(doc: Document) -> None:
            if doc_filter and not any(f in doc.id for f in doc_filter):
                return
            if unified:
                text = _shown(unified_diff(doc, printable(doc.id)))
                if text:
                    sys.stdout.write(text)
                    sys.stdout.flush()
                return
            for part in iter_diff(doc, context=context, show_all=show_all):
                out.print(part)

        with log:
            process(paths, s.text_field, show, log, quiet=True, work=_prepare(cfg), select=selection_of(s))
        if log.count:
            raise typer.Exit(1)
