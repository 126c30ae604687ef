"""Rules and settings on the command line: --extend-rules, unknown selectors, `repair rules`,
--show-settings, --version and stdin on a terminal. Assertions are on exit codes and structured output."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app, common
from repair.errors import ConfigError
from repair.provenance import tool_version
from repair.rules import load_rules
from repair.settings import Settings, settings_from_mapping

runner = CliRunner()

TEXT = "[ad_1]\nThe colour of the bridge will change, officials said on Monday.\n"


@pytest.fixture()
def doc(tmp_path: Path) -> Path:
    p = tmp_path / "in.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


def rules_of(out: str) -> set[str]:
    return {c["rule"] for c in json.loads(out.splitlines()[0])["repair"]["changes"]}


# ---- --rules replaces, --extend-rules adds --------------------------------------------------------


def test_extend_rules_adds_to_the_builtin_rules(house_pack: Path, doc: Path) -> None:
    r = runner.invoke(app, ["run", str(doc), "--isolated", "--extend-rules", str(house_pack)])
    assert r.exit_code == 0, r.output
    assert {"house.colour", "boilerplate.ad-marker"} <= rules_of(r.stdout)


def test_rules_replaces_the_builtin_rules(house_pack: Path, doc: Path) -> None:
    r = runner.invoke(app, ["run", str(doc), "--isolated", "--rules", str(house_pack)])
    assert r.exit_code == 0, r.output
    assert rules_of(r.stdout) == {"house.colour"}


def test_extend_rules_in_the_config_file_is_relative_to_it(tmp_path: Path, house_pack: Path, doc: Path) -> None:
    cfg = tmp_path / "conf" / "repair.toml"
    cfg.parent.mkdir()
    cfg.write_text('extend-rules = ["../house.toml"]\n', encoding="utf-8")
    r = runner.invoke(app, ["run", str(doc), "--config", str(cfg)])
    assert r.exit_code == 0, r.output
    assert {"house.colour", "boilerplate.ad-marker"} <= rules_of(r.stdout)


def test_config_keys_may_use_dashes_but_not_both_spellings() -> None:
    assert settings_from_mapping({"text-field": "body"}, "repair.toml").text_field == "body"
    with pytest.raises(ConfigError, match="given twice"):
        settings_from_mapping({"text-field": "body", "text_field": "x"}, "repair.toml")


def test_extend_rules_with_a_duplicate_id_is_a_rule_error(tmp_path: Path, house_pack: Path, doc: Path) -> None:
    dup = tmp_path / "dup.toml"
    dup.write_text(house_pack.read_text(encoding="utf-8").replace("house.colour", "boilerplate.ad-marker"), encoding="utf-8")
    r = runner.invoke(app, ["run", str(doc), "--isolated", "--extend-rules", str(dup)])
    assert r.exit_code == 1
    assert "boilerplate.ad-marker" in r.output


def option_help(command: str, name: str) -> str:
    import typer.main

    (param,) = [p for p in typer.main.get_command(app).commands[command].params if p.name == name]
    return param.help or ""


@pytest.mark.parametrize("command", ["run", "emit", "check", "normalise"])
def test_rules_help_says_it_replaces_and_extend_rules_exists(command: str) -> None:
    assert "REPLACING" in option_help(command, "rules") and "--extend-rules" in option_help(command, "rules")
    assert "added" in option_help(command, "extend_rules")


# ---- unknown selectors --------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["--only", "--skip"])
@pytest.mark.parametrize("command", ["run", "check", "emit", "normalise", "rules"])
def test_unknown_selector_is_a_usage_error(flag: str, command: str, doc: Path) -> None:
    r = runner.invoke(app, [command, str(doc), "--isolated", flag, "boilerplate.ad-markr"]
                      if command != "rules" else [command, "--isolated", flag, "boilerplate.ad-markr"])
    assert r.exit_code == 2, r.output
    assert "'boilerplate.ad-markr'" in r.output.replace("\n", "")


def test_unknown_selector_in_the_config_file_is_a_usage_error(tmp_path: Path, doc: Path) -> None:
    cfg = tmp_path / "repair.toml"
    cfg.write_text('skip = ["spin.nope"]\n', encoding="utf-8")
    r = runner.invoke(app, ["check", str(doc), "--config", str(cfg)])
    assert r.exit_code == 2


def test_known_selectors_still_select() -> None:
    rules = load_rules()
    kept = rules.select(only=["boilerplate"], skip=["boilerplate.ad-marker"])
    assert kept.rules and all(r.id.startswith("boilerplate.") for r in kept.rules)
    assert "boilerplate.ad-marker" not in {r.id for r in kept.rules}


# ---- repair rules -------------------------------------------------------------------------------


def test_rules_lists_every_rule_in_use_as_json(house_pack: Path) -> None:
    r = runner.invoke(app, ["rules", "--json", "--isolated", "--extend-rules", str(house_pack)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    ids = {x["id"] for x in data["rules"]}
    assert len(ids) == data["count"] == len(load_rules().rules) + 1
    assert "house.colour" in ids and "boilerplate.ad-marker" in ids
    assert len(data["rules_hash"]) == 16


def test_rules_shows_one_rule_with_why_examples_and_file() -> None:
    r = runner.invoke(app, ["rules", "boilerplate.ad-marker", "--json", "--isolated"])
    assert r.exit_code == 0, r.output
    one = json.loads(r.stdout)
    assert one["id"] == "boilerplate.ad-marker" and one["stage"] == "normalise"
    assert one["file"] == "rules/normalise/boilerplate.toml"
    assert one["why"] and one["examples"] and {"in", "out"} <= set(one["examples"][0])


def test_rules_human_listing_is_one_rule_a_line() -> None:
    r = runner.invoke(app, ["rules", "space", "--isolated"])
    assert r.exit_code == 0, r.output
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert rows and all(len(row) == 4 and row[0].startswith("space.") for row in rows)


def test_rules_unknown_id_is_a_usage_error_with_a_suggestion() -> None:
    r = runner.invoke(app, ["rules", "boilerplate.ad-markr", "--isolated"])
    assert r.exit_code == 2
    assert "boilerplate.ad-marker" in r.output.replace("\n", "")


# ---- --show-settings, --version -----------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "emit", "normalise", "check", "rules"])
def test_show_settings_prints_the_resolved_settings_as_toml(command: str, tmp_path: Path) -> None:
    cfg = tmp_path / "repair.toml"
    cfg.write_text('threshold = 0.9\n[check.document]\nspin_score = "off"\n', encoding="utf-8")
    r = runner.invoke(app, [command, "--config", str(cfg), "--show-settings", "--skip", "boilerplate"])
    assert r.exit_code == 0, r.output
    data = tomllib.loads(r.stdout)
    assert data["threshold"] == 0.9 and data["skip"] == ["boilerplate"]
    assert data["check"]["document"]["spin_score"] == "off"
    # what it prints is a configuration file that loads back to the same settings
    back = tmp_path / "back.toml"
    back.write_text(r.stdout, encoding="utf-8")
    assert Settings.load(back).to_mapping() | {"config": None} == Settings.load(cfg).override(
        skip=["boilerplate"]).to_mapping() | {"config": None}


def test_check_show_settings_as_json_includes_limit_flags() -> None:
    r = runner.invoke(app, ["check", "--isolated", "--show-settings", "-f", "json", "--max", "spin_score=0.3"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["check"]["document"]["spin_score"] == 0.3 and data["config"] is None


def test_version() -> None:
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"repair {tool_version()}"


# ---- stdin on a terminal ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "check", "normalise"])
def test_no_path_on_a_terminal_is_refused(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "stdin_is_terminal", lambda: True)
    r = runner.invoke(app, [command, "--isolated"])
    assert r.exit_code == 2
    assert "'-'" in r.output.replace("\n", "")


def test_dash_on_a_terminal_reads_stdin_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "stdin_is_terminal", lambda: True)
    r = runner.invoke(app, ["run", "-", "--isolated"], input=TEXT)
    assert r.exit_code == 0, r.output
    assert "reading from stdin" in r.stderr
    assert json.loads(r.stdout.splitlines()[0])["id"] == "stdin"


def test_no_path_when_piped_reads_stdin() -> None:
    r = runner.invoke(app, ["run", "--isolated"], input=TEXT)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout.splitlines()[0])["id"] == "stdin"


def test_no_path_on_a_terminal_creates_no_output(monkeypatch: pytest.MonkeyPatch, isolated: Path) -> None:
    monkeypatch.setattr(common, "stdin_is_terminal", lambda: True)
    r = runner.invoke(app, ["run", "--isolated", "-o", "out"])
    assert r.exit_code == 2
    assert not (isolated / "out").exists()
