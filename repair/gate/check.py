"""check: judge documents and a corpus by the changes the pipeline records.

``check`` only reads records. For each document it counts what the pipeline fixed or flagged and
turns the counts into figures (:mod:`repair.gate.figures`: the table of figures, their limits and
what feeds them); each figure is judged against a limit, or a baseline (:mod:`repair.gate.judge`);
the changes behind a failing figure are placed in the input file (:mod:`repair.gate.locate`), and
:mod:`repair.gate.formats` writes the report.

When the grammar stage is on but could not run (no LanguageTool), the grammar figure is *skipped*:
it is neither a pass nor a fail, the report says so, and ``fail_on_skip`` turns it into a failure.

>>> from repair.model import Change
>>> from repair.document import Document
>>> doc = Document.from_text("Fighters of ISIS-Okay struck.\\n", id="a")
>>> doc.changes = [Change("detect", "okay.isis-k", 12, 21, "ISIS-Okay", "ISIS-K", 0.95, True)]
>>> doc.spin_score = 0.9
>>> checker = Checker(CheckSettings())
>>> r = checker.add(doc)
>>> r.figures["spun_per_1k_words"], [v.figure for v in r.failures]
(200.0, ['spin_score', 'spun_per_1k_words'])
>>> report = checker.finish()
>>> report.passed, report.exit_code
(False, 1)
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repair.document import Document
from repair.errors import InputError, MissingInput
from repair.gate.figures import Counts, RuleFamilies, grammar_state
from repair.gate.jsoncols import text_hash
from repair.gate.judge import Baseline, Verdict, judge
from repair.gate.locate import DocumentResult, failing_with_evidence, findings, locate_records, place_in_text
from repair.settings import CheckSettings, Limit

INPUT_ERROR_RULE = "repair/unreadable"


# ---- results ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Report:
    documents: list[DocumentResult]  # worst first
    corpus: dict[str, float | None]
    corpus_verdicts: list[Verdict]
    counts: Counts
    unreadable: list[dict[str, Any]]
    grammar: str  # "off", "ran", "skipped" (on some or all documents)
    grammar_reason: str | None
    grammar_skipped_documents: int
    limits: dict[str, dict[str, Limit]]
    baseline: str | None = None
    fail_on_skip: bool = False
    empty_fails: bool = False  # no document was selected and that is an error (exit 2; --allow-empty)
    corpus_note: str | None = None  # why the corpus figures were not judged (a partial run)
    provenance: dict[str, Any] | None = None  # what judged: tool version, rules hash, model, threshold, options
    grammar_reasons: dict[str, int] = field(default_factory=dict)  # why the stage was skipped: documents per reason
    missing: int = 0  # entries of ``unreadable`` that are paths naming no file or folder (MissingInput)

    @property
    def empty(self) -> bool:
        """Nothing was selected: no document, and nothing that failed to read but paths naming no file
        (an empty folder, a typo'd path). Documents that all failed to read are no empty selection:
        they fail the check (exit 1) with an error each."""
        return not self.documents and len(self.unreadable) <= self.missing and self.empty_fails

    @property
    def corpus_failures(self) -> list[Verdict]:
        return [v for v in self.corpus_verdicts if not v.passed]

    @property
    def failed_documents(self) -> list[DocumentResult]:
        return [d for d in self.documents if not d.passed]

    @property
    def skip_fails(self) -> bool:
        return self.fail_on_skip and self.grammar == "skipped"

    @property
    def passed(self) -> bool:
        return not (self.failed_documents or self.corpus_failures or self.unreadable or self.skip_fails or self.empty)

    @property
    def exit_code(self) -> int:
        """0 passed, 1 a document or the corpus failed or a document could not be read, 2 nothing was
        selected (a usage error)."""
        if self.empty:
            return 2
        return 0 if self.passed else 1

    def summary(self) -> str:
        """One line: the verdict and why."""
        n = len(self.documents)
        bad = len(self.failed_documents)
        parts = [f"{n} document{'s' if n != 1 else ''} checked, {bad} failed"]
        if self.empty:
            parts.append("no documents selected: check the paths and suffixes (.txt, .jsonl, .ndjson, .parquet), "
                         "or pass --allow-empty")
        if self.corpus_note:
            parts.append(self.corpus_note)
        if self.unreadable:
            parts.append(f"{len(self.unreadable)} unreadable")
        if self.corpus_failures:
            parts.append("corpus fails " + "; ".join(v.describe() for v in self.corpus_failures))
        if self.grammar == "skipped":
            parts.append(f"grammar SKIPPED ({self.grammar_reason})" + (" - fails" if self.fail_on_skip else ""))
        if self.baseline:
            parts.append(f"baseline {self.baseline}")
        return ("check passed: " if self.passed else "check FAILED: ") + ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "summary": self.summary(),
            "baseline": self.baseline,
            "provenance": self.provenance,
            "limits": self.limits,
            "grammar": {"status": self.grammar, "reason": self.grammar_reason,
                        "skipped_documents": self.grammar_skipped_documents, "fail_on_skip": self.fail_on_skip,
                        "reasons": dict(self.grammar_reasons)},
            "corpus": {"documents": self.counts.documents, "figures": self.corpus,
                       "verdicts": [v.to_json() for v in self.corpus_verdicts], "not_judged": self.corpus_note,
                       "failures": [v.to_json() for v in self.corpus_failures]},
            "documents": [d.to_json() for d in self.documents],
            "unreadable": list(self.unreadable),
        }


# ---- the checker -------------------------------------------------------------------------------------


class Checker:
    """Feed it documents the pipeline has run on (and the unreadable ones); ``finish`` judges the corpus.

    ``families`` maps rule ids to families for the rules the run used (the built-in rules when not given).
    ``root`` is the folder document ids are relative to (the configuration file's folder, else the
    cwd; see :func:`stable_id`); ``None`` keeps the readers' ids. ``allow_empty=False`` makes a run
    that selected no document fail with exit code 2. ``judge_corpus=False`` reports the corpus
    figures without judging them (``--no-corpus``, e.g. for the files a commit stages).
    """

    def __init__(self, settings: CheckSettings, *, grammar_enabled: bool = False,
                 baseline: Baseline | None = None, families: RuleFamilies | None = None, root: Path | None = None,
                 allow_empty: bool = True, judge_corpus: bool = True) -> None:
        self.settings = settings
        self.root = root.resolve() if root is not None else None
        self.allow_empty = allow_empty
        self.judge_corpus = judge_corpus
        self._ids: set[str] = set()
        self.grammar_enabled = grammar_enabled
        self.baseline = baseline
        self.families = families or RuleFamilies.builtin()
        self.counts = Counts()
        self.results: list[DocumentResult] = []
        self.unreadable: list[dict[str, Any]] = []
        self._grammar_reasons: dict[str, int] = defaultdict(int)
        self._grammar_ran = 0
        self._missing = 0

    def add(self, doc: Document) -> DocumentResult:
        grammar, reason = grammar_state(doc, self.grammar_enabled)
        if grammar == "skipped":
            self._grammar_reasons[reason or ""] += 1
        elif grammar == "ran":
            self._grammar_ran += 1
        counts = Counts.of(doc, grammar, self.families)
        self.counts.merge(counts)
        figures = counts.figures(corpus=False)
        doc_id = self._unique(stable_id(doc, self.root) if self.root is not None else doc.id, doc)
        accepted = self.baseline.documents.get(doc_id) if self.baseline else None
        verdicts = judge(figures, self.settings.document, accepted)
        result = DocumentResult(
            id=doc_id, path=doc.origin.get("path"), kind=str(doc.origin.get("kind", "txt")),
            record_line=doc.origin.get("line"), figures=figures, verdicts=verdicts, grammar=grammar,
            grammar_reason=reason)
        failing = {v.figure for v in verdicts if not v.passed}
        if failing:
            result.findings = findings(doc, failing, self.families)
            if result.kind == "txt":
                place_in_text(result.findings, doc.source)
            else:  # placed in the record's line by finish(), once per file
                result.source_hash = text_hash(doc.source)
                result.text_field = doc.text_field
        self.results.append(result)
        return result

    def _unique(self, doc_id: str, doc: Document) -> str:
        """Two documents never share an id (and so a baseline entry): a repeat gets its line, then a count."""
        if doc_id in self._ids:
            line = doc.origin.get("line")
            base = f"{doc_id}@{line}" if line else doc_id
            doc_id, n = base, 1
            while doc_id in self._ids:
                n += 1
                doc_id = f"{base}~{n}"
        self._ids.add(doc_id)
        return doc_id

    def fail(self, err: InputError) -> None:
        self.unreadable.append({"path": err.path, "line": err.line, "error": err.reason})
        if isinstance(err, MissingInput):
            self._missing += 1

    def finish(self) -> Report:
        corpus = self.counts.figures(corpus=True)
        accepted = self.baseline.corpus if self.baseline else None
        note = None
        if not self.judge_corpus:
            note = "corpus figures not judged (--no-corpus)"
        elif self.baseline is not None and self.baseline.documents:
            missing = len(set(self.baseline.documents) - self._ids)
            if missing:  # e.g. the files a commit stages: their figures are not the corpus's
                note = (f"corpus figures not judged: the run covers {len(self.baseline.documents) - missing} of the "
                        f"baseline's {len(self.baseline.documents)} documents")
        verdicts = [] if note else judge(corpus, self.settings.corpus, accepted)
        locate_records(self.results)
        self.results.sort(key=lambda d: d.severity, reverse=True)
        status, reason, skipped = self._grammar_status()
        return Report(
            documents=self.results, corpus=corpus, corpus_verdicts=verdicts, counts=self.counts,
            unreadable=self.unreadable, grammar=status, grammar_reason=reason, grammar_skipped_documents=skipped,
            limits={"document": dict(self.settings.document), "corpus": dict(self.settings.corpus)},
            baseline=str(self.baseline.path) if self.baseline and self.baseline.path else None,
            fail_on_skip=self.settings.fail_on_skip, empty_fails=not self.allow_empty, corpus_note=note,
            grammar_reasons=dict(self._grammar_reasons), missing=self._missing)

    def _grammar_status(self) -> tuple[str, str | None, int]:
        """The run's grammar status, its reason (the commonest) and how many documents skipped it."""
        skipped = sum(self._grammar_reasons.values())
        if not skipped:
            return ("ran" if self._grammar_ran else "off"), None, 0
        reason = max(self._grammar_reasons.items(), key=lambda kv: kv[1])[0]
        if self._grammar_ran:
            reason = f"{reason} ({skipped} of {skipped + self._grammar_ran} documents)"
        return "skipped", reason, skipped


def stable_id(doc: Document, root: Path) -> str:
    """A document's id however it was named on the command line: its file relative to ``root``
    (the project: the configuration file's folder, else the cwd), like ruff's paths.

    ``a.txt`` named as ``2021/a.txt``, ``./2021/a.txt``, an absolute path or found in folder ``2021``
    is ``2021/a.txt`` every time, so a baseline written for the whole corpus matches a pre-commit
    run on one file, and two ``a.txt`` in different folders stay two documents. A record with an
    ``id`` field is ``<file>#<id>``; one without is ``<file>:<line>`` (as the readers name it); a file
    outside ``root`` keeps its absolute path; stdin keeps the readers' id.

    >>> from pathlib import Path
    >>> d = Document.from_text("x", id="a.txt", origin={"path": "2021/a.txt", "rel": "a.txt", "kind": "txt"})
    >>> stable_id(d, Path.cwd())
    '2021/a.txt'
    >>> r = Document.from_text("x", id="a.jsonl:3", origin={"path": "feeds/a.jsonl", "rel": "a.jsonl", "line": 3,
    ...                                                       "kind": "jsonl"})
    >>> stable_id(r, Path.cwd())
    'feeds/a.jsonl:3'
    """
    path = doc.origin.get("path")
    if not path or path == "<stdin>":
        return doc.id
    p = Path(path).absolute()
    try:
        rel = p.resolve().relative_to(root).as_posix()
    except ValueError:
        rel = p.as_posix()
    if doc.origin.get("kind", "txt") == "txt":
        return rel
    line = doc.origin.get("line")
    if doc.id == f"{doc.origin.get('rel')}:{line}":  # no id field: the readers' file:line
        return f"{rel}:{line}"
    return f"{rel}#{doc.id}"


def rejudge(report: Report, baseline: Baseline) -> Report:
    """The same report judged against ``baseline`` (e.g. one just written): figures stay, verdicts change."""
    for d in report.documents:
        d.verdicts = judge(d.figures, report.limits["document"], baseline.documents.get(d.id))
        failing = failing_with_evidence(v.figure for v in d.failures)
        d.findings = [f for f in d.findings if f.figure in failing]
    report.documents.sort(key=lambda d: d.severity, reverse=True)
    if report.corpus_note is None:
        report.corpus_verdicts = judge(report.corpus, report.limits["corpus"], baseline.corpus)
    report.baseline = str(baseline.path) if baseline.path else None
    return report


__all__ = ["Checker", "DocumentResult", "INPUT_ERROR_RULE", "Report", "rejudge", "stable_id"]
