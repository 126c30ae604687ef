"""Speed and memory benchmarks: ``make bench`` (= ``python -m bench.run``).

Adding a benchmark: create ``bench/bench_<topic>.py`` with a module-level ``BENCHMARKS`` dict
mapping a name to a callable that takes no argument and returns a dict of figures::

    # bench/bench_report.py
    from bench import best_time, scaled, synthetic_corpus

    def _report_speed() -> dict:
        texts = synthetic_corpus(scaled(200_000))
        seconds = best_time(lambda: build_report(texts))
        return {"docs": len(texts), "seconds": seconds, "docs_per_s": len(texts) / seconds}

    BENCHMARKS = {"report.html": _report_speed}

``bench.run`` finds the module, runs every callable, prints the figures as a table (numbers)
and lines (text), and writes everything to ``bench/results/latest.json``. A benchmark that
cannot run here (missing data, missing tool) returns ``{"skipped": "why"}``; one that raises
is reported with its error and the others still run. ``--quick`` (or ``REPAIR_BENCH_QUICK=1``)
shrinks the corpora so a whole run takes seconds: size yours with :func:`scaled`.

Benchmarks measure; they never assert. Targets are stated in docs/performance.md (and
the README's "Performance" summary) and compared by reading the table (the ``*_ratio`` figures).
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
RESULTS = Path(__file__).resolve().parent / "results"
# Real benchmark texts, when present on this machine; never copied into the repository.
SHARED = Path(os.environ.get("REPAIR_BENCH_DATA", "/work/shared/bench"))
# the fast path (every stage but grammar and the language model) is what the throughput figures
# measure; bench_model measures the language model on its own
os.environ.setdefault("REPAIR_MODEL", "off")
QUICK = os.environ.get("REPAIR_BENCH_QUICK", "") not in ("", "0")  # bench.run --quick sets it too


def set_quick(quick: bool) -> None:
    global QUICK
    QUICK = quick


def scaled(n: int) -> int:
    """``n`` in a full run, a tenth of it (at least 1) in a quick one."""
    return max(1, n // 10) if QUICK else n

Figures = dict[str, Any]


def best_time(fn: Callable[[], Any], *, repeat: int = 3, min_time: float = 0.3) -> float:
    """Seconds per call of ``fn``: the best of ``repeat`` rounds, each running at least ``min_time``."""
    best = float("inf")
    for _ in range(repeat if not QUICK else 1):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= (min_time if not QUICK else 0.0):
                break
        best = min(best, dt / n)
    return best


def mb_per_s(nbytes: int, seconds: float) -> float:
    return nbytes / seconds / 1e6 if seconds > 0 else float("inf")


def utf8_size(texts: list[str]) -> int:
    return sum(len(t.encode("utf-8")) for t in texts)


def seed_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]


def shared_texts(name: str, field: str) -> list[str] | None:
    """Texts of ``field`` in ``SHARED/name`` (e.g. dev.jsonl, "spun"), or None if the file is absent."""
    path = SHARED / name
    if not path.is_file():
        return None
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                if isinstance(rec.get(field), str):
                    out.append(rec[field])
    return out


# --- a synthetic corpus of clean, news-like text ------------------------------------------------

_PEOPLE = ["Maria Santos", "Ahmed Karimi", "John Whitfield", "Li Wei", "Olena Kovalenko", "José Ramírez",
           "Sarah O’Connor", "Recep Demir", "Anna Müller", "David Mensah", "Priya Nair", "Tomás Novák"]
_TITLES = ["the foreign minister", "a senior official", "the company’s chief executive", "the mayor",
           "a spokesperson for the ministry", "the central bank governor", "an analyst at the institute"]
_PLACES = ["Kabul", "Brussels", "Nairobi", "São Paulo", "Jakarta", "Warsaw", "Istanbul", "Lagos", "Ottawa",
           "Hanoi", "Lima", "Seoul", "Zürich", "Cairo"]
_ORGS = ["the State Department", "the European Union", "the World Bank", "the United Nations",
         "the finance ministry", "the electoral commission", "the Red Cross", "the port authority"]
_VERBS = ["would review", "had approved", "was expected to announce", "planned to expand", "declined to comment on",
          "agreed to fund", "postponed", "criticised"]
_OBJECTS = ["the new trade agreement", "a $2.4 billion aid package", "the proposed budget", "talks on the border",
            "the inquiry into the contract", "plans for a second terminal", "the vaccination campaign",
            "emergency measures after the floods"]
_TIMES = ["on Tuesday", "last week", "earlier this month", "by the end of the year", "in March", "on Friday evening",
          "within 90 days"]
_TEMPLATES = [
    "{person}, {title}, said {time} that {org} {verb} {obj}.",
    "Officials in {place} said {org} {verb} {obj} {time}.",
    "“We are not going to rush this,” {person} told reporters in {place}.",
    "The decision — announced {time} — means {org} {verb} {obj}.",
    "According to {title}, {org} {verb} {obj}, though no date was given.",
    "In {place}, {person} said the figures were “encouraging” but warned that {obj} could take years.",
    "{org_cap} {verb} {obj} {time}, {title} said in a statement.",
    "Prices rose 3.2% in {place} {time}, the fastest pace since 2019…",
]
_SENTENCE = re.compile(r"[A-Z“\"][^\n]{30,280}?[.?!”\"](?=\s|$)")


@lru_cache(maxsize=1)
def _seed_sentences() -> tuple[str, ...]:
    """Sentences of the seeds after cleaning (so the corpus is clean text, not spun text)."""
    from repair.document import Document
    from repair.pipeline import Config, run_document

    cfg = Config.load()
    out: list[str] = []
    for text in seed_texts():
        doc = run_document(Document.from_text(text), cfg)
        out.extend(m.group(0) for m in _SENTENCE.finditer(doc.text))
    return tuple(out)


def _generated(rng: random.Random) -> str:
    org = rng.choice(_ORGS)
    return rng.choice(_TEMPLATES).format(
        person=rng.choice(_PEOPLE), title=rng.choice(_TITLES), place=rng.choice(_PLACES), org=org,
        org_cap=org[0].upper() + org[1:], verb=rng.choice(_VERBS), obj=rng.choice(_OBJECTS), time=rng.choice(_TIMES))


def synthetic_corpus(target_bytes: int, *, seed: int = 0) -> list[str]:
    """Clean news-like documents (title, then paragraphs) totalling about ``target_bytes``.

    Half the sentences are the seeds' own (cleaned, shuffled), half come from templates with
    typographic quotes, dashes and accented names, as in edited news. Deterministic per ``seed``.
    """
    rng = random.Random(seed)
    pool = _seed_sentences()
    docs: list[str] = []
    total = 0
    while total < target_bytes:
        paras = []
        for _ in range(rng.randint(4, 12)):
            sents = [rng.choice(pool) if pool and rng.random() < 0.5 else _generated(rng)
                     for _ in range(rng.randint(1, 4))]
            paras.append(" ".join(sents))
        title = _generated(rng).rstrip(".…")
        doc = title + "\n\n" + "\n\n".join(paras) + "\n"
        docs.append(doc)
        total += len(doc.encode("utf-8"))
    return docs


def write_jsonl(path: Path, texts: list[str], *, repeat_to: int | None = None) -> Path:
    """Write ``texts`` as ``{"id", "text"}`` lines (cycled to ``repeat_to`` documents if given)."""
    n = repeat_to if repeat_to is not None else len(texts)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"doc-{i}", "text": texts[i % len(texts)]}, ensure_ascii=False) + "\n")
    return path
