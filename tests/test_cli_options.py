"""Output options of run/emit that change what lands in the output folder."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from repair.cli import app

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_no_report_leaves_out_the_html_but_keeps_files_diffs_and_counts(tmp_path: Path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(SEEDS), "-o", str(out), "--no-report", "-q"])
    assert res.exit_code == 0, res.output
    assert not (out / "index.html").exists() and not (out / "review").exists()
    assert (out / "report.json").is_file() and (out / "records.jsonl").is_file()
    assert sorted(p.name for p in (out / "cleaned").glob("*.txt")) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert list((out / "diffs").glob("*.diff"))


def test_the_html_report_is_written_with_review(tmp_path: Path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(SEEDS), "-o", str(out), "-q", "--review"])
    assert res.exit_code == 0, res.output
    assert (out / "index.html").is_file() and (out / "review" / "data.js").is_file()


def test_a_bug_on_one_document_is_reported_and_the_batch_goes_on(tmp_path: Path, monkeypatch):
    """A stage raising an unexpected exception fails that document only: counted, named, exit 1."""
    import json

    from repair import pipeline

    real = pipeline.STAGES["detect"]

    def flaky(doc, cfg):
        if "BOOM" in doc.text:
            raise ZeroDivisionError("simulated bug")
        real(doc, cfg)

    monkeypatch.setitem(pipeline.STAGES, "detect", flaky)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("The State Division said.\n")
    (tmp_path / "in" / "b.txt").write_text("BOOM goes this one.\n")
    (tmp_path / "in" / "c.txt").write_text("Plain text.\n")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["run", str(tmp_path / "in"), "-o", str(out)])
    assert res.exit_code == 1, res.output
    assert "b.txt" in res.output and "internal error ZeroDivisionError" in res.output
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == ["a.txt", "c.txt"]


def test_jsonl_records_keep_their_field_order(tmp_path: Path):
    import json

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"url": "u", "text": "The State Division said.", "lang": "en", "id": 7}) + "\n")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["run", str(src), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    rec = json.loads(out.read_text())
    assert list(rec) == ["url", "text", "lang", "id", "repair"]
    assert rec["url"] == "u" and rec["lang"] == "en" and rec["id"] == 7


def test_jsonl_ids_null_or_missing_fall_back_to_file_and_line_others_are_kept(tmp_path: Path):
    import json

    src = tmp_path / "in.jsonl"
    rows = [{"id": None, "text": "a"}, {"text": "b"}, {"id": 7, "text": "c"}, {"id": "x", "text": "d"}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(app, ["run", str(src), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["repair"]["id"] for r in recs] == ["in.jsonl:1", "in.jsonl:2", "7", "x"]
    assert recs[0]["id"] is None and recs[2]["id"] == 7  # the input's own field is kept untouched


def test_learn_does_not_write_into_the_built_in_rules_by_default():
    from repair.cli.learn import DEFAULT_OUTPUT, DEFAULT_TERMS_OUTPUT

    for default in (DEFAULT_OUTPUT, DEFAULT_TERMS_OUTPUT):
        assert "rules" not in Path(default).parts and len(Path(default).parts) == 1
