"""check: judge documents and a corpus by the changes the pipeline records.

``check`` only reads records. For each document it counts what the pipeline fixed or flagged and
turns the counts into figures; each figure is judged against a limit (a document or the corpus
fails when a figure is *above* its limit):

=======================  ===============================================================
``spin_score``           the detect stage's score in [0, 1] (0.5 = spun); corpus: the mean
``spun_share``           corpus only: share of documents with ``spin_score >= 0.5``
``mojibake_per_10k``     changes by an ``ftfy.*`` rule per 10,000 characters
``boilerplate_share``    non-blank lines removed by ``boilerplate.*`` rules / non-blank lines
``spun_per_1k_words``    detect and match changes per 1,000 words: applied or flagged, but not, in a document
                        detection did not find spun, the candidates held back for want of evidence
``grammar_per_1k_words`` grammar-stage matches per 1,000 words; only when the stage ran
=======================  ===============================================================

A merged change (rule ids joined with ``+``) counts for every family in its id. When the grammar
stage is on but could not run (no LanguageTool), the grammar figure is *skipped*: it is neither
a pass nor a fail, the report says so, and ``fail_on_skip`` turns it into a failure.

A baseline (:class:`Baseline`) holds the figures of an accepted run, for the corpus and for each
document by id. With a baseline, a figure fails only above ``max(limit, baseline figure)``: what
was already there is tolerated, anything worse fails, and a document the baseline does not know
is judged by the limits alone. :meth:`Baseline.tightened` lowers baseline figures that improved
and never raises one.

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

import hashlib
import json
import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from repair.settings import CORPUS_LIMITS, DOCUMENT_LIMITS, CheckSettings, Limit
from repair.errors import ConfigError, InputError
from repair.words import count as count_words
from repair.model import Change
from repair.document import Document
from repair.model import FLAG_CAP, SPUN

SPUN_STAGES = ("detect", "match")
GRAMMAR_STAGE = "grammar"
PRECISION = 4  # figures are rounded to this many decimals before they are judged or stored
MAX_FINDINGS = 200  # per document and figure: enough to locate a problem, bounded for huge documents
BASELINE_VERSION = 1

#: figure -> what it measures (reports, SARIF rule help, the README)
FIGURES: dict[str, str] = {
    "spin_score": "spin score (0-1; 0.5 is the tool's own 'spun' threshold)",
    "spun_share": "share of documents with spin score >= 0.5",
    "mojibake_per_10k": "mojibake fixed (ftfy changes) per 10,000 characters",
    "boilerplate_share": "share of non-blank lines that are scraping debris (boilerplate rules)",
    "spun_per_1k_words": "spun phrases (detect/match changes, applied or flagged; in an unspun document not the "
                         "unconfirmed candidates) per 1,000 words",
    "grammar_per_1k_words": "grammar matches (LanguageTool) per 1,000 words",
}
DOCUMENT_FIGURES = tuple(DOCUMENT_LIMITS)
CORPUS_FIGURES = tuple(CORPUS_LIMITS)
#: figure -> the SARIF/annotation rule id of a finding that feeds it
RULE_IDS: dict[str, str] = {
    "spin_score": "repair/spin-score",
    "spun_share": "repair/spun-share",
    "mojibake_per_10k": "repair/mojibake",
    "boilerplate_share": "repair/boilerplate",
    "spun_per_1k_words": "repair/spun-phrases",
    "grammar_per_1k_words": "repair/grammar",
}
INPUT_ERROR_RULE = "repair/unreadable"


# ---- which figure a change feeds ----------------------------------------------------------------


def change_families(c: Change) -> tuple[str, ...]:
    """The figures a change counts for (a merged change may count for several).

    >>> change_families(Change("normalise", "ftfy.fix-encoding+space.runs", 0, 1, "x", "y"))
    ('mojibake_per_10k',)
    >>> change_families(Change("normalise", "space.runs", 0, 2, "  ", " "))
    ()
    """
    parts = c.rule.split("+")
    out = []
    if any(p.startswith("ftfy.") for p in parts):
        out.append("mojibake_per_10k")
    if any(p.startswith("boilerplate.") for p in parts):
        out.append("boilerplate_share")
    if c.stage in SPUN_STAGES:
        out.append("spun_per_1k_words")
    if c.stage == GRAMMAR_STAGE:
        out.append("grammar_per_1k_words")
    return tuple(out)


def nonblank_lines(text: str) -> int:
    """Lines with something other than white space on them.

    >>> nonblank_lines("[ad_1]\\n\\nText.\\n"), nonblank_lines("")
    (2, 0)
    """
    return sum(1 for line in text.splitlines() if line.strip())


def _boilerplate_lines(c: Change) -> int:
    return max(1, nonblank_lines(c.before)) if c.before else 0


def grammar_state(doc: Document, enabled: bool) -> tuple[str, str | None]:
    """``("off"|"ran"|"skipped", reason)`` for the grammar stage on this document.

    The grammar stage records itself in the document's repair block as ``grammar``: a mapping
    with ``status`` ``"ok"``, or ``"skipped"`` and a ``reason`` when LanguageTool could not be
    used (its ``matches`` and ``words_checked`` give the figure). A stage that was asked for and
    left no trace is skipped too: never a pass.

    >>> d = Document.from_text("x")
    >>> d.extra["grammar"] = {"status": "skipped", "reason": "no Java"}
    >>> grammar_state(d, True)
    ('skipped', 'no Java')
    >>> grammar_state(Document.from_text("x"), True)[0], grammar_state(Document.from_text("x"), False)[0]
    ('skipped', 'off')
    """
    entry = doc.extra.get("grammar")
    if isinstance(entry, Mapping):
        skipped = entry.get("skipped")
        if entry.get("status") == "skipped" or skipped:
            reason = entry.get("reason") or (skipped if isinstance(skipped, str) else None)
            return "skipped", str(reason or "LanguageTool was not available")
        return "ran", None
    if isinstance(entry, str):
        return ("skipped", entry) if entry.startswith("skipped") else ("ran", None)
    if GRAMMAR_STAGE in doc.stages or any(c.stage == GRAMMAR_STAGE for c in doc.changes):
        return "ran", None
    if enabled:
        return "skipped", "the grammar stage did not run on this document"
    return "off", None


# ---- counts and figures ---------------------------------------------------------------------------


@dataclass(slots=True)
class Counts:
    """What figures are made of; adds up over a corpus."""

    documents: int = 0
    spun_documents: int = 0
    spin_total: float = 0.0
    characters: int = 0
    words: int = 0
    lines: int = 0
    mojibake: int = 0
    boilerplate_lines: int = 0
    spun: int = 0
    grammar: int = 0
    grammar_words: int = 0  # words of the documents the grammar stage ran on
    grammar_documents: int = 0

    @classmethod
    def of(cls, doc: Document, grammar: str) -> "Counts":
        spun_doc = doc.spin_score >= SPUN
        n = cls(documents=1, characters=len(doc.source), words=count_words(doc.source),
                lines=nonblank_lines(doc.source), spin_total=float(doc.spin_score), spun_documents=int(spun_doc))
        for c in doc.changes:
            fams = change_families(c)
            if "mojibake_per_10k" in fams:
                n.mojibake += 1
            if "boilerplate_share" in fams:
                n.boilerplate_lines += _boilerplate_lines(c)
            if "spun_per_1k_words" in fams and (c.applied or spun_doc or c.confidence > FLAG_CAP):
                # a proposal flagged only because its gate was not met (an ordinary word such as
                # "stated" in a document detection did not find spun) is a candidate, not a spun phrase
                n.spun += 1
            if "grammar_per_1k_words" in fams:
                n.grammar += 1
        if grammar == "ran":
            n.grammar_documents = 1
            n.grammar_words = n.words
            entry = doc.extra.get(GRAMMAR_STAGE)
            if isinstance(entry, Mapping) and _count(entry.get("matches")) is not None:
                # the stage's own report: matches over the words it checked (in the "changed" scope
                # only some sentences are checked, so the document's length would dilute the figure)
                n.grammar = _count(entry["matches"]) or 0
                checked = _count(entry.get("words_checked"))
                if checked is not None:
                    n.grammar_words = checked
        return n

    def add(self, other: "Counts") -> None:
        for name in self.__slots__:  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self, *, corpus: bool) -> dict[str, float | None]:
        """The figures (rounded); ``grammar_per_1k_words`` is None where the stage did not run."""
        spin = self.spin_total / self.documents if self.documents else 0.0
        out: dict[str, float | None] = {}
        if corpus:
            out["spun_share"] = _ratio(self.spun_documents, self.documents)
        out["spin_score"] = round(spin, PRECISION)
        out["mojibake_per_10k"] = _ratio(self.mojibake * 10_000, self.characters)
        out["boilerplate_share"] = _ratio(self.boilerplate_lines, self.lines)
        out["spun_per_1k_words"] = _ratio(self.spun * 1000, self.words)
        out["grammar_per_1k_words"] = _ratio(self.grammar * 1000, self.grammar_words) if self.grammar_documents else None
        return out


def _count(x: Any) -> int | None:
    return x if isinstance(x, int) and not isinstance(x, bool) and x >= 0 else None


def _ratio(num: float, den: float) -> float:
    """A rounded ratio with a guarded denominator (an empty text has no damage: 0).

    >>> _ratio(1, 3), _ratio(5, 0)
    (0.3333, 0.0)
    """
    return round(num / den, PRECISION) if den else 0.0


# ---- verdicts ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """One figure judged: ``passed`` is ``value <= limit``; ``by`` says where the limit came from."""

    figure: str
    value: float
    limit: float
    by: str  # "limit" or "baseline" (the baseline raised the limit to an accepted figure)
    passed: bool

    @property
    def excess(self) -> float:
        """How far over the limit, relative to it (for sorting worst first)."""
        if self.passed:
            return 0.0
        return math.inf if self.limit <= 0 else self.value / self.limit - 1.0

    def describe(self) -> str:
        why = "baseline" if self.by == "baseline" else "limit"
        return f"{self.figure} {_fmt(self.value)} > {why} {_fmt(self.limit)}"

    def to_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": self.value, "limit": self.limit, "by": self.by,
                "passed": self.passed}


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def judge(figures: Mapping[str, float | None], limits: Mapping[str, Limit],
          accepted: Mapping[str, float] | None = None) -> list[Verdict]:
    """Judge each figure that has a value and a limit; an accepted (baseline) figure raises the limit.

    >>> [v.passed for v in judge({"spin_score": 0.7}, {"spin_score": 0.5})]
    [False]
    >>> judge({"spin_score": 0.7}, {"spin_score": 0.5}, {"spin_score": 0.7})[0].by
    'baseline'
    >>> judge({"spin_score": 0.7}, {"spin_score": None})
    []
    """
    out = []
    for name, value in figures.items():
        limit = limits.get(name)
        if value is None or limit is None:
            continue
        by = "limit"
        if accepted is not None and name in accepted and accepted[name] > limit:
            limit, by = float(accepted[name]), "baseline"
        out.append(Verdict(name, value, limit, by, value <= limit + 1e-9))
    return out


# ---- findings: the changes behind a failing figure, located in the input file ---------------------


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
        return RULE_IDS[self.figure]

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


def _show(s: str, limit: int = 60) -> str:
    s = s.strip("\n")
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return json.dumps(s, ensure_ascii=False)


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


def _region_end(f: Finding) -> int:
    """Regions stop before a change's trailing line break, so a removed line is that line."""
    return f.start + len(f.before.rstrip("\r\n")) if f.before.strip("\r\n") else f.end


# ---- results ----------------------------------------------------------------------------------------


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
                "grammar": {"status": self.grammar, "reason": self.grammar_reason},
                "findings": [f.to_json() for f in self.findings]}


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
        return not (self.failed_documents or self.corpus_failures or self.unreadable or self.skip_fails)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def summary(self) -> str:
        """One line: the verdict and why."""
        n = len(self.documents)
        bad = len(self.failed_documents)
        parts = [f"{n} document{'s' if n != 1 else ''} checked, {bad} failed"]
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
            "limits": self.limits,
            "grammar": {"status": self.grammar, "reason": self.grammar_reason,
                        "skipped_documents": self.grammar_skipped_documents, "fail_on_skip": self.fail_on_skip},
            "corpus": {"documents": self.counts.documents, "figures": self.corpus,
                       "verdicts": [v.to_json() for v in self.corpus_verdicts],
                       "failures": [v.to_json() for v in self.corpus_failures]},
            "documents": [d.to_json() for d in self.documents],
            "unreadable": list(self.unreadable),
        }


# ---- the checker -------------------------------------------------------------------------------------


class Checker:
    """Feed it documents the pipeline has run on (and the unreadable ones); ``finish`` judges the corpus."""

    def __init__(self, settings: CheckSettings, *, grammar_enabled: bool = False,
                 baseline: "Baseline | None" = None) -> None:
        self.settings = settings
        self.grammar_enabled = grammar_enabled
        self.baseline = baseline
        self.counts = Counts()
        self.results: list[DocumentResult] = []
        self.unreadable: list[dict[str, Any]] = []
        self._grammar_reasons: dict[str, int] = defaultdict(int)
        self._grammar_ran = 0

    def add(self, doc: Document) -> DocumentResult:
        grammar, reason = grammar_state(doc, self.grammar_enabled)
        if grammar == "skipped":
            self._grammar_reasons[reason or ""] += 1
        elif grammar == "ran":
            self._grammar_ran += 1
        counts = Counts.of(doc, grammar)
        self.counts.add(counts)
        figures = counts.figures(corpus=False)
        accepted = self.baseline.documents.get(doc.id) if self.baseline else None
        verdicts = judge(figures, self.settings.document, accepted)
        result = DocumentResult(
            id=doc.id, path=doc.origin.get("path"), kind=str(doc.origin.get("kind", "txt")),
            record_line=doc.origin.get("line"), figures=figures, verdicts=verdicts, grammar=grammar,
            grammar_reason=reason)
        failing = {v.figure for v in verdicts if not v.passed}
        if failing:
            result.findings = _findings(doc, failing)
            if result.kind == "txt":
                index = LineIndex(doc.source)
                for f in result.findings:
                    f.line, f.column = index.position(f.start)
                    f.end_line, f.end_column = index.position(_region_end(f))
            else:
                result.source_hash = _hash(doc.source)
        self.results.append(result)
        return result

    def fail(self, err: InputError) -> None:
        self.unreadable.append({"path": err.path, "line": err.line, "error": err.reason})

    def finish(self) -> Report:
        corpus = self.counts.figures(corpus=True)
        accepted = self.baseline.corpus if self.baseline else None
        verdicts = judge(corpus, self.settings.corpus, accepted)
        _locate_records(self.results)
        self.results.sort(key=lambda d: d.severity, reverse=True)
        skipped = sum(self._grammar_reasons.values())
        if skipped:
            status = "skipped"
            reason = max(self._grammar_reasons.items(), key=lambda kv: kv[1])[0]
            if self._grammar_ran:
                reason = f"{reason} ({skipped} of {skipped + self._grammar_ran} documents)"
        else:
            status, reason = ("ran" if self._grammar_ran else "off"), None
        return Report(
            documents=self.results, corpus=corpus, corpus_verdicts=verdicts, counts=self.counts,
            unreadable=self.unreadable, grammar=status, grammar_reason=reason, grammar_skipped_documents=skipped,
            limits={"document": dict(self.settings.document), "corpus": dict(self.settings.corpus)},
            baseline=str(self.baseline.path) if self.baseline and self.baseline.path else None,
            fail_on_skip=self.settings.fail_on_skip)


def _findings(doc: Document, failing: set[str]) -> list[Finding]:
    out: list[Finding] = []
    per_figure: dict[str, int] = defaultdict(int)
    for c in sorted(doc.changes, key=lambda c: (c.start, c.end)):
        fams = set(change_families(c))
        if "spun_per_1k_words" in fams:
            fams.add("spin_score")  # the spin score's evidence is the spun phrases
        for fig in sorted(fams & failing):
            if fig == "spin_score" and "spun_per_1k_words" in failing:
                continue  # one finding per change is enough
            if per_figure[fig] >= MAX_FINDINGS:
                continue
            per_figure[fig] += 1
            out.append(Finding(fig, c.rule, c.stage, c.start, c.end, c.before, c.after, c.applied,
                               float(c.confidence)))
    return out


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _locate_records(results: Iterable[DocumentResult]) -> None:
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
    mapping = _string_offsets(raw, r.source_hash)
    for f in r.findings:
        f.line = f.end_line = line
        if mapping is None:  # not the text we read (a piped record) or not parseable: the whole line
            f.column, f.end_column = 1, len(raw) + 1
        else:
            f.column = mapping(f.start) + 1
            f.end_column = mapping(_region_end(f)) + 1


def _string_offsets(raw: str, want_hash: str):
    """Find the JSON string in ``raw`` whose value hashes to ``want_hash``; map its offsets to columns."""
    decoder = json.JSONDecoder()
    try:
        i = _skip_ws(raw, 0)
        if raw[i] != "{":
            return None
        i = _skip_ws(raw, i + 1)
        while i < len(raw) and raw[i] != "}":
            key, i = json.decoder.scanstring(raw, i + 1)  # type: ignore[attr-defined]
            i = _skip_ws(raw, i)
            i = _skip_ws(raw, i + 1)  # the colon
            value_start = i
            value, i = decoder.raw_decode(raw, i)
            if isinstance(value, str) and _hash(value) == want_hash:
                return _escaped_map(raw, value_start)
            i = _skip_ws(raw, i)
            if i < len(raw) and raw[i] == ",":
                i = _skip_ws(raw, i + 1)
    except (ValueError, IndexError):
        return None
    return None


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t\r\n\ufeff":
        i += 1
    return i


def _escaped_map(raw: str, quote: int):
    """offset in the decoded string -> 0-based index in ``raw`` (escapes and surrogate pairs counted)."""
    positions = []
    i = quote + 1
    while i < len(raw) and raw[i] != '"':
        positions.append(i)
        if raw[i] == "\\":
            if raw[i + 1] == "u":
                code = int(raw[i + 2:i + 6], 16)
                i += 12 if 0xD800 <= code < 0xDC00 and raw[i + 6:i + 8] == "\\u" else 6
            else:
                i += 2
        else:
            i += 1
    positions.append(i)
    return lambda off: positions[min(off, len(positions) - 1)]


def rejudge(report: Report, baseline: "Baseline") -> Report:
    """The same report judged against ``baseline`` (e.g. one just written): figures stay, verdicts change."""
    for d in report.documents:
        d.verdicts = judge(d.figures, report.limits["document"], baseline.documents.get(d.id))
        failing = {v.figure for v in d.failures}
        if "spin_score" in failing:
            failing.add("spun_per_1k_words")  # where the spin score's evidence may be filed
        d.findings = [f for f in d.findings if f.figure in failing]
    report.documents.sort(key=lambda d: d.severity, reverse=True)
    report.corpus_verdicts = judge(report.corpus, report.limits["corpus"], baseline.corpus)
    report.baseline = str(baseline.path) if baseline.path else None
    return report


# ---- baselines -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Baseline:
    """Accepted figures: for the corpus and per document id."""

    corpus: dict[str, float] = field(default_factory=dict)
    documents: dict[str, dict[str, float]] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def from_report(cls, report: Report, path: Path | None = None) -> "Baseline":
        return cls(corpus=_present(report.corpus),
                   documents={d.id: _present(d.figures) for d in sorted(report.documents, key=lambda d: d.id)},
                   path=path)

    @classmethod
    def load(cls, path: Path) -> "Baseline":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the baseline ({e.strerror})") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: the baseline is not valid JSON ({e}); write a new one with "
                              "--write-baseline") from None
        if not isinstance(data, dict) or data.get("repair_baseline") != BASELINE_VERSION:
            raise ConfigError(f"{path}: not a repair baseline (version {BASELINE_VERSION}); write a new one "
                              "with --write-baseline")
        corpus = _figure_map(data.get("corpus", {}), f"{path}: corpus")
        docs = data.get("documents", {})
        if not isinstance(docs, dict):
            raise ConfigError(f"{path}: 'documents' must be an object keyed by document id")
        documents = {str(k): _figure_map(v, f"{path}: document {k!r}") for k, v in docs.items()}
        return cls(corpus, documents, path)

    def dumps(self) -> str:
        data = {"repair_baseline": BASELINE_VERSION, "corpus": dict(sorted(self.corpus.items())),
                "documents": {k: dict(sorted(v.items())) for k, v in sorted(self.documents.items())}}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def tightened(self, report: Report) -> tuple["Baseline", int]:
        """A copy lowered to today's figures where they improved; never raised. Returns it and the count.

        Documents the run did not see keep their entries; documents the baseline does not know are
        not added (they stay judged by the limits alone).
        """
        lowered = 0

        def lower(old: Mapping[str, float], now: Mapping[str, float | None]) -> dict[str, float]:
            nonlocal lowered
            out = dict(old)
            for k, v in old.items():
                cur = now.get(k)
                if cur is not None and cur < v:
                    out[k] = cur
                    lowered += 1
            return out

        seen = {d.id: d.figures for d in report.documents}
        docs = {k: (lower(v, seen[k]) if k in seen else dict(v)) for k, v in self.documents.items()}
        return Baseline(lower(self.corpus, report.corpus), docs, self.path), lowered


def _present(figures: Mapping[str, float | None]) -> dict[str, float]:
    return {k: v for k, v in figures.items() if v is not None}


def _figure_map(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: figures must be an object")
    known = set(CORPUS_FIGURES) | set(DOCUMENT_FIGURES)
    out = {}
    for k, v in value.items():
        if k not in known:
            raise ConfigError(f"{where}: unknown figure {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"{where}: figure {k!r} must be a number")
        out[k] = float(v)
    return out


__all__ = [
    "Baseline", "Checker", "Counts", "CORPUS_FIGURES", "DOCUMENT_FIGURES", "DocumentResult", "FIGURES", "Finding",
    "INPUT_ERROR_RULE", "LineIndex", "Report", "RULE_IDS", "Verdict", "change_families", "grammar_state", "judge", "rejudge",
]
