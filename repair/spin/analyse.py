"""One document through the spin model: detect, propose, decide (the API the pipeline wires in).

>>> from repair.spin.table import spintax_table, Tables
>>> m = SpinModel(Tables(x=spintax_table(["metropolis|city", "stated|said"])), scorer=None)
>>> r = m.analyse("The metropolis stated it grew. " * 4)
>>> r.path, r.spin_score >= 0.5, [(c.before, c.after) for c in r.changes][:2]
('rules-only', True, [('metropolis', 'city'), ('stated', 'said')])
>>> m.analyse("The metropolis grew.").changes  # a document not spun: nothing to review
[]
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from repair.model import Change
from repair.words import count

from .align import tokenize
from .classify import Classifier, doc_features, family_of
from .decode import MIN_P_CHANGE, STAGE, Calibration, Evidence, Span, SpanIndex, cap_mid, name_like, scan, score_spans
from .lm import Scorer, rare_rate
from .table import RULES_DIR, Table, Tables

# confidence at or above which a proposal is applied (in a document detected as spun): an edit at
# 0.5 is worth nothing on average (+1 right, -1 wrong) and damages correct words; cross-validated on
# the training pairs, proposals at >= 0.6 were right 9 times in 10
APPLY_AT = 0.6
APPLY_AT_NO_MODEL = 0.8  # without the model the channel alone is less sure: apply only its surest proposals
SPUN = 0.5
_MEMO_MAX = 200_000  # memoised proposals kept per model (a long run's spellings; cleared when full)
_UNSEEN = object()


@dataclass(slots=True)
class SpinResult:
    spin_score: float
    family: str | None
    changes: list[Change]  # proposals; ``applied`` set on those to apply
    path: str  # "model" (the language model judged) or "rules-only"
    features: list[float] = field(default_factory=list)
    prefiltered: bool = False  # called clean by the cheap first pass (the model read its words, judged no repair)
    model_seconds: float = 0.0

    @property
    def judged(self) -> bool:
        """True when the language model judged every proposal in context (not the channel alone)."""
        return self.path == "model" and not self.prefiltered


class SpinModel:
    """Tables + calibration + classifier (+ an optional language model scorer)."""

    def __init__(self, tables: Tables, calibration: Calibration | None = None, classifier: Classifier | None = None,
                 scorer: Scorer | None = None, *, apply_at: float = APPLY_AT,
                 apply_at_no_model: float = APPLY_AT_NO_MODEL, rules=None):
        self.tables = tables
        self.table: Table = tables.merged()
        # tables do not change once loaded: each is compiled once for scanning
        self._index = SpanIndex(self.table, weightless=False)
        self._name_swaps: tuple[tuple[str, str, float], ...] | None = None
        # without the model, a proposal's candidate and confidence by (form, spelling, cap_mid), and each
        # family table's evidence of a form (the tables and the calibration do not change once loaded)
        self._scored: dict[tuple[str, str, float], tuple[str | None, float]] = {}
        self._known: dict[str, dict[str, Evidence | None]] = {}
        self.calibration = calibration or Calibration()
        self.classifier = classifier or Classifier()
        self.scorer = scorer
        self.apply_at = apply_at
        self.apply_at_no_model = apply_at_no_model
        self.rules = rules  # a repair RuleSet: today's tells become the "rules" feature

    @classmethod
    def load(cls, folder: str | Path = RULES_DIR, *, model_path: str | Path | None = None, use_model: bool = True,
             rules=None, extra: Sequence[str | Path] = (), builtin_tables: bool = True,
             device: str = "auto") -> "SpinModel":
        """The shipped model in ``folder`` (tables, calibration, classifier), with the tables of the
        ``extra`` folders (``repair learn`` output) added to its own, and the language model when
        ``use_model`` and it can run here (see :func:`repair.spin.lm.available`)."""
        from .lm import available, get_scorer

        scorer = None
        if use_model and available(model_path)[0]:
            scorer = get_scorer(model_path, device)
        folder = Path(folder)
        tables = Tables.load(folder) if builtin_tables else Tables()
        for more in extra:
            for fam, t in Tables.load(more).items():
                tables[fam] = Tables(a=tables[fam], b=t).merged(fam) if fam in tables else t
        return cls(tables, Calibration.load(folder / "calibration.json"),
                   Classifier.load(folder / "classifier.json"), scorer, rules=rules)

    @staticmethod
    def _family_evidence(table: Table, spans: Sequence[Span]) -> list[Evidence]:
        """The spans (of the merged table) that ``table`` knows, weighed by its own change rates."""
        out = []
        for s in spans:
            e = table.entries.get(s.key)
            if e is not None and e.to:
                out.append(Evidence(s.key, e.p_change, 0.0))
        return out

    def name_swaps(self) -> tuple[tuple[str, str, float], ...]:
        """The tables' sure one-word swaps, capitalised, for the match stage's names ("Purple Bull" ->
        "Red Bull" when the gazetteer knows Red Bull): (spun, original, confidence), for forms the
        spinner changed at least half the time in at least two pairs.

        >>> from repair.spin.table import Entry, Table
        >>> t = Table("x", {"purple": Entry({"red": 9}, pairs=5, kept=0), "said": Entry({"stated": 1})})
        >>> SpinModel(Tables(x=t), scorer=None).name_swaps()
        (('Purple', 'Red', 0.936),)
        """
        if self._name_swaps is None:
            out = []
            for key, e in sorted(self.table.entries.items()):
                if not (key.isalpha() and len(key) >= 3 and e.to and e.pairs >= 2 and e.p_change >= 0.5):
                    continue
                orig = e.best()[0][0]
                if orig.isalpha() and orig != key:
                    out.append((key.capitalize(), orig.capitalize(), round(0.8 + 0.15 * e.p_change, 3)))
            self._name_swaps = tuple(out)
        return self._name_swaps

    def rules_score(self, text: str) -> float:
        if self.rules is None:
            return 0.0
        from repair.stages.detect import evidence

        return evidence(text, self.rules).spin_score

    def analyse(self, text: str, *, force_model: bool = False, rules_score: float | None = None,
                words: int | None = None) -> SpinResult:
        """Detect, propose and judge; ``rules_score`` is the rules' spin score and ``words`` the text's
        :func:`repair.words.count` when the caller has them (detect does)."""
        # a name a clean article repeats is no tell (name_like): evidence leaves it out
        scanned = scan(text)
        evidence = self._index.evidence(scanned)
        if words is None:
            words = count(text)
        rs = self.rules_score(text) if rules_score is None else rules_score
        dw = max(words, self.classifier.min_words)  # the words the evidence is counted per
        cheap = doc_features(evidence, dw, None, rs, self.table)
        cheap_score = self.classifier.spin_score(cheap)
        # the cheap first pass: without model features in the classifier, the model runs only in
        # documents already detected as spun (its proposals elsewhere are only flagged)
        use = self.scorer is not None and (force_model or cheap_score >= self.classifier.prefilter)
        rare = 0.0
        t0 = time.perf_counter()
        if self.scorer is not None and self.classifier.lm:
            # every document's word surprisals (one decode): a translated article has no table evidence
            rare = rare_rate(self.scorer, text)
            if not use:  # called clean by the first pass: spun only if its words say so
                cheap = doc_features(evidence, dw, [], rs, self.table, rare)
                cheap_score = self.classifier.spin_score(cheap)
                use = cheap_score >= SPUN
        secs = time.perf_counter() - t0
        if not use and max(cheap_score, rs) < SPUN:
            # neither the rules nor the tables find spin: nothing to propose (a clean article's
            # ordinary words, "because" or "business", are no review work)
            return SpinResult(round(cheap_score, 4), None, [], "model" if self.scorer else "rules-only", cheap,
                              self.scorer is not None, secs)
        spans = self._index.find(scanned)  # the spans that weigh as evidence or are proposals
        proposals = [s for s in spans if s.p_change >= MIN_P_CHANGE]
        if not use:
            return self._without_model(text, spans, proposals, words, cheap, cheap_score, secs)
        t0 = time.perf_counter()  # from here on the model judges every proposal
        scored = score_spans(text, proposals, self.scorer, tokenize(text))
        secs += time.perf_counter() - t0
        if self.classifier.lm:
            feats = doc_features(evidence, dw, [x for x in scored if not name_like(text, x.span.start)], rs,
                                 self.table, rare)
            spin = self.classifier.spin_score(feats)
        else:
            feats, spin = cheap, cheap_score
        # the family of a spun document: the table explaining the most evidence
        family = self._family(spans, words) if spin >= SPUN else None
        changes: list[Change] = []
        at = self.apply_at
        for s in scored:
            if s.after == s.span.before:
                continue
            conf = self.calibration.confidence(s)
            rule = f"learned.{family or 'spin'}"
            changes.append(Change(STAGE, rule, s.span.start, s.span.end, s.span.before, s.after, round(conf, 4),
                                  spin >= SPUN and conf >= at))
        return SpinResult(round(spin, 4), family, changes, "model", feats, False, secs)

    def _family(self, spans: Sequence[Span], words: int) -> str | None:
        """:func:`family_of` the spans as each family's table knows them (:meth:`_family_evidence`),
        with each table's evidence of a form looked up once per model."""
        known = self._known
        per: dict[str, list[Evidence]] = {}
        for f, t in self.tables.items():
            memo = known.get(f)
            if memo is None:
                memo = known[f] = {}
            out = per[f] = []
            for s in spans:
                ev = memo.get(s.key, _UNSEEN)
                if ev is _UNSEEN:
                    got = self._family_evidence(t, [s])
                    ev = memo[s.key] = got[0] if got else None
                if ev is not None:
                    out.append(ev)
        return family_of(per, words)

    def _without_model(self, text: str, spans: Sequence[Span], proposals: Sequence[Span], words: int,
                       feats: list[float], spin: float, secs: float = 0.0) -> SpinResult:
        """The end of :meth:`analyse` when the language model does not run: each proposal's candidate
        and confidence depend on its form, its spelling and :func:`cap_mid` alone (see
        :func:`repair.spin.decode._features`), so they are worked out once per model and looked up."""
        family = self._family(spans, words) if spin >= SPUN else None
        memo = self._scored
        if len(memo) > _MEMO_MAX:
            memo.clear()
        rule = f"learned.{family or 'spin'}"
        spun = spin >= SPUN
        at = self.apply_at_no_model
        changes: list[Change] = []
        for sp in proposals:
            k = (sp.key, sp.before, cap_mid(sp, text))
            got = memo.get(k)
            if got is None:
                s = score_spans(text, [sp], None)[0]
                got = memo[k] = (None if s.after == sp.before else s.after, self.calibration.confidence(s))
            after, conf = got
            if after is None:
                continue
            changes.append(Change(STAGE, rule, sp.start, sp.end, sp.before, after, round(conf, 4),
                                  spun and conf >= at))
        return SpinResult(round(spin, 4), family, changes, "model" if self.scorer else "rules-only", feats,
                          self.scorer is not None, secs)
