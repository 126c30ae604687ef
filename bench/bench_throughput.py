"""Throughput: ``ftfy.fix_text`` alone vs the whole pipeline vs each stage alone, in MB/s of UTF-8.

The target (docs/performance.md): the pipeline at least as fast as ``ftfy.fix_text`` on the
same text (``pipeline_vs_ftfy`` >= 1). Each stage is timed alone on documents that already went
through the stages before it, so ``share_<stage>`` says where a run's time goes. ``hotspots``
profiles the pipeline on the synthetic corpus and lists the functions with the most self time.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from typing import Any

import ftfy

import bench
from bench import best_time, mb_per_s, scaled, seed_texts, shared_texts, synthetic_corpus, utf8_size
from repair.document import Document
from repair.pipeline import STAGES, Config, run_document


def _stage_time(fn: Any, state: list[Document], cfg: Config, *, repeat: int = 3, min_time: float = 0.2) -> float:
    """Seconds for ``fn`` over fresh copies of ``state`` (the copying is not timed)."""
    best = float("inf")
    for _ in range(1 if bench.QUICK else repeat):
        n, spent = 0, 0.0
        while n == 0 or spent < (0.0 if bench.QUICK else min_time):
            docs = [d.copy() for d in state]
            t0 = time.perf_counter()
            for d in docs:
                fn(d, cfg)
            spent += time.perf_counter() - t0
            n += 1
        best = min(best, spent / n)
    return best


def measure(texts: list[str], cfg: Config | None = None) -> dict[str, Any]:
    cfg = cfg or Config.load()
    nbytes = utf8_size(texts)
    fig: dict[str, Any] = {"docs": len(texts), "MB": round(nbytes / 1e6, 3)}
    t_ftfy = best_time(lambda: [ftfy.fix_text(t) for t in texts])
    t_pipe = best_time(lambda: [run_document(Document.from_text(t), cfg) for t in texts])
    fig["ftfy_MBps"] = mb_per_s(nbytes, t_ftfy)
    fig["pipeline_MBps"] = mb_per_s(nbytes, t_pipe)
    fig["pipeline_vs_ftfy"] = t_ftfy / t_pipe
    # each stage alone, on documents that went through the stages before it
    state = [Document.from_text(t) for t in texts]
    stage_times: dict[str, float] = {}
    for name in cfg.stages:
        fn = STAGES[name]
        stage_times[name] = _stage_time(fn, state, cfg)
        for d in state:
            fn(d, cfg)
            d.stages.append(name)
    total = sum(stage_times.values()) or 1.0
    for name, t in stage_times.items():
        fig[f"{name}_MBps"] = mb_per_s(nbytes, t)
    for name, t in stage_times.items():
        fig[f"share_{name}"] = f"{100 * t / total:.0f}%"
    return fig


def hotspots(texts: list[str], top: int = 8) -> dict[str, Any]:
    """The functions with the most self time when the pipeline runs on ``texts``."""
    cfg = Config.load()
    prof = cProfile.Profile()
    prof.enable()
    for t in texts:
        run_document(Document.from_text(t), cfg)
    prof.disable()
    st = pstats.Stats(prof)
    total = sum(v[2] for v in st.stats.values()) or 1.0  # type: ignore[attr-defined]
    rows = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:top]  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for i, ((path, line, func), (_cc, nc, tt, ct, _)) in enumerate(rows, start=1):
        where = path.split("/repair/", 1)[-1] if "/repair/" in path else path.rsplit("/", 1)[-1]
        out[f"self#{i}"] = f"{100 * tt / total:4.1f}% self, {100 * ct / total:4.1f}% cum, {nc} calls: {where}:{line} {func}"
    return out


def _seeds() -> dict[str, Any]:
    return measure(seed_texts())


def _synthetic() -> dict[str, Any]:
    return measure(synthetic_corpus(scaled(3_000_000)))


def _shared(name: str, field: str) -> dict[str, Any]:
    texts = shared_texts(name, field)
    if texts is None:
        return {"skipped": f"{bench.SHARED / name} not on this machine"}
    return measure(texts)


def _hotspots() -> dict[str, Any]:
    return hotspots(synthetic_corpus(scaled(1_000_000), seed=1))


BENCHMARKS = {
    "seeds": _seeds,
    "synthetic-clean": _synthetic,
    "shared-dev-spun": lambda: _shared("dev.jsonl", "spun"),
    "shared-dev-original": lambda: _shared("dev.jsonl", "original"),
    "shared-clean": lambda: _shared("clean.jsonl", "text"),
    "hotspots-synthetic": _hotspots,
}
