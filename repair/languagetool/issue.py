"""One LanguageTool match, as the client returns it, the cache stores it and the grammar stage reads it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from repair.languagetool.settings import confidence


@dataclass(frozen=True, slots=True)
class Issue:
    """One LanguageTool match; ``start``/``end`` index the sentence that was checked (Python str indexes).

    >>> i = Issue("HE_VERB_AGR", 3, 7, "The pronoun and the verb do not agree.", "GRAMMAR", "grammar", ("has",))
    >>> i.confidence, Issue.from_json(i.to_json()) == i
    (0.7, True)
    """

    rule_id: str
    start: int
    end: int
    message: str
    category: str
    issue_type: str
    replacements: tuple[str, ...] = ()

    @property
    def confidence(self) -> float:
        return confidence(self.category, self.issue_type)

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "start": self.start, "end": self.end, "message": self.message,
                "category": self.category, "issue_type": self.issue_type, "replacements": list(self.replacements)}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Issue":
        return cls(str(d["rule_id"]), int(d["start"]), int(d["end"]), str(d["message"]), str(d["category"]),
                   str(d["issue_type"]), tuple(str(r) for r in d.get("replacements", ())))


CheckFn = Callable[[list[str]], list[list[Issue]]]
"""What the grammar stage calls: a list of sentences in, the issues of each sentence out."""

__all__ = ["CheckFn", "Issue"]
