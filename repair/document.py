"""Document: one text moving through the pipeline, and its JSON record.

``source`` is the original input text; ``text`` the current text; ``changes`` are against
``source`` (applied ones turn ``source`` into ``text``), so a record can always be replayed with
:func:`repair.model.apply_changes` and undone with :func:`repair.model.unapply`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from repair.errors import RepairError, ReplayError
from repair.model import Change, Composed, StageResult, apply_changes, changes_json, check_changes, compose, unapply

_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_ID = 1000  # characters of an id kept (names, messages and the report show it)


def record_id(value: Any, fallback: str | None) -> str:
    """A record's id as text; a missing or null id falls back to ``file:line`` (or ``-``).

    Lone surrogates (``"\\ud800"`` in the JSON) become U+FFFD, so the id can be printed and written;
    the record's own ``id`` field keeps them (written back as ``\\ud800`` escapes).

    >>> record_id(None, "a.jsonl:3"), record_id(7, None), record_id("x" + chr(0xD800), None)
    ('a.jsonl:3', '7', 'x\ufffd')
    """
    if value is None or value == "":
        return fallback or "-"
    if not isinstance(value, str):
        try:
            value = json.dumps(value, ensure_ascii=False)
        except (ValueError, RecursionError):
            value = repr(value)
    return _SURROGATE.sub("\ufffd", value)[:MAX_ID]


class BlockError(RepairError):
    """A record's ``repair`` block (written by an earlier stage, or crafted) is not one a stage writes."""


_BLOCK_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str, int, type(None)), "spin_score": (int, float), "family": (str, type(None)), "changes": (list,),
    "skipped": (dict,), "evidence": (dict,), "origin": (dict,), "stages": (list,), "pending": (list,),
}
_ORIGIN_TYPES: dict[str, tuple[type, ...]] = {"path": (str,), "rel": (str,), "kind": (str,), "line": (int, type(None))}
MAX_REL = 1024  # characters of an origin.rel (a relative output path)


def check_block(block: dict[str, Any]) -> None:
    """Refuse a repair block whose fields have the wrong shape, with one line saying which field.

    Every field is untrusted input (a record piped between stages, or handed to emit): types are
    checked here; the changes must then replay (:func:`repair.model.check_changes`), and output
    paths taken from ``origin.rel`` are sanitised by the writers.

    >>> check_block({"skipped": {"overlap": "many"}})
    Traceback (most recent call last):
    ...
    repair.document.BlockError: repair.skipped.overlap must be a count (a whole number >= 0), not str
    """
    for key, types in _BLOCK_TYPES.items():
        if key in block and (not isinstance(block[key], types) or isinstance(block[key], bool)):
            raise BlockError(f"repair.{key} must be {' or '.join(_TYPE_NAMES[t] for t in types)}, "
                             f"not {type(block[key]).__name__}")
    score = block.get("spin_score", 0.0)
    if not math.isfinite(score) or not 0.0 <= score <= 1.0:
        raise BlockError(f"repair.spin_score must be a number from 0 to 1, not {score!r}")
    for reason, n in block.get("skipped", {}).items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise BlockError(f"repair.skipped.{_short(reason)} must be a count (a whole number >= 0), "
                             f"not {type(n).__name__}")
    for key, types in _ORIGIN_TYPES.items():
        v = block.get("origin", {}).get(key)
        if v is not None and (not isinstance(v, types) or isinstance(v, bool)):
            raise BlockError(f"repair.origin.{key} must be {' or '.join(_TYPE_NAMES[t] for t in types)}, "
                             f"not {type(v).__name__}")
    rel = block.get("origin", {}).get("rel")
    if isinstance(rel, str) and (len(rel) > MAX_REL or "\x00" in rel):
        raise BlockError(f"repair.origin.rel must be a relative path of at most {MAX_REL} characters without NUL")
    for key in ("changes", "pending"):
        for i, c in enumerate(block.get(key, [])):
            if not isinstance(c, dict):
                raise BlockError(f"repair.{key}[{i}] must be an object, not {type(c).__name__}")
    for i, s in enumerate(block.get("stages", [])):
        if not isinstance(s, str):
            raise BlockError(f"repair.stages[{i}] must be a string, not {type(s).__name__}")


_TYPE_NAMES = {str: "a string", int: "a whole number", float: "a number", list: "a list", dict: "an object",
               type(None): "null"}


def _short(s: Any, n: int = 40) -> str:
    s = str(s)
    return s if len(s) <= n else s[:n] + "..."


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
    # what a stage says about the run rather than this document, e.g. why LanguageTool could not be
    # used ({"grammar": reason}): the commands say it once (stderr, report.json); never in the record
    notes: dict[str, str] = field(default_factory=dict)
    # read from an emitted record (what ``run``/``emit`` write: a repair block without ``stages`` or
    # ``pending``), so its changes and spin score are final: ``repair check`` and ``repair diff`` take
    # them as recorded. Never written to a record
    emitted: bool = False
    # where a record was read (the reader's origin: path, line; the record's own ``origin`` is where
    # the run before read it), for the messages about it. Never written to a record
    read_from: dict[str, Any] = field(default_factory=dict)

    @property
    def read_at(self) -> str:
        """``file:line`` (or ``file``) where the record was read, '' when not read from one."""
        path, line = self.read_from.get("path"), self.read_from.get("line")
        if not path:
            return ""
        return f"{path}:{line}" if line is not None else str(path)

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
            "changes": changes_json(self.changes),
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
            block["pending"] = changes_json(self.pending)
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
        if not isinstance(block, dict):
            raise BlockError(f"field 'repair' must be an object (the repair block a stage writes), not {type(block).__name__}")
        check_block(block)
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
            emitted="stages" not in block and "pending" not in block,
            read_from=dict(origin or {}),
        )
        check_changes(source, changes)
        return doc
