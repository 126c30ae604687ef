"""One settings path for every command: repair.toml (or --config FILE, or --isolated) then the flags.

And one exit-code rule, decided by `cli.common.boundary`: 0 ok, 1 for a RepairError (a bad rule
file, failed documents, a failed gate), 2 for usage and configuration errors (ConfigError).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app
from repair.pipeline import Config
from repair.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "004_0ec5a602defd3933.txt"
PAIR = {"id": "1", "family": "okay", "spun": "The State Division stated it.",
        "original": "The State Department said it."}

runner = CliRunner()


def invoke(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(cwd)
    return runner.invoke(app, list(args), catch_exceptions=False)


def applied(stdout: str) -> tuple[int, int]:
    """(applied, flagged) over the records printed by run/emit."""
    changes = [c for line in stdout.splitlines() for c in json.loads(line)["repair"]["changes"]]
    return sum(c["applied"] for c in changes), sum(not c["applied"] for c in changes)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder holding one spun article and a repair.toml with threshold 0.99."""
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_bytes(SEED.read_bytes())
    (tmp_path / "repair.toml").write_text("threshold = 0.99\n", encoding="utf-8")
    return tmp_path


# ---- the bug: run ignored repair.toml ---------------------------------------------------------------


def test_threshold_in_repair_toml_changes_what_run_applies(project, monkeypatch):
    isolated = invoke(project, monkeypatch, "run", "news", "--isolated", "-q")
    from_file = invoke(project, monkeypatch, "run", "news", "-q")
    assert isolated.exit_code == 0 and from_file.exit_code == 0, from_file.output
    (a_default, f_default), (a_file, f_file) = applied(isolated.stdout), applied(from_file.stdout)
    assert a_file < a_default and f_file > f_default  # 0.99 applies far fewer proposals than 0.8
    assert a_default + f_default == a_file + f_file   # the same proposals, decided differently


def test_run_and_check_judge_the_same_pipeline(project, monkeypatch):
    (project / "repair.toml").write_text('threshold = 0.99\nskip = ["okay."]\n', encoding="utf-8")
    built: dict[str, Config] = {}
    real = Config.from_settings.__func__

    def spy(cls, settings, **kw):
        cfg = real(cls, settings, **kw)
        built[command] = cfg
        return cfg

    monkeypatch.setattr(Config, "from_settings", classmethod(spy))
    for command in ("run", "check", "emit", "diff"):
        res = invoke(project, monkeypatch, command, "news", *(["-q"] if command != "diff" else []))
        assert res.exit_code in (0, 1), res.output
    shapes = {name: (c.threshold, c.stages, tuple(r.id for r in c.rules.rules)) for name, c in built.items()}
    assert len(set(shapes.values())) == 1, shapes
    threshold, stages, ids = shapes["run"]
    assert threshold == 0.99 and not any(i.startswith("okay.") for i in ids)


def test_config_file_values_apply_like_flags(project, monkeypatch):
    (project / "other.toml").write_text("threshold = 0.5\n", encoding="utf-8")
    for command in ("run", "emit"):
        by_file = invoke(project, monkeypatch, command, "news", "-q", "--config", "other.toml")
        by_flag = invoke(project, monkeypatch, command, "news", "-q", "--isolated", "--threshold", "0.5")
        assert by_file.exit_code == 0 and by_file.stdout == by_flag.stdout


def test_flags_override_the_file(project, monkeypatch):
    isolated = invoke(project, monkeypatch, "run", "news", "--isolated", "-q")
    flagged = invoke(project, monkeypatch, "run", "news", "--threshold", "0.8", "-q")
    assert applied(flagged.stdout) == applied(isolated.stdout)


def test_only_skip_and_text_field_come_from_the_file(tmp_path, monkeypatch):
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "x", "body": SEED.read_text(encoding="utf-8")}) + "\n",
                                       encoding="utf-8")
    (tmp_path / "repair.toml").write_text('text_field = "body"\nonly = ["boilerplate."]\n', encoding="utf-8")
    res = invoke(tmp_path, monkeypatch, "run", "in.jsonl", "-q")
    assert res.exit_code == 0, res.output
    rules = {c["rule"] for c in json.loads(res.stdout)["repair"]["changes"]}
    assert rules and all(r.startswith("boilerplate.") for r in rules)
    res = invoke(tmp_path, monkeypatch, "run", "in.jsonl", "-q", "--isolated")
    assert res.exit_code == 1 and "body" not in res.stdout  # no "text" field without the file


def test_rules_in_the_file_are_relative_to_the_file(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    (tmp_path / "repair.toml").write_text('rules = ["no-such-rules"]\n', encoding="utf-8")
    res = invoke(tmp_path / "sub", monkeypatch, "normalise", "-", "-q")
    assert res.exit_code == 1  # a RepairError (RuleError), not a usage error
    assert str(tmp_path / "no-such-rules") in res.output


def test_library_path_matches_the_command_line():
    s = Settings.load(discover=False).override(threshold=0.99, only=["spin."], skip=None)
    cfg = Config.from_settings(s)
    assert (cfg.threshold, cfg.stages[-1]) == (0.99, "emit")
    assert all(r.id.startswith("spin.") for r in cfg.rules.rules)
    grammar = Config.from_settings(Settings.load(discover=False), grammar=True)
    assert grammar.stages[-1] == "grammar" and grammar.options["grammar"].enabled


# ---- --config and --isolated on every command -------------------------------------------------------

COMMANDS = {
    "run": ["run", "news", "-q"],
    "normalise": ["normalise", "news", "-q"],
    "detect": ["detect", "news", "-q"],
    "match": ["match", "news", "-q"],
    "emit": ["emit", "news", "-q"],
    "diff": ["diff", "news"],
    "check": ["check", "news", "--no-baseline", "-q"],
    "bench": ["bench", "pairs.jsonl", "news", "--json"],
    "learn": ["learn", "pairs.jsonl", "--min-count", "1", "-o", "learned.toml"],
}


@pytest.fixture
def workspace(project: Path) -> Path:
    (project / "pairs.jsonl").write_text(json.dumps(PAIR) + "\n", encoding="utf-8")
    return project


@pytest.mark.parametrize("name", COMMANDS)
def test_config_file_is_read_by_every_command(workspace, monkeypatch, name):
    (workspace / "other.toml").write_text("threshold = 'high'\n", encoding="utf-8")
    res = invoke(workspace, monkeypatch, *COMMANDS[name], "--config", "other.toml")
    assert res.exit_code == 2, res.output  # a configuration error, on every command
    assert "other.toml" in res.output and "threshold must be a number" in res.output


@pytest.mark.parametrize("name", COMMANDS)
def test_a_bad_discovered_file_is_exit_2_and_isolated_ignores_it(workspace, monkeypatch, name):
    (workspace / "repair.toml").write_text("chek = 1\n", encoding="utf-8")
    res = invoke(workspace, monkeypatch, *COMMANDS[name])
    assert res.exit_code == 2, res.output
    assert "unknown key 'chek'" in res.output
    res = invoke(workspace, monkeypatch, *COMMANDS[name], "--isolated")
    assert res.exit_code in (0, 1), res.output  # check fails the spun seed: 1; the others succeed
    assert "chek" not in res.output
    if name != "check":
        assert res.exit_code == 0, res.output


@pytest.mark.parametrize("name", COMMANDS)
def test_config_and_isolated_together_are_a_usage_error(workspace, monkeypatch, name):
    res = invoke(workspace, monkeypatch, *COMMANDS[name], "--config", "repair.toml", "--isolated")
    assert res.exit_code == 2 and "--isolated" in res.output


# ---- exit codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMANDS)
def test_a_bad_rule_file_is_exit_1_on_every_command(workspace, monkeypatch, name):
    (workspace / "bad-rules").mkdir()
    (workspace / "bad-rules" / "x.toml").write_text("[[rule]\n", encoding="utf-8")
    res = invoke(workspace, monkeypatch, *COMMANDS[name], "--isolated", "--rules", "bad-rules")
    assert res.exit_code == 1, res.output
    assert res.output.startswith("error: ") and "x.toml" in res.output


@pytest.mark.parametrize("name", COMMANDS)
def test_a_bad_flag_is_exit_2_on_every_command(workspace, monkeypatch, name):
    res = invoke(workspace, monkeypatch, *COMMANDS[name], "--isolated", "--threshold", "7")
    assert res.exit_code == 2, res.output


@pytest.mark.parametrize("args", [["run", "news", "-o", "news/out.jsonl"], ["emit", "news", "-o", "news/out"],
                                  ["check", "news", "-o", "news/a.txt"],
                                  ["learn", "pairs.jsonl", "-o", "pairs.jsonl"]])
def test_an_output_over_an_input_is_exit_2_on_every_command(workspace, monkeypatch, args):
    res = invoke(workspace, monkeypatch, *args, "--isolated")
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error: ") and "input" in res.output
    assert sorted(p.name for p in (workspace / "news").iterdir()) == ["a.txt"]
