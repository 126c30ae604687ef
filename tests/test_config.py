"""Configuration: discovery (walk up, repair.toml vs pyproject.toml), the schema, errors, CLI overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_text import mentions  # tests/ is on sys.path (no __init__.py)
from typer.testing import CliRunner

from repair.cli import app
from repair.errors import ConfigError
from repair.schema import parse_limit
from repair.settings import (
    CORPUS_LIMITS,
    DOCUMENT_LIMITS,
    find_config,
    load_settings,
    settings_from_mapping,
)

runner = CliRunner()


def toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    """tmp/top/mid/low, with an empty repair.toml at tmp/ so discovery never leaves the test folder."""
    toml(tmp_path / "repair.toml", "")
    (tmp_path / "top" / "mid" / "low").mkdir(parents=True)
    return tmp_path


# ---- discovery ---------------------------------------------------------------------------------


def test_walks_up_to_the_nearest_repair_toml(tree):
    found = toml(tree / "top" / "repair.toml", "threshold = 0.9\n")
    assert find_config(tree / "top" / "mid" / "low") == found
    s = load_settings(start=tree / "top" / "mid" / "low")
    assert s.threshold == 0.9 and s.path == found.resolve()


def test_pyproject_without_tool_repair_is_passed_over(tree):
    toml(tree / "top" / "mid" / "pyproject.toml", "[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n")
    found = toml(tree / "top" / "repair.toml", "threshold = 0.7\n")
    assert find_config(tree / "top" / "mid" / "low") == found


def test_pyproject_with_tool_repair_is_used(tree):
    found = toml(tree / "top" / "mid" / "pyproject.toml",
                 "[project]\nname = 'x'\n\n[tool.repair]\nthreshold = 0.6\n\n[tool.repair.check.document]\n"
                 "spin_score = 0.3\n")
    s = load_settings(start=tree / "top" / "mid" / "low")
    assert s.path == found.resolve() and s.threshold == 0.6 and s.check.document["spin_score"] == 0.3
    assert s.check.document["boilerplate_share"] == DOCUMENT_LIMITS["boilerplate_share"]  # others keep defaults


def test_in_one_folder_repair_toml_wins_over_pyproject(tree):
    toml(tree / "top" / "pyproject.toml", "[tool.repair]\nthreshold = 0.6\n")
    found = toml(tree / "top" / "repair.toml", "threshold = 0.95\n")
    assert find_config(tree / "top" / "mid") == found
    assert load_settings(start=tree / "top" / "mid").threshold == 0.95


def test_the_nearest_folder_wins_and_files_are_not_merged(tree):
    toml(tree / "top" / "repair.toml", "threshold = 0.95\ntext_field = 'body'\n")
    near = toml(tree / "top" / "mid" / "pyproject.toml", "[tool.repair]\nthreshold = 0.6\n")
    s = load_settings(start=tree / "top" / "mid" / "low")
    assert s.path == near.resolve() and s.threshold == 0.6 and s.text_field == "text"


def test_discovery_never_searches_a_ceiling_folder_or_above_it(tree, monkeypatch):
    low = tree / "top" / "mid" / "low"
    toml(tree / "top" / "repair.toml", "threshold = 0.9\n")
    monkeypatch.setenv("REPAIR_CONFIG_CEILING", str(tree / "top"))
    assert find_config(low) is None
    monkeypatch.setenv("REPAIR_CONFIG_CEILING", str(tree / "top" / "mid"))
    assert find_config(low) is None and load_settings(start=low).path is None
    monkeypatch.setenv("REPAIR_CONFIG_CEILING", str(low / "deeper"))
    assert find_config(low) == tree / "top" / "repair.toml"


def test_no_file_means_defaults_and_paths_resolve_against_the_cwd(tmp_path, monkeypatch):
    s = load_settings(discover=False)
    assert s.path is None and s.check.document == DOCUMENT_LIMITS and s.check.corpus == CORPUS_LIMITS
    monkeypatch.chdir(tmp_path)
    assert s.resolve("x.json") == tmp_path / "x.json"


def test_relative_paths_are_relative_to_the_config_file(tree):
    cfg = toml(tree / "top" / "repair.toml", "rules = ['my-rules']\n[check]\nbaseline = 'ci/base.json'\n")
    s = load_settings(cfg)
    assert s.resolve(s.check.baseline) == (tree / "top" / "ci" / "base.json").resolve()
    assert s.resolve(s.rules[0]) == (tree / "top" / "my-rules").resolve()


# ---- schema and errors -------------------------------------------------------------------------


@pytest.mark.parametrize("text,key,where", [
    ("chek = 1\n", "chek", "at the top level"),
    ("[check]\nbaseline_file = 'x'\n", "baseline_file", "[check]"),
    ("[check.document]\nspin = 0.3\n", "spin", "[check.document]"),
    ("[check.corpus]\nspun_shares = 0.1\n", "spun_shares", "[check.corpus]"),
    ("[grammar]\nsever = 'http://x'\n", "sever", "grammar"),
], ids=["top", "check", "document-limit", "corpus-limit", "grammar"])
def test_unknown_keys_name_the_key_and_the_file(tree, text, key, where):
    path = toml(tree / "top" / "repair.toml", text)
    with pytest.raises(ConfigError) as e:
        load_settings(path)
    msg = str(e.value)
    assert str(path) in msg and repr(key) in msg and where in msg


def test_unknown_key_in_pyproject_names_the_tool_repair_table(tree):
    path = toml(tree / "pyproject.toml", "[tool.repair.check]\nfail_on_skipped = true\n")
    with pytest.raises(ConfigError, match=r"pyproject\.toml: unknown key 'fail_on_skipped' in \[tool\.repair\.check\]"):
        load_settings(path)


@pytest.mark.parametrize("text,needle", [
    ("threshold = 'high'\n", "threshold must be a number"),
    ("threshold = 1.5\n", "threshold must be between 0 and 1"),
    ("rules = 'rules/'\n", "rules must be a list of strings"),
    ("only = [1, 2]\n", "only[0] must be a string"),
    ("[check]\nfail_on_skip = 'yes'\n", "check.fail_on_skip must be true or false"),
    ("[check.document]\nspin_score = true\n", "a limit is a number or 'off'"),
    ("[check.document]\nspin_score = -0.1\n", "a limit must be a number >= 0"),
    ("[check.corpus]\nspun_share = 'lots'\n", "a limit is a number or 'off'"),
    ("check = 3\n", "[check] must be a table"),
    ("[grammar]\ntimeout = 'soon'\n", "timeout"),
    ("threshold = = 1\n", "not valid TOML"),
], ids=["str-for-float", "out-of-range", "str-for-list", "list-items", "str-for-bool", "bool-limit",
        "negative-limit", "word-limit", "scalar-section", "grammar-type", "bad-toml"])
def test_bad_values_are_errors_naming_the_file(tree, text, needle):
    path = toml(tree / "repair.toml", text)
    with pytest.raises(ConfigError) as e:
        load_settings(path)
    assert str(path) in str(e.value) and needle in str(e.value)


def test_limits_can_be_switched_off():
    s = settings_from_mapping({"check": {"document": {"spin_score": "off"}, "corpus": {"spun_share": False}}},
                              "repair.toml", section="")
    assert s.check.document["spin_score"] is None and s.check.corpus["spun_share"] is None
    assert parse_limit(0, "x") == 0.0


def test_grammar_section_is_the_grammar_stage_settings():
    s = settings_from_mapping({"grammar": {"enabled": True, "server": "http://lt:8010", "scope": "all",
                                           "timeout": 5}}, "repair.toml", section="")
    g = s.grammar
    assert (g.enabled, g.server, g.scope, g.timeout) == (True, "http://lt:8010", "all", 5.0)
    assert load_settings(discover=False).grammar.enabled is False  # off by default


# ---- the CLI reads the file; flags override it -------------------------------------------------------


SPUN = "Fighters of ISIS-Okay struck again, officials said. ISIS-Okay claimed it.\n"


def check(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(cwd)
    return runner.invoke(app, ["check", "--quiet", "--format", "json", *args])


def test_cli_reads_limits_from_the_discovered_file_and_flags_override(tree, monkeypatch):
    corpus = tree / "top" / "corpus"
    corpus.mkdir()
    (corpus / "spun.txt").write_text(SPUN, encoding="utf-8")
    toml(tree / "top" / "pyproject.toml",
         "[tool.repair.check.document]\nspin_score = 'off'\nspun_per_1k_words = 'off'\n"
         "[tool.repair.check.corpus]\nspun_share = 'off'\nspin_score = 'off'\nspun_per_1k_words = 'off'\n")
    res = check(tree / "top" / "mid", monkeypatch, str(corpus))  # found by walking up from mid/
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["limits"]["document"]["spin_score"] is None
    res = check(tree / "top" / "mid", monkeypatch, str(corpus), "--max", "spun_per_1k_words=1")
    assert res.exit_code == 1
    assert json.loads(res.stdout)["documents"][0]["failures"][0]["figure"] == "spun_per_1k_words"


def test_cli_explicit_config_file(tree, monkeypatch):
    corpus = tree / "corpus"
    corpus.mkdir()
    (corpus / "spun.txt").write_text(SPUN, encoding="utf-8")
    other = toml(tree / "elsewhere" / "strict.toml", "[check.document]\nspin_score = 0.0\n")
    res = check(tree, monkeypatch, str(corpus), "--config", str(other))
    assert json.loads(res.stdout)["limits"]["document"]["spin_score"] == 0.0


def test_cli_config_errors_exit_2(tree, monkeypatch):
    toml(tree / "top" / "repair.toml", "[check.document]\nspin_scor = 0.3\n")
    res = check(tree / "top", monkeypatch, "-")
    assert res.exit_code == 2
    assert mentions(res.output, "repair.toml") and mentions(res.output, "'spin_scor'")
    toml(tree / "top" / "repair.toml", "threshold = 'x'\n")
    res = check(tree / "top", monkeypatch, "-")
    assert res.exit_code == 2 and mentions(res.output, "threshold")
