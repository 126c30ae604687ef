"""What `repair check` writes: SARIF locations that are real URIs, and never a file over an input."""
from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

from cli_text import mentions  # tests/ is on sys.path (no __init__.py)
from typer.testing import CliRunner

from repair.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_sarif_uri_of_a_file_with_a_hash_and_a_space_is_percent_encoded(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a b#1.txt").write_text("[ad_1]\nThe minister spoke.\nSource link\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "news", "--no-baseline", "--format", "sarif"], catch_exceptions=False)
    assert result.exit_code == 1, result.output  # boilerplate share is far above its limit
    sarif = json.loads(result.output)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"] for loc in r.get("locations", [])}
    assert uris == {"news/a%20b%231.txt"}
    parsed = urllib.parse.urlsplit("news/a%20b%231.txt")
    assert (parsed.fragment, urllib.parse.unquote(parsed.path)) == ("", "news/a b#1.txt")


def test_check_never_writes_its_report_or_baseline_over_an_input(tmp_path: Path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    article = corpus / "x.txt"
    article.write_text("[ad_1]\nThe minister spoke.\n", encoding="utf-8")
    for flag, target in (("--output", article), ("--write-baseline", article),
                         ("--output", corpus / "report.jsonl")):
        result = invoke("check", str(corpus), "--no-baseline" if flag == "--output" else "--format=json",
                        flag, str(target))
        assert result.exit_code == 2, result.output
        assert mentions(result.output, "is also an input") or mentions(result.output, "is inside the input folder")
    assert article.read_text(encoding="utf-8") == "[ad_1]\nThe minister spoke.\n"
    assert not (corpus / "report.jsonl").exists()
    ok = invoke("check", str(corpus), "--write-baseline", str(corpus / ".repair-baseline.json"))
    assert ok.exit_code == 0, ok.output  # a hidden file in the corpus folder is never read as a document


def test_an_unwritable_github_step_summary_is_a_warning_not_a_traceback(tmp_path: Path, monkeypatch):
    (tmp_path / "a.txt").write_text("[ad_1]\nThe minister spoke.\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no-such-folder" / "summary.md"))
    result = runner.invoke(app, ["check", str(tmp_path / "a.txt"), "--no-baseline", "--format", "github"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.output  # the verdict (boilerplate), not a crash
    assert "::error " in result.output
    assert "cannot write the step summary" in result.output
