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


def test_learned_tables_are_used_beside_the_built_in_ones(tmp_path):
    _pairs(tmp_path / "pairs.jsonl")
    assert runner.invoke(app, ["learn", str(tmp_path / "pairs.jsonl"), "--tables", str(tmp_path / "t")]).exit_code == 0
    (tmp_path / "repair.toml").write_text('tables = ["t"]\n', encoding="utf-8")
    (tmp_path / "in.txt").write_text("The zorblat factory opened again.\n", encoding="utf-8")
    with_tables = runner.invoke(app, ["run", str(tmp_path / "in.txt"), "--config", str(tmp_path / "repair.toml")])
    without = runner.invoke(app, ["run", str(tmp_path / "in.txt"), "--isolated"])
    assert with_tables.exit_code == without.exit_code == 0
    proposed = [(c["before"], c["after"]) for c in json.loads(with_tables.stdout)["repair"]["changes"]]
    assert ("zorblat", "widget") in proposed
    assert ("zorblat", "widget") not in [(c["before"], c["after"])
                                         for c in json.loads(without.stdout)["repair"]["changes"]]


def test_learn_tables_needs_something_to_learn_from(tmp_path):
    result = runner.invoke(app, ["learn", "--tables", str(tmp_path / "t")])
    assert result.exit_code == 2
    assert not (tmp_path / "t").exists()
