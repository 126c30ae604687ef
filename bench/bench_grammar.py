"""Grammar stage: sentences checked and seconds, selected-only (``--grammar-scope changed``) vs all.

The documents (the seeds and a synthetic news corpus) first go through normalise..emit (not
timed); then the grammar stage is timed alone, cold (an empty cache) and warm (a re-run: every
sentence from the cache).

Two servers:

* ``fake-*``: the test suite's fake LanguageTool (tests/fake_languagetool.py), a few regular
  expressions behind a local HTTP server. These figures measure OUR side (splitting, selection,
  requests through language-tool-python, the sqlite cache), NOT LanguageTool's speed.
* ``real-*``: a real LanguageTool at ``$LT_SERVER`` (e.g. ``docker run -p 8010:8010
  erikvl87/languagetool`` and ``LT_SERVER=http://localhost:8010 make bench``); skipped without it.
  LanguageTool checks about 33 sentences per second through language-tool-python, so the
  ``sentences`` column is the one that decides how long a grammar run takes.
"""

from __future__ import annotations

import os
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from bench import ROOT, scaled, seed_texts, synthetic_corpus
from repair.stages import grammar as g
from repair.document import Document
from repair.pipeline import Config, run_document


@lru_cache(maxsize=1)
def _emitted() -> tuple[Document, ...]:
    """Seeds and synthetic documents after normalise..emit (what the grammar stage sees)."""
    cfg = Config.load()
    texts = seed_texts() + synthetic_corpus(scaled(300_000), seed=7)
    return tuple(run_document(Document.from_text(t, id=str(i)), cfg) for i, t in enumerate(texts))


def _grammar_run(server: str, scope: str, cache: Path) -> dict[str, Any]:
    docs = [d.copy() for d in _emitted()]
    settings = g.GrammarSettings(enabled=True, server=server, scope=scope, cache=str(cache), timeout=120)
    checker = g.get_checker(settings)
    t0 = time.perf_counter()
    try:
        checker.check(["A first sentence starts the connection."])  # import, version probe, /v2/languages
    except g.LanguageToolUnavailable as e:
        return {"skipped": str(e)}
    startup = time.perf_counter() - t0
    before = checker.requests
    t0 = time.perf_counter()
    reports = [g.check_document(d, settings) for d in docs]
    seconds = time.perf_counter() - t0
    skipped = [r for r in reports if r["status"] != "ok"]
    if skipped:
        return {"skipped": skipped[0]["reason"]}
    checked = sum(r["sentences_checked"] for r in reports)
    return {
        "docs": len(docs),
        "sentences": checked,
        "of_sentences": sum(r["sentences"] for r in reports),
        "from_cache": sum(r["from_cache"] for r in reports),
        "requests": checker.requests - before,
        "matches": sum(r["matches"] for r in reports),
        "startup_seconds": round(startup, 3),
        "seconds": round(seconds, 3),
        "sentences_per_s": round(checked / seconds, 1) if seconds > 0 else float("inf"),
    }


def _pair(server_for: Callable[[], tuple[str | None, Any]], scope: str, label: str) -> Callable[[], dict[str, Any]]:
    """A benchmark: a cold run then a warm re-run with the same cache, for one scope."""

    def bench() -> dict[str, Any]:
        server, stop = server_for()
        if server is None:
            return {"skipped": stop}
        try:
            with tempfile.TemporaryDirectory() as tmp:
                cache = Path(tmp) / "grammar.sqlite3"
                cold = _grammar_run(server, scope, cache)
                if "skipped" in cold:
                    return cold
                warm = _grammar_run(server, scope, cache)
        finally:
            g.close_all()
            if callable(stop):
                stop()
        cold["server"] = label
        cold["rerun_seconds"] = warm.get("seconds")
        cold["rerun_requests"] = warm.get("requests")
        return cold

    return bench


def _fake() -> tuple[str | None, Any]:
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from fake_languagetool import FakeLanguageTool
    finally:
        sys.path.remove(str(ROOT / "tests"))
    server = FakeLanguageTool().start()
    return server.url, server.stop


def _real() -> tuple[str | None, Any]:
    url = os.environ.get("LT_SERVER")
    if not url:
        return None, "set LT_SERVER=http://host:port (a real LanguageTool) to time it"
    return url, None


FAKE = "the FAKE LanguageTool of the tests: our overhead only, not LanguageTool's speed"
REAL = "a real LanguageTool at $LT_SERVER"

BENCHMARKS = {
    "fake-selected": _pair(_fake, "changed", FAKE),
    "fake-all": _pair(_fake, "all", FAKE),
    "real-selected": _pair(_real, "changed", REAL),
    "real-all": _pair(_real, "all", REAL),
}
