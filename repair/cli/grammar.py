"""Grammar options for `run` and `check` (--grammar, --lt-server, --grammar-scope) and the stage's messages.

The stage lives in :mod:`repair.stages.grammar`, LanguageTool in :mod:`repair.languagetool`; the options go through :meth:`repair.settings.Settings.override`
like every other flag. This module says once (on stderr) when LanguageTool cannot be had, and prints a
one-line grammar summary.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Callable, Optional

import typer

from repair.cli.common import err, escape
from repair.document import Document
from repair.languagetool.settings import STAGE


class Scope(str, Enum):
    changed = "changed"
    all = "all"


GrammarFlag = Annotated[
    Optional[bool],
    typer.Option("--grammar/--no-grammar",
                 help="Check sentences with LanguageTool after emit; matches are flagged for review. "
                      "Default: \\[grammar] enabled in repair.toml, else off.", show_default=False),
]
LtServer = Annotated[
    Optional[str],
    typer.Option("--lt-server", metavar="URL",
                 help="LanguageTool server, e.g. http://localhost:8010 (implies --grammar). "
                      "Default: \\[grammar] server, else a local LanguageTool (Java 17+).", show_default=False),
]
GrammarScope = Annotated[
    Optional[Scope],
    typer.Option("--grammar-scope", case_sensitive=False,
                 help="changed: sentences the pipeline changed or flagged, plus a few others per document; "
                      "all: every sentence (implies --grammar). Default: changed.", show_default=False),
]


class GrammarWatch:
    """Wraps the per-document work: says once per reason that the stage was skipped, adds up figures."""

    def __init__(self) -> None:
        self.reasons: dict[str, int] = {}
        self.ok = 0
        self.checked = 0
        self.from_cache = 0
        self.matches = 0
        self.words = 0

    def wrap(self, work: Callable[[Document], Document]) -> Callable[[Document], Document]:
        def watched(doc: Document) -> Document:
            doc = work(doc)
            self.see(doc.extra.get(STAGE), doc.notes.get(STAGE))
            return doc

        return watched

    def see(self, report: Any, reason: str | None = None) -> None:
        """Count a document's grammar entry; ``reason``: why it was skipped (``doc.notes``, not the record)."""
        if not isinstance(report, dict):
            return
        if report.get("status") == "skipped":
            reason = str(reason or report.get("reason") or "LanguageTool unavailable")
            if reason not in self.reasons:
                err.print(f"[yellow]warning:[/yellow] grammar stage skipped: {escape(reason)}", soft_wrap=True)
                self.reasons[reason] = 0
            self.reasons[reason] += 1
            return
        self.ok += 1
        self.checked += int(report.get("sentences_checked", 0))
        self.from_cache += int(report.get("from_cache", 0))
        self.matches += int(report.get("matches", 0))
        self.words += int(report.get("words_checked", 0))

    def summary(self) -> None:
        skipped = sum(self.reasons.values())
        rate = f"{1000 * self.matches / self.words:.1f}" if self.words else "n/a"
        line = (f"grammar: {self.checked} sentences checked ({self.from_cache} from the cache) in {self.ok} "
                f"documents; {self.matches} matches, {rate} per 1,000 words checked")
        if skipped:
            line += f"; skipped on {skipped} documents (LanguageTool unavailable)"
        err.print(line, soft_wrap=True)
