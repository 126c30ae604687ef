"""The language model's cost: seconds per 1,000 words of spun text, and a mixed corpus (95 % clean,
5 % spun) with and without the model, as ratios to ``ftfy.fix_text`` alone in the same run.

Skipped (with the reason) when llama-cpp-python or the bundled model is not installed.
"""

from __future__ import annotations

import time
from typing import Any

import ftfy

import bench
from bench import seed_texts, synthetic_corpus, utf8_size
from repair.document import Document
from repair.pipeline import Config, run_document
from repair.spin.lm import available
from repair.words import count


def _spun_text() -> str:
    """The okay spinner's seed (004), cut to about 300 words (the model costs seconds per sentence)."""
    text = max((t for t in seed_texts() if "[ad_1]" in t), key=len)
    words, out = 0, []
    for para in text.split("\n"):
        out.append(para)
        words += count(para)
        if words >= (120 if bench.QUICK else 300):
            break
    return "\n".join(out)


def _seconds(texts: list[str], cfg: Config) -> float:
    t0 = time.process_time()
    for t in texts:
        run_document(Document.from_text(t), cfg)
    return time.process_time() - t0


def model_cost() -> dict[str, Any]:
    ok, why = available()
    if not ok:
        return {"skipped": why}
    spun = _spun_text()
    with_model, without = Config.load(model="auto"), Config.load(model="off")
    run_document(Document.from_text("Warm up."), with_model)  # load the model outside the timing
    t0 = time.perf_counter()
    doc = run_document(Document.from_text(spun), with_model)
    secs = time.perf_counter() - t0
    rules_only = _seconds([spun], without)
    # small: with the model every document's words are read (about a second a document), and make
    # bench must stay under 10 minutes
    clean = synthetic_corpus(50_000 if bench.QUICK else 100_000, seed=3)
    n_spun = max(1, len(clean) // 19)  # 95 % clean, 5 % spun
    mix = clean + [spun] * n_spun
    ftfy_s = time.process_time()
    for t in mix:
        ftfy.fix_text(t)
    ftfy_s = time.process_time() - ftfy_s
    model_s, off_s = _seconds(mix, with_model), _seconds(mix, without)
    return {
        "spun_words": count(spun),
        "model_seconds_per_1k_spun_words": round(secs / count(spun) * 1000, 2),
        "rules_only_seconds_per_1k_spun_words": round(rules_only / count(spun) * 1000, 3),
        "path": doc.evidence.get("model", {}).get("path"),
        "mix_mb": round(utf8_size(mix) / 1e6, 2),
        "mix_pipeline_vs_ftfy_with_model": float(f"{ftfy_s / model_s:.3g}") if model_s else None,
        "mix_pipeline_vs_ftfy_without_model": round(ftfy_s / off_s, 3) if off_s else None,
    }


BENCHMARKS = {"cost": model_cost}
