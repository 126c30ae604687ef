"""repair: clean scraped news text (encodings, scraping debris, spun wording) and say what changed.

The public API, on one screen::

    run_text(text, cfg=None) -> Document     the whole pipeline on one string (cfg: built-in rules)
    Settings.load(path=None, discover=True)  repair.toml / [tool.repair], as every command reads it
    Config.from_settings(settings, **flags)  the pipeline those settings (and flags) describe
    Document                                 source, text, changes, spin_score, family; to_record()
    Change, StageResult                      one change as a record; a stage's (text, changes)
    apply_changes(source, changes)           replay: rebuilds the text, raises ReplayError on a misfit
    RepairError                              base of every error the library raises

>>> import repair
>>> doc = repair.run_text("[ad_1]\\nThe State Division said.\\n")
>>> doc.text
'The State Department said.\\n'
>>> [(c.rule, c.before, c.after, c.confidence) for c in doc.changes if c.stage == "detect"]
[('okay.tells', 'State Division', 'State Department', 0.92)]
>>> repair.apply_changes(doc.source, doc.changes) == doc.text
True
>>> cfg = repair.Config.from_settings(repair.Settings.load(discover=False), threshold=0.99)
>>> repair.run_text("The State Division said.\\n", cfg).text  # 0.92 < 0.99: flagged, not applied
'The State Division said.\\n'

Names load on first use: ``import repair`` (done by every command) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "run_text": "repair.pipeline",
    "Config": "repair.pipeline",
    "Settings": "repair.settings",
    "Change": "repair.model",
    "StageResult": "repair.model",
    "apply_changes": "repair.model",
    "Document": "repair.document",
    "RepairError": "repair.errors",
}

__all__ = ["Change", "Config", "Document", "RepairError", "Settings", "StageResult", "apply_changes", "run_text"]

if TYPE_CHECKING:
    from repair.document import Document
    from repair.errors import RepairError
    from repair.model import Change, StageResult, apply_changes
    from repair.pipeline import Config, run_text
    from repair.settings import Settings


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'repair' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
