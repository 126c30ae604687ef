"""Judge figures: limits, the baseline, pass or fail.

Each figure is judged against a limit: it fails when it is *above* the limit. A baseline
(:class:`Baseline`) holds the figures of an accepted run, for the corpus and for each document by
id. With a baseline, a figure fails only above ``max(limit, baseline figure)``: what was already
there is tolerated, anything worse fails, and a document the baseline does not know is judged by
the limits alone. :meth:`Baseline.tightened` lowers baseline figures that improved and never
raises one.

A baseline records what made it (``provenance``: the tool version and the rules hash, see
:mod:`repair.provenance`): figures measured with other rules are not comparable, so
``repair check`` refuses such a baseline unless told ``--allow-rules-change`` (:class:`MadeBy`
compares each document's figures by what made them: the rules in use for a document cleaned now,
the record's own provenance for a record of an earlier run). Version 2 baselines
key documents by their path from the project root (:func:`repair.gate.check.stable_id`); a
version 1 baseline (keyed by the path below the folder given) is refused with a way out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Protocol, Sequence

from repair.errors import ConfigError
from repair.gate.figures import BY_NAME
from repair.settings import Limit

BASELINE_VERSION = 2


class Figured(Protocol):
    """A judged document as a baseline sees it (:class:`repair.gate.check.DocumentResult`)."""

    id: str
    figures: dict[str, float | None]


class Judged(Protocol):
    """A report as a baseline sees it (:class:`repair.gate.check.Report`)."""

    corpus: dict[str, float | None]
    documents: Sequence[Figured]


@dataclass(frozen=True, slots=True)
class Verdict:
    """One figure judged: ``passed`` is ``value <= limit``; ``by`` says where the limit came from."""

    figure: str
    value: float
    limit: float
    by: str  # "limit" or "baseline" (the baseline raised the limit to an accepted figure)
    passed: bool

    @property
    def excess(self) -> float:
        """How far over the limit, relative to it (for sorting worst first)."""
        if self.passed:
            return 0.0
        return math.inf if self.limit <= 0 else self.value / self.limit - 1.0

    def describe(self) -> str:
        why = "baseline" if self.by == "baseline" else "limit"
        return f"{self.figure} {self.value:.4g} > {why} {self.limit:.4g}"

    def to_json(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": self.value, "limit": self.limit, "by": self.by,
                "passed": self.passed}


def judge(figures: Mapping[str, float | None], limits: Mapping[str, Limit],
          accepted: Mapping[str, float] | None = None) -> list[Verdict]:
    """Judge each figure that has a value and a limit; an accepted (baseline) figure raises the limit.

    >>> [v.passed for v in judge({"spin_score": 0.7}, {"spin_score": 0.5})]
    [False]
    >>> judge({"spin_score": 0.7}, {"spin_score": 0.5}, {"spin_score": 0.7})[0].by
    'baseline'
    >>> judge({"spin_score": 0.7}, {"spin_score": None})
    []
    """
    out = []
    for name, value in figures.items():
        limit = limits.get(name)
        if value is None or limit is None:
            continue
        by = "limit"
        if accepted is not None and name in accepted and accepted[name] > limit:
            limit, by = float(accepted[name]), "baseline"
        out.append(Verdict(name, value, limit, by, value <= limit + 1e-9))
    return out


@dataclass(slots=True)
class Baseline:
    """Accepted figures: for the corpus and per document id."""

    corpus: dict[str, float] = field(default_factory=dict)
    documents: dict[str, dict[str, float]] = field(default_factory=dict)
    path: Path | None = None
    provenance: dict[str, Any] = field(default_factory=dict)  # version, rules_hash, ... of the run that made it

    @property
    def rules_hash(self) -> str | None:
        return self.provenance.get("rules_hash")

    @classmethod
    def from_report(cls, report: "Judged", path: Path | None = None,
                    provenance: Mapping[str, Any] | None = None) -> "Baseline":
        """A baseline accepting a report's figures (a figure that was not computed, None, is left out)."""
        return cls(corpus=_present(report.corpus),
                   documents={d.id: _present(d.figures) for d in sorted(report.documents, key=lambda d: d.id)},
                   path=path, provenance=dict(provenance or {}))

    @classmethod
    def load(cls, path: Path) -> "Baseline":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ConfigError(f"{path}: cannot read the baseline ({e.strerror})") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: the baseline is not valid JSON ({e}); write a new one with "
                              "--write-baseline") from None
        if isinstance(data, dict) and data.get("repair_baseline") == 1:
            raise ConfigError(f"{path}: a version 1 baseline, whose document ids were paths below the folder "
                              "checked; ids are now paths from the project root: write a new one with "
                              "--write-baseline")
        if not isinstance(data, dict) or data.get("repair_baseline") != BASELINE_VERSION:
            raise ConfigError(f"{path}: not a repair baseline (version {BASELINE_VERSION}); write a new one "
                              "with --write-baseline")
        made_by = data.get("provenance", {})
        if not isinstance(made_by, dict):
            raise ConfigError(f"{path}: 'provenance' must be an object")
        corpus = _figure_map(data.get("corpus", {}), f"{path}: corpus")
        docs = data.get("documents", {})
        if not isinstance(docs, dict):
            raise ConfigError(f"{path}: 'documents' must be an object keyed by document id")
        documents = {str(k): _figure_map(v, f"{path}: document {k!r}") for k, v in docs.items()}
        return cls(corpus, documents, path, made_by)

    def dumps(self) -> str:
        data = {"repair_baseline": BASELINE_VERSION, "provenance": self.provenance,
                "corpus": dict(sorted(self.corpus.items())),
                "documents": {k: dict(sorted(v.items())) for k, v in sorted(self.documents.items())}}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def tightened(self, report: "Judged") -> tuple["Baseline", int]:
        """A copy lowered to today's figures where they improved; never raised. Returns it and the count.

        Documents the run did not see keep their entries; documents the baseline does not know are
        not added (they stay judged by the limits alone).
        """
        lowered = 0

        def lower(old: Mapping[str, float], now: Mapping[str, float | None]) -> dict[str, float]:
            nonlocal lowered
            out = dict(old)
            for k, v in old.items():
                cur = now.get(k)
                if cur is not None and cur < v:
                    out[k] = cur
                    lowered += 1
            return out

        seen = {d.id: d.figures for d in report.documents}
        docs = {k: (lower(v, seen[k]) if k in seen else dict(v)) for k, v in self.documents.items()}
        return Baseline(lower(self.corpus, report.corpus), docs, self.path, dict(self.provenance)), lowered


def _present(figures: Mapping[str, float | None]) -> dict[str, float]:
    return {k: v for k, v in figures.items() if v is not None}


def _figure_map(value: Any, where: str) -> dict[str, float]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: figures must be an object")
    out = {}
    for k, v in value.items():
        if k not in BY_NAME:
            raise ConfigError(f"{where}: unknown figure {k!r}")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"{where}: figure {k!r} must be a number")
        out[k] = float(v)
    return out


COMPARED = ("rules_hash", "model", "threshold", "version")  # provenance fields a mismatch message names


class MadeBy:
    """What made the figures a check judges, compared with the baseline's provenance.

    A document cleaned now has the figures of ``current`` (the rules in use); a record of an earlier
    run (:attr:`Document.emitted`) has those of the provenance it carries (``repair.provenance``;
    a record without one is taken as made by ``current``). :meth:`see` refuses (``ConfigError``,
    exit 2) the first figures made with a rules hash other than the baseline's, naming the records
    or the rules in use, and every provenance field that differs; ``allow`` (``--allow-rules-change``)
    lets them through. :meth:`provenance` is what made everything seen, for the report and a baseline
    written from it: the records' provenance when every document was a record and they agree.

    >>> base = Baseline(path=Path("base.json"), provenance={"rules_hash": "a1", "version": "1.0", "threshold": 0.5})
    >>> made = MadeBy(base, {"rules_hash": "a1", "version": "1.1", "threshold": 0.5})
    >>> made.see(None)  # cleaned now, with the rules in use: the same rules hash
    >>> try:
    ...     made.see({"rules_hash": "b2", "version": "1.0", "threshold": 0.9}, "out/records.jsonl:1")
    ... except ConfigError as e:
    ...     for part in str(e).split(", so")[0].split("; "):
    ...         print(part)
    base.json: made with other rules than the records out/records.jsonl:1 (rules hash a1, repair 1.0 in the baseline
    b2, repair 1.0 in the records
    threshold differs too: 0.5 and 0.9)
    """

    def __init__(self, baseline: "Baseline | None", current: Mapping[str, Any], *, allow: bool = False) -> None:
        self.baseline = baseline
        self.current = dict(current)
        self.allow = allow
        self._checked: set[str | None] = set()  # rules hashes found comparable (None: the rules in use)
        self._records: dict[str, Any] | None = None  # the one provenance every record so far carries
        self._mixed = False  # documents cleaned now, records without provenance, or records that disagree

    def see(self, made: Mapping[str, Any] | None, where: str = "") -> None:
        """Figures made by ``made`` (a record's provenance, read at ``where``; None: cleaned now)."""
        if made is None or not made.get("rules_hash"):
            self._mixed = True
        elif self._records is None and not self._mixed:
            self._records = dict(made)
        elif self._records != dict(made):
            self._mixed = True
        key = made.get("rules_hash") if made is not None and made.get("rules_hash") else None
        if key in self._checked:
            return
        base = self.baseline
        if base is not None and base.rules_hash and not self.allow:
            theirs = dict(made) if key is not None else self.current
            if theirs.get("rules_hash") != base.rules_hash:
                raise ConfigError(self._mismatch(base, theirs, f"the records {where}".rstrip() if key is not None
                                                 else "the rules in use"))
        self._checked.add(key)

    @staticmethod
    def _mismatch(base: "Baseline", theirs: Mapping[str, Any], whose: str) -> str:
        mine = base.provenance
        short = "the records" if whose.startswith("the records") else "these rules"
        others = [f"{k} differs too: {mine.get(k)} and {theirs.get(k)}" for k in COMPARED[1:-1]
                  if k in mine and k in theirs and mine.get(k) != theirs.get(k)]
        return (f"{base.path}: made with other rules than {whose} (rules hash {base.rules_hash}, repair "
                f"{mine.get('version', 'an unknown version')} in the baseline; {theirs.get('rules_hash')}, repair "
                f"{theirs.get('version', 'an unknown version')} in {short}" + "".join(f"; {o}" for o in others)
                + "), so its figures are not comparable; write a new baseline with --write-baseline, or pass "
                "--allow-rules-change")

    def provenance(self) -> dict[str, Any]:
        """What made the figures: the records' provenance when every document seen was a record
        carrying the same one, else the rules in use."""
        if self._records is not None and not self._mixed:
            return dict(self._records)
        return dict(self.current)


__all__ = ["BASELINE_VERSION", "Baseline", "MadeBy", "Verdict", "judge"]
