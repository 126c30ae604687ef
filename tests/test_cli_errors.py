"""Errors on the command line (issue 12): a repeated error is shown a few times then counted,
--max-errors (and max-errors in repair.toml) stops a run without publishing half an output,
`repair learn` writes nothing when it has nothing to learn from, and diff/bench/learn take the
shared --extend-rules, --include/--exclude, --show-settings and --max-errors.

Assertions are on exit codes, files and lines of stderr that are one error each (stderr is never
wrapped: each error is one line), never on the layout of a table.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.cli import app
from repair.errors import InputError, Repeats, error_kind

runner = CliRunner()

FEED_LINES = 1000
PAIR = {"id": "1", "family": "okay", "spun": "The State Division stated it.",
        "original": "The State Department said it."}


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    """A JSONL feed whose first record has the text in 'txt' and the next 1,000 in 'text' only."""
    p = tmp_path / "in" / "feed.jsonl"
    p.parent.mkdir()
    rows = [{"id": "ok", "txt": "The State Division said."}]
    rows += [{"id": i, "text": "The State Division said."} for i in range(FEED_LINES)]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return p


# ---- a repeated error is shown a few times, then counted ---------------------------------------------


@pytest.mark.parametrize("command", [["run"], ["emit"], ["detect"], ["diff"], ["check", "--no-baseline"]])
def test_a_wrong_text_field_is_shown_three_times_then_counted_in_one_line(command, feed: Path) -> None:
    r = invoke(*command, feed, "--isolated", "--text-field", "txt")
    assert r.exit_code == 1, r.output
    errors = error_lines(r.stderr)
    assert len(errors) == 4, errors  # was 1,000
    for n, line in enumerate(errors[:3], start=2):
        assert line == f"error: {feed}:{n}: no 'txt' field (use --text-field to name the text field)"
    assert errors[3] == (f"error: {feed}: ... and {FEED_LINES - 3} more lines (5 to {FEED_LINES + 1}): "
                         "no 'txt' field (use --text-field to name the text field)")


def test_check_lists_a_repeated_unreadable_input_once_and_counts_the_rest(feed: Path) -> None:
    r = invoke("check", feed, "--isolated", "--no-baseline", "--text-field", "txt", "-q")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    unreadable = [line for line in lines if "unreadable" in line]
    assert unreadable[:3] == [f"{feed}:{n}: unreadable: no 'txt' field (use --text-field to name the text field)"
                              for n in (2, 3, 4)]
    assert unreadable[3].startswith(f"unreadable: {feed}: ... and {FEED_LINES - 3} more lines") and len(unreadable) == 4
    assert r.stderr == ""  # -q: the failures are the report's lines


def test_the_json_report_and_report_json_still_list_every_failure(feed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = invoke("run", feed, "--isolated", "--text-field", "txt", "-o", out, "-q")
    assert r.exit_code == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["failed"] == FEED_LINES and len(report["failures"]) == FEED_LINES
    assert report["failures"][-1] == {"path": str(feed), "line": FEED_LINES + 1,
                                      "error": "no 'txt' field (use --text-field to name the text field)"}
    r = invoke("check", feed, "--isolated", "--no-baseline", "--text-field", "txt", "-f", "json")
    assert len(json.loads(r.stdout)["unreadable"]) == FEED_LINES


def test_different_errors_are_each_shown_and_a_document_id_does_not_make_an_error_different() -> None:
    rep = Repeats(shown=1)
    assert rep.see(InputError("a.jsonl", "malformed JSON (Expecting value at column 9)", 1))
    assert rep.see(InputError("a.jsonl", "no 'text' field (use --text-field to name the text field)", 2))
    assert rep.see(InputError("a.txt", "document a.txt: internal error ZeroDivisionError: x"))
    assert not rep.see(InputError("b.txt", "document b.txt: internal error ZeroDivisionError: x"))
    assert not rep.see(InputError("c.txt", "document c.txt: internal error ZeroDivisionError: x"))
    assert rep.summaries() == ["... and 2 more in 2 files: internal error ZeroDivisionError: x"]
    assert error_kind("document x: y: z") == "y: z"


# ---- --max-errors: stop, exit 1, nothing half-written --------------------------------------------------


@pytest.mark.parametrize("output", ["out", "out.jsonl", "out.parquet"])
def test_max_errors_stops_the_run_and_publishes_nothing(feed: Path, tmp_path: Path, output: str) -> None:
    target = tmp_path / "outputs" / output
    target.parent.mkdir()
    r = invoke("run", feed, "--isolated", "--text-field", "txt", "-o", target, "--max-errors", "10")
    assert r.exit_code == 1
    errors = error_lines(r.stderr)
    assert errors[-1] == f"error: stopped after 10 failed documents (--max-errors 10); nothing was written to {target}"
    assert errors[-2].startswith(f"error: {feed}: ... and 7 more lines (5 to 11): no 'txt' field")
    assert len(errors) == 5
    assert list(target.parent.iterdir()) == []  # no output, no temporary, no lock, no staging folder


def test_max_errors_leaves_a_previous_output_as_it_was(feed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    r = invoke("emit", feed, "--isolated", "--text-field", "txt", "-o", out, "--max-errors", "1")
    assert r.exit_code == 1
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out.jsonl"]


def test_max_errors_with_worker_processes_stops_too(tmp_path: Path) -> None:
    src = tmp_path / "feed.jsonl"
    rows = [{"id": i, "text": f"Report {i}: the State Division said."} if i % 2 else {"id": i, "body": "x"}
            for i in range(700)]  # several chunks of documents for the workers
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out"
    r = invoke("run", src, "--isolated", "-o", out, "--jobs", "2", "--max-errors", "300", "-q")
    assert r.exit_code == 1
    assert error_lines(r.stderr)[-1].startswith("error: stopped after 300 failed documents")
    assert not out.exists()


def test_below_max_errors_the_run_completes_and_still_exits_1(feed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    r = invoke("run", feed, "--isolated", "--text-field", "txt", "-o", out, "--max-errors", str(FEED_LINES + 1), "-q")
    assert r.exit_code == 1
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["ok"]


def test_check_max_errors_writes_no_report_and_says_what_failed_even_with_q(feed: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.sarif"
    r = invoke("check", feed, "--isolated", "--no-baseline", "--text-field", "txt", "-f", "sarif", "-o", report,
               "--max-errors", "2", "-q")
    assert r.exit_code == 1
    errors = error_lines(r.stderr)
    assert errors[0] == f"error: {feed}:2: no 'txt' field (use --text-field to name the text field)"
    assert errors[-1].startswith("error: stopped after 2 failed documents (--max-errors 2)")
    assert not report.exists()


def test_max_errors_in_repair_toml_and_the_flag_over_it(feed: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "repair.toml"
    cfg.write_text('max-errors = 3\ntext-field = "txt"\n', encoding="utf-8")
    r = invoke("run", feed, "--config", cfg, "-q")
    assert r.exit_code == 1 and error_lines(r.stderr)[-1].startswith("error: stopped after 3 failed documents")
    r = invoke("run", feed, "--config", cfg, "-q", "--max-errors", "0")  # 0: no limit
    assert r.exit_code == 1 and "stopped" not in r.stderr
    assert json.loads(r.stdout)["id"] == "ok"
    shown = invoke("run", "--config", cfg, "--show-settings")
    assert tomllib.loads(shown.stdout)["max_errors"] == 3


def test_a_negative_max_errors_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "repair.toml"
    cfg.write_text("max_errors = -1\n", encoding="utf-8")
    assert invoke("run", "--config", cfg, "--show-settings").exit_code == 2
    assert invoke("run", "--isolated", "--max-errors", "-1", "--show-settings").exit_code == 2


# ---- repair learn with nothing to learn from ------------------------------------------------------


@pytest.fixture
def bad_pairs(tmp_path: Path) -> Path:
    p = tmp_path / "pairs.jsonl"
    p.write_text("".join(json.dumps({"id": i, "spun": "x"}) + "\n" for i in range(50)), encoding="utf-8")
    return p


def test_learn_writes_nothing_when_every_line_fails(bad_pairs: Path, tmp_path: Path) -> None:
    out = tmp_path / "learned.toml"
    r = invoke("learn", bad_pairs, "--isolated", "-o", out)
    assert r.exit_code == 1
    assert not out.exists()
    errors = error_lines(r.stderr)
    assert len(errors) == 5  # three lines in full, one count, one verdict
    assert errors[-1] == f"error: {bad_pairs}: nothing to learn from: all 50 lines failed; no rules were written"


def test_learn_keeps_a_previous_pack_when_every_line_fails(bad_pairs: Path, tmp_path: Path) -> None:
    out = tmp_path / "learned.toml"
    out.write_text("# vetted by hand\n", encoding="utf-8")
    assert invoke("learn", bad_pairs, "--isolated", "-o", out).exit_code == 1
    assert out.read_text(encoding="utf-8") == "# vetted by hand\n"


@pytest.mark.parametrize("args", [[], ["--family", "thesaurus"]])
def test_learn_from_an_empty_file_or_no_pair_of_the_family_writes_nothing(tmp_path: Path, args) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps(PAIR) + "\n" if args else "", encoding="utf-8")
    out = tmp_path / "learned.toml"
    r = invoke("learn", pairs, "--isolated", "-o", out, *args)
    assert r.exit_code == 1 and not out.exists()
    assert "nothing to learn from" in error_lines(r.stderr)[-1]


def test_learn_tables_from_an_empty_file_writes_no_folder(tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("", encoding="utf-8")
    r = invoke("learn", pairs, "--isolated", "--tables", tmp_path / "tables")
    assert r.exit_code == 1 and not (tmp_path / "tables").exists()
    assert "nothing to learn from" in error_lines(r.stderr)[-1]


def test_learn_stops_at_max_errors(bad_pairs: Path, tmp_path: Path) -> None:
    r = invoke("learn", bad_pairs, "--isolated", "-o", tmp_path / "learned.toml", "--max-errors", "4")
    assert r.exit_code == 1 and error_lines(r.stderr)[-1].startswith("error: stopped after 4 failed documents")
    assert not (tmp_path / "learned.toml").exists()


# ---- diff, bench and learn: the shared options -----------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, house_pack: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """news/a.txt, news/b.txt (colour, for the house pack), pairs.jsonl and house.toml, as the cwd."""
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.txt").write_text("The State Division said on Monday.\n", encoding="utf-8")
    (tmp_path / "news" / "b.txt").write_text("The colour of the bridge will change.\n", encoding="utf-8")
    (tmp_path / "pairs.jsonl").write_text(json.dumps(PAIR) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


COMMANDS = {
    "diff": ["diff", "news", "-u"],
    "bench": ["bench", "pairs.jsonl", "news", "--json"],
    "learn": ["learn", "pairs.jsonl", "--clean", "news", "--min-count", "1", "-o", "learned.toml"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_show_settings_on_diff_bench_and_learn(name: str, project: Path) -> None:
    (project / "repair.toml").write_text('threshold = 0.9\nexclude = ["drafts/"]\n', encoding="utf-8")
    r = invoke(*COMMANDS[name], "--show-settings", "--extend-rules", "house.toml", "--include", "news/",
               "--max-errors", "7")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout) if name == "bench" else tomllib.loads(r.stdout)  # bench --json: JSON
    assert data["threshold"] == 0.9 and data["exclude"] == ["drafts/"] and data["include"] == ["news/"]
    assert data["extend_rules"] == ["house.toml"] and data["max_errors"] == 7
    assert not (project / "learned.toml").exists()


@pytest.mark.parametrize("name", COMMANDS)
def test_extend_rules_on_diff_bench_and_learn_loads_the_pack(name: str, project: Path) -> None:
    (project / "bad.toml").write_text("[[rule]\n", encoding="utf-8")
    r = invoke(*COMMANDS[name], "--isolated", "--extend-rules", "bad.toml")
    assert r.exit_code == 1 and r.output.startswith("error: ") and "bad.toml" in r.output


def test_diff_extend_rules_adds_to_the_builtin_rules(project: Path) -> None:
    plain = invoke("diff", "news/b.txt", "-u", "--isolated")
    assert "+The color" not in plain.stdout
    r = invoke("diff", "news/b.txt", "-u", "--isolated", "--extend-rules", "house.toml")
    assert r.exit_code == 0 and "+The color of the bridge" in r.stdout


def test_diff_include_and_exclude_choose_the_files(project: Path) -> None:
    r = invoke("diff", "news", "-u", "--isolated", "--exclude", "b.txt")
    assert r.exit_code == 0 and "a/a.txt" in r.stdout and "b.txt" not in r.stdout
    r = invoke("diff", "news", "-u", "--isolated", "--include", "b.txt", "--extend-rules", "house.toml")
    assert "a.txt" not in r.stdout and "a/b.txt" in r.stdout


def test_bench_exclude_chooses_the_clean_files(project: Path) -> None:
    both = json.loads(invoke("bench", "pairs.jsonl", "news", "--json", "--isolated").stdout)
    one = json.loads(invoke("bench", "pairs.jsonl", "news", "--json", "--isolated", "--exclude", "b.txt").stdout)
    assert (both["clean"]["docs"], one["clean"]["docs"]) == (2, 1)


def test_bench_extend_rules_is_among_the_rules_it_reports(project: Path) -> None:
    r = invoke("bench", "pairs.jsonl", "news", "--json", "--isolated", "--extend-rules", "house.toml")
    assert r.exit_code == 0, r.output
    assert any(root.endswith("house.toml") for root in json.loads(r.stdout)["config"]["rules"])


def test_learn_exclude_chooses_the_clean_files(project: Path) -> None:
    def clean_docs(*args: str) -> int:
        r = invoke("learn", "pairs.jsonl", "--clean", "news", "--min-count", "1", "-o", "learned.toml",
                   "--isolated", *args)
        assert r.exit_code == 0, r.output
        found = re.search(r"checked against (\d+) clean documents", (project / "learned.toml").read_text())
        assert found
        return int(found.group(1))

    assert clean_docs() - clean_docs("--exclude", "b.txt") == 1


@pytest.mark.parametrize("command", ["emit", "normalise"])
def test_emit_and_the_stage_commands_take_include_and_exclude_too(command: str, project: Path) -> None:
    r = invoke(command, "news", "--isolated", "--exclude", "b.txt", "-q")
    assert r.exit_code == 0, r.output
    assert [json.loads(line)["repair"]["id"] for line in r.stdout.splitlines()] == ["a.txt"]
