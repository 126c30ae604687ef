"""Run a rule's examples: one rule alone, or the whole rule set less one rule.

Every rule in ``rules/`` carries examples (``{ in, out }``, optionally ``context = { spun = "okay" }``
to run as in a document detected spun by that family). :func:`run_example` runs a rule alone and
checks that a positive example fired it; :func:`run_in` runs the full set less one rule, which is
how ``tests/test_rules.py`` proves that every example fails when its rule is removed.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, NamedTuple

from repair.errors import RuleError
from repair.rules import Example, Rule, RuleSet, load_rules
from repair.stages import detect, emit, match, normalise


class ExampleRun(NamedTuple):
    """What running an example gave: the text, the ids of the rules that changed it, all changes."""

    output: str
    fired: frozenset[str]
    changes: tuple[Any, ...]  # repair.model.Change, applied or flagged


def run_example(rule: Rule, example: Example, *, rules: RuleSet | None = None,
                threshold: float | None = None) -> ExampleRun:
    """Run ``example`` through ``rule`` alone and, for a positive example, check that ``rule`` fired.

    A normalise rule runs through normalise; a detect rule through detect then emit at
    ``threshold`` (default: emit's), under the example's context. A match rule cannot act alone (a
    name is restored where a swap table meets a gazetteer): it runs with the match rules of the
    other kind from ``rules`` (default: the built-in rules), and a swap table "fired" when one of
    its swaps is in an applied change. Raises :class:`RuleError` (with the file, rule and example)
    when a positive example's rule did not fire; the caller compares ``output`` with ``example.output``.
    """
    alone = [rule]
    if rule.stage == "match":
        partners = rules if rules is not None else load_rules()
        alone += [r for r in partners.for_stage("match") if _is_terms(r) != _is_terms(rule)]
    run = _run({rule.stage: RuleSet(tuple(alone), {})}, example, frozenset(), threshold)
    if example.positive:
        fired = (any(f == rule.id or f.startswith(rule.id + ".") for f in run.fired)
                 or (rule.stage == "match" and _swap_fired(rule, run.changes)))
        if not fired:
            raise RuleError(f"{rule.where()}: example {example.input[:60]!r} does not fire the rule "
                            f"(fired: {', '.join(sorted(run.fired)) or 'none'}); fix the example or give it a context")
    return run


def run_in(rules: RuleSet, example: Example, *, without: Rule | None = None,
           threshold: float | None = None) -> ExampleRun:
    """Run ``example`` through every stage of ``rules`` (normalise, detect, match, emit) under its
    context, leaving ``without`` out: detect skips its id (its compiled rules, 7,500 PPS entries,
    are reused); a normalise or match rule's own stage compiles the rules less that one."""
    by_stage = dict.fromkeys(("normalise", "detect", "match"), rules)
    skip: frozenset[str] = frozenset()
    if without is not None and without.stage == "detect":
        skip = frozenset((without.id,))
    elif without is not None:
        by_stage[without.stage] = RuleSet(tuple(r for r in rules.rules if r.id != without.id), rules.packs, rules.roots)
    return _run(by_stage, example, skip, threshold)


def _run(by_stage: dict[str, RuleSet], example: Example, skip: frozenset[str], threshold: float | None) -> ExampleRun:
    """The example through the stages named in ``by_stage`` (each with its rules), then emit."""
    text, done, pending = example.input, [], []
    assume = None if example.spun is None else detect.Assume(example.spun is not False,
                                                             example.spun if isinstance(example.spun, str) else None)
    # match's spin_score: detect's, else the context's (no detect and no context: not known spun)
    spin_score = 0.0 if assume is None else float(assume.spun)
    if "normalise" in by_stage:
        res = normalise.normalise(text, by_stage["normalise"])
        text, done = res.text, list(res.changes)
    if "detect" in by_stage:
        det = detect.detect(text, by_stage["detect"], assume=assume, without=skip)
        pending += det.changes
        spin_score = det.info["spin_score"] if assume is None else spin_score
    if "match" in by_stage:
        pending += match.match(text, by_stage["match"], spin_score=spin_score).changes
    if pending:
        out = emit.emit(text, pending, emit.DEFAULT_THRESHOLD if threshold is None else threshold)
        text = out.text
        done += out.changes
    # a change made by several rules at once is named "a+b"; a builtin names its fixes "ftfy.<fix>"
    fired = frozenset(part for c in done if c.applied for part in c.rule.split("+"))
    return ExampleRun(text, fired, tuple(done))


def _is_terms(rule: Rule) -> bool:
    return rule.get("kind") == "terms"


def _swap_fired(rule: Rule, changes: Iterable[Any]) -> bool:
    """A swap-table match rule fired: an applied change turns one of its spun words into its original."""
    pairs = rule.data.get("entries") or [(rule.data.get("spun"), rule.data.get("canonical"))]
    return any(c.stage == "match" and c.applied and any(_has_word(c.before, s) and _has_word(c.after, o) for s, o in pairs)
               for c in changes)


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None
