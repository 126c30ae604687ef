"""The stages: each text (+ explicit inputs) -> StageResult, no I/O; the pipeline runs them in order."""

from __future__ import annotations

from repair.rules import RuleSet
from repair.stages import detect, match, normalise


def compile_all(rules: RuleSet) -> None:
    """Compile (once; cached on the rule set) what normalise, detect and match need from ``rules``."""
    rules.compiled(normalise.STAGE, normalise.compile_rules)
    rules.compiled(detect.STAGE, detect.compile_rules)
    rules.compiled(match.STAGE, match.compile_rules)
