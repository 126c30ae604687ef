"""`repair bench`: issue 3's quality metrics on spun/original pairs and clean news."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from repair.authoring.benchmark import Report, run_files
from repair.cli import options as opt
from repair.cli.common import ErrorLog, app, boundary, err, load_config, load_settings, refuse_missing_inputs, show_settings
from repair.errors import ConfigError
from repair.pipeline import STAGE_ORDER
from repair.selection import selection_of
from repair.spin.table import iter_pairs, learn_tables

_WIDE = 160  # the tables are wider than 80 columns: the width used when stdout is not a terminal

PairsFile = Annotated[Path, typer.Argument(help='JSON lines {"id", "family", "spun", "original"}.', dir_okay=False)]
CleanFile = Annotated[Path, typer.Argument(help='Clean news: JSON lines {"id", "text"} (or .txt files / a folder).')]
AsJson = Annotated[bool, typer.Option("--json", help="Print the figures as one JSON object instead of tables.")]
PerDoc = Annotated[bool, typer.Option("--per-doc", help="Also show (or include in --json) every document's scores.")]


LearnFrom = Annotated[Optional[Path], typer.Option("--learn-from", dir_okay=False, show_default=False,
                                                   help="Learn the substitution tables from these pairs and "
                                                        "measure with them alone (not the built-in tables): "
                                                        "learn from one file, score on another.")]


@app.command("bench")
def bench(pairs: PairsFile, clean: CleanFile, rules: opt.RulesDirs = None, threshold: opt.Threshold = None,
          only: opt.Only = None, skip: opt.Skip = None, text_field: opt.TextField = None, model: opt.Model = None, model_device: opt.ModelDevice = None,
          learn_from: LearnFrom = None, as_json: AsJson = False, per_doc: PerDoc = False, config: opt.ConfigFile = None,
          isolated: opt.Isolated = False, extend_rules: opt.ExtendRules = None, include: opt.Include = None,
          exclude: opt.Exclude = None, respect_gitignore: opt.RespectGitignore = None, show: opt.ShowSettings = False,
          max_errors: opt.MaxErrors = None) -> None:
    """Measure repair quality: restoration, damage, clean changes per 10k words, doc recall and FPR.

    [bold]repair bench pairs.jsonl clean.jsonl[/bold] runs what [bold]repair run[/bold] does on every spun
    text and every clean text and compares tokens (see README, "Benchmarking repair quality").
    [bold]--learn-from train.jsonl[/bold] learns the tables from other pairs first, so the figures say how the tool generalises.
    """
    with boundary(), tempfile.TemporaryDirectory(prefix="repair-bench-") as tmp:
        s = load_settings(config, isolated, rules=rules, only=only, skip=skip, threshold=threshold,
                          text_field=text_field, model=model, model_device=model_device, extend_rules=extend_rules, include=include,
                          exclude=exclude, respect_gitignore=respect_gitignore, max_errors=max_errors)
        if show:
            show_settings(s, as_json=as_json)
        refuse_missing_inputs([pairs, clean, learn_from])
        cfg = load_config(s, stages=STAGE_ORDER)
        if learn_from is not None:
            if learn_from.resolve() == pairs.resolve():
                raise ConfigError(f"--learn-from {learn_from}: the pairs measured; learn from another file")
            learn_tables(iter_pairs(learn_from)).save(tmp)
            cfg.tables, cfg.builtin_tables = (tmp,), False
        with ErrorLog(s.max_errors, lost="no figures were printed") as log:
            report, errors = run_files(pairs, clean, cfg, text_field=s.text_field, select=selection_of(s), on_error=log)
    if as_json:
        figures = report.as_dict(per_doc=per_doc)
        figures["config"] = {"threshold": cfg.threshold, "rules": list(cfg.rules.roots), "only": s.only,
                             "skip": s.skip, "model": cfg.model,
                             "tables": str(learn_from) if learn_from is not None else "built-in"}
        print(json.dumps(figures, ensure_ascii=False, indent=1))
    else:
        _tables(report, per_doc)
    if errors:
        raise typer.Exit(1)


def _f(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:.1%}" if pct else f"{x:.3f}"


def _print(table: Table) -> None:
    out = Console(highlight=False)
    if not out.is_terminal:
        out = Console(highlight=False, width=_WIDE)
    out.print(table)


def _tables(rep: Report, per_doc: bool) -> None:
    t = Table(title="Spun pairs", header_style="bold",
              caption="restoration = 1 - dist(repaired)/dist(spun), token edits to the original, summed")
    t.add_column("group", no_wrap=True, min_width=13)
    for col in ("pairs", "tokens", "dist spun", "dist rep.", "restoration", "damage", "fix prec.", "span rec.",
                "recall", "AUC"):
        t.add_column(col, justify="right", no_wrap=True)
    for g in rep.groups():
        t.add_row(escape(g.name), str(g.pairs), str(g.tokens), str(g.dist_spun), str(g.dist_repaired),
                  _f(g.restoration), _f(g.damage, True), _f(g.fix_precision, True), _f(g.span_recall, True),
                  _f(g.doc_recall, True), _f(g.auc), style="bold" if g is rep.overall else None)
    _print(t)
    c = rep.clean
    t = Table(title="Clean news", header_style="bold")
    for col in ("docs", "words", "token edits", "edits / 10k words", "docs changed", "doc FPR"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_row(str(c.docs), str(c.words), str(c.edits), _f(c.changes_per_10k), str(c.changed_docs),
              _f(c.doc_fpr, True))
    _print(t)
    if per_doc:
        t = Table(title="Per pair", header_style="bold")
        t.add_column("id", overflow="fold")
        t.add_column("family", no_wrap=True)
        for col in ("dist spun", "dist rep.", "restoration", "damaged", "spin", "applied", "flagged"):
            t.add_column(col, justify="right", no_wrap=True)
        for p in rep.pairs:
            t.add_row(escape(p.id), escape(p.family), str(p.dist_spun), str(p.dist_repaired), _f(p.restoration),
                      f"{p.damaged}/{p.matched}", f"{p.spin_score:.2f}", str(p.applied), str(p.flagged))
        _print(t)
        t = Table(title="Per clean document", header_style="bold")
        t.add_column("id", overflow="fold")
        for col in ("words", "token edits", "spin", "applied", "flagged"):
            t.add_column(col, justify="right", no_wrap=True)
        for d in rep.cleans:
            t.add_row(escape(d.id), str(d.words), str(d.edits), f"{d.spin_score:.2f}", str(d.applied),
                      str(d.flagged))
        _print(t)
    if not rep.pairs and not rep.cleans:
        err.print("[yellow]note:[/yellow] no pairs and no clean documents were read; nothing to measure.")
