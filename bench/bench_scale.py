"""Scale: ``repair run`` against ``ftfy.fix_text`` alone, start-up, and Dask vs a local run, in one table.

``ratio`` is always "bigger is better" and has its ``goal`` beside it (docs/performance.md):

- ``ftfy-<corpus>``: CPU seconds of ``ftfy.fix_text`` over the corpus's texts (in this process,
  nothing else timed) over CPU seconds of a whole ``repair run IN.jsonl -o OUT.jsonl`` (a
  process of its own: start-up, reading, every stage but grammar, writing). Rounds alternate
  ftfy and repair; ``ratio`` is best over best, ``ratio_min``/``ratio_max`` the spread of the
  rounds. Corpora: ``clean`` (clean news-like text, 5 MB, 3 rounds), ``spun`` (seeds 001 and 004,
  spun articles, 5 MB, 5 rounds: this machine's speed drifts by a quarter within a minute, and the
  spun goal is the tightest), ``mix`` (95 % clean, 5 % spun by bytes, 20 MB, 2 rounds).
- ``startup``: seconds from a new interpreter to a Config ready to run, with the compiled rules in
  the disk cache (``warm_s``) and without (``cold_s``); ``ratio`` is 0.2 s over ``warm_s``
  (the goal: a worker starts in well under 0.2 s).
- ``dask-2-vs-local``: wall time of ``repair run`` on one process over ``--executor dask
  --workers 2`` (the cluster's start included), on the clean corpus; ``identical`` compares
  the outputs.
- ``jobs-2-vs-1``: the same for ``--jobs 2``.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import ftfy

import bench
from bench import ROOT, scaled, seed_texts, synthetic_corpus

MB = 1_000_000


def _repair_cmd() -> list[str]:
    return [sys.executable, "-c", "from repair.cli import main; main()"]


def _env(cache: Path | None = None) -> dict[str, str]:
    """The environment of a timed ``repair`` process: this checkout first on the path; with ``cache``, the
    rule cache and the bytecode cache there (an installed repair has its modules compiled, so a process
    started where PYTHONDONTWRITEBYTECODE is set would time compiling every module's source; the
    warm-up run fills both caches, the source tree is left as it is)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if cache is not None:
        env["REPAIR_CACHE_DIR"] = str(cache)
        env["PYTHONPYCACHEPREFIX"] = str(cache / "bytecode")
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _write(path: Path, texts: list[str]) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": f"doc-{i}", "text": t}, ensure_ascii=False) + "\n")
    return path


def _spun(target: int) -> list[str]:
    seeds = seed_texts()
    src = [seeds[1], seeds[4]]  # 001 and 004: spun articles
    out: list[str] = []
    total = 0
    while total < target:
        t = src[len(out) % 2]
        out.append(t)
        total += len(t.encode("utf-8"))
    return out


def _mix(target: int) -> list[str]:
    clean = synthetic_corpus(int(target * 0.95), seed=12)
    spun = _spun(int(target * 0.05) + 1)
    rng = random.Random(5)
    out = list(clean)
    for t in spun:  # spread the spun articles through the corpus
        out.insert(rng.randrange(len(out) + 1), t)
    return out


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run_cpu(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds and wall seconds of a ``repair`` command in a process of its own."""
    c0, t0 = _children_cpu(), time.perf_counter()
    subprocess.run(_repair_cmd() + args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return _children_cpu() - c0, time.perf_counter() - t0


def _vs_ftfy(texts: list[str], rounds: int, goal: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        corpus = _write(d / "in.jsonl", texts)
        env = _env(d / "cache")
        args = ["run", str(corpus), "-o", str(d / "out.jsonl"), "--quiet", "--isolated"]
        _run_cpu(args, env)  # fills the rule and bytecode caches, as any second run finds them
        f_best = r_best = float("inf")
        per_round = []
        for _ in range(1 if bench.QUICK else rounds):
            t = time.process_time()
            for x in texts:
                ftfy.fix_text(x)
            f = time.process_time() - t
            r, _ = _run_cpu(args, env)
            per_round.append(f / r)
            f_best, r_best = min(f_best, f), min(r_best, r)
        return {"MB": round(corpus.stat().st_size / MB, 1), "ftfy_cpu_s": f_best, "repair_cpu_s": r_best,
                "ratio": f_best / r_best, "ratio_min": min(per_round), "ratio_max": max(per_round), "goal": goal}


def _startup() -> dict[str, Any]:
    code = ("import time; t = time.perf_counter(); from repair.pipeline import Config; Config.load(); "
            "print(time.perf_counter() - t, time.process_time())")
    with tempfile.TemporaryDirectory() as tmp:
        env = _env(Path(tmp) / "cache")

        def once(e: dict[str, str]) -> tuple[float, float]:
            out = subprocess.run([sys.executable, "-c", code], env=e, check=True, capture_output=True, text=True)
            wall, cpu = out.stdout.split()[-2:]
            return float(wall), float(cpu)

        once(env)  # fills the cache
        n = 1 if bench.QUICK else 3
        warm = min(once(env) for _ in range(n))
        cold = min(once({**env, "REPAIR_CACHE_DIR": "off"}) for _ in range(n))
    # wall seconds (imports included, interpreter start not) and CPU seconds of the whole process
    return {"warm_s": warm[0], "warm_cpu_s": warm[1], "cold_s": cold[0], "cold_cpu_s": cold[1],
            "ratio": 0.2 / warm[0], "goal": 1.0}


def _wall_vs(extra: list[str]) -> dict[str, Any]:
    texts = synthetic_corpus(scaled(5 * MB), seed=11)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        corpus = _write(d / "in.jsonl", texts)
        env = _env(d / "cache")
        base = ["run", str(corpus), "--quiet", "--isolated"]
        _run_cpu(base + ["-o", str(d / "warm.jsonl")], env)
        one = other = float("inf")
        for _ in range(1 if bench.QUICK else 2):
            one = min(one, _run_cpu(base + ["-o", str(d / "one.jsonl")], env)[1])
            other = min(other, _run_cpu(base + ["-o", str(d / "other.jsonl")] + extra, env)[1])
        same = (d / "one.jsonl").read_bytes() == (d / "other.jsonl").read_bytes()
        size = corpus.stat().st_size
    return {"MB": round(size / MB, 1), "one_s": one, "other_s": other, "ratio": one / other,
            "identical": same, "load_avg": round(os.getloadavg()[0], 2)}


def _dask() -> dict[str, Any]:
    try:
        import distributed  # noqa: F401
    except ImportError:
        return {"skipped": "dask and distributed are not installed (pip install 'repair[dask]')"}
    return _wall_vs(["--executor", "dask", "--workers", "2"])


BENCHMARKS = {
    "ftfy-clean": lambda: _vs_ftfy(synthetic_corpus(scaled(5 * MB), seed=11), 3, 1.0),
    "ftfy-spun": lambda: _vs_ftfy(_spun(scaled(5 * MB)), 5, 0.6),
    "ftfy-mix": lambda: _vs_ftfy(_mix(scaled(20 * MB)), 2, 1.0),
    "startup": _startup,
    "dask-2-vs-local": _dask,
    "jobs-2-vs-1": lambda: _wall_vs(["--jobs", "2"]),
}
