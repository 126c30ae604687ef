"""The command line, end to end: help, inputs, outputs, pipes, bad input, progress."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from rich.console import Console
from typer.testing import CliRunner

from repair.cli import app, common
from repair.model import apply_changes

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
REPAIR = Path(sys.executable).parent / "repair"
STAGES = ["normalise", "detect", "match", "emit", "run"]

runner = CliRunner()


def invoke(*args: str, input: str | bytes | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]


# --- help ----------------------------------------------------------------------------------------

def test_help_lists_the_stage_commands():
    res = invoke("--help")
    assert res.exit_code == 0, res.output
    for name in STAGES:
        assert name in res.stdout


@pytest.mark.parametrize("name,words", [
    ("normalise", "encodings"), ("detect", "spun"), ("match", "canonical"), ("emit", "threshold"), ("run", "every stage"),
])
def test_each_command_says_what_it_does(name: str, words: str):
    res = invoke(name, "--help")
    assert res.exit_code == 0, res.output
    # what the help says, read from the command rather than from its layout at this terminal's width
    command = typer.main.get_command(app).commands[name]
    assert words in command.help
    assert {"--output", "--rules", "--text-field"} <= {opt for p in command.params for opt in p.opts}


def test_no_arguments_shows_help():
    res = runner.invoke(app, [])
    assert "normalise" in res.output and "run" in res.output


# --- folder output ------------------------------------------------------------------------------

@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    shutil.copytree(SEEDS, src / "seeds")
    nested = src / "more" / "deep"
    nested.mkdir(parents=True)
    (nested / "note.txt").write_text("[ad_1]\nThe  State Division said.\nSource link\n", encoding="utf-8")
    (src / "more" / "feed.jsonl").write_text(
        json.dumps({"id": "f1", "text": "Leave a Reply\nA plain sentence.\n", "lang": "en", "n": [1, {"a": None}]})
        + "\n" + json.dumps({"text": "Nothing to fix here.\n", "url": "https://example.org/x?a=1&b=2"}) + "\n",
        encoding="utf-8")
    return src


def test_run_to_a_folder_writes_the_documented_layout(corpus: Path, tmp_path: Path):
    before = digest(corpus)
    out = tmp_path / "out"
    res = invoke("run", str(corpus), "-o", str(out))
    assert res.exit_code == 0, res.output
    # cleaned text at the same relative path under cleaned/, nested folders included
    for seed in SEEDS.glob("*.txt"):
        assert (out / "cleaned" / "seeds" / seed.name).is_file()
    assert (out / "cleaned" / "more" / "deep" / "note.txt").read_text(encoding="utf-8") == "The State Department said.\n"
    feed = records((out / "cleaned" / "more" / "feed.jsonl").read_text(encoding="utf-8"))
    assert [r["text"] for r in feed] == ["A plain sentence.\n", "Nothing to fix here.\n"]
    assert feed[0]["lang"] == "en" and feed[0]["n"] == [1, {"a": None}]
    assert feed[1]["url"] == "https://example.org/x?a=1&b=2"
    # diffs for changed documents only
    assert (out / "diffs" / "more" / "deep" / "note.txt.diff").read_text(encoding="utf-8").startswith(
        "--- a/more/deep/note.txt\n+++ b/more/deep/note.txt\n")
    assert not any("seeds/000" in str(p) for p in (out / "diffs").rglob("*.diff"))
    # the index, the records and the report
    index = records((out / "documents.jsonl").read_text(encoding="utf-8"))
    assert len(index) == 8 and {e["output"] for e in index} >= {"cleaned/more/deep/note.txt", "cleaned/more/feed.jsonl"}
    recs = records((out / "records.jsonl").read_text(encoding="utf-8"))
    assert len(recs) == 8
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == 8 and report["failed"] == 0
    norm = report["by_rule"]["normalise"]
    assert norm["boilerplate.ad-marker"]["applied"] == 3  # two in seed 004, one in note.txt
    assert norm["boilerplate.comment-form"]["applied"] == 2
    assert report["by_rule"]["match"]  # stage-level counts for every stage that changed something
    assert report["changes"]["applied"] == sum(c["applied"] for s in report["by_rule"].values() for c in s.values())
    for stage, rules in report["by_rule"].items():
        assert report["by_stage"][stage] == {"applied": sum(c["applied"] for c in rules.values()),
                                             "flagged": sum(c["flagged"] for c in rules.values())}
    assert report["by_stage"]["normalise"]["applied"] >= 14
    assert "report.json" in res.stderr and str(out) in res.stderr
    assert res.stdout == ""
    assert digest(corpus) == before, "inputs must never be modified"
    assert leftovers(out) == []


def test_run_to_jsonl_and_stdout_give_the_same_records(corpus: Path, tmp_path: Path):
    out = tmp_path / "o.jsonl"
    res = invoke("run", str(corpus), "-o", str(out), "-q")
    assert res.exit_code == 0, res.output
    assert res.stderr == ""  # --quiet: no summary
    to_stdout = invoke("run", str(corpus))
    assert to_stdout.exit_code == 0
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    for rec in records(to_stdout.stdout):
        block = rec["repair"]
        assert 0.0 <= block["spin_score"] <= 1.0
        assert "stages" not in block and "pending" not in block
    assert leftovers(tmp_path) == []


# --- JSONL in and out ---------------------------------------------------------------------------

def test_jsonl_fields_kept_and_ids(tmp_path: Path):
    f = tmp_path / "in.jsonl"
    rows = [{"id": "x1", "text": "The  ISIS-Okay group.", "meta": {"k": [1, 2]}, "score": 0.5},
            {"text": "Plain.", "source": "wire"}]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    res = invoke("run", str(f))
    assert res.exit_code == 0, res.output
    out = records(res.stdout)
    assert [r["repair"]["id"] for r in out] == ["x1", "in.jsonl:2"]
    assert out[0]["meta"] == {"k": [1, 2]} and out[0]["score"] == 0.5 and out[0]["id"] == "x1"
    assert out[1]["source"] == "wire" and "id" not in out[1]
    for row, rec in zip(rows, out, strict=True):
        assert set(rec) == set(row) | {"repair"}
        assert apply_changes(row["text"], _changes(rec)) == rec["text"]


def test_text_field_option(tmp_path: Path):
    f = tmp_path / "in.jsonl"
    f.write_text(json.dumps({"id": 1, "body": "A  b.\nSource link\n", "text": "untouched  text"}) + "\n",
                 encoding="utf-8")
    res = invoke("normalise", str(f), "--text-field", "body")
    assert res.exit_code == 0, res.output
    (rec,) = records(res.stdout)
    assert rec["body"] == "A b.\n" and rec["text"] == "untouched  text" and rec["id"] == 1
    missing = invoke("normalise", str(f), "--text-field", "content")
    assert missing.exit_code == 1 and "no 'content' field" in missing.stderr and f"{f}:1" in missing.stderr


# --- stdin ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["run", "-"], ["run"]])
def test_stdin_text(args: list[str]):
    res = invoke(*args, input="[ad_1]\nThe State Division said.\n")
    assert res.exit_code == 0, res.output
    (rec,) = records(res.stdout)
    assert rec["text"] == "The State Department said.\n" and rec["repair"]["id"] == "stdin"


@pytest.mark.parametrize("args", [["normalise", "-"], ["normalise"]])
def test_stdin_jsonl(args: list[str]):
    res = invoke(*args, input='{"id": "a", "text": "x  y", "k": true}\n{"id": "b", "text": "z"}\n')
    assert res.exit_code == 0, res.output
    out = records(res.stdout)
    assert [(r["id"], r["text"], r.get("k")) for r in out] == [("a", "x y", True), ("b", "z", None)]
    assert out[0]["repair"]["stages"] == ["normalise"]


# --- pipes -------------------------------------------------------------------------------------------

def _sh(args: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
    # in the test's empty working folder (conftest), not the checkout: a repair.toml above it must not count
    return subprocess.run([str(REPAIR), *args], input=data, capture_output=True, timeout=120)


@pytest.mark.skipif(not REPAIR.exists(), reason="the repair script is not installed next to this Python")
def test_stage_pipe_equals_run(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": p.name, "text": p.read_text(encoding="utf-8"), "keep": i}) + "\n"
                           for i, p in enumerate(sorted(SEEDS.glob("*.txt")))), encoding="utf-8")
    out = tmp_path / "run.jsonl"
    ran = _sh(["run", str(src), "-o", str(out), "-q"])
    assert ran.returncode == 0, ran.stderr.decode()
    data = _sh(["normalise", str(src)])
    assert data.returncode == 0, data.stderr.decode()
    for stage in ("detect", "match", "emit"):
        step = _sh([stage], data.stdout)
        assert step.returncode == 0, step.stderr.decode()
        data = step
    assert data.stdout == out.read_bytes()
    assert data.stderr == b""  # piped: no progress bar, no summary
    # the same from a folder of .txt files, where stdin carries records between the stages
    folder = _sh(["normalise", str(SEEDS)])
    piped = _sh(["emit"], folder.stdout)
    direct = _sh(["run", str(SEEDS)])
    assert piped.returncode == direct.returncode == 0 and piped.stdout == direct.stdout


# --- bad input -----------------------------------------------------------------------------------

@pytest.fixture()
def messy(tmp_path: Path) -> Path:
    src = tmp_path / "messy"
    (src / "sub").mkdir(parents=True)
    (src / "a_latin1.txt").write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    (src / "b_binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    (src / "c_empty.txt").write_bytes(b"")
    (src / "d_docs.jsonl").write_text(
        '{"id": "ok1", "text": "Good.\\nSource link\\n"}\n'
        '{"id": "broken", "text": \n'
        '[1, 2, 3]\n'
        '{"id": "notext"}\n'
        '{"id": "num", "text": 42}\n'
        '{"id": "ok2", "text": "Also good."}\n', encoding="utf-8")
    (src / "sub" / "e_good.txt").write_text("[ad_1]\nFine text.\n", encoding="utf-8")
    return src


def test_bad_input_is_reported_and_the_batch_goes_on(messy: Path, tmp_path: Path):
    before = digest(messy)
    out = tmp_path / "out"
    res = invoke("run", str(messy), "-o", str(out))
    assert res.exit_code == 1, res.output
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    expected = [
        f"{messy / 'a_latin1.txt'}:1: not valid UTF-8",
        f"{messy / 'b_binary.txt'}: looks like a binary file",
        f"{messy / 'c_empty.txt'}: empty file",
        f"{messy / 'd_docs.jsonl'}:2: malformed JSON",
        f"{messy / 'd_docs.jsonl'}:3: a line must be a JSON object",
        f"{messy / 'd_docs.jsonl'}:4: no 'text' field",
        f"{messy / 'd_docs.jsonl'}:5: field 'text' must be a string",
    ]
    assert len(errors) == len(expected)
    for line, want in zip(errors, expected, strict=True):
        assert line.startswith("error: " + want), line
    assert "3 documents cleaned, 7 failed" in res.stderr
    assert res.stderr.rstrip().endswith(f"report.json are in {out}.")
    # the good documents were all processed
    assert (out / "cleaned" / "sub" / "e_good.txt").read_text(encoding="utf-8") == "Fine text.\n"
    assert [r["id"] for r in records((out / "cleaned" / "d_docs.jsonl").read_text(encoding="utf-8"))] == ["ok1", "ok2"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == 3 and report["failed"] == 7
    assert {(f["path"], f["line"]) for f in report["failures"]} >= {(str(messy / "d_docs.jsonl"), 2)}
    assert digest(messy) == before
    assert leftovers(out) == []


def test_bad_input_on_stdout_keeps_records_clean(messy: Path):
    res = invoke("run", str(messy))
    assert res.exit_code == 1
    assert [r["repair"]["id"] for r in records(res.stdout)] == ["ok1", "ok2", "sub/e_good.txt"]
    assert "7 failed" in res.stderr


def test_bad_stdin():
    res = invoke("run", "-", input=b"\xff\xfe bad bytes\n")
    assert res.exit_code == 1 and "error: <stdin>:1: not valid UTF-8" in res.stderr and res.stdout == ""
    res = invoke("run", input=b"")
    assert res.exit_code == 1 and "<stdin>: empty input" in res.stderr


def test_missing_path_is_a_usage_error_before_anything_runs(tmp_path: Path):
    good = tmp_path / "g.txt"
    good.write_text("Good.\n", encoding="utf-8")
    res = invoke("run", str(tmp_path / "nope.txt"), str(good))
    assert res.exit_code == 2
    assert f"error: {tmp_path / 'nope.txt'}: no such file or folder" in res.stderr
    assert res.stdout == ""


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_permission(tmp_path: Path):
    locked = tmp_path / "locked.txt"
    locked.write_text("x\n", encoding="utf-8")
    locked.chmod(0)
    try:
        res = invoke("run", str(tmp_path))
    finally:
        locked.chmod(0o644)
    assert res.exit_code == 1 and f"{locked}: cannot read" in res.stderr


def test_unreadable_file_is_reported(tmp_path: Path, monkeypatch):
    (tmp_path / "a.txt").write_text("Good.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Locked.\n", encoding="utf-8")
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self: (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
                        if self.name == "b.txt" else real(self))
    res = invoke("run", str(tmp_path))
    assert res.exit_code == 1
    assert f"error: {tmp_path / 'b.txt'}: cannot read (Permission denied)" in res.stderr
    assert [r["text"] for r in records(res.stdout)] == ["Good.\n"]


def test_all_good_exits_zero_with_a_summary(tmp_path: Path):
    out = tmp_path / "o.jsonl"
    res = invoke("run", str(SEEDS), "-o", str(out))
    assert res.exit_code == 0
    assert "5 documents cleaned, 0 failed" in res.stderr and f"Records written to {out}" in res.stderr


@pytest.mark.parametrize("body,needle", [
    ('[[rule]]\nid = "bad.pattern"\nstage = "normalise"\nkind = "line"\npattern = "(unclosed"\n',
     "rule 'bad.pattern': pattern does not compile"),
    ('[[rule]\nid = "x"\n', "not valid TOML"),
])
def test_bad_rule_file_stops_before_any_document(tmp_path: Path, body: str, needle: str):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text(body, encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("run", str(SEEDS), "--rules", str(rules), "-o", str(out))
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(rules / "mine.toml") in lines[0]
    assert needle in lines[0]
    assert not out.exists()


def test_missing_rules_folder(tmp_path: Path):
    res = invoke("normalise", "--rules", str(tmp_path / "none"), input="x")
    assert res.exit_code == 1 and "no such rules folder" in res.stderr


@pytest.mark.parametrize("target", ["in/out", "in/out.jsonl", "in/a.txt", "."])
def test_output_inside_an_input_folder_is_refused(tmp_path: Path, monkeypatch, target: str):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Source link\nText.\n", encoding="utf-8")
    before = digest(tmp_path)
    monkeypatch.chdir(tmp_path)
    res = invoke("run", "in", "-o", target)
    assert res.exit_code == 2, res.output  # an output over an input is a usage error
    assert res.stderr.startswith("error: ") and "input" in res.stderr
    assert digest(tmp_path) == before


@pytest.mark.parametrize("args,needle", [
    (["normalise", "-o", "{tmp}/adir"], "it is a folder"),
    (["run", "-o", "{tmp}/afile/x.jsonl"], "cannot write"),
    (["run", "-o", "{tmp}/afile/sub"], "cannot create the output folder"),
    (["run", "-o", "{tmp}/afile"], "cannot create the output folder"),
])
def test_unwritable_outputs_are_one_line_errors(tmp_path: Path, args: list[str], needle: str):
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("not a folder\n", encoding="utf-8")
    res = invoke(*[a.format(tmp=tmp_path) for a in args], str(SEEDS), "-q")
    assert res.exit_code == 1
    assert res.stderr.startswith("error: ") and needle in res.stderr and "Traceback" not in res.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir", "afile"]
    assert list((tmp_path / "adir").iterdir()) == []


def test_usage_error_exit_code_is_two():
    res = runner.invoke(app, ["run", "--threshold", "7"])
    assert res.exit_code == 2


# --- progress --------------------------------------------------------------------------------------

def test_progress_shows_on_a_terminal_only():
    assert common.progress_enabled(False, Console(file=io.StringIO(), force_terminal=True)) is True
    assert common.progress_enabled(True, Console(file=io.StringIO(), force_terminal=True)) is False
    assert common.progress_enabled(False, Console(file=io.StringIO(), force_terminal=False)) is False


def test_progress_bar_goes_to_stderr_never_stdout(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(common, "err", Console(file=screen, force_terminal=True, width=100))
    res = invoke("run", str(SEEDS))
    assert res.exit_code == 0
    assert len(records(res.stdout)) == 5  # stdout holds only the records
    drawn = screen.getvalue()
    assert "documents" in drawn and "5/5" in drawn


def _changes(rec: dict):
    from repair.model import Change
    return [Change.from_json(c) for c in rec["repair"]["changes"]]


def test_each_command_registers_from_its_own_module():
    """`repair COMMAND` imports only the module :data:`repair.cli.COMMANDS` names for it: the map must
    hold every command, and that module alone must register the command (a fresh process each)."""
    import repair.cli as cli

    registered = {c.name or c.callback.__name__: c.callback.__module__ for c in app.registered_commands}
    assert {name: f"repair.cli.{mod}" for name, mod in cli.COMMANDS.items()} == registered
    assert set(cli.COMMANDS.values()) <= set(cli.COMMAND_MODULES)
    code = ("import sys; from repair.cli import load_commands; from repair.cli.common import app; "
            "load_commands(sys.argv[1:]); print(' '.join(c.name or c.callback.__name__ for c in app.registered_commands))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    for mod in sorted(set(cli.COMMANDS.values())):
        names = [n for n, m in cli.COMMANDS.items() if m == mod]
        out = subprocess.run([sys.executable, "-c", code, names[0], "--help"], env=env, capture_output=True,
                             text=True, check=True).stdout.split()
        assert set(names) <= set(out)
    everything = subprocess.run([sys.executable, "-c", code, "--help"], env=env, capture_output=True, text=True,
                                check=True).stdout.split()
    assert everything == list(registered)  # no command (help, --version): all of them, in the usual order
