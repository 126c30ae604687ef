"""Memory: the streaming path (corpus reader -> pipeline -> JsonlSink) on N and 10N documents.

Memory must not grow with the corpus. Two measures:

- ``traced_KB``: the peak of Python allocations (tracemalloc) while streaming, in this process,
  through the same functions the CLI uses (``read_documents``, ``parallel.imap``, ``JsonlSink``);
- ``rss_MB``: the peak resident size of a real ``repair run FILE -o OUT.jsonl`` process (with
  ``--jobs 2`` that is the parent, which reads and writes; its workers hold a few chunks each).

``growth`` is the 10N figure over the N figure: about 1 means flat.

``rss-20MB-200MB``: the peak RSS of ``repair run FILE -o OUT.jsonl`` on 20 MB and 200 MB of JSONL
(the issue's sizes; ``rss-1GB`` adds 1 GB when ``REPAIR_BENCH_1GB=1``: it takes about 8 minutes,
more than the whole ``make bench`` may).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from bench import ROOT, scaled, synthetic_corpus, write_jsonl
from repair.errors import InputError
from repair.executor import PipelineWork, imap
from repair.pipeline import Config
from repair.readers import read_documents
from repair.writers import JsonlSink


def stream(path: Path, out: Path, work: PipelineWork) -> int:
    """What ``repair run path -o out`` does, without the CLI: returns the documents written."""
    sink = JsonlSink(out)
    ok = False
    try:
        for item in imap(work, read_documents([str(path)])):
            if isinstance(item, InputError):
                sink.stats.fail(item)
            else:
                sink.add(item)
        ok = True
    finally:
        sink.close(ok=ok)
    return sink.stats.documents


def traced_peak(path: Path, out: Path, work: PipelineWork) -> int:
    """Peak bytes allocated (above what was live before) while streaming ``path``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        stream(path, out, work)
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def repair_command() -> list[str]:
    """``repair`` of this checkout (not whichever the environment's ``repair`` script imports)."""
    return [sys.executable, "-c", "from repair.cli import main; main()"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def cli_peak_rss(path: Path, out: Path, jobs: int = 1) -> tuple[float, float, float]:
    """(peak RSS in MB, wall seconds, CPU seconds of it and its workers) of
    ``repair run path -o out -q --jobs N`` in a fresh process."""
    import time

    t0 = time.perf_counter()
    proc = subprocess.Popen(repair_command() + ["run", str(path), "-o", str(out), "-q", "--jobs", str(jobs)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"repair run failed ({proc.returncode}): {err.strip()[-300:]}")
    return usage.ru_maxrss / 1024, wall, usage.ru_utime + usage.ru_stime  # ru_maxrss is in KB on Linux


def _memory() -> dict[str, Any]:
    n = scaled(400)
    texts = synthetic_corpus(scaled(600_000), seed=2)
    work = PipelineWork(Config.load())
    fig: dict[str, Any] = {"docs_N": n, "docs_10N": 10 * n}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        small = write_jsonl(d / "n.jsonl", texts, repeat_to=n)
        big = write_jsonl(d / "10n.jsonl", texts, repeat_to=10 * n)
        fig["MB_10N"] = round(big.stat().st_size / 1e6, 1)
        stream(small, d / "warm.jsonl", work)  # caches, lazy imports: not part of the figure
        t_small = traced_peak(small, d / "o1.jsonl", work)
        t_big = traced_peak(big, d / "o2.jsonl", work)
        fig["traced_KB_N"] = round(t_small / 1024)
        fig["traced_KB_10N"] = round(t_big / 1024)
        fig["traced_growth"] = t_big / t_small if t_small else float("inf")
        for jobs in (1, 2):
            r_small, _, _ = cli_peak_rss(small, d / "c1.jsonl", jobs)
            r_big, _, _ = cli_peak_rss(big, d / "c2.jsonl", jobs)
            fig[f"rss_MB_N_j{jobs}"] = round(r_small, 1)
            fig[f"rss_MB_10N_j{jobs}"] = round(r_big, 1)
            fig[f"rss_growth_j{jobs}"] = r_big / r_small
    return fig


MB = 1_000_000
BIG = os.environ.get("REPAIR_BENCH_1GB", "") not in ("", "0")  # the 1 GB row: about 8 minutes here


def write_sized(path: Path, texts: list[str], target: int) -> Path:
    """``texts`` as ``{"id", "text"}`` lines, cycled until the file holds ``target`` bytes (streamed)."""
    import json

    size = i = 0
    with open(path, "w", encoding="utf-8") as f:
        while size < target:
            line = json.dumps({"id": f"doc-{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode("utf-8"))
            i += 1
    return path


def _rss_at(sizes: list[int]) -> dict[str, Any]:
    """Peak RSS of ``repair run FILE.jsonl -o OUT.jsonl`` (one process) on JSONL of these sizes (clean
    news-like documents, cycled); ``growth`` is the largest over the smallest."""
    texts = synthetic_corpus(scaled(2 * MB), seed=7)
    fig: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for target in sizes:
            target = scaled(target)
            corpus = write_sized(d / "in.jsonl", texts, target)
            rss, wall, cpu = cli_peak_rss(corpus, d / "out.jsonl")
            label = f"{target // MB}MB" if target >= MB else f"{target // 1000}KB"
            fig[f"rss_MB_{label}"] = round(rss, 1)
            fig[f"MB_per_s_{label}"] = round(corpus.stat().st_size / MB / wall, 2)
            (d / "out.jsonl").unlink()
            corpus.unlink()
    values = [v for k, v in fig.items() if k.startswith("rss_MB_")]
    fig["growth"] = values[-1] / values[0]
    return fig


def _rss_1gb() -> dict[str, Any]:
    if not BIG:
        return {"skipped": "1 GB takes about 8 minutes here: REPAIR_BENCH_1GB=1 python -m bench.run -k rss-1GB"}
    return _rss_at([20 * MB, 1000 * MB])


BENCHMARKS = {"streaming-N-vs-10N": _memory,
              "rss-20MB-200MB": lambda: _rss_at([20 * MB, 200 * MB]),
              "rss-1GB": _rss_1gb}
