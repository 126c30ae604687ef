"""repair check: what it is given (empty selections, ids however a document is named, partial runs)
and how it talks (-q, --explain, the table at 80 columns, JSONL places). Exit codes and JSON only."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app

runner = CliRunner()
SEED4 = Path(__file__).resolve().parents[2] / "seeds" / "004_0ec5a602defd3933.txt"

CLEAN = ("The city council approved a budget for the central library on Tuesday evening. The plan adds two "
         "reading rooms and extends opening hours on weekends.\n")
DEBRIS = "[ad_1]\nThe bridge will close for two weeks while engineers replace the deck.\nSource link\n"


def check(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["check", *args], env=env)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


# ---- an empty selection is a usage error --------------------------------------------------------


@pytest.mark.parametrize("setup, arg", [
    (lambda p: (p / "empty").mkdir(), "empty"),
    (lambda p: write(p, {"notes/a.md": CLEAN, "notes/b.csv": "a,b\n"}), "notes"),
], ids=["empty-folder", "unknown-suffixes"])
def test_empty_selection_fails_with_exit_2(isolated: Path, setup, arg: str) -> None:
    setup(isolated)
    r = check(arg, "--format", "json")
    assert r.exit_code == 2, r.output
    data = json.loads(r.stdout)
    assert data["exit_code"] == 2 and not data["passed"] and data["corpus"]["documents"] == 0


def test_a_typod_path_is_a_usage_error_with_no_report(isolated: Path) -> None:
    """As on every command: exit 2 before anything runs, so no report (--allow-empty does not pass it)."""
    write(isolated, {"corpus/a.txt": CLEAN})
    for args in (["corpsu"], ["corpus", "corpsu"], ["corpsu", "--allow-empty"]):
        r = check(*args, "--format", "json")
        assert r.exit_code == 2 and r.stdout == "", r.output


def test_documents_that_all_fail_to_read_fail_the_check_with_exit_1_and_an_error_each(isolated: Path) -> None:
    """Not an empty selection (exit 2): the documents are there and failed, as any unreadable one does."""
    write(isolated, {"bad/feed.jsonl": '{"id": 1,\nnot json\n{"id": "x", "txt": "a"}\n'})
    (isolated / "bad" / "x.txt").write_bytes(b"\xff\xfe\x00")
    r = check("bad", "--format", "json", "--write-baseline", "base.json")
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["exit_code"] == 1 and not data["passed"] and data["corpus"]["documents"] == 0
    assert [(u["path"], u["line"]) for u in data["unreadable"]] == [
        ("bad/feed.jsonl", 1), ("bad/feed.jsonl", 2), ("bad/feed.jsonl", 3), ("bad/x.txt", None)]
    assert "no documents selected" not in data["summary"] and not (isolated / "base.json").exists()
    errors = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert errors[:4] == [f"error: {u['path']}:{u['line']}: {u['error']}" for u in data["unreadable"][:3]] \
        + [f"error: bad/x.txt: {data['unreadable'][3]['error']}"]
    # -q: the same, one line each on stdout
    r = check("bad", "-q")
    assert r.exit_code == 1 and [line.split(": ")[0] for line in r.stdout.splitlines()] == [
        "bad/feed.jsonl:1", "bad/feed.jsonl:2", "bad/feed.jsonl:3", "bad/x.txt"]
    # a typo'd path beside them is a usage error (as on every command), whatever the others hold
    assert check("bad", "corpsu", "--format", "json").exit_code == 2


def test_allow_empty_passes_an_empty_folder(isolated: Path) -> None:
    (isolated / "empty").mkdir()
    r = check("empty", "--allow-empty", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["passed"]


def test_allow_empty_does_not_hide_unreadable_files(isolated: Path) -> None:
    (isolated / "bad").mkdir()
    (isolated / "bad" / "x.txt").write_bytes(b"\xff\xfe\x00")
    assert check("bad", "--allow-empty").exit_code == 1


# ---- ids are relative to the project root -------------------------------------------------------


def ids(r) -> list[str]:
    return sorted(d["id"] for d in json.loads(r.stdout)["documents"])


def test_ids_are_the_same_however_a_file_is_named(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(isolated, {"corpus/2021/a.txt": CLEAN})
    names = ["corpus", "corpus/2021", "corpus/2021/a.txt", "./corpus/2021/a.txt", str(isolated / "corpus/2021/a.txt")]
    for name in names:
        assert ids(check(name, "--format", "json")) == ["corpus/2021/a.txt"], name
    # from a subfolder, ids stay relative to the project (the configuration file's folder)
    (isolated / "repair.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(isolated / "corpus")
    assert ids(check("2021/a.txt", "--format", "json")) == ["corpus/2021/a.txt"]


def test_two_files_with_the_same_name_are_two_documents(isolated: Path) -> None:
    write(isolated, {"corpus/2021/a.txt": CLEAN, "corpus/2022/a.txt": DEBRIS})
    r = check("corpus", "--write-baseline", "base.json", "--format", "json")
    assert r.exit_code == 0, r.output
    base = json.loads((isolated / "base.json").read_text(encoding="utf-8"))
    assert set(base["documents"]) == {"corpus/2021/a.txt", "corpus/2022/a.txt"}
    assert base["documents"]["corpus/2022/a.txt"]["boilerplate_share"] > 0


def test_records_are_named_by_file_and_id_or_line(isolated: Path) -> None:
    write(isolated, {"feeds/a.jsonl": json.dumps({"id": "n1", "text": CLEAN}) + "\n" + json.dumps({"text": CLEAN}) + "\n",
                     "other/a.jsonl": json.dumps({"id": "n1", "text": CLEAN}) + "\n"})
    assert ids(check("feeds", "other", "--format", "json")) == ["feeds/a.jsonl#n1", "feeds/a.jsonl:2", "other/a.jsonl#n1"]


def test_a_records_file_of_an_earlier_run_is_judged_by_its_recorded_figures(isolated: Path) -> None:
    """`repair check out/records.jsonl` judges what the run recorded (spin score, applied and flagged
    changes), as `repair check` on the inputs does, instead of detecting again on the cleaned text."""
    spun = SEED4.read_text(encoding="utf-8")
    write(isolated, {"corpus/a.txt": DEBRIS, "corpus/b.txt": CLEAN, "corpus/spun.txt": spun,
                     "feeds/f.jsonl": "".join(json.dumps({"id": i, "text": t}) + "\n"
                                              for i, t in (("n1", spun), ("n2", CLEAN)))})
    assert runner.invoke(app, ["run", "corpus", "feeds", "-o", "out", "-q"]).exit_code == 0
    direct, recorded = (check(*args, "--format", "json") for args in (("corpus", "feeds"), ("out/records.jsonl",)))
    assert direct.exit_code == recorded.exit_code == 1, recorded.output
    figures = [{d["id"]: d["figures"] for d in json.loads(r.stdout)["documents"]} for r in (direct, recorded)]
    assert figures[1] == figures[0] and len(figures[0]) == 5
    assert figures[1]["corpus/spun.txt"]["spin_score"] > 0.5 and figures[1]["feeds/f.jsonl#n1"]["spin_score"] > 0.5
    # the recorded figure, whatever detection would say of the text now
    lines = [json.loads(x) for x in (isolated / "out" / "records.jsonl").read_text(encoding="utf-8").splitlines()]
    for rec in lines:
        rec["repair"]["spin_score"] = 0.0123
    (isolated / "out" / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    data = json.loads(check("out/records.jsonl", "--format", "json").stdout)
    assert {d["figures"]["spin_score"] for d in data["documents"]} == {0.0123}


def test_a_baseline_for_the_corpus_matches_a_run_on_one_file(isolated: Path) -> None:
    """The pre-commit hook passes file paths: a known-damaged file stays accepted, a new one fails."""
    write(isolated, {"corpus/2021/a.txt": DEBRIS, "corpus/2021/b.txt": CLEAN, "corpus/2022/c.txt": CLEAN})
    assert check("corpus", "--write-baseline", ".repair-baseline.json").exit_code == 0
    r = check("corpus/2021/a.txt", "--format", "json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # two clean files and one damaged one are not the corpus: the corpus figures are not judged
    assert data["corpus"]["verdicts"] == [] and "1 of the baseline's 3" in data["corpus"]["not_judged"]
    write(isolated, {"corpus/2022/c.txt": DEBRIS})
    r = check("corpus/2022/c.txt", "--format", "json")
    assert r.exit_code == 1
    assert [d["id"] for d in json.loads(r.stdout)["documents"] if not d["passed"]] == ["corpus/2022/c.txt"]


def test_no_corpus_judges_documents_only(isolated: Path) -> None:
    write(isolated, {"corpus/a.txt": CLEAN, "corpus/b.txt": CLEAN})
    r = check("corpus", "--no-corpus", "--corpus-max", "spun_share=0", "--corpus-max", "spin_score=0", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["corpus"]["verdicts"] == []


def test_the_whole_corpus_is_judged_against_the_baseline(isolated: Path) -> None:
    write(isolated, {"corpus/a.txt": DEBRIS, "corpus/b.txt": CLEAN})
    assert check("corpus", "--write-baseline", ".repair-baseline.json").exit_code == 0
    data = json.loads(check("corpus", "--format", "json").stdout)
    assert data["corpus"]["verdicts"] and data["corpus"]["not_judged"] is None


# ---- how it talks -------------------------------------------------------------------------------


def test_quiet_prints_nothing_on_a_pass(isolated: Path) -> None:
    write(isolated, {"corpus/a.txt": CLEAN})
    r = check("corpus", "-q")
    assert r.exit_code == 0 and r.stdout == "" and r.stderr == ""


def test_quiet_prints_one_line_per_failure(isolated: Path) -> None:
    write(isolated, {"corpus/a.txt": CLEAN, "corpus/b.txt": DEBRIS})
    (isolated / "corpus" / "c.txt").write_bytes(b"\xff\xfe\x00")
    r = check("corpus", "-q", "--no-corpus")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("corpus/b.txt: corpus/b.txt: boilerplate_share")
    assert "unreadable" in lines[1] and r.stderr == ""


def test_the_table_keeps_ids_on_one_line_at_80_columns(isolated: Path) -> None:
    name = "corpus/2021/03/council-approves-library-budget.txt"
    write(isolated, {name: DEBRIS})
    write(isolated, {"corpus/b.txt": CLEAN})
    r = check("corpus", env={"COLUMNS": "80"})
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    table = lines[:[line.strip() for line in lines].index("corpus")]  # the documents table, before the corpus one
    rows = [line for line in table if line.startswith("│")]
    assert len(rows) == 2 and "budget.txt" in rows[0] and "corpus/b.txt" in rows[1]  # one line per document
    assert max(len(line) for line in table) <= 80
    wide = check("corpus", env={"COLUMNS": "200"})
    assert any(name in line for line in wide.stdout.splitlines())


def test_what_it_measures_only_with_explain(isolated: Path) -> None:
    write(isolated, {"corpus/a.txt": CLEAN})
    wide = {"COLUMNS": "200"}
    assert "what it measures" not in check("corpus", env=wide).stdout
    assert "what it measures" in check("corpus", "--explain", env=wide).stdout
    assert "what it measures" in check("corpus", "-v", env=wide).stdout


def test_jsonl_findings_point_into_the_text_field_not_a_copy(isolated: Path) -> None:
    rec = {"title": DEBRIS, "id": "n1", "text": DEBRIS}
    line = json.dumps(rec)
    write(isolated, {"feeds/a.jsonl": line + "\n"})
    r = check("feeds", "--format", "json", "--no-corpus")
    assert r.exit_code == 1
    found = json.loads(r.stdout)["documents"][0]["findings"]
    text_at = line.index('"text": ') + len('"text": ') + 1  # 0-based column of the text's first character
    assert found and all(f["region"]["startColumn"] - 1 >= text_at for f in found)
    first = found[0]
    assert line[first["region"]["startColumn"] - 1:].startswith("[ad_1]")


def test_cwd_is_the_project_by_default(isolated: Path) -> None:
    assert Path(os.getcwd()) == isolated


def test_a_repeated_record_id_does_not_share_a_baseline_entry(isolated: Path) -> None:
    line = json.dumps({"id": "n1", "text": CLEAN})
    write(isolated, {"feeds/a.jsonl": line + "\n" + line + "\n"})
    assert ids(check("feeds", "--format", "json")) == ["feeds/a.jsonl#n1", "feeds/a.jsonl#n1@2"]
