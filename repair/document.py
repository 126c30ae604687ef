"""Document: one text moving through the pipeline, and its JSON record.

``source`` is the original input text; ``text`` the current text; ``changes`` are against
``source`` (applied ones turn ``source`` into ``text``), so a record can always be replayed with
:func:`repair.model.apply_changes` and undone with :func:`repair.model.unapply`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from repair.errors import ReplayError
from repair.model import Change, Composed, StageResult, apply_changes, check_changes, compose, unapply


def record_id(value: Any, fallback: str | None) -> str:
    """A record's id as text; a missing or null id falls back to ``file:line`` (or ``-``)."""
    if value is None or value == "":
        return fallback or "-"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass(slots=True)
class Document:
    """One document moving through the pipeline.

    ``source`` is the original input text; ``text`` the current text; ``changes`` are against
    ``source`` (applied ones turn ``source`` into ``text``); ``pending`` are proposals against
    ``text`` that the emit stage has not decided on yet.
    """

    id: str
    source: str
    text: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    text_field: str = "text"
    changes: list[Change] = field(default_factory=list)
    pending: list[Change] = field(default_factory=list)
    spin_score: float = 0.0
    family: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    stages: list[str] = field(default_factory=list)
    origin: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.text and self.source and not self.changes:
            self.text = self.source

    @classmethod
    def from_text(cls, text: str, id: str = "-", **kw: Any) -> "Document":
        return cls(id=id, source=text, text=text, **kw)

    def copy(self) -> "Document":
        """A copy whose lists, dicts and counters can change without touching this document."""
        kw = {}
        for name in self.__dataclass_fields__:
            v = getattr(self, name)
            kw[name] = v.copy() if isinstance(v, (list, dict, Counter)) else v
        return Document(**kw)

    def absorb(self, result: StageResult) -> Composed:
        """Take a stage's result (changes against the current text) into the document; return how
        they were composed (the record's changes, and the new ones skipped with their reason)."""
        if not result.changes and result.text == self.text:
            return Composed(self.changes, [])
        composed = compose(self.source, self.changes, self.text, result.changes)
        self.changes = composed.changes
        for reason, _ in composed.skipped:
            self.skipped[reason] += 1
        self.text = apply_changes(self.source, self.changes)
        if self.text != result.text:
            # the stage's own text and the replay disagree only if a stage returned a change list
            # that does not describe its output (or changes were skipped as overlapping): never
            # accepted silently
            raise ReplayError(f"document {self.id}: stage output does not match the replay of its changes")
        return composed

    def to_record(self, *, final: bool = True) -> dict[str, Any]:
        """The JSON record: input fields kept, ``text`` replaced, a ``repair`` block added."""
        rec = dict(self.fields)
        rec[self.text_field] = self.text
        block: dict[str, Any] = {
            "id": self.id,
            "spin_score": round(float(self.spin_score), 4),
            "family": self.family,
            "changes": [c.to_json() for c in self.changes],
        }
        if self.skipped:
            block["skipped"] = dict(sorted(self.skipped.items()))
        if self.evidence:
            block["evidence"] = self.evidence
        if self.origin:
            block["origin"] = self.origin
        if self.extra:
            block.update(self.extra)
        if not final:
            block["stages"] = list(self.stages)
            block["pending"] = [c.to_json() for c in self.pending]
        rec["repair"] = block
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any], *, text_field: str = "text", id: str | None = None,
                    origin: dict[str, Any] | None = None) -> "Document":
        """Read a record: a plain input record, or one a previous stage wrote (it has a ``repair`` block)."""
        fields = dict(rec)
        text = fields[text_field]
        fields[text_field] = None  # a placeholder: the output keeps the text field where the input had it
        block = fields.pop("repair", None)
        if block is None:
            doc_id = record_id(rec.get("id"), id)
            return cls(id=doc_id, source=text, text=text, fields=fields, text_field=text_field,
                       origin=dict(origin or {}))
        known = {"id", "spin_score", "family", "changes", "skipped", "evidence", "origin", "stages", "pending"}
        changes = [Change.from_json(c) for c in block.get("changes", [])]
        source = unapply(text, changes)
        doc = cls(
            id=record_id(block.get("id", rec.get("id")), id),
            source=source,
            text=text,
            fields=fields,
            text_field=text_field,
            changes=changes,
            pending=[Change.from_json(c) for c in block.get("pending", [])],
            spin_score=float(block.get("spin_score", 0.0)),
            family=block.get("family"),
            evidence=dict(block.get("evidence", {})),
            skipped=Counter(block.get("skipped", {})),
            stages=list(block.get("stages", [])),
            origin=dict(block.get("origin", origin or {})),
            extra={k: v for k, v in block.items() if k not in known},
        )
        check_changes(source, changes)
        return doc
