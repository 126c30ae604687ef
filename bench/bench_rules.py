"""The slowest rule patterns: each rule's ``pattern`` scanned over the synthetic corpus, alone.

For rule authors: a pattern that starts with ``\\b``, a lookbehind or a case-insensitive
alternation of common words is tried at nearly every position and can cost more than a whole
stage should. ``with_prefilter`` is the same scan behind :class:`repair.scan.prefilter.Prefilter`
(skipped on documents that lack the pattern's literal cover); ``cover -`` means the pattern has
no usable literal, so only rewriting it helps. Patterns are compiled as written in the rule file
(multiline, plus ``i`` when the rule asks for it; normalise line and tail rules as whole lines).
"""

from __future__ import annotations

import re
import time
from typing import Any

from bench import scaled, synthetic_corpus, utf8_size
from repair.rules import load_rules
from repair.scan.prefilter import Folded, Prefilter


def _compile(rule: Any) -> re.Pattern[str] | None:
    pattern = rule.data.get("pattern")
    if not isinstance(pattern, str):
        return None
    flags = re.M
    if "i" in str(rule.get("flags", "")) or rule.get("ignore_case", False):
        flags |= re.I
    if rule.stage == "normalise" and rule.get("kind") in ("line", "tail"):  # whole lines, as normalise scans them
        pattern, flags = r"^[ \t\u00a0]*(?:" + pattern + r")[ \t\u00a0]*$", re.M | re.I
    try:
        return re.compile(pattern, flags)
    except re.error:
        return None


def _scan_seconds(rx: re.Pattern[str], texts: list[str], folded: list[Folded] | None = None,
                  pf: Prefilter | None = None) -> float:
    t0 = time.perf_counter()
    if pf is None:
        for t in texts:
            for _ in rx.finditer(t):
                pass
    else:
        assert folded is not None
        for t, f in zip(texts, folded, strict=True):
            if pf.may_match(f):
                for _ in rx.finditer(t):
                    pass
    return time.perf_counter() - t0


def _slowest(top: int = 10) -> dict[str, Any]:
    texts = synthetic_corpus(scaled(500_000), seed=4)
    nbytes = utf8_size(texts)
    folded = [Folded.of(t) for t in texts]
    rows = []
    for rule in load_rules().rules:
        rx = _compile(rule)
        if rx is None:
            continue
        pf = Prefilter.of(rx)
        plain = _scan_seconds(rx, texts)
        with_pf = _scan_seconds(rx, texts, folded, pf)
        rows.append((plain, rule, pf, with_pf))
    rows.sort(key=lambda r: -r[0])
    total = sum(r[0] for r in rows)
    fig: dict[str, Any] = {"rules_with_pattern": len(rows), "all_patterns_MBps": nbytes / total / 1e6 if total else 0.0,
                           "all_with_prefilter_MBps": nbytes / sum(r[3] for r in rows) / 1e6 if rows else 0.0}
    for i, (plain, rule, pf, with_pf) in enumerate(rows[:top], start=1):
        cover = "-" if pf.cover is None else "|".join(pf.cover)[:40]
        fig[f"slow#{i}"] = (f"{nbytes / plain / 1e6:7.1f} MB/s, with_prefilter {nbytes / with_pf / 1e6:7.1f} MB/s "
                            f"[{rule.stage}] {rule.id} (cover {cover!r})")
    return fig


BENCHMARKS = {"slowest-patterns": _slowest}
