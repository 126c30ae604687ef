"""Run the benchmarks: ``python -m bench.run [-k FILTER] [--quick] [--json PATH]``.

Finds every ``bench/bench_*.py`` module, runs each callable of its ``BENCHMARKS`` dict, prints
a table per module and writes all figures to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Iterable

Bench = Callable[[], dict[str, Any]]


def discover(package: str = "bench") -> list[tuple[str, dict[str, Bench]]]:
    """(module name, BENCHMARKS) for every ``bench_*`` module of ``package``, sorted by name."""
    pkg = importlib.import_module(package)
    found = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("bench_"):
            continue
        mod = importlib.import_module(f"{package}.{info.name}")
        benches = getattr(mod, "BENCHMARKS", None)
        if not isinstance(benches, dict):
            raise SystemExit(f"{mod.__file__}: a bench module needs a BENCHMARKS dict (name -> callable)")
        found.append((info.name.removeprefix("bench_"), benches))
    return found


def run_all(modules: Iterable[tuple[str, dict[str, Bench]]], pattern: str = "",
            log: Callable[[str], None] = lambda s: None) -> dict[str, dict[str, Any]]:
    """Run every benchmark whose ``module.name`` contains ``pattern``; errors become figures."""
    results: dict[str, dict[str, Any]] = {}
    for mod, benches in modules:
        for name, fn in benches.items():
            key = f"{mod}.{name}"
            if pattern and pattern not in key:
                continue
            log(f"running {key} ...")
            t0 = time.perf_counter()
            try:
                figures = dict(fn())
            except Exception as e:  # noqa: BLE001 - one broken benchmark must not hide the others
                figures = {"error": f"{type(e).__name__}: {e}"}
                log(traceback.format_exc())
            figures["bench_seconds"] = round(time.perf_counter() - t0, 2)
            results[key] = figures
    return results


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        if v == float("inf"):
            return "inf"
        return f"{v:.3g}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def render(results: dict[str, dict[str, Any]]) -> str:
    """One table per module (numeric and short figures as columns), then text figures as lines."""
    out: list[str] = []
    by_mod: dict[str, list[str]] = {}
    for key in results:
        by_mod.setdefault(key.split(".", 1)[0], []).append(key)
    for mod, keys in by_mod.items():
        cols: list[str] = []
        notes: list[str] = []
        for k in keys:
            for f, v in results[k].items():
                short = not isinstance(v, str) or len(v) <= 12
                if short and f not in cols:
                    cols.append(f)
                elif not short:
                    notes.append(f"  {k} {f}: {v}")
        rows = [["benchmark"] + cols]
        for k in keys:
            rows.append([k.split(".", 1)[1]] + [_fmt(results[k][c]) if c in results[k] else "" for c in cols])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        out.append(f"== {mod}")
        for i, r in enumerate(rows):
            out.append("  ".join(c.ljust(w) if j == 0 else c.rjust(w) for j, (c, w) in enumerate(zip(r, widths, strict=False))))
            if i == 0:
                out.append("  ".join("-" * w for w in widths))
        out.extend(notes)
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("-k", dest="pattern", default="", help="run only benchmarks whose module.name contains this")
    ap.add_argument("--quick", action="store_true", help="small corpora: a smoke run in seconds, not figures to quote")
    ap.add_argument("--json", type=Path, default=None, help="where to write the figures (default bench/results/latest.json)")
    args = ap.parse_args(argv)
    import bench

    if args.quick:
        bench.set_quick(True)

    results = run_all(discover(), args.pattern, log=lambda s: print(s, file=sys.stderr, flush=True))
    print(render(results))
    target = args.json or bench.RESULTS / "latest.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    meta = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "quick": bench.QUICK}
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps({"meta": meta, "results": results}, indent=2, ensure_ascii=False, default=str) + "\n",
                   encoding="utf-8")
    tmp.replace(target)
    print(f"figures written to {target}")
    return 1 if any("error" in f for f in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
