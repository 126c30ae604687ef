"""One exit-code rule on every command: 0 ok, 1 documents failed (or the gate failed), 2 usage or
configuration error. A path that names nothing is a usage error on every command that reads paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app
from tests.cli_text import mentions

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("The council met on Tuesday.\n", encoding="utf-8")
    (tmp_path / "pairs.jsonl").write_text(json.dumps({"id": "1", "family": "x", "spun": "a big dog",
                                                      "original": "a large dog"}) + "\n", encoding="utf-8")
    return tmp_path


# every command that reads input paths, with the missing path in each place it can be named
MISSING = {
    "run": ["run", "a.txt", "nosuch.txt", "-o", "out"],
    "run-jsonl": ["run", "nosuch.jsonl", "-o", "out.jsonl"],
    "run-text": ["run", "nosuch.txt", "-o", "out.txt"],
    "normalise": ["normalise", "nosuch", "-o", "out.jsonl"],
    "detect": ["detect", "nosuch", "-o", "out.jsonl"],
    "match": ["match", "nosuch", "-o", "out.jsonl"],
    "emit": ["emit", "nosuch", "-o", "out"],
    "emit-parquet": ["emit", "a.txt", "nosuch", "-o", "out.parquet"],
    "diff": ["diff", "a.txt", "nosuch"],
    "check": ["check", "a.txt", "nosuch", "--format", "json", "-o", "out.json"],
    "learn": ["learn", "nosuch", "-o", "out.toml"],
    "learn-clean": ["learn", "pairs.jsonl", "--clean", "nosuch", "-o", "out.toml"],
    "learn-terms": ["learn", "--terms", "nosuch", "-o", "out.toml"],
    "learn-tables": ["learn", "nosuch", "--tables", "out"],
    "learn-spintax": ["learn", "--tables", "out", "--spintax", "nosuch"],
    "bench": ["bench", "pairs.jsonl", "nosuch"],
    "import-pps": ["import-pps", "nosuch", "-o", "out.toml"],
}


@pytest.mark.parametrize("args", MISSING.values(), ids=MISSING.keys())
def test_a_path_that_names_nothing_is_a_usage_error(project: Path, args: list[str]):
    before = sorted(p.name for p in project.iterdir())
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    said = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(said) == 1 and mentions(said[0], "nosuch") and mentions(said[0], "no such file or folder")
    assert sorted(p.name for p in project.iterdir()) == before  # no output file or folder created


def test_a_document_that_fails_to_read_still_exits_1_and_the_batch_goes_on(project: Path):
    (project / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    res = invoke("run", "bad.txt", "a.txt", "-o", "out")
    assert res.exit_code == 1
    report = json.loads((project / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == 1 and report["failed"] == 1


# ---- records already emitted are not run through the stages again ------------------------------

SPUN = "The Joined States Division of State said on Tuesday that the talks would continue.\n"


@pytest.mark.parametrize("records", ["out/records.jsonl", "out.parquet"])
@pytest.mark.parametrize("command", ["run", "normalise", "detect", "match", "emit"])
def test_emitted_records_are_refused_by_the_stage_commands(project: Path, records: str, command: str):
    if records.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    (project / "a.txt").write_text(SPUN, encoding="utf-8")
    target = "out" if records.startswith("out/") else records
    assert invoke("run", "a.txt", "-o", target, "-q").exit_code == 0
    recorded = (project / records).read_bytes()
    for args in ([records], [records, "-o", "again.jsonl"], [records, "-o", "again"]):
        res = invoke(command, *args, "-q")
        assert res.exit_code == 1, res.output  # a document that cannot be processed, as an unreadable one
        said = [line for line in res.stderr.splitlines() if line.strip()]
        assert len(said) == 1 and mentions(said[0], f"{records}:1") and mentions(said[0], "repair check")
        assert res.stdout == ""
        assert not (project / "again.jsonl").exists() and not (project / "again").exists()
    assert (project / records).read_bytes() == recorded


def test_emitted_records_fail_one_by_one_and_the_batch_goes_on(project: Path):
    (project / "a.txt").write_text(SPUN, encoding="utf-8")
    lines = "".join(json.dumps({"id": f"n{i}", "text": SPUN}) + "\n" for i in range(5))
    (project / "raw.jsonl").write_text(lines, encoding="utf-8")
    assert invoke("run", "raw.jsonl", "-o", "out", "-q").exit_code == 0
    (project / "in").mkdir()
    (project / "in" / "old.jsonl").write_bytes((project / "out" / "records.jsonl").read_bytes())
    (project / "in" / "a.txt").write_text(SPUN, encoding="utf-8")
    res = invoke("run", "in", "-o", "again", "-q")
    assert res.exit_code == 1
    report = json.loads((project / "again" / "report.json").read_text(encoding="utf-8"))
    assert report["documents"] == 1 and report["failed"] == 5
    assert [(f["path"], f["line"]) for f in report["failures"]] == [(str(Path("in/old.jsonl")), n) for n in range(1, 6)]
    said = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(said) == 4 and mentions(said[-1], "and 2 more lines (4 to 5)")  # repeated errors collapse


def test_emitted_records_are_still_judged_shown_and_redecided(project: Path):
    (project / "a.txt").write_text(SPUN, encoding="utf-8")
    assert invoke("run", "a.txt", "-o", "out", "-q").exit_code == 0
    rec = json.loads((project / "out" / "records.jsonl").read_text(encoding="utf-8"))
    check = invoke("check", "out/records.jsonl", "--format", "json", "--no-baseline")
    assert check.exit_code in (0, 1)
    assert json.loads(check.stdout)["documents"][0]["figures"]["spin_score"] == rec["repair"]["spin_score"]
    assert invoke("diff", "out/records.jsonl", "-u").exit_code == 0
    (project / "decisions.json").write_text(json.dumps({"version": 1, "documents": {}}), encoding="utf-8")
    res = invoke("emit", "--decisions", "decisions.json", "out/records.jsonl", "-o", "final.jsonl", "-q")
    assert res.exit_code == 0, res.output
    again = json.loads((project / "final.jsonl").read_text(encoding="utf-8"))
    assert again["repair"]["spin_score"] == rec["repair"]["spin_score"]


def test_records_of_a_stage_command_go_on_through_the_later_stages(project: Path):
    assert invoke("detect", "a.txt", "-o", "d.jsonl", "-q").exit_code == 0
    res = invoke("emit", "d.jsonl", "-o", "e.jsonl", "-q")
    assert res.exit_code == 0, res.output
    assert "stages" not in json.loads((project / "e.jsonl").read_text(encoding="utf-8"))["repair"]
