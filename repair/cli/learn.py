"""`repair learn` (propose rules from spun/original pairs) and `repair import-pps` (the PPS lexicon)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from repair.cli import options as opt
from repair.cli.common import ErrorLog, app, boundary, err, load_settings, refuse_missing_inputs, show_settings
from repair.selection import selection_of
from repair.writers import refuse_output_over_inputs

PairsFile = Annotated[Path, typer.Argument(help='JSON lines {"id", "family", "spun", "original"}.', dir_okay=False)]
Out = Annotated[Path, typer.Option("--output", "-o", help="The rule pack to write (.toml); replaced atomically.",
                                   dir_okay=False)]


DEFAULT_OUTPUT = Path("learned-rules.toml")  # -o, for rules from pairs
DEFAULT_TERMS_OUTPUT = Path("corpus-terms.toml")  # -o, with --terms

TablesDir = Annotated[Optional[Path], typer.Option(
    "--tables", file_okay=False, show_default=False,
    help="Learn substitution tables (the spin model's) into this folder instead of a rule pack; use them with "
         "tables = [\"FOLDER\"] in repair.toml.")]
Spintax = Annotated[Optional[list[Path]], typer.Option(
    "--spintax", dir_okay=False, show_default=False,
    help="With --tables: also import a synonym database you hold, lines a|b|c or spintax {a|b|c} (repeatable).")]
TermsFrom = Annotated[Optional[list[Path]], typer.Option(
    "--terms", show_default=False,
    help="Learn the names a corpus uses (folder, .txt, JSONL, Parquet; repeatable) into a match pack of canonical "
         "terms (-o, default corpus-terms.toml); add it with --extend-rules.")]
Unpaired = Annotated[Optional[Path], typer.Option(
    "--unpaired", dir_okay=False, show_default=False,
    help='With --tables: spun articles without their original, JSON lines {"family", "text"}: how often the '
         "spinner emits each learned form (detection evidence).")]


@app.command("learn")
def learn(pairs: Annotated[Optional[Path], typer.Argument(help='JSON lines {"id", "family", "spun", "original"}.',
                                                          dir_okay=False, show_default=False)] = None,
          output: Annotated[Optional[Path], typer.Option(
              "--output", "-o", dir_okay=False, show_default=False,
              help="The rule pack to write (.toml; default learned-rules.toml, with --terms corpus-terms.toml); "
                   "replaced atomically.")] = None,
          tables: TablesDir = None, spintax: Spintax = None, unpaired: Unpaired = None, terms: TermsFrom = None,
          min_docs: Annotated[int, typer.Option("--min-docs", min=1, help="With --terms: keep a name seen in at "
                                                                          "least this many clean documents.")] = 2,
          clean: Annotated[Optional[Path], typer.Option(
              "--clean", help="Clean news (JSONL/txt/folder): a spun side seen there gets a flag-only rule.",
              show_default=False)] = None,
          min_count: Annotated[int, typer.Option("--min-count", min=1, help="Propose substitutions seen at least "
                                                                            "this often.")] = 2,
          family: Annotated[Optional[str], typer.Option("--family", help="Learn only from pairs of this family.",
                                                        show_default=False)] = None,
          max_ngram: Annotated[int, typer.Option("--max-ngram", min=1, help="Longest substitution, in tokens a "
                                                                            "side.")] = 4,
          rules: opt.RulesDirs = None, threshold: opt.Threshold = None, text_field: opt.TextField = None,
          config: opt.ConfigFile = None, isolated: opt.Isolated = False, extend_rules: opt.ExtendRules = None,
          include: opt.Include = None, exclude: opt.Exclude = None, respect_gitignore: opt.RespectGitignore = None,
          show: opt.ShowSettings = False, max_errors: opt.MaxErrors = None) -> None:
    """Learn from aligned spun/original pairs: substitution tables for the spin model, or rules to vet.

    [bold]repair learn pairs.jsonl --tables my-tables/[/bold] learns the spinner's substitution tables (spun form -> originals, with counts); add [bold]--spintax synonyms.txt[/bold] to import a synonym database. Use them with tables = ["my-tables"] in repair.toml, beside the built-in tables.
    [bold]repair learn --terms corpus/ -o corpus-terms.toml[/bold] learns the names the corpus's clean documents use (two to six capitalised words, seen in at least --min-docs of them) as canonical terms for the match stage; add them with [bold]--extend-rules corpus-terms.toml[/bold].
    [bold]repair learn pairs.jsonl --clean clean.jsonl -o learned-rules.toml[/bold] writes phrase rules with counts, confidences and examples for a person to vet; the examples are checked with the --rules (default: built-in rules) and --extend-rules.
    When no pair can be read (every line fails), nothing is written and the exit code is 1.
    """
    with boundary():
        s = load_settings(config, isolated, rules=rules, threshold=threshold, text_field=text_field,
                          extend_rules=extend_rules, include=include, exclude=exclude,
                          respect_gitignore=respect_gitignore, max_errors=max_errors)
        if show:
            show_settings(s)
        refuse_missing_inputs([pairs, clean, unpaired, *(spintax or []), *(terms or [])])
    if terms:
        if pairs is not None or tables is not None:
            raise typer.BadParameter("--terms learns from a corpus alone, without pairs or --tables",
                                     param_hint="--terms")
        with boundary():
            _learn_terms(terms, output or DEFAULT_TERMS_OUTPUT, s, min_docs)
        return
    output = output or DEFAULT_OUTPUT
    if tables is not None:
        with boundary():
            _learn_tables(pairs, tables, spintax or [], unpaired)
        return
    if pairs is None:
        raise typer.BadParameter("give the pairs to learn from (or --tables with --spintax)", param_hint="PAIRS")
    if spintax or unpaired:
        raise typer.BadParameter("--spintax and --unpaired go with --tables", param_hint="--tables")
    from repair.authoring.learn import learn_files

    with boundary():
        refuse_output_over_inputs(output, [pairs, *([clean] if clean else [])])
        with ErrorLog(s.max_errors, lost=f"nothing was written to {output}") as log:
            res, errors = learn_files(pairs, clean, rules_dirs=s.rules or None, extend_rules=s.extend_rules,
                                      output=output, min_count=min_count, family=family, max_ngram=max_ngram,
                                      threshold=s.threshold, text_field=s.text_field, select=selection_of(s),
                                      on_error=log)
    k = res.counts()
    dropped = ", ".join(f"{n} {why}" for why, n in sorted(res.dropped.items())) or "none"
    err.print(f"{res.pairs} pairs, {res.candidates} candidate substitutions -> {len(res.rules)} rules "
              f"({k['anywhere']} apply on their own, {k['spun']} only in spun documents, {k['flag-only']} flag-only) "
              f"in [bold]{escape(str(output))}[/bold]. Not proposed: {escape(dropped)}.", soft_wrap=True)
    err.print("Vet the rules before use: delete what is not spinner output, then run [bold]repair bench[/bold].",
              soft_wrap=True)
    if errors:
        raise typer.Exit(1)


def _learn_tables(pairs: Optional[Path], folder: Path, spintax: list[Path], unpaired: Optional[Path]) -> None:
    from repair.decoding import json_lines
    from repair.errors import ConfigError, InputError, RepairError
    from repair.spin.table import Tables, from_spintax, iter_pairs, learn_tables

    inputs = [p for p in (pairs, unpaired, *spintax) if p is not None]
    if not inputs:
        raise ConfigError("--tables needs pairs to learn from or a --spintax file")
    refuse_output_over_inputs(folder, inputs, folder=True)
    spun: list[tuple[str, str]] = []
    if unpaired is not None:
        try:
            f = open(unpaired, "rb")
        except OSError as e:
            raise InputError(str(unpaired), f"cannot read ({e.strerror})") from None
        with f:
            for item in json_lines(f, str(unpaired)):
                if isinstance(item, InputError):
                    raise item
                line, rec = item
                if not isinstance(rec.get("text"), str):
                    raise InputError(str(unpaired), "a spun article needs a string 'text'", line)
                spun.append((str(rec.get("family") or "spin"), rec["text"]))
    read = 0

    def counted(items):  # noqa: ANN001, ANN202
        nonlocal read
        for pair in items:
            read += 1
            yield pair

    learned = learn_tables(counted(iter_pairs(pairs)), spun) if pairs is not None else Tables()
    if pairs is not None and not read:  # (a bad line stops the run before this, naming its line)
        raise RepairError(f"{pairs}: nothing to learn from: no pairs in it; nothing was written to {folder}")
    for path in spintax:
        t = from_spintax(path, family=f"spintax-{path.stem}")
        learned[t.family] = t
    written = learned.save(folder)
    entries = sum(len(t.entries) for t in learned.values())
    err.print(f"{entries} substitutions in {len(written)} table(s) in [bold]{escape(str(folder))}[/bold]; use them "
              f'with tables = ["{escape(str(folder))}"] in repair.toml.', soft_wrap=True)


def _learn_terms(paths: list[Path], output: Path, s, min_docs: int) -> None:  # noqa: ANN001
    from repair.atomic import write_atomic
    from repair.authoring.terms import known_terms, learn_terms, pack_toml, read_docs, swaps_of
    from repair.document import Document
    from repair.errors import RepairError
    from repair.pipeline import Config, run_document

    refuse_output_over_inputs(output, paths)
    cfg = Config.from_settings(s, stages=["normalise", "detect"], model="off")

    def is_spun(text: str) -> bool:
        return run_document(Document.from_text(text), cfg).spin_score >= 0.5

    with ErrorLog(s.max_errors, lost=f"nothing was written to {output}") as log:
        docs = read_docs(paths, s.text_field, log, selection_of(s))
        res = learn_terms(docs, is_spun, known=known_terms(cfg.rules), min_docs=min_docs)
    source = ", ".join(str(p) for p in paths)
    if not res.terms:
        raise RepairError(f"{source}: no name seen in {min_docs} or more of its {res.clean_docs} clean documents "
                          f"(of {res.docs}); nothing was written to {output}")
    write_atomic(output, pack_toml(res, swaps_of(cfg.rules), source))
    err.print(f"{len(res.terms)} terms from {res.clean_docs} clean documents (of {res.docs}) in "
              f"[bold]{escape(str(output))}[/bold]; add them with --extend-rules {escape(str(output))}.", soft_wrap=True)
    if log.count:
        raise typer.Exit(1)


@app.command("import-pps")
def import_pps(source: Annotated[Path, typer.Argument(help="The PPS export (JSON with a 'phrases' list).",
                                                      dir_okay=False)],
               output: Annotated[Path, typer.Option("--output", "-o", help="The pack to write; replaced atomically.",
                                                    dir_okay=False)] = Path("rules/pps/pps.toml"),
               clean: Annotated[Optional[list[Path]], typer.Option(
                   "--clean", help="Clean news (repeatable): tortured phrases found there are dropped.",
                   show_default=False)] = None,
               text_field: Annotated[str, typer.Option("--text-field", help="JSONL field holding the text.")] = "text",
               ) -> None:
    """Vet the Problematic Paper Screener's tortured phrases and write them as a flag-only lexicon pack.

    [bold]repair import-pps pps-tortured-phrases.json -o rules/pps/pps.toml --clean clean.jsonl[/bold]
    """
    from repair.authoring.benchmark import read_clean
    from repair.authoring.pps import import_pps as run_import

    errors = []

    def texts():
        for path in clean or []:
            for it in read_clean(path, text_field):
                if isinstance(it, tuple):
                    yield it[1]
                else:
                    errors.append(it)

    with boundary():
        refuse_missing_inputs([source, *(clean or [])])
        refuse_output_over_inputs(output, [source, *(clean or [])])
        v = run_import(source, output, texts())
    with ErrorLog() as log:
        for e in errors:
            log(e)
    dropped = ", ".join(f"{n} {why}" for why, n in v.dropped.most_common()) or "none"
    err.print(f"{v.total} entries read, {len(v.entries)} kept in [bold]{escape(str(output))}[/bold] "
              f"(checked against {v.clean_docs} clean documents). Dropped: {escape(dropped)}.", soft_wrap=True)
    if errors:
        raise typer.Exit(1)
