"""Provenance: records, report.json, check reports and baselines say what made them; a baseline
made by other rules is refused unless --allow-rules-change."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from repair.cli import app
from repair.pipeline import Config
from repair.provenance import rules_hash, tool_version
from repair.rules import load_rules
from tests.cli_text import mentions

runner = CliRunner()
TEXT = "[ad_1]\nThe council approved the library budget on Tuesday evening after a long debate.\n"
PACK = """\
[[rule]]
id = "house.colour"
stage = "normalise"
kind = "replace"
pattern = 'colour'
replace = "color"
examples = [ { in = "colour", out = "color" }, { in = "color", out = "color" } ]
"""


def corpus(root: Path) -> Path:
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(TEXT, encoding="utf-8")
    return root / "corpus"


def test_every_record_says_what_made_it(isolated: Path) -> None:
    corpus(isolated)
    r = runner.invoke(app, ["run", "corpus", "--threshold", "0.9"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout.splitlines()[0])["repair"]["provenance"]
    assert made["version"] == tool_version() and made["model"] is None and made["threshold"] == 0.9
    assert made["rules_hash"] == rules_hash(Config.load().rules)
    assert made["options"]["stages"] == ["normalise", "detect", "match", "emit"]


def test_report_json_says_what_made_the_records(isolated: Path) -> None:
    corpus(isolated)
    r = runner.invoke(app, ["run", "corpus", "-o", "out", "--no-report", "-q"])
    assert r.exit_code == 0, r.output
    report = json.loads((isolated / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["provenance"]["rules_hash"] == rules_hash(load_rules())


def test_the_rules_hash_follows_the_rules(isolated: Path) -> None:
    (isolated / "house.toml").write_text(PACK, encoding="utf-8")
    base = rules_hash(load_rules())
    assert rules_hash(load_rules([load_rules().roots[0], isolated / "house.toml"])) != base
    assert rules_hash(load_rules().select(skip=["boilerplate"])) != base


def test_check_report_and_baseline_carry_provenance(isolated: Path) -> None:
    corpus(isolated)
    r = runner.invoke(app, ["check", "corpus", "--format", "json", "--write-baseline", "base.json"])
    assert r.exit_code == 0, r.output
    made = json.loads(r.stdout)["provenance"]
    base = json.loads((isolated / "base.json").read_text(encoding="utf-8"))
    assert base["repair_baseline"] == 2
    assert base["provenance"]["rules_hash"] == made["rules_hash"] == rules_hash(load_rules())


def test_a_baseline_made_with_other_rules_is_refused_unless_allowed(isolated: Path) -> None:
    corpus(isolated)
    (isolated / "house.toml").write_text(PACK, encoding="utf-8")
    assert runner.invoke(app, ["check", "corpus", "--write-baseline", ".repair-baseline.json"]).exit_code == 0
    r = runner.invoke(app, ["check", "corpus", "--extend-rules", "house.toml", "--format", "json"])
    assert r.exit_code == 2
    assert "--allow-rules-change" in r.output.replace("\n", "")
    said = [line for line in r.stderr.splitlines() if line.strip()]  # documents cleaned now: the rules in use
    assert len(said) == 1 and mentions(said[0], "the rules in use") and mentions(said[0], _house_hash(isolated))
    r = runner.invoke(app, ["check", "corpus", "--extend-rules", "house.toml", "--allow-rules-change", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["baseline"].endswith(".repair-baseline.json")
    # the same rules: accepted as ever
    assert runner.invoke(app, ["check", "corpus"]).exit_code == 0


def test_a_version_1_baseline_is_refused_with_a_way_out(isolated: Path) -> None:
    corpus(isolated)
    (isolated / ".repair-baseline.json").write_text(json.dumps({"repair_baseline": 1, "corpus": {}, "documents": {}}),
                                                    encoding="utf-8")
    r = runner.invoke(app, ["check", "corpus"])
    assert r.exit_code == 2
    assert "--write-baseline" in r.output.replace("\n", "")


# ---- records of an earlier run: their own provenance is what the baseline is compared with ----------


def _house_hash(root: Path) -> str:
    return rules_hash(load_rules([load_rules().roots[0], root / "house.toml"]))


def test_records_are_compared_by_the_rules_that_made_them_not_the_rules_in_use(isolated: Path) -> None:
    corpus(isolated)
    (isolated / "house.toml").write_text(PACK, encoding="utf-8")
    assert runner.invoke(app, ["run", "corpus", "-o", "out", "-q"]).exit_code == 0  # the built-in rules
    r = runner.invoke(app, ["check", "out/records.jsonl", "--write-baseline", "base.json", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads((isolated / "base.json").read_text(encoding="utf-8"))["provenance"]["rules_hash"] \
        == rules_hash(load_rules())
    # other rules in use do not change what the records were made with: comparable
    r = runner.invoke(app, ["check", "out/records.jsonl", "--baseline", "base.json", "--extend-rules", "house.toml",
                            "--format", "json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["provenance"]["rules_hash"] == rules_hash(load_rules())


def test_records_made_with_other_rules_are_refused_naming_the_records(isolated: Path) -> None:
    corpus(isolated)
    (isolated / "house.toml").write_text(PACK, encoding="utf-8")
    assert runner.invoke(app, ["check", "corpus", "--write-baseline", "base.json"]).exit_code == 0  # built-in
    made = runner.invoke(app, ["run", "corpus", "-o", "out", "-q", "--extend-rules", "house.toml", "--threshold", "0.9"])
    assert made.exit_code == 0, made.output
    # the rules in use are the baseline's, the records' are not
    r = runner.invoke(app, ["check", "out/records.jsonl", "--baseline", "base.json", "--format", "json"])
    assert r.exit_code == 2 and r.stdout == ""
    said = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(said) == 1
    for phrase in ("base.json", "the records out/records.jsonl:1", rules_hash(load_rules()), _house_hash(isolated),
                   "threshold differs too: 0.8 and 0.9", "--allow-rules-change"):
        assert mentions(said[0], phrase), phrase
    r = runner.invoke(app, ["check", "out/records.jsonl", "--baseline", "base.json", "--allow-rules-change",
                            "--format", "json"])
    assert r.exit_code in (0, 1) and json.loads(r.stdout)["provenance"]["rules_hash"] == _house_hash(isolated)
    # a baseline written from those records says the records' rules, whatever rules are in use now
    r = runner.invoke(app, ["check", "out/records.jsonl", "--write-baseline", "records-base.json"])
    assert json.loads((isolated / "records-base.json").read_text(encoding="utf-8"))["provenance"]["rules_hash"] \
        == _house_hash(isolated)

