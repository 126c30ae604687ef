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
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from repair.rules import RuleSet


@lru_cache(maxsize=1)
def tool_version() -> str:
    """The installed package's version (``0+unknown`` when run from a bare checkout)."""
    found = _dist_info_version("repair")
    if found is not None:
        return found
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("repair")
    except PackageNotFoundError:
        return "0+unknown"


def _dist_info_version(name: str) -> str | None:
    """``importlib.metadata.version(name)`` when it is plain to see: the first folder of ``sys.path`` with
    metadata of ``name`` has one ``NAME-*.dist-info`` folder of it, whose METADATA says ``Version:``;
    else None (then importlib.metadata decides: an egg-info, a zip, several candidates).

    importlib.metadata costs some 60 M instructions a process (email, zipfile, csv and socket imported to
    read one header); this costs a few listings.
    """
    for entry in sys.path:
        try:
            children = os.listdir(entry or ".")
        except OSError:
            if os.path.isfile(entry or "."):
                return None  # a zip file on the path: importlib.metadata looks inside it
            continue
        found = [c for c in children if c.lower().endswith((".dist-info", ".egg-info"))
                 and re.sub(r"[-_.]+", "_", os.path.splitext(c)[0].partition("-")[0]).lower() == name]
        if not found:
            continue
        if len(found) != 1 or not found[0].lower().endswith(".dist-info"):
            return None
        try:
            with open(os.path.join(entry or ".", found[0], "METADATA"), encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        break  # the headers end at the first empty line
                    key, sep, value = line.partition(":")
                    if sep and key == "Version":
                        return value.strip()
        except OSError:
            pass
        return None
    return None


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
