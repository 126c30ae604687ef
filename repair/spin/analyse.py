"""One document through the spin model: detect, propose, decide (the API the pipeline wires in).

>>> from repair.spin.table import spintax_table, Tables
>>> m = SpinModel(Tables(x=spintax_table(["metropolis|city"])), scorer=None)
>>> r = m.analyse("The metropolis grew.")
>>> r.path, [(c.before, c.after) for c in r.changes]
('rules-only', [('metropolis', 'city')])
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from repair.model import Change

from .align import is_word, tokenize
from .classify import Classifier, doc_features, family_of
from .decode import MIN_P_CHANGE, STAGE, Calibration, find_spans, score_spans
from .lm import Scorer
from .table import RULES_DIR, Table, Tables

# confidence at or above which a proposal is applied (in a document detected as spun): an edit at
# 0.5 is worth nothing on average (+1 right, -1 wrong) and damages correct words; cross-validated on
# the training pairs, proposals at >= 0.6 were right 9 times in 10
APPLY_AT = 0.6
APPLY_AT_NO_MODEL = 0.8  # without the model the channel alone is less sure: apply only its surest proposals
SPUN = 0.5


@dataclass(slots=True)
class SpinResult:
    spin_score: float
    family: str | None
    changes: list[Change]  # proposals; ``applied`` set on those to apply
    path: str  # "model" (the language model judged) or "rules-only"
    features: list[float] = field(default_factory=list)
    prefiltered: bool = False  # called clean by the cheap first pass (the model never ran)
    model_seconds: float = 0.0


def name_like(text: str, start: int) -> bool:
    """A capitalised word inside a sentence: part of a name ("Purple Line", "Metropolis"), which clean
    articles repeat as often as they like, so it is no evidence that a document is spun (it is still
    a repair candidate: the spinner mangles names too).

    >>> name_like("The Purple Line opens.", 4), name_like("Purple trains run.", 0), name_like("It ran. Purple", 8)
    (True, False, False)
    """
    if not text[start:start + 1].isupper():
        return False
    i = start - 1
    while i >= 0 and text[i] in " \t\"'\u201c\u2018(":
        i -= 1
    return i >= 0 and text[i] not in ".!?:\n\u2014-"


class SpinModel:
    """Tables + calibration + classifier (+ an optional language model scorer)."""

    def __init__(self, tables: Tables, calibration: Calibration | None = None, classifier: Classifier | None = None,
                 scorer: Scorer | None = None, *, apply_at: float = APPLY_AT,
                 apply_at_no_model: float = APPLY_AT_NO_MODEL, rules=None):
        self.tables = tables
        self.table: Table = tables.merged()
        self._max_n = {name: t.max_n() for name, t in tables.items()}  # tables do not change once loaded
        self._max_n_all = self.table.max_n()
        self.calibration = calibration or Calibration()
        self.classifier = classifier or Classifier()
        self.scorer = scorer
        self.apply_at = apply_at
        self.apply_at_no_model = apply_at_no_model
        self.rules = rules  # a repair RuleSet: today's tells become the "rules" feature

    @classmethod
    def load(cls, folder: str | Path = RULES_DIR, *, model_path: str | Path | None = None, use_model: bool = True,
             rules=None, extra: Sequence[str | Path] = (), builtin_tables: bool = True) -> "SpinModel":
        """The shipped model in ``folder`` (tables, calibration, classifier), with the tables of the
        ``extra`` folders (``repair learn`` output) added to its own, and the language model when
        ``use_model`` and it can run here (see :func:`repair.spin.lm.available`)."""
        from .lm import available, get_scorer

        scorer = None
        if use_model and available(model_path)[0]:
            scorer = get_scorer(model_path)
        folder = Path(folder)
        tables = Tables.load(folder) if builtin_tables else Tables()
        for more in extra:
            for fam, t in Tables.load(more).items():
                tables[fam] = Tables(a=tables[fam], b=t).merged(fam) if fam in tables else t
        return cls(tables, Calibration.load(folder / "calibration.json"),
                   Classifier.load(folder / "classifier.json"), scorer, rules=rules)

    def rules_score(self, text: str) -> float:
        if self.rules is None:
            return 0.0
        from repair.stages.detect import detect

        return detect(text, self.rules).spin_score

    def analyse(self, text: str, *, force_model: bool = False, rules_score: float | None = None) -> SpinResult:
        """Detect, propose and judge; ``rules_score`` is the rules' spin score when the caller has it."""
        toks = tokenize(text)
        words = sum(1 for t in toks if is_word(t.norm))
        spans = find_spans(text, self.table, toks=toks, max_n=self._max_n_all)
        rs = self.rules_score(text) if rules_score is None else rules_score
        evidence = [s for s in spans if not name_like(text, s.start)]  # a name a clean article repeats is no tell
        dw = max(words, self.classifier.min_words)  # the words the evidence is counted per
        cheap = doc_features(evidence, dw, None, rs, self.table)
        cheap_score = self.classifier.spin_score(cheap)
        proposals = [s for s in spans if s.entry.p_change >= MIN_P_CHANGE]
        # the cheap first pass: without model features in the classifier, the model runs only in
        # documents already detected as spun (its proposals elsewhere are only flagged)
        use = self.scorer is not None and (force_model or cheap_score >= self.classifier.prefilter)
        t0 = time.perf_counter()
        scored = score_spans(text, proposals, self.scorer if use else None, toks)
        secs = time.perf_counter() - t0 if use else 0.0
        if use and self.classifier.lm:
            feats = doc_features(evidence, dw, [x for x in scored if not name_like(text, x.span.start)], rs,
                                 self.table)
            spin = self.classifier.spin_score(feats)
        else:
            feats, spin = cheap, cheap_score
        family = None
        if spin >= SPUN:  # the family of a spun document: the table explaining the most evidence
            family = family_of({f: find_spans(text, t, toks=toks, max_n=self._max_n[f])
                                for f, t in self.tables.items()}, words)
        changes: list[Change] = []
        at = self.apply_at if use else self.apply_at_no_model
        for s in scored:
            if s.after == s.span.before:
                continue
            conf = self.calibration.confidence(s)
            rule = f"learned.{family or 'spin'}"
            changes.append(Change(STAGE, rule, s.span.start, s.span.end, s.span.before, s.after, round(conf, 4),
                                  spin >= SPUN and conf >= at))
        return SpinResult(round(spin, 4), family, changes, "model" if self.scorer else "rules-only", feats,
                          self.scorer is not None and not use, secs)
