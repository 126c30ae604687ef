"""Repair quality (issue 3's metrics) on the shared development pairs and clean news, when present.

The same figures as ``repair bench dev.jsonl clean.jsonl --json``, plus how long the measurement
takes, so a ``make bench`` run records quality next to speed. Targets are in issue 3; the figures are defined
in the README, "Benchmarking repair quality".
"""

from __future__ import annotations

import time

from bench import SHARED, Figures
from repair.authoring.benchmark import run_files
from repair.pipeline import Config


def _quality() -> Figures:
    pairs, clean = SHARED / "dev.jsonl", SHARED / "clean.jsonl"
    if not pairs.is_file() or not clean.is_file():
        return {"skipped": f"no {pairs} / {clean} on this machine"}
    cfg = Config.load()
    t0 = time.perf_counter()
    rep, errors = run_files(pairs, clean, cfg)
    seconds = time.perf_counter() - t0
    fig: Figures = {"pairs": rep.overall.pairs, "clean_docs": rep.clean.docs, "errors": len(errors),
                    "seconds": seconds}
    # restoration per group; damage and recall over all pairs (per family: repair bench --json)
    for g in rep.groups():
        if g.restoration is not None:
            fig[f"restore.{g.name}"] = g.restoration
    extra = {"damage": rep.overall.damage, "doc_recall": rep.overall.doc_recall,
             "clean_per_10k": rep.clean.changes_per_10k, "doc_fpr": rep.clean.doc_fpr}
    fig.update({k: v for k, v in extra.items() if v is not None})
    return fig


BENCHMARKS = {"quality.dev": _quality}
