"""`repair learn` (propose rules from spun/original pairs) and `repair import-pps` (the PPS lexicon)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from repair.cli.common import (
    ConfigFile,
    Isolated,
    RulesDirs,
    TextField,
    Threshold,
    app,
    boundary,
    err,
    load_settings,
    report_error,
)
from repair.writers import refuse_output_over_inputs

PairsFile = Annotated[Path, typer.Argument(help='JSON lines {"id", "family", "spun", "original"}.', dir_okay=False)]
Out = Annotated[Path, typer.Option("--output", "-o", help="The rule pack to write (.toml); replaced atomically.",
                                   dir_okay=False)]


@app.command("learn")
def learn(pairs: PairsFile, output: Out = Path("learned-rules.toml"),
          clean: Annotated[Optional[Path], typer.Option(
              "--clean", help="Clean news (JSONL/txt/folder): a spun side seen there gets a flag-only rule.",
              show_default=False)] = None,
          min_count: Annotated[int, typer.Option("--min-count", min=1, help="Propose substitutions seen at least "
                                                                            "this often.")] = 2,
          family: Annotated[Optional[str], typer.Option("--family", help="Learn only from pairs of this family.",
                                                        show_default=False)] = None,
          max_ngram: Annotated[int, typer.Option("--max-ngram", min=1, help="Longest substitution, in tokens a "
                                                                            "side.")] = 4,
          rules: RulesDirs = None, threshold: Threshold = None, text_field: TextField = None,
          config: ConfigFile = None, isolated: Isolated = False) -> None:
    """Propose spinner substitution rules from aligned spun/original pairs, for a person to vet.

    [bold]repair learn pairs.jsonl --clean clean.jsonl -o learned-rules.toml[/bold] writes phrase rules with
    counts, confidences and examples; the examples are checked with the --rules (default: built-in rules).
    """
    from repair.authoring.learn import learn_files

    with boundary():
        refuse_output_over_inputs(output, [pairs, *([clean] if clean else [])])
        s = load_settings(config, isolated, rules=rules, threshold=threshold, text_field=text_field)
        res, errors = learn_files(pairs, clean, rules_dirs=s.rules or None, output=output, min_count=min_count,
                                  family=family, max_ngram=max_ngram, threshold=s.threshold, text_field=s.text_field)
    for e in errors:
        report_error(e)
    k = res.counts()
    dropped = ", ".join(f"{n} {why}" for why, n in sorted(res.dropped.items())) or "none"
    err.print(f"{res.pairs} pairs, {res.candidates} candidate substitutions -> {len(res.rules)} rules "
              f"({k['anywhere']} apply on their own, {k['spun']} only in spun documents, {k['flag-only']} flag-only) "
              f"in [bold]{escape(str(output))}[/bold]. Not proposed: {escape(dropped)}.", soft_wrap=True)
    err.print("Vet the rules before use: delete what is not spinner output, then run [bold]repair bench[/bold].",
              soft_wrap=True)
    if errors:
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
        refuse_output_over_inputs(output, [source, *(clean or [])])
        v = run_import(source, output, texts())
    for e in errors:
        report_error(e)
    dropped = ", ".join(f"{n} {why}" for why, n in v.dropped.most_common()) or "none"
    err.print(f"{v.total} entries read, {len(v.entries)} kept in [bold]{escape(str(output))}[/bold] "
              f"(checked against {v.clean_docs} clean documents). Dropped: {escape(dropped)}.", soft_wrap=True)
    if errors:
        raise typer.Exit(1)
