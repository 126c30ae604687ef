"""Stage commands (normalise, detect, match, emit) and `run` (all stages in one process)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from repair.cli import options as opt
from repair.cli.common import (
    ErrorLog,
    app,
    boundary,
    clean,
    err,
    escape,
    load_config,
    load_settings,
    process,
    refuse_missing_inputs,
    refuse_terminal_stdin,
    show_settings,
    terminate_as_interrupt,
    unwritten,
)
from repair.cli.grammar import GrammarFlag, GrammarScope, GrammarWatch, LtServer
from repair.errors import ConfigError, InputError, RepairError
from repair.executor import PipelineWork, imap_partitions
from repair.model import SPUN
from repair.partitions import TARGET_BYTES, plan
from repair.pipeline import STAGE_ORDER, Config
from repair.resume import WorkFolder, fingerprint
from repair.selection import selection_of
from repair.writers import FolderSink, JsonlSink, ParquetSink, TextSink, refuse_text_output

Output = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="A .jsonl (or .parquet) file for the records; a folder for the cleaned files "
                                        "(in its cleaned/ folder, at the inputs' relative paths), records.jsonl, documents.jsonl, diffs and "
                                        "report.json (--review adds the HTML review report); or a .txt file for the "
                                        "cleaned text of one text input alone (its record is not kept: use a folder "
                                        "or a .jsonl output for that). Default: JSON lines on stdout.",
                 show_default=False),
]
StageOutput = Annotated[
    Optional[Path],
    typer.Option("--output", "-o", help="A .jsonl (or .parquet) file for the records. Default: JSON lines on stdout.",
                 show_default=False),
]
ExecutorKind = Annotated[Optional[str], typer.Option(
    "--executor", help="Where documents are cleaned: local (this process, or --jobs N) or dask (a Dask cluster; "
                       "see the README, \"Running on a cluster\"). Default: [executor] kind in repair.toml, else local.",
    show_default=False)]
Scheduler = Annotated[Optional[str], typer.Option(
    "--scheduler", help="Address of a Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --executor dask).",
    show_default=False)]
Workers = Annotated[Optional[int], typer.Option(
    "--workers", min=1, help="Dask worker processes to start on this machine (implies --executor dask; default 2).",
    show_default=False)]
Resume = Annotated[bool, typer.Option(
    "--resume", help="Go on from where an interrupted run writing the same -o stopped: the partitions it "
                     "completed are not cleaned again; the output is what one uninterrupted run writes. Refused "
                     "when the inputs, settings or rules differ from that run's.")]
NoDiffs = Annotated[bool, typer.Option("--no-diffs", help="Do not write per-document unified diffs.")]
Review = Annotated[bool, typer.Option("--review", help="With a folder output, also write the HTML review report "
                                                      "(index.html and review/, about 50 KB a document): each "
                                                      "document's changes side by side, to accept or reject in a "
                                                      "browser (default: review in repair.toml, else off).")]
NoReport = Annotated[bool, typer.Option("--no-report", help="Do not write the HTML review report: the default; "
                                                            "this overrides review = true in repair.toml.")]


def _review(review: bool, no_report: bool) -> bool | None:
    """The --review / --no-report flags as a setting (None: neither given, the configuration decides)."""
    if review and no_report:
        raise ConfigError("--review and --no-report contradict each other; give one of them")
    return True if review else False if no_report else None


def _stage_command(name: str, doc: str) -> None:
    upto = STAGE_ORDER[: STAGE_ORDER.index(name) + 1]

    def command(paths: opt.Paths = None, output: StageOutput = None, rules: opt.RulesDirs = None, text_field: opt.TextField = None,
                only: opt.Only = None, skip: opt.Skip = None, threshold: opt.Threshold = None, model: opt.Model = None, model_device: opt.ModelDevice = None,
                config: opt.ConfigFile = None, isolated: opt.Isolated = False, quiet: opt.Quiet = False,
                extend_rules: opt.ExtendRules = None, show: opt.ShowSettings = False, include: opt.Include = None,
                exclude: opt.Exclude = None, respect_gitignore: opt.RespectGitignore = None,
                max_errors: opt.MaxErrors = None) -> None:
        with boundary():
            s = load_settings(config, isolated, rules=rules, only=only, skip=skip, threshold=threshold,
                              text_field=text_field, extend_rules=extend_rules, model=model, model_device=model_device, include=include,
                              exclude=exclude, respect_gitignore=respect_gitignore, max_errors=max_errors)
            if show:
                show_settings(s)
            _run(load_config(s, stages=upto), paths, output, s.text_field, quiet, final=False, diffs=True,
                 select=selection_of(s), max_errors=s.max_errors)

    command.__doc__ = doc
    app.command(name)(command)


_stage_command("normalise", """Fix encodings (ftfy), Unicode form, line breaks, spaces and scraping debris.

Writes JSON lines (one record per document) for the next stage; removed boilerplate lines are
recorded as changes like any other. Records already emitted (out/records.jsonl) fail, each as an unreadable document does (exit 1).""")
_stage_command("detect", """Find spun passages and score each document (spin_score, family).

Proposes repairs without changing the text. Runs normalise first on records that have not had it.
Records already emitted (out/records.jsonl) fail, each as an unreadable document does (exit 1): judge them with repair check.""")
_stage_command("match", """Resolve spun names and set phrases to canonical terms (rapidfuzz on candidate windows).

Proposes repairs without changing the text. Runs earlier stages on records that have not had them.
Records already emitted (out/records.jsonl) fail, each as an unreadable document does (exit 1): judge them with repair check.""")


@app.command("emit")
def emit(paths: opt.Paths = None, output: Output = None, rules: opt.RulesDirs = None, text_field: opt.TextField = None,
         only: opt.Only = None, skip: opt.Skip = None, threshold: opt.Threshold = None, model: opt.Model = None, model_device: opt.ModelDevice = None,
         decisions: opt.DecisionsFile = None, review: Review = False, no_report: NoReport = False, jobs: opt.Jobs = 1,
         config: opt.ConfigFile = None,
         isolated: opt.Isolated = False, quiet: opt.Quiet = False, extend_rules: opt.ExtendRules = None,
         show: opt.ShowSettings = False, include: opt.Include = None, exclude: opt.Exclude = None,
         respect_gitignore: opt.RespectGitignore = None, max_errors: opt.MaxErrors = None) -> None:
    """Apply proposals at or above --threshold, flag the rest; write records or a folder.

    With -o FOLDER: cleaned files at the inputs' relative paths under cleaned/, records.jsonl, unified diffs and
    report.json; --review adds the review report (index.html). With --decisions FILE: re-decide
    emitted records as a reviewer chose. Without it, records already emitted (out/records.jsonl) fail,
    each as an unreadable document does (exit 1): their figures are final; judge them with repair check.
    """
    with boundary():
        s = load_settings(config, isolated, rules=rules, only=only, skip=skip, threshold=threshold,
                          text_field=text_field, extend_rules=extend_rules, model=model, model_device=model_device, include=include,
                          exclude=exclude, respect_gitignore=respect_gitignore, max_errors=max_errors,
                          review=_review(review, no_report))
        if show:
            show_settings(s)
        cfg = load_config(s, stages=STAGE_ORDER)  # emit is the last stage: grammar runs under `run` only
        refuse_missing_inputs(paths or [])
        if decisions is not None:
            from repair.cli.review import check_decision_inputs

            check_decision_inputs(paths)
        _run(cfg, paths, output, s.text_field, quiet, final=True, diffs=True,
             decisions=_load_decisions(decisions) if decisions is not None else None, jobs=jobs,
             report=s.review, select=selection_of(s), max_errors=s.max_errors)


@app.command("run")
def run(paths: opt.Paths = None, output: Output = None, rules: opt.RulesDirs = None, text_field: opt.TextField = None,
        only: opt.Only = None, skip: opt.Skip = None, threshold: opt.Threshold = None, no_diffs: NoDiffs = False,
        review: Review = False, no_report: NoReport = False, grammar: GrammarFlag = None, lt_server: LtServer = None,
        grammar_scope: GrammarScope = None, model: opt.Model = None, model_device: opt.ModelDevice = None, jobs: opt.Jobs = 1, executor: ExecutorKind = None,
        scheduler: Scheduler = None, workers: Workers = None, resume: Resume = False, config: opt.ConfigFile = None,
        isolated: opt.Isolated = False, quiet: opt.Quiet = False, extend_rules: opt.ExtendRules = None,
        show: opt.ShowSettings = False, include: opt.Include = None, exclude: opt.Exclude = None,
        respect_gitignore: opt.RespectGitignore = None, max_errors: opt.MaxErrors = None) -> None:
    """Run every stage (normalise, detect, match, emit) in one process.

    [bold]repair run seeds/ -o out/[/bold] cleans a folder: cleaned files in out/cleaned/; records.jsonl, diffs and report.json in out/.
    [bold]--review[/bold] adds the HTML review report (out/index.html); [bold]-o clean.txt[/bold] takes one text file.
    [bold]--grammar[/bold] adds a LanguageTool check after emit (see the README, "Grammar checks").
    [bold]--executor dask --scheduler ADDRESS[/bold] cleans on a Dask cluster; the output is the same.
    [bold]--resume[/bold] goes on from where an interrupted run (SIGTERM, Ctrl-C, a crash) writing the same -o stopped.
    Settings come from repair.toml (or \\[tool.repair]) as for [bold]repair check[/bold]; flags override them.
    Records already emitted (out/records.jsonl) fail, each as an unreadable document does (exit 1): judge them with [bold]repair check[/bold].
    """
    with boundary():
        s = load_settings(config, isolated, rules=rules, only=only, skip=skip, threshold=threshold,
                          text_field=text_field, grammar=grammar, lt_server=lt_server,
                          grammar_scope=grammar_scope.value if grammar_scope else None, extend_rules=extend_rules,
                          include=include, exclude=exclude, respect_gitignore=respect_gitignore, model=model, model_device=model_device,
                          executor=executor, scheduler=scheduler, workers=workers, max_errors=max_errors,
                          review=_review(review, no_report))
        if show:
            show_settings(s)
        with terminate_as_interrupt():  # SIGTERM stops the run as Ctrl-C does: partitions recorded, temporaries gone
            _run(load_config(s), paths, output, s.text_field, quiet, final=True, diffs=not no_diffs, jobs=jobs,
                 report=s.review, select=selection_of(s), executor=_executor(s, jobs), resume=resume,
                 partition_bytes=max(1, int(s.executor.partition_mb * (1 << 20))), max_errors=s.max_errors)


def _load_decisions(path: Path) -> Any:
    from repair.review.decisions import load

    return load(path)


def _executor(s: Any, jobs: int) -> Any:
    """The Dask executor the settings ask for, or None for a local run."""
    ex = s.executor
    if ex.kind != "dask":
        return None
    if jobs > 1:
        raise ConfigError(f"--jobs {jobs} and --executor dask contradict each other; use --workers N for Dask")
    from repair.cluster import DaskExecutor

    return DaskExecutor(scheduler=ex.scheduler or None, workers=ex.workers or None,
                        partition_bytes=max(1, int(ex.partition_mb * (1 << 20))))


def _is_folder_target(output: Path) -> bool:
    return output.is_dir() or output.suffix.lower() not in (".jsonl", ".ndjson", ".json", ".parquet", ".txt")


def _is_text_target(output: Path) -> bool:
    return not output.is_dir() and output.suffix.lower() == ".txt"


def _run(cfg: Config, paths: Optional[list[Path]], output: Optional[Path], text_field: str, quiet: bool, *,
         final: bool, diffs: bool, decisions: Any = None, jobs: int = 1, report: bool = False,
         select: Any = None, executor: Any = None, resume: bool | None = None,
         partition_bytes: int = TARGET_BYTES, max_errors: int = 0) -> None:
    """Clean ``paths`` into ``output``. ``resume`` not None (``repair run``): a run to an output file
    or folder records the partitions it completes (:mod:`repair.resume`), and ``resume=True`` skips
    those an interrupted run recorded. ``report``: a folder output also gets the HTML review report.
    A run that cleans no document and fails some (a mistyped path, a wrong --text-field) writes no
    output at all, and leaves a previous one as it was."""
    if (jobs > 1 or executor is not None) and ("grammar" in cfg.stages or decisions is not None):
        what = f"--jobs {jobs}" if executor is None else "--executor dask"
        raise ConfigError(f"{what} cannot be combined with "
                          f"{'--grammar' if decisions is None else '--decisions'} (they run in one process); "
                          "use --jobs 1")
    refuse_terminal_stdin(paths)  # before any output is created
    refuse_missing_inputs(paths or [])
    text_out = output is not None and final and _is_text_target(output)
    if text_out:
        assert output is not None
        refuse_text_output(output, paths or [])
    inputs = tuple(p for p in (paths or []) if str(p) != "-")
    parts = None
    if resume is not None and output is not None and paths and len(inputs) == len(paths):
        parts = plan(inputs, partition_bytes, select)  # before the output is locked: a bad input fails fast
    elif resume:
        raise ConfigError("--resume needs an output (-o FILE or FOLDER) and input files: records streamed to stdout, "
                          "or read from stdin, cannot be resumed")
    sink: Any
    if text_out:
        assert output is not None
        sink = TextSink(output, inputs=inputs)
    elif output is not None and final and _is_folder_target(output):
        sink = FolderSink(output, inputs=inputs, diffs=diffs)
        if report:
            from repair.review.html import HtmlReport  # the review package only for a review

            sink.listeners.append(HtmlReport(output, into=sink.dir))  # index.html + review/: the side-by-side review report
    elif output is not None and output.suffix.lower() == ".parquet":
        sink = ParquetSink(output, final=final, inputs=inputs)
    else:
        sink = JsonlSink(output, final=final, inputs=inputs)
    log = ErrorLog(max_errors, lost=unwritten(output))

    def on_error(e: InputError) -> None:
        sink.stats.fail(e)
        log(e)

    work: Any = PipelineWork(cfg)  # run_document(doc, cfg), picklable for --jobs

    watch = GrammarWatch() if "grammar" in cfg.stages else None
    if watch is not None:
        work = watch.wrap(work)  # says once when LanguageTool is unavailable

    totals = {"accepted": 0, "rejected": 0, "changed": 0, "warnings": 0}
    if decisions is not None:
        from repair.cli.review import decision_work

        work = decision_work(cfg, decisions, totals)

    folder: WorkFolder | None = None
    items = None
    ok = False
    nothing = False  # nothing cleaned and something failed: no output is written
    try:
        if parts is not None:
            assert output is not None
            folder = WorkFolder(output, fingerprint(cfg, parts, text_field), parts, resume=bool(resume))
            if folder.note and not quiet:
                err.print(f"[yellow]note:[/yellow] {clean(folder.note)}", soft_wrap=True)
            run_parts = (partial(executor.imap_partitions, work, text_field=text_field) if executor is not None
                         else partial(imap_partitions, work, text_field=text_field, jobs=jobs))
            items = folder.items(run_parts)
            sink.published.append(folder.finish)  # under the output's lock: no later run finds it half-removed
        with log:
            process(paths, text_field, partial(_add_staged, sink.add, on_error, redecide=decisions is not None), on_error,
                    quiet=quiet, work=work, jobs=jobs, select=select,
                    executor=executor, items=items)
        nothing = output is not None and log.count > 0 and sink.stats.documents == 0
        ok = not nothing
        if nothing and folder is not None:
            folder.finish()  # the run is over: nothing to resume
    except (KeyboardInterrupt, RepairError):
        if folder is not None and folder.done:
            err.print(f"[yellow]note:[/yellow] {clean(folder.summary())}", soft_wrap=True)
        elif folder is not None:
            folder.finish()  # nothing completed: nothing to resume, nothing left beside the output
        raise
    finally:
        sink.close(ok=ok)
    stats = sink.stats
    if decisions is not None:
        from repair.cli.review import decisions_summary

        decisions_summary(decisions, totals, quiet)
    if not quiet and (output is not None or log.count):
        _summary(stats, output, sink=sink, written=not nothing)
    if watch is not None and not quiet:
        watch.summary()
    if log.count:
        raise typer.Exit(1)


def _add_staged(add: Any, on_error: Any, doc: Any, *, redecide: bool) -> None:
    """``add`` a cleaned document, unless it was read from an emitted record (:attr:`Document.emitted`:
    what ``run``/``emit`` write, e.g. out/records.jsonl): the stages would run again on its cleaned
    text and replace its recorded spin score and changes, so it fails as a document that cannot be
    read does (one line naming its file and line, collapsed when it repeats; exit 1; the rest of the
    batch goes on, and a run that cleans nothing writes nothing). ``emit --decisions`` (``redecide``)
    is what re-decides such records."""
    if doc.emitted and not redecide:
        where = doc.read_from or doc.origin
        on_error(InputError(str(where.get("path") or doc.id), EMITTED, where.get("line")))
        return
    add(doc)


EMITTED = ("already emitted (a record written by repair run or emit): its figures are final, and running the stages "
           "again would overwrite them; judge it with repair check, show it with repair diff, re-decide it with "
           "repair emit --decisions, or run on the original input")


def _summary(stats, output: Optional[Path], *, sink: Any, written: bool = True) -> None:
    from rich.table import Table

    d = stats.as_dict()
    table = Table(title=None, show_header=True, header_style="bold")
    table.add_column("stage")
    table.add_column("rule")
    table.add_column("applied", justify="right")
    table.add_column("flagged", justify="right")
    for stage, rules in d["by_rule"].items():
        for rule, c in sorted(rules.items(), key=lambda kv: -(kv[1]["applied"] + kv[1]["flagged"]))[:15]:
            table.add_row(clean(stage), clean(rule), str(c["applied"]), str(c["flagged"]))
    if d["by_rule"]:
        err.print(table)
    err.print(
        f"{d['documents']} documents cleaned, {d['failed']} failed; {d['changes']['applied']} changes applied, "
        f"{d['changes']['flagged']} flagged for review; {d['spun_documents']} look spun (spin_score >= {SPUN}).",
        soft_wrap=True,
    )
    if output is not None:
        where = escape(str(output))
        if not written:
            err.print(f"No document was cleaned, so nothing was written to [bold]{where}[/bold] (a previous output "
                      "there is left as it was).", soft_wrap=True)
        elif isinstance(sink, FolderSink):
            from repair.review.html import HtmlReport

            review = any(isinstance(x, HtmlReport) for x in sink.listeners)
            err.print(f"Cleaned files (in cleaned/), records.jsonl, diffs and report.json are in [bold]{where}[/bold].",
                      soft_wrap=True)
            if review:
                err.print(f"Review report: [bold]{escape(str(output / 'index.html'))}[/bold].", soft_wrap=True)
        elif isinstance(sink, TextSink):
            err.print(f"Cleaned text written to [bold]{where}[/bold].", soft_wrap=True)
        else:
            err.print(f"Records written to [bold]{where}[/bold].", soft_wrap=True)
