"""The command line's shared options, declared once (``Annotated`` aliases for typer).

Commands use them as ``paths: opt.Paths = None``; help texts say the default and where it comes from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

Paths = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Files (.txt, .jsonl, .ndjson, .parquet; the first three also as .gz, .bz2 or .zst) or folders "
                        "(searched for all of them); '-' reads stdin (so does nothing, when piped).",
                   show_default=False),
]
RulesDirs = Annotated[
    Optional[list[Path]],
    typer.Option("--rules", help="Rule folder or .toml file (repeatable) REPLACING the built-in rules; "
                                 "--extend-rules adds to them instead. Default: the built-in rules.",
                 show_default=False),
]
ExtendRules = Annotated[
    Optional[list[Path]],
    typer.Option("--extend-rules", help="Rule folder or .toml file (repeatable) added to the rules in use "
                                        "(the built-in ones, or --rules), e.g. a learned pack.",
                 show_default=False),
]
Include = Annotated[Optional[list[str]], typer.Option("--include", metavar="GLOB", help="Read only files found in "
                                                     "folders that match this .gitignore-style glob, from the project "
                                                     "root (repeatable).", show_default=False)]
Exclude = Annotated[Optional[list[str]], typer.Option("--exclude", metavar="GLOB", help="Do not read files found in "
                                                     "folders that match this .gitignore-style glob (repeatable); "
                                                     "files named on the command line are always read.",
                                                     show_default=False)]
RespectGitignore = Annotated[Optional[bool], typer.Option("--respect-gitignore/--no-respect-gitignore",
                                                          help="Skip files a .gitignore ignores when searching folders "
                                                               "(default: on).", show_default=False)]
ShowSettings = Annotated[bool, typer.Option("--show-settings", help="Print the resolved settings (configuration "
                                                                    "file, then flags) as TOML and exit.")]
TextField = Annotated[Optional[str], typer.Option("--text-field", help="JSONL field holding the text "
                                                 "(default: text_field in repair.toml, else text).",
                                                 show_default=False)]
Only = Annotated[Optional[list[str]], typer.Option("--only", help="Use only rules whose id starts with this (repeatable).",
                                                   show_default=False)]
Skip = Annotated[Optional[list[str]], typer.Option("--skip", help="Leave out rules whose id starts with this (repeatable).",
                                                   show_default=False)]
Threshold = Annotated[Optional[float], typer.Option("--threshold", min=0.0, max=1.0,
                                                    help="Apply proposed repairs at or above this confidence; flag "
                                                         "the rest (default: threshold in repair.toml, else 0.8).",
                                                    show_default=False)]
ConfigFile = Annotated[
    Optional[Path],
    typer.Option("--config", dir_okay=False, help="Configuration file (default: the nearest repair.toml, or "
                                                  "pyproject.toml with \\[tool.repair], from here up).",
                 show_default=False),
]
Isolated = Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file: built-in defaults "
                                                           "and the flags given only.")]
Model = Annotated[Optional[str], typer.Option("--model", metavar="auto|off|FILE.gguf",
                                              help="The language model that judges learned repairs: auto (the "
                                                   "bundled SmolLM2 when installed), off (tables and calibration "
                                                   "only), or a GGUF file (default: model in repair.toml, else "
                                                   "$REPAIR_MODEL, else auto).", show_default=False)]
ModelDevice = Annotated[Optional[str], typer.Option(
    "--model-device", metavar="auto|cpu|gpu",
    help="Where the language model runs: auto (a GPU when this llama-cpp-python build can offload layers), cpu or "
         "gpu (default: model-device in repair.toml, else auto).", show_default=False)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", min=1,
                                   help="Worker processes cleaning documents in parallel; the output is the same.")]
DecisionsFile = Annotated[
    Optional[Path],
    typer.Option("--decisions", exists=True, dir_okay=False,
                 help="A decisions file exported from the review report: re-apply exactly the accepted changes of "
                      "emitted records (e.g. out/records.jsonl); changes without a decision keep the tool's choice.",
                 show_default=False),
]
MaxErrors = Annotated[Optional[int], typer.Option("--max-errors", metavar="N", min=0,
                                                  help="Stop at the N-th failed document: exit 1, and no output file "
                                                       "or folder is written (default: max-errors in repair.toml, "
                                                       "else 0, no limit).", show_default=False)]
