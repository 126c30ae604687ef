"""`repair check`: the corpus quality gate for CI (exit 0 pass, 1 fail, 2 usage or configuration error)."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from repair import pipeline
from repair.atomic import write_atomic
from repair.cli import options as opt
from repair.cli.common import (
    SHOWN_PER_KIND,
    ErrorLog,
    app,
    boundary,
    err,
    load_config,
    load_settings,
    process,
    refuse_missing_inputs,
    show_settings,
)
from repair.cli.grammar import GrammarFlag, GrammarScope, LtServer, Scope
from repair.document import Document
from repair.errors import ConfigError, InputError, Repeats, printable
from repair.gate.check import Checker, Report, rejudge
from repair.gate.figures import FIGURES, RuleFamilies, figure
from repair.gate.formats import RENDERERS, render_github
from repair.gate.judge import Baseline, MadeBy
from repair.provenance import record_provenance
from repair.schema import parse_limit
from repair.selection import selection_of
from repair.settings import CORPUS_LIMITS, DOCUMENT_LIMITS, Settings
from repair.writers import refuse_output_over_inputs


class Format(str, Enum):
    human = "human"
    json = "json"
    junit = "junit"
    sarif = "sarif"
    github = "github"



FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Report format.")]
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to this file "
                                                "(atomically) instead of stdout.", show_default=False)]
Max = Annotated[Optional[list[str]], typer.Option("--max", metavar="FIGURE=VALUE", help="Per-document limit "
                                                  "(repeatable), e.g. spin_score=0.4 or grammar_per_1k_words=off.",
                                                  show_default=False)]
CorpusMax = Annotated[Optional[list[str]], typer.Option("--corpus-max", metavar="FIGURE=VALUE",
                                                        help="Corpus limit (repeatable), e.g. spun_share=0.",
                                                        show_default=False)]
BaselineFile = Annotated[Optional[Path], typer.Option("--baseline", help="Judge against this baseline "
                                                      "(default: .repair-baseline.json when it exists).",
                                                      show_default=False)]
NoBaseline = Annotated[bool, typer.Option("--no-baseline", help="Ignore any baseline: limits only.")]
WriteBaseline = Annotated[Optional[Path], typer.Option("--write-baseline", help="Record today's figures as the "
                                                       "baseline in this file.", show_default=False)]
UpdateBaseline = Annotated[bool, typer.Option("--update-baseline", help="Lower the baseline's figures that "
                                              "improved (never raises one).")]
FailOnSkip = Annotated[Optional[bool], typer.Option("--fail-on-skip/--no-fail-on-skip", help="A skipped grammar "
                                                    "stage fails the check.", show_default=False)]
Top = Annotated[int, typer.Option("--top", min=1, help="Documents listed in the human table.")]
AllowEmpty = Annotated[bool, typer.Option("--allow-empty", help="Pass when no document is selected (default: a "
                                          "usage error, exit 2: an empty folder, only unknown suffixes). A path that names "
                                          "nothing is a usage error even so.")]
NoCorpus = Annotated[bool, typer.Option("--no-corpus", help="Judge documents only; corpus figures are reported, not "
                                        "judged (the pre-commit hook: a few staged files are not the corpus).")]
Explain = Annotated[bool, typer.Option("--explain", help="Say what each corpus figure measures.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Progress, warnings and what each figure measures.")]
AllowRulesChange = Annotated[bool, typer.Option("--allow-rules-change", help="Judge against a baseline recorded "
                                                "with other rules (its figures may not be comparable).")]
CheckQuiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print only what failed (one line each), nothing on "
                                          "a pass; no progress bar, no tables.")]


@dataclass(frozen=True, slots=True)
class View:
    """How the human report is drawn: --top, --quiet, --explain/-v."""

    top: int = 20
    quiet: bool = False
    explain: bool = False


@dataclass(slots=True)
class Overrides:
    """The flags that override the configuration file (None or empty: keep the file's value)."""

    maximum: Optional[list[str]] = None
    corpus_max: Optional[list[str]] = None
    grammar: Optional[bool] = None
    lt_server: Optional[str] = None
    grammar_scope: Optional[Scope] = None
    fail_on_skip: Optional[bool] = None
    rules: Optional[list[Path]] = None
    only: Optional[list[str]] = None
    skip: Optional[list[str]] = None
    threshold: Optional[float] = None
    text_field: Optional[str] = None
    extend_rules: Optional[list[Path]] = None
    include: Optional[list[str]] = None
    exclude: Optional[list[str]] = None
    respect_gitignore: Optional[bool] = None
    max_errors: Optional[int] = None


@dataclass(frozen=True, slots=True)
class BaselineFlags:
    """--baseline, --no-baseline, --write-baseline and --update-baseline."""

    path: Optional[Path] = None
    ignore: bool = False
    write: Optional[Path] = None
    update: bool = False
    allow_rules_change: bool = False

    def validate(self) -> None:
        if self.write is not None and self.update:
            raise typer.BadParameter("use either --write-baseline or --update-baseline", param_hint="--update-baseline")
        if self.ignore and (self.path is not None or self.update):
            raise typer.BadParameter("--no-baseline cannot be combined with --baseline or --update-baseline",
                                     param_hint="--no-baseline")


@app.command("check")
def check(paths: opt.Paths = None, fmt: FormatOpt = Format.human, output: Output = None, config: opt.ConfigFile = None,
          isolated: opt.Isolated = False,
          maximum: Max = None, corpus_max: CorpusMax = None, baseline: BaselineFile = None,
          no_baseline: NoBaseline = False, write_baseline: WriteBaseline = None, update_baseline: UpdateBaseline = False,
          grammar: GrammarFlag = None, lt_server: LtServer = None, grammar_scope: GrammarScope = None,
          fail_on_skip: FailOnSkip = None, rules: opt.RulesDirs = None, only: opt.Only = None, skip: opt.Skip = None,
          threshold: opt.Threshold = None, text_field: opt.TextField = None, top: Top = 20, quiet: CheckQuiet = False,
          extend_rules: opt.ExtendRules = None, show: opt.ShowSettings = False, allow_empty: AllowEmpty = False,
          no_corpus: NoCorpus = False, explain: Explain = False, verbose: Verbose = False, include: opt.Include = None,
          exclude: opt.Exclude = None, respect_gitignore: opt.RespectGitignore = None,
          allow_rules_change: AllowRulesChange = False, max_errors: opt.MaxErrors = None) -> None:
    """Judge a corpus for CI: exit 0 when every figure is within its limit, 1 when any is not, 2 on a usage or configuration error.

    Runs the pipeline without writing anything; records of an earlier run (out/records.jsonl) are judged by the figures they record, not cleaned again. Per document: spin score, mojibake fixed per 10k characters, share of boilerplate lines, spun phrases per 1,000 words and, with --grammar, grammar matches per 1,000 words; for the corpus the same plus the share of spun documents.

    Limits come from \\[tool.repair.check] in pyproject.toml (or \\[check] in repair.toml), then --max and --corpus-max. With a baseline ([bold]--write-baseline .repair-baseline.json[/bold] records one) only regressions fail.
    """
    flags = BaselineFlags(path=baseline, ignore=no_baseline, write=write_baseline, update=update_baseline,
                          allow_rules_change=allow_rules_change)
    overrides = Overrides(maximum=maximum, corpus_max=corpus_max, grammar=grammar, lt_server=lt_server,
                          grammar_scope=grammar_scope, fail_on_skip=fail_on_skip, rules=rules, only=only, skip=skip,
                          threshold=threshold, text_field=text_field, extend_rules=extend_rules, include=include,
                          exclude=exclude, respect_gitignore=respect_gitignore, max_errors=max_errors)
    with boundary():  # the one settings path and the one error boundary, as on every command
        settings, base, cfg = _prepare(paths, output, config, isolated, flags, overrides, show=show, fmt=fmt)
        made = MadeBy(base, record_provenance(cfg), allow=flags.allow_rules_change)
        report = _run(paths, settings, base, cfg, quiet, made, allow_empty=allow_empty, judge_corpus=not no_corpus)
        report.provenance = {**made.provenance(), "config": str(settings.path) if settings.path else None}
        if report.empty:
            err.print(f"[red]error:[/red] no documents selected by {escape(' '.join(map(str, paths or ['-'])))}; "
                      "check the paths and suffixes (.txt, .jsonl, .ndjson, .parquet), or pass --allow-empty",
                      soft_wrap=True)
        elif report.documents or not report.unreadable:
            report = _settle_baseline(report, base, flags, quiet)
        elif flags.write is not None or flags.update:  # every document failed to read: no figures to record
            err.print("[red]error:[/red] no baseline written: no document could be read", soft_wrap=True)
        _emit(report, fmt, output, View(top, quiet, explain or verbose))
    raise typer.Exit(report.exit_code)


def _prepare(paths: Optional[list[Path]], output: Optional[Path], config: Optional[Path], isolated: bool,
             flags: BaselineFlags, o: Overrides, *, show: bool = False,
             fmt: Format = Format.human) -> tuple[Settings, Optional[Baseline], pipeline.Config]:
    """Check the flags, load the settings (file, then flags), the baseline and the rules."""
    flags.validate()
    refuse_missing_inputs(paths or [])
    doc_limits = _limit_pairs(o.maximum, DOCUMENT_LIMITS, "--max")
    corpus_limits = _limit_pairs(o.corpus_max, CORPUS_LIMITS, "--corpus-max")
    for flag, target in (("--output", output), ("--write-baseline", flags.write)):
        if target is not None:
            refuse_output_over_inputs(target, paths or [], flag=flag)
    settings = load_settings(config, isolated, rules=o.rules, only=o.only, skip=o.skip, threshold=o.threshold,
                             text_field=o.text_field, grammar=o.grammar, lt_server=o.lt_server,
                             grammar_scope=o.grammar_scope.value if o.grammar_scope else None,
                             extend_rules=o.extend_rules, include=o.include, exclude=o.exclude,
                             respect_gitignore=o.respect_gitignore, max_errors=o.max_errors)
    settings.check.document.update(doc_limits)
    settings.check.corpus.update(corpus_limits)
    if o.fail_on_skip is not None:
        settings.check.fail_on_skip = o.fail_on_skip
    if show:
        show_settings(settings, as_json=fmt is Format.json)
    cfg = load_config(settings)
    base = _baseline(settings, flags)
    return settings, base, cfg


def _run(paths: Optional[list[Path]], settings: Settings, base: Optional[Baseline], cfg: pipeline.Config,
         quiet: bool, made: MadeBy, *, allow_empty: bool = False, judge_corpus: bool = True) -> Report:
    """Run the pipeline on every document and judge it; unreadable documents are reported and counted.

    ``made`` compares what made each document's figures with the baseline's provenance before it is
    judged (the rules in use; a record of an earlier run: its own provenance), and refuses other rules.

    Document ids are relative to the project root (the configuration file's folder, else the cwd).
    """
    checker = Checker(settings.check, grammar_enabled=bool(getattr(settings.grammar, "enabled", False)),
                      baseline=base, families=RuleFamilies(cfg.rules), root=settings.root, allow_empty=allow_empty,
                      judge_corpus=judge_corpus)

    log = ErrorLog(settings.max_errors, echo=not quiet, lost="no report or baseline was written")  # -q: in the report's lines

    def on_error(e: InputError) -> None:
        checker.fail(e)
        log(e)

    after_emit = [stage for stage in cfg.stages if stage not in pipeline.STAGE_ORDER]  # grammar, when on

    def work(doc: Document) -> Document:
        if doc.emitted:  # a record of an earlier run (out/records.jsonl): judged by its recorded figures
            if after_emit:
                recorded = doc.extra.get("provenance")
                doc = pipeline.run_document(doc, cfg, stages=after_emit)
                doc.extra["provenance"] = recorded  # what made its figures (the grammar stage adds one)
            return doc
        return pipeline.run_document(doc, cfg)

    def judge(doc: Document) -> None:  # in this process: a refused baseline stops the run (exit 2)
        recorded = doc.extra.get("provenance") if doc.emitted else None
        made.see(recorded if isinstance(recorded, dict) else None, doc.read_at or doc.id)
        checker.add(doc)

    with log:
        process(paths, settings.text_field, judge, on_error, quiet=quiet, work=work,
                select=selection_of(settings))
    report = checker.finish()
    if report.grammar == "skipped" and not quiet:
        err.print(f"[yellow]warning:[/yellow] grammar stage skipped: {escape(str(report.grammar_reason))}",
                  soft_wrap=True)
    return report


def _settle_baseline(report: Report, base: Optional[Baseline], flags: BaselineFlags, quiet: bool) -> Report:
    """--write-baseline records today's figures (and judges by them); --update-baseline lowers what improved."""
    if flags.write is not None:
        new = Baseline.from_report(report, flags.write, provenance=report.provenance)
        write_atomic(flags.write, new.dumps())
        if not quiet:
            err.print(f"Baseline written to [bold]{escape(str(flags.write))}[/bold] "
                      f"({len(new.documents)} documents).")
        return rejudge(report, new)
    if flags.update:
        assert base is not None and base.path is not None
        tighter, lowered = base.tightened(report)
        if lowered:
            write_atomic(base.path, tighter.dumps())
        if not quiet:
            err.print(f"Baseline {escape(str(base.path))}: {lowered} figure(s) tightened." if lowered
                      else f"Baseline {escape(str(base.path))}: nothing improved, unchanged.")
    return report


def _limit_pairs(values: Optional[list[str]], known: dict[str, float], flag: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in known:
            raise typer.BadParameter(f"{item!r}: expected FIGURE=VALUE with FIGURE one of {', '.join(known)}",
                                     param_hint=flag)
        try:
            out[name] = parse_limit(value, flag)
        except ConfigError as e:
            raise typer.BadParameter(str(e).split(": ", 1)[-1], param_hint=flag) from None
    return out


def _baseline(s: Settings, flags: BaselineFlags) -> Optional[Baseline]:
    """The baseline to judge by: --baseline, else the configured file when it exists; none with
    --no-baseline or --write-baseline."""
    if flags.ignore or flags.write is not None:
        return None
    if flags.path is not None:
        if not flags.path.is_file():
            raise ConfigError(f"{flags.path}: no such baseline; create it with --write-baseline {flags.path}")
        return Baseline.load(flags.path)
    default = s.resolve(s.check.baseline)
    if default.is_file():
        return Baseline.load(default)
    if flags.update:
        raise ConfigError(f"{default}: no baseline to update; create one with --write-baseline {s.check.baseline}")
    return None


# ---- output ---------------------------------------------------------------------------------------


def _emit(report: Report, fmt: Format, output: Optional[Path], view: View) -> None:
    quiet = view.quiet
    summary_md = None
    if fmt is Format.human:
        if output is None:
            if quiet:
                sys.stdout.write(_failure_lines(report))
            elif not report.empty:
                _human(report, Console(highlight=False), view)
            return
        if quiet:
            text = _failure_lines(report)
        else:
            buf = io.StringIO()
            _human(report, Console(file=buf, width=120, no_color=True, highlight=False), view)
            text = buf.getvalue()
    elif fmt is Format.github:
        text, summary_md = render_github(report)
    else:
        text = RENDERERS[fmt.value](report)
    if summary_md is not None and os.environ.get("GITHUB_STEP_SUMMARY"):
        try:
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
                f.write(summary_md)
        except OSError as e:  # the annotations and the exit code still tell the verdict
            err.print(f"[yellow]warning:[/yellow] cannot write the step summary to "
                      f"{escape(os.environ['GITHUB_STEP_SUMMARY'])} ({escape(e.strerror or str(e))})", soft_wrap=True)
    if output is not None:
        write_atomic(output, text)
        if not quiet:
            err.print(f"{escape(report.summary())}\nReport written to [bold]{escape(str(output))}[/bold].",
                      soft_wrap=True)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


_COLUMNS = tuple((f.name, f.label) for f in FIGURES if f.label)
_SHORT = dict(_COLUMNS)


def _cell(value, failing: bool, name: str) -> str:
    if value is None:
        return "-"
    text = f"{value:.0%}" if figure(name).percent else f"{value:.3g}"
    return f"[bold red]{text}[/bold red]" if failing else text


def _shorten(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, keeping its end (the file name).

    >>> _shorten("corpus/2021/a.txt", 10), _shorten("a.txt", 10)
    ('…021/a.txt', 'a.txt')
    """
    return text if len(text) <= width else "…" + text[len(text) - width + 1:]


def _failure_lines(report: Report) -> str:
    """``-q``: one line per failure (document, corpus figure, unreadable input), nothing on a pass."""
    lines = []
    for d in report.failed_documents:
        where = f"{d.path}:{d.record_line}" if d.path and d.record_line else (d.path or d.id)
        lines.append(f"{where}: {d.id}: " + "; ".join(v.describe() for v in d.failures))
    lines += [f"corpus: {v.describe()}" for v in report.corpus_failures]
    lines += [f"{where}: unreadable: {error}" if where else f"unreadable: {error}" for where, error in _unreadable(report)]
    if report.skip_fails:
        lines.append(f"grammar stage skipped: {report.grammar_reason}")
    return "".join(line + "\n" for line in lines)


def _unreadable(report: Report) -> list[tuple[str, str]]:
    """The unreadable inputs as ``(path:line, error)``; an error that repeats is listed for its first
    few documents, then counted in one line (``("", "feed.jsonl: ... and 997 more lines ...")``;
    --format json lists every one)."""
    repeats = Repeats(SHOWN_PER_KIND)
    lines = []
    for u in report.unreadable:
        if repeats.see(InputError(str(u["path"]), str(u["error"]), u["line"])):
            lines.append((f"{u['path']}:{u['line']}" if u["line"] else str(u["path"]), str(u["error"])))
    return lines + [("", summary) for summary in repeats.summaries()]


def _human(report: Report, out: Console, view: View) -> None:
    top = view.top
    show_grammar = report.grammar != "off"
    cols = [c for c in _COLUMNS if show_grammar or c[0] != "grammar_per_1k_words"]
    if report.documents:
        table = Table(show_header=True, header_style="bold", title="documents, worst first", title_justify="left")
        # an id is never broken over lines (it is what a person searches for): on a narrow terminal its
        # start gives way ("…" + the file name); -q and --format json give it whole
        why_width = 14
        fixed = sum(len(label) + 3 for _, label in cols) + (4 + 3) + (why_width + 3) + 1 + 3
        room = max(12, out.width - fixed)
        shown = report.documents[:top]
        id_width = min(room, max((len(d.id) for d in shown), default=8))
        table.add_column("", no_wrap=True, min_width=4)
        table.add_column("document", no_wrap=True, overflow="ellipsis", min_width=id_width)
        for _, label in cols:
            table.add_column(label, justify="right", no_wrap=True, min_width=len(label))
        table.add_column("why", overflow="fold", ratio=1, min_width=why_width)
        for d in report.documents[:top]:
            failing = {v.figure for v in d.failures}
            cells = [_cell(d.figures.get(f), f in failing, f) for f, _ in cols]
            if show_grammar and d.grammar == "skipped":
                cells[-1] = "[yellow]skipped[/yellow]"
            why = ", ".join(f"{_SHORT[v.figure]} > {_cell(v.limit, False, v.figure)}"
                            + (" (baseline)" if v.by == "baseline" else "") for v in d.failures)
            table.add_row("[red]FAIL[/red]" if failing else "[green]ok[/green]", escape(printable(_shorten(d.id, id_width))),
                          *cells, escape(printable(why)))
        out.print(table)
        if len(report.documents) > top:
            rest = report.documents[top:]
            n_bad = sum(1 for d in rest if not d.passed)
            out.print(f"... and {len(rest)} more document(s) ({n_bad} failing); --top N lists more, "
                      "--format json lists all.")
    ctable = Table(show_header=True, header_style="bold", title="corpus", title_justify="left")
    heads = (("figure", "left"), ("value", "right"), ("limit", "right"), ("", "left"))
    for name, justify in heads + ((("what it measures", "left"),) if view.explain else ()):
        ctable.add_column(name, justify=justify, no_wrap=name == "figure")  # type: ignore[arg-type]
    judged = {v.figure: v for v in report.corpus_verdicts}
    for fig, value in report.corpus.items():
        v = judged.get(fig)
        what = (figure(fig).description,) if view.explain else ()
        if value is None:
            state = "[yellow]skipped[/yellow]" if fig == "grammar_per_1k_words" and report.grammar == "skipped" else "-"
            ctable.add_row(fig, "-", "-", state, *what)
            continue
        off = "not judged" if report.corpus_note else "off"
        limit = off if v is None else _cell(v.limit, False, fig) + (" (baseline)" if v.by == "baseline" else "")
        state = "-" if v is None else ("[green]ok[/green]" if v.passed else "[red]FAIL[/red]")
        ctable.add_row(fig, _cell(value, v is not None and not v.passed, fig), limit, state, *what)
    out.print(ctable)
    for where, error in _unreadable(report):
        line = f"{where}: {error}" if where else error
        out.print(f"[red]unreadable[/red] {escape(printable(line))}", soft_wrap=True)
    colour = "green" if report.passed else "red"
    out.print(f"[{colour}]{escape(report.summary())}[/{colour}]", soft_wrap=True)
