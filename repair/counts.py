"""Counts by reason: documents, failures, and changes by (stage, rule), applied vs flagged.

:class:`Tally` is what every counter of documents shares (documents, characters, spun documents
at :data:`repair.model.SPUN`): :class:`Stats` (the run's ``report.json``) and the gate's
:class:`repair.gate.figures.Counts` (``repair check``) both build on it. Memory does not grow with
the corpus: only counters and the list of failures are kept.

>>> from repair.model import Change

>>> from repair.document import Document
>>> s = Stats()
>>> d = Document.from_text("a  b")
>>> d.changes = [Change("normalise", "space.runs", 1, 3, "  ", " ")]
>>> s.add(d)
>>> s.as_dict()["by_rule"]["normalise"]["space.runs"]
{'applied': 1, 'flagged': 0}
>>> s.as_dict()["by_stage"]
{'normalise': {'applied': 1, 'flagged': 0}}
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from repair.document import Document
from repair.errors import InputError
from repair.model import SPUN


@dataclass(slots=True)
class Tally:
    """Documents, their characters and how many look spun; adds up over a corpus.

    >>> t = Tally()
    >>> t.add_document(Document.from_text("abc"))
    False
    >>> t.documents, t.characters, t.spun_documents
    (1, 3, 0)
    """

    documents: int = 0
    spun_documents: int = 0
    characters: int = 0

    def add_document(self, doc: Document) -> bool:
        """Count ``doc``; returns whether it is spun (``spin_score >= SPUN``)."""
        spun = doc.spin_score >= SPUN
        self.documents += 1
        self.characters += len(doc.source)
        self.spun_documents += spun
        return spun


_counted = attrgetter("stage", "rule", "applied")


@dataclass(slots=True)
class Stats(Tally):
    changed_documents: int = 0
    applied: int = 0
    flagged: int = 0
    by_rule: dict[str, dict[str, Counter]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Counter)))
    skipped: Counter = field(default_factory=Counter)
    families: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    spin_histogram: list[int] = field(default_factory=lambda: [0] * 10)
    paths: Counter = field(default_factory=Counter)  # which spin-model path judged each document
    provenance: list[dict[str, Any]] = field(default_factory=list)  # the distinct records' provenance blocks
    grammar: Counter = field(default_factory=Counter)  # documents by grammar status ("ok", "skipped")
    grammar_reasons: Counter = field(default_factory=Counter)  # why the grammar stage was skipped, once per reason

    def add(self, doc: Document) -> None:
        made_by = doc.extra.get("provenance")
        if isinstance(made_by, dict) and made_by not in self.provenance and len(self.provenance) < 10:
            self.provenance.append(made_by)
        if self.add_document(doc):
            self.families[doc.family or "unknown"] += 1
        self.spin_histogram[min(9, int(doc.spin_score * 10))] += 1
        model = doc.evidence.get("model") if isinstance(doc.evidence, dict) else None
        if isinstance(model, dict) and isinstance(model.get("path"), str):
            self.paths[model["path"]] += 1
        applied = 0
        # counted by (stage, rule, applied) in C first: a spun article has hundreds of changes, of a few dozen rules
        for (stage, rule, done), n in Counter(map(_counted, doc.changes)).items():
            self.by_rule[stage][rule]["applied" if done else "flagged"] += n
            if done:
                applied += n
            else:
                self.flagged += n
        self.applied += applied
        self.changed_documents += applied > 0
        self.skipped.update(doc.skipped)
        entry = doc.extra.get("grammar")
        if isinstance(entry, dict) and isinstance(entry.get("status"), str):
            self.grammar[entry["status"]] += 1
            if entry["status"] != "ok":  # the reason is the run's (doc.notes), never copied into the records
                self.grammar_reasons[doc.notes.get("grammar") or str(entry.get("reason") or "unknown")] += 1

    def fail(self, err: InputError | Exception, *, path: str | None = None, line: int | None = None) -> None:
        if isinstance(err, InputError):
            self.failures.append({"path": err.path, "line": err.line, "error": err.reason})
        else:
            self.failures.append({"path": path, "line": line, "error": str(err)})

    def grammar_summary(self) -> dict[str, Any]:
        """report.json's ``grammar``: documents checked and skipped, and each reason for a skip once.

        >>> s = Stats()
        >>> d = Document.from_text("x")
        >>> d.extra["grammar"], d.notes["grammar"] = {"status": "skipped"}, "no Java (install Java 17+)"
        >>> s.add(d); s.add(d)
        >>> s.grammar_summary()
        {'checked_documents': 0, 'skipped_documents': 2, 'skip_reasons': {'no Java (install Java 17+)': 2}}
        """
        return {"checked_documents": self.grammar["ok"], "skipped_documents": sum(self.grammar_reasons.values()),
                "skip_reasons": dict(self.grammar_reasons.most_common())}

    @property
    def failed(self) -> int:
        return len(self.failures)

    def as_dict(self) -> dict[str, Any]:
        by_rule = {
            stage: {rule: {"applied": c["applied"], "flagged": c["flagged"]} for rule, c in sorted(rules.items())}
            for stage, rules in sorted(self.by_rule.items())
        }
        return {
            "documents": self.documents,
            "failed": self.failed,
            "changed_documents": self.changed_documents,
            "spun_documents": self.spun_documents,
            "spun_share": round(self.spun_documents / self.documents, 4) if self.documents else 0.0,
            "characters": self.characters,
            "changes": {"applied": self.applied, "flagged": self.flagged},
            "by_stage": {stage: {"applied": sum(c["applied"] for c in rules.values()),
                                 "flagged": sum(c["flagged"] for c in rules.values())}
                         for stage, rules in by_rule.items()},
            "by_rule": by_rule,
            "skipped": dict(sorted(self.skipped.items())),
            "families": dict(sorted(self.families.items())),
            "spin_histogram": list(self.spin_histogram),
            "spin_model_paths": dict(sorted(self.paths.items())),  # "model" or "rules-only": documents judged so
            "failures": list(self.failures),
            **({"grammar": self.grammar_summary()} if self.grammar else {}),
            # what produced the records (repair.provenance): one block, or a list when they differ
            "provenance": (self.provenance[0] if len(self.provenance) == 1 else list(self.provenance)) or None,
        }
