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
from typing import Iterable, Sequence

from repair.model import FLAG_CAP, Change, change
from repair.model import SPUN as EMIT_SPUN
from repair.words import count

from .align import tokenize
from .classify import STRONG, Classifier, densest, doc_features
from .decode import MIN_P_CHANGE, STAGE, Calibration, Scanned, Span, SpanIndex, capital_mid, name_like, scan, score_spans
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
    emit: bool = False  # ``changes`` are :func:`for_emit`'s already (``analyse(..., emit=True)``)

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
        # without the model, a proposal's candidate and confidence by (form, spelling, cap_mid) (see
        # _without_model), and the families whose own table changes a form strongly, with its change rate
        # there (the tables and the calibration do not change once loaded)
        self._scored: dict[tuple[str, str, float], tuple[str | None, float, float, float, str]] = {}
        self._known: dict[str, tuple[tuple[str, float], ...]] = {}
        # the same for a spelling not capitalised (its cap_mid is 0.0) by the spelling alone, with its form: a
        # spelling of one form only, as far as the lookup knows (the form is checked)
        self._plain: dict[str, tuple[str | None, float, float, float, str]] = {}
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
                words: int | None = None, emit: bool = False) -> SpinResult:
        """Detect, propose and judge; ``rules_score`` is the rules' spin score and ``words`` the text's
        :func:`repair.words.count` when the caller has them (detect does). With ``emit`` the changes are
        :func:`for_emit`'s proposals (the pipeline's), made so at once rather than copied."""
        # a name a clean article repeats is no tell (name_like): evidence leaves it out
        scanned = scan(text)
        rs = self.rules_score(text) if rules_score is None else rules_score
        if self.scorer is None and rs >= SPUN:
            # the rules find spin: the proposals are made without the model whatever the evidence (below), so
            # the hits are walked once for both
            evidence, *found = self._index.walk(scanned)
        else:
            evidence, found = self._index.evidence(scanned), None
        if words is None:
            words = count(text)
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
                              self.scorer is not None, secs, emit)
        if not use:
            return self._without_model(text, scanned, words, cheap, cheap_score, secs, emit, found)
        spans = self._index.find(scanned)  # the spans that weigh as evidence or are proposals
        proposals = [s for s in spans if s.p_change >= MIN_P_CHANGE]
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
        family = self._family([s.key for s in spans], words) if spin >= SPUN else None
        changes: list[Change] = []
        at = self.apply_at
        for s in scored:
            if s.after == s.span.before:
                continue
            conf = self.calibration.confidence(s)
            rule = f"learned.{family or 'spin'}"
            changes.append(Change(STAGE, rule, s.span.start, s.span.end, s.span.before, s.after, round(conf, 4),
                                  spin >= SPUN and conf >= at))
        if emit:
            changes = for_emit(changes, round(spin, 4) >= EMIT_SPUN, text, judged=True)
        return SpinResult(round(spin, 4), family, changes, "model", feats, False, secs, emit)

    def _family(self, keys: Iterable[str], words: int) -> str | None:
        """:func:`repair.spin.classify.family_of` the spans of forms ``keys`` as each family's table knows
        them (weighed by its own change rates): the family whose table's strong forms are densest
        (:func:`repair.spin.classify.densest`). The families that change a form strongly are looked up once
        per model; a family with no strong form in the text has no total (density 0, never the densest),
        and each family's sum adds the same rates in the same order as ``family_of``'s."""
        known = self._known
        total: dict[str, float] = {}
        for key in keys:
            strong = known.get(key)
            if strong is None:
                strong = known[key] = tuple(
                    (f, e.p_change) for f, t in self.tables.items()
                    if (e := t.entries.get(key)) is not None and e.to and e.p_change >= STRONG)
            for f, p in strong:
                total[f] = total.get(f, 0) + p
        return densest(total, words)

    def _without_model(self, text: str, scanned: Scanned, words: int, feats: list[float], spin: float,
                       secs: float = 0.0, emit: bool = False, found: list | None = None) -> SpinResult:
        """The end of :meth:`analyse` when the language model does not run: each proposal's candidate
        and confidence depend on its form, its spelling and :func:`repair.spin.decode.cap_mid` alone (see
        :func:`repair.spin.decode._features`), so they are worked out once per model and looked up, with
        the confidence rounded and capped for emit; the spans are :meth:`SpanIndex.walk`'s (``found``, when
        :meth:`analyse` walked the hits already; a :class:`Span` is made only for a spelling not seen before)."""
        keys, found = self._index.walk(scanned)[1:] if found is None else found
        family = self._family(keys, words) if spin >= SPUN else None
        memo = self._scored
        if len(memo) > _MEMO_MAX:
            memo.clear()
        rule = f"learned.{family or 'spin'}"
        spun = spin >= SPUN
        at = self.apply_at_no_model
        emit_spun = round(spin, 4) >= EMIT_SPUN  # (for_emit reads the result's rounded score)
        changes: list[Change] = []
        plain = self._plain
        if len(plain) > _MEMO_MAX:
            plain.clear()
        for start, end, value in found:
            before = text[start:end]
            got = plain.get(before)  # (most: a spelling not capitalised, seen before as this form)
            if got is not None and got[4] is value[0]:
                name = False
            else:
                if before[0].isupper():
                    cap, name = capital_mid(before, start, text), name_like(text, start)
                else:  # neither capitalised mid-sentence nor name-like
                    cap, name = 0.0, False
                key = value[0]
                k = (key, before, cap)
                got = memo.get(k)
                if got is None:
                    # (the first token is read only with a scorer)
                    s = score_spans(text, [Span(start, end, before, key, value[2], 0, value[3], value[4])], None)[0]
                    conf = self.calibration.confidence(s)
                    rounded = round(conf, 4)
                    got = memo[k] = (None if s.after == before else s.after, conf, rounded, min(rounded, FLAG_CAP),
                                     key)
                if not before[0].isupper():
                    plain[before] = got
            after = got[0]
            if after is None:
                continue
            if emit:  # for_emit's proposal: flag-only unless in a spun document and not in a name
                changes.append(change(STAGE, rule, start, end, before, after,
                                      got[2] if emit_spun and not name else got[3], False))
            else:
                changes.append(change(STAGE, rule, start, end, before, after, got[2], spun and got[1] >= at))
        return SpinResult(round(spin, 4), family, changes, "model" if self.scorer else "rules-only", feats,
                          self.scorer is not None, secs, emit)


def for_emit(changes: Iterable[Change], spun: bool, text: str, *, judged: bool = False) -> list[Change]:
    """The spin model's proposals as proposals for emit: never applied in a document not spun, nor
    inside a name (a capitalised word mid-sentence) unless the language model ``judged`` them.

    Without the model a proposal's confidence is its form's alone, so a name would be swapped
    wherever it stands ("White House" is no spun "home") and the swap could be swapped back on a
    second run; those are the match stage's, with its gazetteer. The model judges the name in its
    sentence ("Formula 1" beats "System 1", "the National Guard" "the Nationwide Guard"): tables
    learned from part of the training pairs, tested on the rest, such proposals were right 68 times
    in 70, and a swap back would need the model to prefer both readings."""
    out = []
    for c in changes:
        ok = spun and (judged or not name_like(text, c.start))
        conf = c.confidence if ok else min(c.confidence, FLAG_CAP)
        # a proposal already so (most: flagged by the model, no note) is kept as it is (a Change is immutable)
        out.append(c if not c.applied and c.note is None and conf == c.confidence else
                   change(c.stage, c.rule, c.start, c.end, c.before, c.after, conf, False))
    return out
