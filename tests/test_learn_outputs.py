"""`repair learn` and `repair import-pps` never write their rule pack over one of their inputs."""
from __future__ import annotations

import json
from pathlib import Path

from cli_text import mentions  # tests/ is on sys.path (no __init__.py)
from typer.testing import CliRunner

from repair.cli import app

PAIR = {"id": "1", "family": "okay", "spun": "The State Division stated it.",
        "original": "The State Department said it."}


def test_learn_refuses_to_write_its_pack_over_the_pairs_or_the_clean_news(tmp_path: Path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps(PAIR) + "\n", encoding="utf-8")
    clean = tmp_path / "clean.jsonl"
    clean.write_text('{"id": "c", "text": "The ministry said it."}\n', encoding="utf-8")
    before = {p: p.read_bytes() for p in (pairs, clean)}
    for target in (pairs, clean):
        result = CliRunner().invoke(app, ["learn", str(pairs), "--clean", str(clean), "--min-count", "1",
                                          "-o", str(target)], catch_exceptions=False)
        assert result.exit_code == 2, result.output
        assert mentions(result.output, "is also an input")
    assert {p: p.read_bytes() for p in before} == before


def test_import_pps_refuses_to_write_its_pack_over_its_source(tmp_path: Path):
    source = tmp_path / "pps.json"
    source.write_text(json.dumps({"phrases": []}), encoding="utf-8")
    result = CliRunner().invoke(app, ["import-pps", str(source), "-o", str(source)], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert json.loads(source.read_text(encoding="utf-8")) == {"phrases": []}
