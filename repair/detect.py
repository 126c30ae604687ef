"""detect: find spun passages and score how spun a document is.

The text is not changed; detect *proposes* changes (``applied`` false) with a confidence, and
gives the document a ``spin_score`` in [0, 1] and the spinner ``family`` the evidence points to.

First version: exact spinner phrases (``kind = "phrase"`` rules) found with one Aho-Corasick
automaton over the text, checked for word boundaries.

>>> from repair.rules import load_rules
>>> d = detect("Fighters of ISIS-Okay struck.", load_rules())
>>> [(c.before, c.after) for c in d.changes]
[('ISIS-Okay', 'ISIS-K')]
>>> detect("Nothing to see here.", load_rules()).changes
()
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from .errors import RuleError
from .model import Change, StageResult
from .rules import RuleSet

STAGE = "detect"


@dataclass(frozen=True, slots=True)
class Detection:
    text: str
    changes: tuple[Change, ...]
    spin_score: float
    family: str | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def result(self) -> StageResult:
        return StageResult(self.text, self.changes)


@dataclass(slots=True)
class _Lexicon:
    automaton: Any
    count: int


def compile_rules(rules: RuleSet) -> _Lexicon:
    a = ahocorasick.Automaton()
    n = 0
    for r in rules.for_stage(STAGE):
        if r.get("kind", "phrase") != "phrase":
            continue
        phrase, replace = r.data.get("phrase"), r.data.get("replace")
        if not isinstance(phrase, str) or not phrase or not isinstance(replace, str):
            raise RuleError(f"{r.where()}: a phrase rule needs string 'phrase' and 'replace'")
        conf = float(r.get("confidence", 0.9))
        if not 0.0 <= conf <= 1.0:
            raise RuleError(f"{r.where()}: confidence must be between 0 and 1")
        a.add_word(phrase, (r.id, phrase, replace, conf, r.get("family", "unknown"), float(r.get("weight", 1.0))))
        n += 1
    if n:
        a.make_automaton()
    return _Lexicon(a, n)


def _word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def detect(text: str, rules: RuleSet) -> Detection:
    lex = rules.compiled(STAGE, compile_rules)
    if not lex.count or not text:
        return Detection(text, (), 0.0, None)
    found: list[Change] = []
    weight_by_family: Counter = Counter()
    for end, (rid, phrase, replace, conf, family, weight) in lex.automaton.iter(text):
        start = end - len(phrase) + 1
        if start > 0 and _word_char(text[start - 1]) and _word_char(phrase[0]):
            continue
        if end + 1 < len(text) and _word_char(text[end + 1]) and _word_char(phrase[-1]):
            continue
        found.append(Change(STAGE, rid, start, end + 1, phrase, replace, conf, False))
        weight_by_family[family] += weight
    words = max(1, len(text.split()))
    density = sum(weight_by_family.values()) * 100.0 / words  # weighted tells per 100 words
    score = 1.0 - math.exp(-density / 1.5)
    family = weight_by_family.most_common(1)[0][0] if weight_by_family else None
    return Detection(text, tuple(found), score, family,
                     {"tells": dict(weight_by_family), "words": words})
