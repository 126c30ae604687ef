"""Every rule's own examples pass: adding a rule adds its tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from repair.errors import RuleError
from repair.pipeline import Config, run_text
from repair.rules import load_rules

RULES = load_rules()
CASES = [(r, i, ex) for r in RULES.rules for i, ex in enumerate(r.examples)]
# the stages an example runs through: a normalise rule alone, a spin rule through the whole pipeline
STAGES = {"normalise": ("normalise",), "detect": None, "match": None, "emit": None}


@pytest.fixture(scope="module")
def config() -> Config:
    return Config.load()


@pytest.mark.parametrize("rule,i,ex", CASES, ids=[f"{r.id}#{i}" for r, i, ex in CASES])
def test_rule_example(config, rule, i, ex):
    if rule.stage not in STAGES:
        pytest.skip(f"{rule.stage} rules are checked by their own stage tests")
    doc = run_text(ex.input, config, STAGES[rule.stage])
    assert doc.text == ex.output, f"{rule.where()} example {i + 1}"


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
