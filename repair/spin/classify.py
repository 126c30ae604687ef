"""Document detection: a calibrated logistic classifier over learned-table and model evidence.

Features (per document, from the merged table's spans):

- ``strong``: spans of forms the spinner changed at least half the time, per 100 words (log1p);
- ``llr``: the sum of those forms' change log-odds, per 100 words (log1p of the positive part);
- ``lm_wins``: spans where the model prefers a table candidate over the spun form by more than
  :data:`WIN_NATS`, per 100 words (log1p; only on the model path);
- ``lm_rare``: ten times the share of the document's lower-case words the model finds rare
  (:func:`repair.spin.lm.rare_rate`; only on the model path, read for every document, whatever the
  first pass says: a machine-translated article carries no table evidence but odd word choices);
- ``rules``: today's rules' ``spin_score`` (``repair.detect``), when given.

Weights are fitted by :mod:`repair.spin.calibrate` on the training pairs (spun 1, original 0, with
leave-one-pair-out tables), the unpaired spun articles and synthetic spins, and shipped as
``rules/spin-model/classifier.json``; 0.5 is the decision threshold. The family is the family
whose own table explains the most evidence.

>>> f = doc_features([], words=200)
>>> f[:4]
[1.0, 0.0, 0.0, 0.0]
>>> Classifier().spin_score(f) < 0.5
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Sequence

from .decode import STRONG_EVIDENCE as STRONG
from .decode import Evidence, Scored, Span, check_features
from .logistic import predict
from .table import RULES_DIR, Table

WIN_NATS = 2.0
STRONG_LR = 1.5  # a strong form is 4.5 times likelier in spun text than in the originals
FEATURES_NOLM = ("bias", "strong", "llr", "lr", "rules")
FEATURES_LM = ("bias", "strong", "llr", "lr", "rules", "lm_wins", "lm_share", "lm_rare")


def _per100(x: float, words: int) -> float:
    return math.log1p(100.0 * x / max(words, 50))


PER_FORM_CAP = 2  # a form counts at most this often per document: a topic word repeats, a spinner varies


def _capped(spans: Sequence[Span | Evidence]) -> list[Span | Evidence]:
    seen: dict[str, int] = {}
    out = []
    for s in spans:
        key = s.key
        n = seen[key] = seen.get(key, 0) + 1
        if n <= PER_FORM_CAP:
            out.append(s)
    return out


class _LogOdds(dict):
    """``max(0.0, log(p / (1 - p)))`` by change rate ``p``, each worked out once (a document's evidence
    repeats a few hundred rates of the table's forms)."""

    def __missing__(self, p: float) -> float:
        if len(self) > 100_000:
            self.clear()
        v = self[p] = max(0.0, math.log(p / (1 - p)))
        return v


class _Positive(dict):
    """``max(0.0, x)`` by ``x``, each worked out once (a dictionary lookup from ``map`` costs a third of a call
    of ``max``; a document's evidence repeats a few hundred log-likelihood ratios of the table's forms)."""

    def __missing__(self, x: float) -> float:
        if len(self) > 100_000:
            self.clear()
        v = self[x] = max(0.0, x)
        return v


_P_CHANGE, _LOG_LR = attrgetter("p_change"), attrgetter("log_lr")
_LOG_ODDS = _LogOdds()
_AT_STRONG = STRONG.__le__  # STRONG <= p: p >= STRONG
_POSITIVE = _Positive().__getitem__  # max(0.0, x)


def doc_features(spans: Sequence[Span | Evidence], words: int, scored: Sequence[Scored] | None = None,
                 rules_score: float = 0.0, table: Table | None = None, rare: float = 0.0) -> list[float]:
    """The classifier's feature vector (``FEATURES_LM`` if ``scored`` is given, else ``FEATURES_NOLM``);
    ``rare`` is the document's :func:`repair.spin.lm.rare_rate` (model path only).

    With ``table`` (the one the spans came from), each form weighs by how much likelier it is in
    spun than in original text (``Entry.log_lr``); without, by its change rate's log-odds.
    """
    spans = _capped(spans)
    # the sums of the per-span terms, in the spans' order, mapped in C: sum(1 for s in spans if s.p_change >=
    # STRONG), sum(max(0.0, log(s.p_change / (1 - s.p_change))) for s in spans), sum(max(0.0, s.log_lr) ...)
    ps = list(map(_P_CHANGE, spans))
    strong = sum(map(_AT_STRONG, ps))
    llr = sum(map(_LOG_ODDS.__getitem__, ps))
    lr = sum(map(_POSITIVE, map(_LOG_LR, spans))) if table is not None else 0.0
    f = [1.0, _per100(strong, words), _per100(llr, words), _per100(lr, words), float(rules_score)]
    if scored is None:
        return f
    wins = sum(1 for s in scored if s.gain is not None and s.gain > WIN_NATS)
    share = wins / len(scored) if scored else 0.0
    return f + [_per100(wins, words), share, 10.0 * rare]


@dataclass(slots=True)
class Classifier:
    lm: list[float] = field(default_factory=list)
    nolm: list[float] = field(default_factory=list)
    prefilter: float = 0.02  # below this no-model score a document is called clean without the model
    meta: dict = field(default_factory=dict)
    # a shorter document counts as this long (as the rules count short texts as 200 words): a
    # paragraph with two spinner words is not a spun article
    min_words: int = 0

    def spin_score(self, features: Sequence[float]) -> float:
        w = self.lm if len(features) == len(FEATURES_LM) else self.nolm
        if not w:  # unfitted: a plain density rule (4 strong spinner words per 100 words = 0.5)
            return 1.0 - math.exp(-math.expm1(features[1]) / 4.0 * math.log(2.0))
        return predict(w, features)

    def to_json(self) -> dict:
        return {"format": "repair.spin-classifier/1", "features_lm": list(FEATURES_LM), "lm": self.lm,
                "features_nolm": list(FEATURES_NOLM), "nolm": self.nolm, "prefilter": self.prefilter,
                "min_words": self.min_words, "meta": self.meta}

    @classmethod
    def load(cls, path: str | Path = RULES_DIR / "classifier.json") -> "Classifier":
        p = Path(path)
        if not p.is_file():
            return cls()
        d = json.loads(p.read_text(encoding="utf-8"))
        check_features(p, d, FEATURES_LM, FEATURES_NOLM)
        return cls(list(d.get("lm", [])), list(d.get("nolm", [])), float(d.get("prefilter", 0.02)),
                   dict(d.get("meta", {})), int(d.get("min_words", 0)))

    def save(self, path: str | Path = RULES_DIR / "classifier.json") -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")


def family_of(text_spans: dict[str, Sequence[Span]], words: int) -> str | None:
    """The family whose own table's strong forms are densest in the text (None if no evidence)."""
    totals: dict[str, float] = {}
    for fam, spans in text_spans.items():
        total = 0.0
        for s in spans:
            if s.p_change >= STRONG:
                total += s.p_change  # one by one, as SpinModel._family adds them (sum() compensates from Python 3.12)
        totals[fam] = total
    return densest(totals, words)


def densest(totals: dict[str, float], words: int) -> str | None:
    """The family whose total (its strong forms' change rates in the text) is highest per word; None if no
    total is above 0; a tie goes to the first family by name."""
    best, top = None, 0.0
    for fam in sorted(totals):
        d = totals[fam] / max(words, 50)
        if d > top:
            best, top = fam, d
    return best
