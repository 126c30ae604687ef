"""The review report: time to write it for a large corpus and for one large document.

- ``html_10k``: the HTML report (a page per document, data.js, index.html) for 10,000 documents
  (the seeds' real records, cloned under new ids), in documents per second;
- ``page_1MB``: one document of about 1 MB with the seeds' changes repeated through it;
  ``linear_ratio`` = time(1 MB) / time(250 KB) / 4 is about 1 when page building is linear
  (difflib.HtmlDiff, which this report does not use, would be far above 1);
- ``diff_1MB``: ``repair diff``'s rich side-by-side rendering of the same document;
- ``decisions_10k``: ``emit --decisions`` re-deciding 10,000 records (one in seven of them with decisions).
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import best_time, scaled, seed_texts
from repair.document import Document
from repair.model import Change, apply_changes
from repair.pipeline import Config, run_document
from repair.review.decisions import parse, redecide
from repair.review.html import render_document, write_report


def _seed_docs() -> list[Document]:
    cfg = Config.load()
    return [run_document(Document.from_text(t, id=f"seed-{i}.txt"), cfg) for i, t in enumerate(seed_texts())]


def _clone(doc: Document, new_id: str) -> Document:
    return Document(id=new_id, source=doc.source, text=doc.text, changes=list(doc.changes),
                    spin_score=doc.spin_score, family=doc.family)


def _big(docs: list[Document], target: int) -> Document:
    """One document of about ``target`` characters: the seeds one after another, changes shifted."""
    parts: list[str] = []
    changes: list[Change] = []
    size = 0
    while size < target:
        for d in docs:
            changes.extend(c.shifted(size) for c in d.changes)
            parts.append(d.source if d.source.endswith("\n") else d.source + "\n")
            size += len(parts[-1])
    source = "".join(parts)
    return Document(id="big.txt", source=source, text=apply_changes(source, changes), changes=changes)


def _dir_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def bench_html_10k() -> dict[str, Any]:
    seeds = _seed_docs()
    n = scaled(10_000)
    docs = [_clone(seeds[i % len(seeds)], f"doc-{i:05d}.txt") for i in range(n)]
    tmp = Path(tempfile.mkdtemp(prefix="repair-bench-report-"))
    try:
        t0 = time.perf_counter()
        write_report(tmp, docs)
        seconds = time.perf_counter() - t0
        return {"docs": n, "seconds": round(seconds, 2), "docs_per_s": n / seconds,
                "report_MB": round(_dir_size(tmp) / 1e6, 1),
                "index_KB": round((tmp / "index.html").stat().st_size / 1e3, 1),
                "data_js_KB": round((tmp / "review" / "data.js").stat().st_size / 1e3, 1)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_page_1mb() -> dict[str, Any]:
    seeds = _seed_docs()
    big = _big(seeds, 1_000_000)
    quarter = _big(seeds, 250_000)
    t_big = best_time(lambda: render_document(big, token="bench"))
    t_q = best_time(lambda: render_document(quarter, token="bench"))
    page = render_document(big, token="bench")
    ratio = (t_big / t_q) * (len(quarter.source) / len(big.source)) if t_q > 0 else float("inf")
    return {"chars": len(big.source), "changes": len(big.changes), "seconds": round(t_big, 3),
            "MB_per_s": len(big.source) / t_big / 1e6, "page_MB": round(len(page.encode()) / 1e6, 2),
            "linear_ratio": ratio}


def bench_diff_1mb() -> dict[str, Any]:
    from rich.console import Console

    from repair.cli.review import render_diff

    big = _big(_seed_docs(), scaled(1_000_000))

    def run() -> None:
        Console(file=io.StringIO(), width=160, color_system="truecolor").print(render_diff(big))

    seconds = best_time(run, repeat=1, min_time=0.0)
    return {"chars": len(big.source), "changes": len(big.changes), "seconds": round(seconds, 2)}


def bench_decisions_10k() -> dict[str, Any]:
    seeds = _seed_docs()
    n = scaled(10_000)
    docs = [_clone(seeds[i % len(seeds)], f"doc-{i:05d}.txt") for i in range(n)]
    entries = {d.id: [{"start": c.start, "end": c.end, "decision": "reject"} for c in d.changes[:2]]
               for d in docs[::7] if d.changes}
    decisions = parse({"documents": entries})
    t0 = time.perf_counter()
    changed = sum(redecide(d, decisions).flipped for d in docs)
    seconds = time.perf_counter() - t0
    return {"docs": n, "flipped": changed, "seconds": round(seconds, 3), "docs_per_s": n / seconds}


BENCHMARKS = {
    "html_10k": bench_html_10k,
    "page_1MB": bench_page_1mb,
    "diff_1MB": bench_diff_1mb,
    "decisions_10k": bench_decisions_10k,
}
