"""``repair run --jobs 2`` vs ``--jobs 1``: wall time on the synthetic corpus, and the same output.

With two cores the best case is a speedup near 2 minus the start-up of the workers (about half
a second) and the parent's share (reading, JSON, writing). Wall times depend on what else the
machine runs (``load_avg`` is the 1-minute load when the benchmark started); ``cpu_overhead``
(CPU seconds of all processes with 2 jobs over 1 job) does not.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from bench import scaled, synthetic_corpus, write_jsonl
from bench.bench_memory import cli_peak_rss


def _jobs() -> dict[str, Any]:
    fig: dict[str, Any] = {"load_avg": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}
    texts = synthetic_corpus(scaled(3_000_000), seed=3)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        corpus = write_jsonl(d / "corpus.jsonl", texts)
        mb = corpus.stat().st_size / 1e6
        fig["docs"], fig["MB"] = len(texts), round(mb, 2)
        best: dict[int, float] = {}
        cpu: dict[int, float] = {}
        for _ in range(2):
            for jobs in (1, 2):
                _, wall, used = cli_peak_rss(corpus, d / f"out{jobs}.jsonl", jobs)
                best[jobs] = min(best.get(jobs, float("inf")), wall)
                cpu[jobs] = min(cpu.get(jobs, float("inf")), used)
        for jobs, wall in best.items():
            fig[f"j{jobs}_seconds"] = round(wall, 2)
            fig[f"j{jobs}_cpu_seconds"] = round(cpu[jobs], 2)
            fig[f"j{jobs}_MBps"] = mb / wall
        fig["speedup"] = best[1] / best[2]
        # CPU spent by all processes with 2 jobs over 1: the price of parallelism (start-up,
        # pickling); on a busy machine wall times mislead, this does not
        fig["cpu_overhead"] = cpu[2] / cpu[1]
        fig["identical"] = (d / "out1.jsonl").read_bytes() == (d / "out2.jsonl").read_bytes()
    return fig


BENCHMARKS = {"run-jobs-2-vs-1": _jobs}
