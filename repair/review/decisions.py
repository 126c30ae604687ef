"""A reviewer's decisions, re-applied to emitted records.

The HTML report exports a decisions file; ``repair emit --decisions FILE records.jsonl``
re-decides each record's changes with it. Format (``repair-decisions/1``)::

    {"format": "repair-decisions/1",
     "undecided": "tool",
     "rules": {"boilerplate.source-link": "reject"},
     "documents": {"004.txt": [{"start": 5770, "end": 5779, "rule": "okay.isis-k",
                                "before": "ISIS-Okay", "after": "ISIS-K", "decision": "reject"}]}}

A change is named by its document id and its span in the original text (``start``, ``end``);
``rule``, ``before`` and ``after`` are optional checks (a decision whose change no longer looks
like that is ignored with a warning). Precedence for each change: its own decision, then a
decision for its whole ``rule`` id (``rules``), then ``undecided``: ``tool`` (keep the tool's
choice: applied stays applied, flagged stays flagged; the default), ``accept`` or ``reject``.

>>> from repair.model import Change

>>> from repair.document import Document
>>> doc = Document.from_text("The State Division said")
>>> doc.changes = [Change("match", "terms.us", 4, 18, "State Division", "State Department")]
>>> doc.text = "The State Department said"
>>> d = parse({"documents": {"-": [{"start": 4, "end": 18, "decision": "reject"}]}})
>>> redecide(doc, d).rejected, doc.text
(1, 'The State Division said')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from repair.document import Document
from repair.errors import ConfigError
from repair.model import Change, apply_changes

FORMAT = "repair-decisions/1"
VALUES = ("accept", "reject")
UNDECIDED = ("tool", "accept", "reject")


class DecisionsError(ConfigError):
    """A decisions file cannot be read or is not in the decisions format."""


@dataclass(frozen=True, slots=True)
class Decision:
    start: int
    end: int
    accept: bool
    rule: str | None = None
    before: str | None = None
    after: str | None = None


@dataclass(slots=True)
class Decisions:
    documents: dict[str, dict[tuple[int, int], Decision]] = field(default_factory=dict)
    rules: dict[str, bool] = field(default_factory=dict)
    undecided: str = "tool"
    where: str = "decisions"
    seen: set[str] = field(default_factory=set)

    def unused(self) -> list[str]:
        """One warning naming the document ids that were never met (call after the run)."""
        missing = [d for d in self.documents if d not in self.seen]
        if not missing:
            return []
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return [f"{self.where}: {len(missing)} document(s) not in the input, their decisions were not used: {shown}"]


class Outcome(NamedTuple):
    accepted: int  # changes applied because of a decision (explicit, by rule, or `undecided`)
    rejected: int  # changes not applied because of a decision
    flipped: int  # changes whose applied flag differs from the tool's
    warnings: list[str]


def load(path: Path | str) -> Decisions:
    """Read a decisions file; any problem raises :class:`DecisionsError` naming the file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as e:
        raise DecisionsError(f"{p}: cannot read the decisions file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise DecisionsError(f"{p}: not UTF-8; export the decisions from the report again") from None
    except json.JSONDecodeError as e:
        raise DecisionsError(f"{p}: not JSON ({e.msg} at line {e.lineno} column {e.colno}); "
                             "export the decisions from the report again") from None
    return parse(data, where=str(p))


def parse(data: Any, where: str = "decisions") -> Decisions:
    """Check and read the decisions JSON (see the module docstring for the format)."""
    if not isinstance(data, dict):
        raise DecisionsError(f"{where}: a decisions file is a JSON object, not {type(data).__name__}")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise DecisionsError(f"{where}: unknown format {fmt!r}; this version reads {FORMAT!r}")
    undecided = data.get("undecided", "tool")
    if undecided not in UNDECIDED:
        raise DecisionsError(f"{where}: 'undecided' must be one of {', '.join(UNDECIDED)}, not {undecided!r}")
    rules_in = data.get("rules", {})
    if not isinstance(rules_in, dict):
        raise DecisionsError(f"{where}: 'rules' must map rule ids to \"accept\" or \"reject\"")
    rules: dict[str, bool] = {}
    for rule, value in rules_in.items():
        if value not in VALUES:
            raise DecisionsError(f"{where}: rule {rule!r}: decision must be \"accept\" or \"reject\", not {value!r}")
        rules[str(rule)] = value == "accept"
    docs_in = data.get("documents", {})
    if not isinstance(docs_in, dict):
        raise DecisionsError(f"{where}: 'documents' must map document ids to lists of decisions")
    documents: dict[str, dict[tuple[int, int], Decision]] = {}
    for doc_id, entries in docs_in.items():
        if not isinstance(entries, list):
            raise DecisionsError(f"{where}: document {doc_id!r}: expected a list of decisions")
        spans: dict[tuple[int, int], Decision] = {}
        for n, e in enumerate(entries):
            at = f"{where}: document {doc_id!r}, decision {n + 1}"
            if not isinstance(e, dict):
                raise DecisionsError(f"{at}: expected an object with start, end and decision")
            value = e.get("decision")
            if value not in VALUES:
                raise DecisionsError(f"{at}: decision must be \"accept\" or \"reject\", not {value!r}")
            start, end = e.get("start"), e.get("end")
            if not (isinstance(start, int) and isinstance(end, int)) or isinstance(start, bool) \
                    or isinstance(end, bool) or start < 0 or end < start:
                raise DecisionsError(f"{at}: start and end must be character offsets with start <= end")
            for key in ("rule", "before", "after"):
                if key in e and not isinstance(e[key], str):
                    raise DecisionsError(f"{at}: {key} must be a string")
            spans[(start, end)] = Decision(start, end, value == "accept", e.get("rule"), e.get("before"),
                                           e.get("after"))
        documents[str(doc_id)] = spans
    return Decisions(documents=documents, rules=rules, undecided=undecided, where=where)


def redecide(doc: Document, decisions: Decisions) -> Outcome:
    """Set each change's ``applied`` flag from the decisions and rebuild ``doc.text`` by replay.

    The record contract holds afterwards: applying the applied changes to ``doc.source`` gives
    ``doc.text``. When a decision touched the document, ``doc.extra["review"]`` records the counts.
    """
    warnings: list[str] = []
    explicit = decisions.documents.get(doc.id, {})
    if doc.id in decisions.documents:
        decisions.seen.add(doc.id)
    by_span = {(c.start, c.end): i for i, c in enumerate(doc.changes)}
    chosen: dict[int, bool] = {}
    for span, d in explicit.items():
        i = by_span.get(span)
        label = f"{decisions.where}: document {doc.id!r}: change at {span[0]}-{span[1]}"
        if i is None:
            warnings.append(f"{label} is not in the record; decision ignored")
            continue
        c = doc.changes[i]
        for key, want in (("rule", d.rule), ("before", d.before), ("after", d.after)):
            have = getattr(c, key)
            if want is not None and want != have:
                warnings.append(f"{label}: the record has {key} {have!r}, the decision was made for {want!r}; "
                                "decision ignored")
                break
        else:
            chosen[i] = d.accept
    accepted = rejected = flipped = 0
    new: list[Change] = []
    for i, c in enumerate(doc.changes):
        if i in chosen:
            apply = chosen[i]
        elif c.rule in decisions.rules:
            apply = decisions.rules[c.rule]
        elif decisions.undecided != "tool":
            apply = decisions.undecided == "accept"
        else:
            new.append(c)
            continue
        accepted += apply
        rejected += not apply
        flipped += apply != c.applied
        new.append(c.with_applied(apply))
    if accepted or rejected:
        doc.changes = new
        doc.text = apply_changes(doc.source, new)
        doc.extra["review"] = {"decisions": Path(decisions.where).name, "accepted": accepted,
                               "rejected": rejected, "changed": flipped}
    return Outcome(accepted, rejected, flipped, warnings)


def export(decided: dict[str, list[tuple[Change, bool]]], rules: dict[str, bool] | None = None,
           undecided: str = "tool") -> dict[str, Any]:
    """Build a decisions object (what the report's "export decisions" button writes).

    >>> c = Change("detect", "okay.isis-k", 3, 12, "ISIS-Okay", "ISIS-K", 0.99)
    >>> export({"004.txt": [(c, False)]})["documents"]["004.txt"][0]["decision"]
    'reject'
    """
    return {
        "format": FORMAT,
        "undecided": undecided,
        "rules": {r: "accept" if a else "reject" for r, a in (rules or {}).items()},
        "documents": {
            doc_id: [{"start": c.start, "end": c.end, "rule": c.rule, "before": c.before, "after": c.after,
                      "decision": "accept" if a else "reject"} for c, a in items]
            for doc_id, items in decided.items()
        },
    }
