"""Every rule's own examples pass with the rule alone, and every example that shows a repair
needs its rule: the whole built-in set less that rule does not make it. Adding a rule adds its tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from repair.authoring.examples import run_example, run_in
from repair.errors import RuleError
from repair.pipeline import Config, compile_all
from repair.rules import Example, Rule, load_rules

RULES = load_rules()
compile_all(RULES)  # once: the removal test reuses the compiled detect rules (7,500 PPS entries)
CASES = [(r, i, ex) for r in RULES.rules for i, ex in enumerate(r.examples)]


def _protects(rule: Rule) -> bool:
    """A lexicon whose entries map to themselves: it keeps other rules off set phrases, so its
    (unchanged) examples show its work only next to the rules it protects from."""
    entries = rule.data.get("entries")
    return rule.get("kind") == "lexicon" and bool(entries) and all(e[0] == e[1] for e in entries)


# an example shows its rule's work if it changes the text, or if its rule protects a set phrase
NEEDED = [(r, i, ex) for r, i, ex in CASES if ex.positive or _protects(r)]


@pytest.mark.parametrize("rule,i,ex", CASES, ids=[f"{r.id}#{i}" for r, i, ex in CASES])
def test_rule_example_alone(rule: Rule, i: int, ex: Example):
    run = run_example(rule, ex, rules=RULES)  # raises RuleError if a positive example does not fire the rule
    assert run.output == ex.output, f"{rule.where()} example {i + 1}, run alone"


@pytest.mark.parametrize("rule,i,ex", NEEDED, ids=[f"{r.id}#{i}" for r, i, ex in NEEDED])
def test_rule_example_needs_its_rule(rule: Rule, i: int, ex: Example):
    full = run_in(RULES, ex)
    assert full.output == ex.output, f"{rule.where()} example {i + 1}: the built-in rules do not make it"
    others = {f for f in full.fired if f != rule.id and not f.startswith(rule.id + ".")}
    if rule.stage != "match":  # a restored name is named after its gazetteer term, whichever swap table helped
        assert not others, f"{rule.where()} example {i + 1} also holds repairs of {sorted(others)}; leave them out"
    assert run_in(RULES, ex, without=rule).output != ex.output, (
        f"{rule.where()} example {i + 1}: the built-in rules without this rule still make it; "
        "the example does not test its rule")


def test_examples_state_their_context_rather_than_smuggle_a_tell():
    smuggled = [f"{r.id}#{i}" for r, i, ex in CASES if "ISIS-Okay" in ex.input and r.id != "okay.letter-k"]
    assert not smuggled, f"examples that open the family gate with seed 004's tell: {smuggled}"


def test_an_example_context_is_checked(tmp_path: Path):
    (tmp_path / "bad.toml").write_text('[[rule]]\nid = "x.ctx"\nstage = "detect"\nphrase = "foo bar"\nreplace = "baz"\n'
                                       'examples = [ { in = "foo bar", out = "baz", context = { spun = 3 } } ]\n')
    with pytest.raises(RuleError, match="x.ctx.*context 'spun'"):
        load_rules([tmp_path])


def test_a_context_opens_the_family_gate_and_nothing_else(tmp_path: Path):
    (tmp_path / "r.toml").write_text('[[rule]]\nid = "x.gated"\nstage = "detect"\nphrase = "got here"\nreplace = "came"\n'
                                     'family = "okay"\ngate = "family"\nweight = 0.1\n')
    rule = load_rules([tmp_path]).rules[0]
    assert run_example(rule, Example("It got here.", "It came.", "okay")).output == "It came."
    assert run_example(rule, Example("It got here.", "It got here.")).output == "It got here."
    assert run_example(rule, Example("It got here.", "It got here.", "thesaurus")).output == "It got here."
    assert run_example(rule, Example("It got here.", "It got here.", False)).output == "It got here."
    with pytest.raises(RuleError, match="x.gated.*does not fire"):
        run_example(rule, Example("It got here.", "It came."))


def test_every_rule_has_examples_or_is_data():
    missing = [r.id for r in RULES.rules if not r.examples and r.get("kind") not in ("substitution", "lexicon", "terms")]
    assert not missing, f"rules without examples: {missing}"


def test_ids_unique():
    ids = [r.id for r in RULES.rules]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("body,needle", [
    ('[[rule]]\nid = "x.bad"\nstage = "normalise"\nkind = "replace"\npattern = "(unclosed"\nreplace = ""\n', "does not compile"),
    ('[[rule]]\nstage = "normalise"\nkind = "line"\npattern = "x"\n', "has no 'id'"),
    ('[[rule]]\nid = "x.stage"\nstage = "nowhere"\n', "is not one of"),
    ('[[rule]\nid = "x"', "not valid TOML"),
    ('[[rule]]\nid = "x.kind"\nstage = "normalise"\nkind = "zap"\npattern = "x"\n', "kind 'zap'"),
])
def test_bad_rule_files_are_reported_with_file_and_rule(tmp_path: Path, body: str, needle: str):
    f = tmp_path / "bad.toml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(RuleError) as e:
        Config.load([tmp_path])
    assert needle in str(e.value)
    assert "bad.toml" in str(e.value)


def test_duplicate_ids_are_an_error(tmp_path: Path):
    rule = '[[rule]]\nid = "dup.one"\nstage = "normalise"\nkind = "line"\npattern = "x"\n'
    (tmp_path / "a.toml").write_text(rule)
    (tmp_path / "b.toml").write_text(rule)
    with pytest.raises(RuleError, match="already used"):
        load_rules([tmp_path])


def test_a_phrase_rule_with_a_non_numeric_confidence_is_a_rule_error(tmp_path: Path):
    (tmp_path / "bad.toml").write_text('[[rule]]\nid = "x.conf"\nstage = "detect"\nkind = "phrase"\n'
                                       'phrase = "foo bar"\nreplace = "baz"\nconfidence = "high"\n')
    with pytest.raises(RuleError, match="x.conf.*must be numbers"):
        Config.load([tmp_path])
