"""Reports stay within CI limits at 10,000 documents: SARIF that GitHub code scanning accepts
(<= 25,000 results, <= 10 MB) and a step summary <= 1 MiB, each saying what it left out."""

from __future__ import annotations

import json

import pytest

from repair.document import Document
from repair.gate.check import Checker, Report
from repair.gate.formats import SARIF_MAX_BYTES, SARIF_MAX_RESULTS, render_github, render_json, render_sarif
from repair.pipeline import run_document
from repair.settings import CheckSettings

N = 10_000
MIB = 1 << 20
TEMPLATES = (
    "[ad_1]\nFighters of ISIS-Okay struck the State Division in the town, officials said.\nSource link\n",
    "The harbourâ€™s new pier opened, and the mayorâ€™s office said so.\n[ad_1]\nFighters of ISIS-Okay struck.\n",
    "The council approved the library budget on Tuesday evening after a long debate.\n",
)


def corpus_report(cfg, n: int = N) -> Report:
    """``n`` documents as the pipeline leaves them (three templates run once, then copied: fast)."""
    done = [run_document(Document.from_text(t, id="t"), cfg) for t in TEMPLATES]
    checker = Checker(CheckSettings())
    for i in range(n):
        doc = done[i % 3].copy()
        doc.id = f"corpus/{i // 1000:02d}/news-{i:05d}.txt"
        doc.origin = {"path": doc.id, "rel": doc.id, "kind": "txt"}
        checker.add(doc)
    return checker.finish()


@pytest.fixture(scope="module")
def big(cfg) -> Report:
    return corpus_report(cfg)


def test_sarif_at_10000_documents_is_accepted_by_github(big: Report) -> None:
    text = render_sarif(big)
    assert len(text.encode("utf-8")) <= SARIF_MAX_BYTES
    run = json.loads(text)["runs"][0]
    assert len(run["results"]) <= SARIF_MAX_RESULTS
    failing = len(big.failed_documents)
    left = run["properties"]["left_out"]
    assert left["aggregated"] is True  # one result per change would be far more than 25,000
    # everything is accounted for: what is shown plus what is said to be left out
    shown_docs = {r["properties"]["document"] for r in run["results"] if "document" in r.get("properties", {})}
    assert len(shown_docs) + left["documents"] == failing
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any("left out" in n["message"]["text"] for n in notes)
    # the corpus results are never the ones left out
    assert any(r["message"]["text"].startswith("corpus:") for r in run["results"])
    # rule indexes point at the rule of each result
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(rules[r["ruleIndex"]] == r["ruleId"] for r in run["results"])


def test_small_sarif_has_one_result_per_change_and_nothing_left_out(cfg) -> None:
    run = json.loads(render_sarif(corpus_report(cfg, 30)))["runs"][0]
    assert "left_out" not in run["properties"]
    per_change = [r for r in run["results"] if r["message"]["text"].startswith(("scraping debris", "mojibake", "spun"))]
    assert per_change


def test_sarif_caps_are_parameters_and_hold(big: Report) -> None:
    run = json.loads(render_sarif(big, max_results=100, max_bytes=400_000))["runs"][0]
    assert len(run["results"]) <= 100 and run["properties"]["left_out"]["results"] > 0


def test_step_summary_at_10000_documents_is_under_1_mib(big: Report) -> None:
    annotations, summary = render_github(big)
    assert len(summary.encode("utf-8")) <= MIB
    assert "not listed" in summary and "--format json" in summary
    assert len(annotations.splitlines()) <= 10 + 2  # GitHub shows 10 per type; a note and the verdict


def test_json_lists_every_document(big: Report) -> None:
    assert len(json.loads(render_json(big))["documents"]) == N


def test_check_on_a_10000_document_corpus_writes_sarif_github_accepts(isolated) -> None:
    """End to end: `repair check corpus.jsonl -f sarif -o repair.sarif` on 10,000 tiny documents."""
    from typer.testing import CliRunner

    from repair.cli import app

    with open(isolated / "corpus.jsonl", "w", encoding="utf-8") as f:
        for i in range(N):
            text = "[ad_1]\nThe mayorâ€™s office said ISIS-Okay struck.\n" if i % 2 else "[ad_1]\nFine news today.\n"
            f.write(json.dumps({"id": i, "text": text}) + "\n")
    r = CliRunner().invoke(app, ["check", "corpus.jsonl", "-f", "sarif", "-o", "repair.sarif", "-q"])  # ~5 s of CPU
    assert r.exit_code == 1, r.output
    data = (isolated / "repair.sarif").read_bytes()
    assert len(data) <= SARIF_MAX_BYTES
    run = json.loads(data)["runs"][0]
    assert 0 < len(run["results"]) <= SARIF_MAX_RESULTS and run["properties"]["left_out"]["results"] > 0
