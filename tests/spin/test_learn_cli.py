"""`repair learn --tables`: users learn the spinner from their own pairs or import a synonym database."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from repair.cli import app
from repair.spin.table import Tables

runner = CliRunner()


def _pairs(path):
    rows = [{"id": f"p{i}", "family": "okay", "spun": f"The zorblat factory opened on day {i}.",
             "original": f"The widget factory opened on day {i}."} for i in range(3)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_learn_tables_from_pairs_and_spintax(tmp_path):
    _pairs(tmp_path / "pairs.jsonl")
    (tmp_path / "syn.txt").write_text("{glimmer|shine|gleam}\n# a comment\nsaid|stated\n", encoding="utf-8")
    out = tmp_path / "tables"
    result = runner.invoke(app, ["learn", str(tmp_path / "pairs.jsonl"), "--tables", str(out),
                                 "--spintax", str(tmp_path / "syn.txt")])
    assert result.exit_code == 0, result.output
    tables = Tables.load(out)
    assert tables["okay"].lookup("zorblat").to == {"widget": 3}
    assert sorted(tables["spintax-syn"].lookup("gleam").to) == ["glimmer", "shine"]


_SPUN_WITH_THEM = ("The zorblat plant in the gloop grew. Its frimble vorpled, and the gloop snarked that the "
                   "zorblat frimble vorpled again. The blorps snarked the tazzle this quux; blorps read the "
                   "tazzle each quux.\n")


def _learned_run(tmp_path, text: str) -> tuple[dict, dict]:
    rows = [{"id": f"p{i}", "family": "okay",
             "spun": f"The zorblat in the gloop snarked its frimble vorpled, blorps read the tazzle on quux {i}.",
             "original": f"The widget in the city said its market grew, people read the report on week {i}."}
            for i in range(3)]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert runner.invoke(app, ["learn", str(tmp_path / "pairs.jsonl"), "--tables", str(tmp_path / "t")]).exit_code == 0
    (tmp_path / "repair.toml").write_text('tables = ["t"]\n', encoding="utf-8")
    (tmp_path / "in.txt").write_text(text, encoding="utf-8")
    with_tables = runner.invoke(app, ["run", str(tmp_path / "in.txt"), "--config", str(tmp_path / "repair.toml")])
    without = runner.invoke(app, ["run", str(tmp_path / "in.txt"), "--isolated"])
    assert with_tables.exit_code == without.exit_code == 0
    return json.loads(with_tables.stdout)["repair"], json.loads(without.stdout)["repair"]


def test_learned_tables_are_used_beside_the_built_in_ones(tmp_path):
    with_tables, without = _learned_run(tmp_path, _SPUN_WITH_THEM)
    assert with_tables["spin_score"] >= 0.5 > without["spin_score"]  # the user's table finds the spin
    applied = [(c["before"], c["after"]) for c in with_tables["changes"] if c["applied"]]
    assert ("zorblat", "widget") in applied and ("gloop", "city") in applied
    assert ("zorblat", "widget") not in [(c["before"], c["after"]) for c in without["changes"]]


def test_learned_forms_in_a_document_nobody_finds_spun_are_not_review_work(tmp_path):
    # one learned form in an otherwise ordinary text: the document is not spun, and a reviewer is
    # not asked about its ordinary words
    with_tables, _ = _learned_run(tmp_path, "The gloop council met on Monday to discuss the budget for next "
                                            "year, and members agreed to publish the figures in March.\n")
    assert with_tables["spin_score"] < 0.5
    assert not [c for c in with_tables["changes"] if c["rule"].startswith("learned.")]


def test_learn_tables_needs_something_to_learn_from(tmp_path):
    result = runner.invoke(app, ["learn", "--tables", str(tmp_path / "t")])
    assert result.exit_code == 2
    assert not (tmp_path / "t").exists()
