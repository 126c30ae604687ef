"""Locate: the changes behind a failing figure, placed in the original input file for annotations.

Places are 1-based lines and columns (code points). In a text file they come from the document's
own text (:class:`LineIndex`); for a JSONL record, the record's line and the columns inside its
text field (:mod:`repair.gate.jsoncols`); for a record read from stdin, the record's line, whole.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from repair.document import Document
from repair.gate.figures import FIGURES, RuleFamilies, fed_by, figure
from repair.gate.jsoncols import string_columns
from repair.gate.judge import Verdict

MAX_FINDINGS = 200  # per document and figure: enough to locate a problem, bounded for huge documents

#: figure -> the figure whose changes are its findings (the spin score's evidence is the spun phrases)
EVIDENCE = {f.evidence: f.name for f in FIGURES if f.evidence}


@dataclass(slots=True)
class Finding:
    """A change that feeds a failing figure, with its place in the original input file (1-based)."""

    figure: str
    rule: str
    stage: str
    start: int
    end: int
    before: str
    after: str
    applied: bool
    confidence: float
    line: int = 1
    column: int = 1
    end_line: int = 1
    end_column: int = 1

    @property
    def rule_id(self) -> str:
        return figure(self.figure).rule_id

    @property
    def region_end(self) -> int:
        """Regions stop before a change's trailing line break, so a removed line is that line."""
        return self.start + len(self.before.rstrip("\r\n")) if self.before.strip("\r\n") else self.end

    def message(self) -> str:
        b, a = _show(self.before), _show(self.after)
        verb = {
            "mojibake_per_10k": f"mojibake {b} fixed to {a}",
            "boilerplate_share": f"scraping debris {b}",
            "spun_per_1k_words": f"spun phrase {b}, original wording {a}",
            "spin_score": f"spun phrase {b}, original wording {a}",
            "grammar_per_1k_words": f"grammar: {b}" + (f" (suggestion {a})" if self.after else ""),
        }[self.figure]
        state = "" if self.applied else ", flagged for review"
        return f"{verb} [{self.rule}{state}]"

    def to_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "rule_id": self.rule_id, "rule": self.rule, "stage": self.stage,
                "start": self.start, "end": self.end, "before": self.before, "after": self.after,
                "applied": self.applied, "confidence": round(self.confidence, 4),
                "region": {"startLine": self.line, "startColumn": self.column, "endLine": self.end_line,
                           "endColumn": self.end_column}}


@dataclass(slots=True)
class DocumentResult:
    id: str
    path: str | None
    kind: str
    record_line: int | None
    figures: dict[str, float | None]
    verdicts: list[Verdict]
    findings: list[Finding] = field(default_factory=list)
    grammar: str = "off"
    grammar_reason: str | None = None
    source_hash: str = ""
    text_field: str | None = None  # a JSONL record's text field (findings are placed inside it)

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def severity(self) -> tuple[int, float, float]:
        return (len(self.failures), max((v.excess for v in self.verdicts), default=0.0),
                float(self.figures.get("spin_score") or 0.0))

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "path": self.path, "line": self.record_line, "passed": self.passed,
                "figures": self.figures, "failures": [v.to_json() for v in self.failures],
                "grammar": {"status": self.grammar},  # why it was skipped: the report's grammar.reason, once
                "findings": [f.to_json() for f in self.findings]}


def _show(s: str, limit: int = 60) -> str:
    s = s.strip("\n")
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return json.dumps(s, ensure_ascii=False)


def findings(doc: Document, failing: set[str], families: RuleFamilies) -> list[Finding]:
    """The changes of ``doc`` that feed a failing figure, in text order, at most MAX_FINDINGS per figure.

    A figure with evidence (the spin score) takes its evidence's changes, unless the evidence figure
    fails too: one finding per change is enough.
    """
    out: list[Finding] = []
    per_figure: dict[str, int] = defaultdict(int)
    for c in sorted(doc.changes, key=lambda c: (c.start, c.end)):
        fed = set(fed_by(c, families))
        fed |= {EVIDENCE[e] for e in fed if e in EVIDENCE}
        for fig in sorted(fed & failing):
            if figure(fig).evidence in failing:
                continue
            if per_figure[fig] >= MAX_FINDINGS:
                continue
            per_figure[fig] += 1
            out.append(Finding(fig, c.rule, c.stage, c.start, c.end, c.before, c.after, c.applied,
                               float(c.confidence)))
    return out


def failing_with_evidence(failing: Iterable[str]) -> set[str]:
    """The failing figures plus the figures their findings may be filed under (a failing spin score's
    evidence is filed under spun phrases)."""
    out = set(failing)
    return out | {figure(f).evidence for f in out if figure(f).evidence}  # type: ignore[misc]


class LineIndex:
    """1-based (line, column) of character offsets in a text (columns count code points).

    >>> LineIndex("ab\\ncd").position(4)
    (2, 2)
    """

    def __init__(self, text: str) -> None:
        self.starts = [0]
        pos = text.find("\n")
        while pos >= 0:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def position(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1


def place_in_text(found: Iterable[Finding], text: str) -> None:
    """Place findings of a text file: lines and columns in the document's own text."""
    index = LineIndex(text)
    for f in found:
        f.line, f.column = index.position(f.start)
        f.end_line, f.end_column = index.position(f.region_end)


def locate_records(results: Iterable[DocumentResult]) -> None:
    """Place findings of JSONL records in their file: the record's line, columns inside the text field."""
    wanted: dict[str, dict[int, list[DocumentResult]]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        if r.findings and r.kind == "jsonl" and r.path and r.record_line:
            wanted[r.path][r.record_line].append(r)
    for path, by_line in wanted.items():
        for lineno, raw in _read_lines(path, set(by_line)):
            for r in by_line[lineno]:
                _place_in_record(r, raw)
    for r in results:  # stdin records, or a file that went away: the record's line, whole
        if r.kind != "txt":
            for f in r.findings:
                if f.line == 1 and f.column == 1 and f.end_column == 1:
                    f.line = f.end_line = r.record_line or 1


def _read_lines(path: str, lines: set[int]) -> Iterator[tuple[int, str]]:
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as fh:
            last = max(lines)
            for n, raw in enumerate(fh, start=1):
                if n in lines:
                    yield n, raw.rstrip("\r\n")
                if n >= last:
                    break
    except OSError:
        return


def _place_in_record(r: DocumentResult, raw: str) -> None:
    line = r.record_line or 1
    to_col = string_columns(raw, r.source_hash, key=r.text_field)
    for f in r.findings:
        f.line = f.end_line = line
        if to_col is None:  # not the text we read (a piped record) or not parseable: the whole line
            f.column, f.end_column = 1, len(raw) + 1
        else:
            f.column = to_col(f.start) + 1
            f.end_column = to_col(f.region_end) + 1


__all__ = ["EVIDENCE", "Finding", "LineIndex", "MAX_FINDINGS", "failing_with_evidence", "findings",
           "locate_records", "place_in_text"]
