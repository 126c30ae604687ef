"""Provenance: what produced an output (the tool's version and a fingerprint of the rule set).

A cleaned corpus, a check report or a baseline carries these, so it can always be traced to the
rules that made it, and ``repair check`` can refuse a baseline recorded under other rules.

>>> from repair.rules import load_rules
>>> h = rules_hash(load_rules())
>>> len(h), h == rules_hash(load_rules()), h == rules_hash(load_rules().select(skip=["boilerplate"]))
(16, True, False)
"""

from __future__ import annotations

import functools
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from repair.rules import RuleSet


@lru_cache(maxsize=1)
def tool_version() -> str:
    """The installed package's version (``0+unknown`` when run from a bare checkout)."""
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("repair")
    except PackageNotFoundError:
        return "0+unknown"


def rules_hash(rules: RuleSet) -> str:
    """A short, stable fingerprint of the rules in use: ids, stages, keys and their packs' defaults.

    Where the rules were read from does not count (the same rules installed elsewhere hash the same);
    any change to a pattern, a replacement, a confidence or a selection (--only/--skip) does.
    """
    h = hashlib.sha256()
    for r in sorted(rules.rules, key=lambda r: r.id):
        item = {"id": r.id, "stage": r.stage, "data": r.data,
                "pack": {k: v for k, v in r.pack.items() if k not in ("source", "source_url", "authors", "license")}}
        h.update(json.dumps(item, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()[:16]


def provenance(rules: RuleSet, *, threshold: float, options: dict[str, Any] | None = None,
               model: str | None = None) -> dict[str, Any]:
    """The provenance block of a report or record: tool version, rules hash, model, threshold, options.

    ``model`` names the language model in use (None: none); the spin model fills it.
    """
    return {"tool": "repair", "version": tool_version(), "rules_hash": rules_hash(rules), "model": model,
            "threshold": threshold, "options": dict(options or {})}


@functools.lru_cache(maxsize=8)
def model_name(model: str) -> str | None:
    """The model a run uses: None for "off", the bundled GGUF file's name for "auto", else the file's name."""
    if model == "off":
        return None
    if model == "auto":
        from repair.spin.lm import find_model

        found = find_model()
        return found.name if found is not None else None
    return Path(model).name


def record_provenance(cfg: Any) -> dict[str, Any]:
    """The ``provenance`` block of each record (``repair.provenance`` in its repair block): what made it.

    ``cfg`` is a :class:`repair.pipeline.Config`; the rules hash is computed once per rule set.
    ``model`` names the language model judging repairs (None: none, the rules-only path).
    ``options`` are the stages run and whether grammar checking was on.

    >>> from repair.pipeline import Config
    >>> p = record_provenance(Config.load(threshold=0.9, model="off"))
    >>> p["threshold"], p["model"], p["options"]["stages"][0], len(p["rules_hash"])
    (0.9, None, 'normalise', 16)
    """
    grammar = cfg.options.get("grammar")
    return {"tool": "repair", "version": tool_version(), "rules_hash": cfg.rules.compiled("rules_hash", rules_hash),
            "model": model_name(getattr(cfg, "model", "off")), "threshold": cfg.threshold,
            "options": {"stages": list(cfg.stages), "grammar": bool(getattr(grammar, "enabled", False))}}


__all__ = ["provenance", "record_provenance", "rules_hash", "tool_version"]
