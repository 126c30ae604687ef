"""The PPS importer on a small export written here, and the shipped pack."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.authoring.pps import CONFIDENCE, import_pps, read_pps, to_toml, vet, vet_entry
from repair.cli import app
from repair.errors import InputError
from repair.rules import builtin_rules_dir, load_rules

META = {"version": "9.9", "lastUpdated": "2030-01-01", "source": "Problematic Paper Screener (PPS) test export",
        "sourceUrl": "https://example.org/pps", "license": "CC BY 4.0"}
PHRASES = [
    {"tortured": "counterfeit consciousness", "correct": "artificial intelligence"},
    {"tortured": "backing vector machine", "correct": "support vector machine (svm)"},
    {"tortured": "synthetic intelligence (ai)", "correct": "artificial intelligence (ai)"},
    {"tortured": "profound learning", "correct": "deep learning (journal)"},
    {"tortured": "repetitive nets", "correct": "recurrent [neural] networks"},
    {"tortured": "extricating highlights", "correct": "extracting [...] features"},
    {"tortured": "data and innovation", "correct": "\\\"information technology\\\""},
    {"tortured": "human-pc communication", "correct": "human\u2013computer interaction"},
    {"tortured": "wise versatile terminals", "correct": "smart mobile devices (?)"},
    {"tortured": "tremendous novel community", "correct": "???"},
    {"tortured": "shortcoming determination", "correct": "fault detection/diagnosis"},
    {"tortured": "renal disappointment", "correct": "renal or kidney failure"},
    {"tortured": "area unit", "correct": "the word 'are', see https://example.org/x"},
    {"tortured": "solitary day", "correct": "single day (caveat: false positives)"},
    {"tortured": "supervised learning", "correct": "supervised (machine) learning"},
    {"tortured": "neural network", "correct": "[neural network] layer outputs"},
    {"tortured": "just go for it", "correct": "yolo"},
    {"tortured": "jumble (adhd)", "correct": "attention deficit disorder (adhd)"},
    {"tortured": "iot (web of things)", "correct": "iot (internet of things)"},
    {"tortured": "counterfeit consciousness", "correct": "artificial intelligence"},
    {"tortured": "profound learning", "correct": "machine learning"},
    {"tortured": "big information", "correct": "big data"},
    {"tortured": "to the finest of our information", "correct": "to the best of our knowledge"},
    "not an object",
]
CLEAN = ["Big information campaigns were run by the council.", "Nothing else here."]


@pytest.mark.parametrize("tortured,correct,kept,why", [
    ("backing vector machine", "support vector machine (svm)", ("backing vector machine", "support vector machine"),
     ["acronym-stripped"]),
    ("synthetic intelligence (ai)", "artificial intelligence (ai)", ("synthetic intelligence", "artificial intelligence"),
     ["acronym-stripped"]),
    ("data technology (it)", "information technology", ("data technology", "information technology"),
     ["acronym-stripped"]),
    ("profound learning", "deep learning (as in neural nets)", ("profound learning", "deep learning"), ["note-stripped"]),
    ("repetitive nets", "recurrent [neural] networks", ("repetitive nets", "recurrent neural networks"),
     ["brackets-removed"]),
    ("extricating highlights", "extracting [...] features", ("extricating highlights", "extracting features"),
     ["brackets-removed"]),
    ("data and innovation", '\\"information technology\\"', ("data and innovation", "information technology"),
     ["quotes-removed"]),
    ("Human-PC  Communication", "human\u2013computer\u00a0interaction", ("human-pc communication", "human-computer interaction"),
     []),
    ("wise versatile terminals", "smart mobile devices (?)", None, ["uncertain-correction"]),
    ("tremendous novel community", "???", None, ["no-correction"]),
    ("shortcoming determination", "fault detection/diagnosis", None, ["alternatives"]),
    ("renal disappointment", "renal or kidney failure", None, ["alternatives"]),
    ("strong, fluid or gas", "solid, liquid or gas", ("strong, fluid or gas", "solid, liquid or gas"), []),
    ("area unit", "the word 'are', see https://example.org/x", None, ["note-not-wording"]),
    ("solitary day", "single day (caveat: false positives)", None, ["known-false-positive"]),
    ("supervised learning", "supervised (machine) learning", None, ["identical"]),
    ("neural network", "[neural network] layer outputs", None, ["not-a-substitution"]),
    ("just go for it", "yolo", None, ["function-words-only"]),
    ("jumble (adhd)", "attention deficit disorder (adhd)", None, ["single-word"]),
    ("iot (web of things)", "iot (internet of things)", None, ["parenthesised-tortured"]),
    (None, "x", None, ["not-text"]),
])
def test_vet_entry(tortured, correct, kept, why):
    assert vet_entry(tortured, correct) == (kept, why)


def test_vet_counts_every_drop_and_checks_clean_text():
    v = vet(PHRASES, CLEAN, META)
    assert v.total == len(PHRASES)
    assert sorted(v.entries) == sorted([
        ("counterfeit consciousness", "artificial intelligence"),
        ("backing vector machine", "support vector machine"),
        ("synthetic intelligence", "artificial intelligence"),
        ("profound learning", "deep learning"),
        ("repetitive nets", "recurrent neural networks"),
        ("extricating highlights", "extracting features"),
        ("data and innovation", "information technology"),
        ("human-pc communication", "human-computer interaction"),
        ("to the finest of our information", "to the best of our knowledge"),
    ])
    assert v.dropped == {"uncertain-correction": 1, "no-correction": 1, "alternatives": 2, "note-not-wording": 1,
                         "known-false-positive": 1, "identical": 1, "not-a-substitution": 1,
                         "function-words-only": 1, "single-word": 1, "parenthesised-tortured": 1, "duplicate": 1,
                         "conflicting-duplicate": 1, "in-clean-text": 1, "not-text": 1}
    assert sum(v.dropped.values()) + len(v.entries) == v.total
    assert v.clean_docs == 2


def test_pack_keeps_attribution_and_loads(tmp_path: Path):
    src = tmp_path / "pps.json"
    src.write_text(json.dumps({**META, "totalPhrases": len(PHRASES), "phrases": PHRASES}), encoding="utf-8")
    out = tmp_path / "pps" / "pps.toml"
    v = import_pps(src, out, CLEAN)
    text = out.read_text(encoding="utf-8")
    assert "License: CC BY 4.0" in text and "Cabanac" in text and "https://example.org/pps" in text
    pack = tomllib.loads(text)
    assert pack["pack"]["license"] == "CC BY 4.0" and pack["pack"]["kind"] == "lexicon"
    rules = load_rules([out])
    by_id = {r.id: r for r in rules.rules}
    assert set(by_id) == {"pps.tortured-long", "pps.tortured-short"}
    entries = [tuple(e) for r in rules.rules for e in r.data["entries"]]
    assert sorted(entries) == sorted(v.entries)
    for r in rules.rules:
        assert r.get("family") == "tortured" and r.get("confidence") == CONFIDENCE < 0.8
        assert r.get("kind") == "lexicon" and r.examples
    assert all(len(re.findall(r"\w+", e[0])) >= 3 for e in by_id["pps.tortured-long"].data["entries"])
    assert all(len(re.findall(r"\w+", e[0])) == 2 for e in by_id["pps.tortured-short"].data["entries"])
    # re-runnable: the same input gives the same pack
    import_pps(src, out, CLEAN)
    assert out.read_text(encoding="utf-8") == text


def test_cli_import_pps(tmp_path: Path):
    src = tmp_path / "pps.json"
    src.write_text(json.dumps({**META, "phrases": PHRASES}), encoding="utf-8")
    clean = tmp_path / "clean.jsonl"
    clean.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(CLEAN)),
                     encoding="utf-8")
    out = tmp_path / "out.toml"
    r = CliRunner().invoke(app, ["import-pps", str(src), "-o", str(out), "--clean", str(clean)])
    assert r.exit_code == 0, r.output
    assert "24 entries read, 9 kept" in r.stderr
    assert len(load_rules([out]).rules) == 2


def test_cli_import_pps_bad_input(tmp_path: Path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"phrases": [', encoding="utf-8")
    r = CliRunner().invoke(app, ["import-pps", str(bad), "-o", str(tmp_path / "o.toml")])
    assert r.exit_code == 1
    assert "bad.json:1: malformed JSON" in r.stderr
    assert not (tmp_path / "o.toml").exists()
    bad.write_text('{"nothing": 1}', encoding="utf-8")
    with pytest.raises(InputError, match="'phrases' list"):
        read_pps(bad)


def test_empty_export():
    v = vet([], ())
    assert v.entries == [] and v.total == 0
    assert "[[rule]]" not in to_toml(v)  # no rule without entries
    assert tomllib.loads(to_toml(v))["pack"]["kind"] == "lexicon"


def test_shipped_pack():
    """rules/pps/pps.toml: loads with the built-in rules, keeps attribution, flag-only, vetted entries."""
    path = builtin_rules_dir() / "pps" / "pps.toml"
    text = path.read_text(encoding="utf-8")
    assert "CC BY 4.0" in text and "Cabanac" in text and "Magazinov" in text
    rules = [r for r in load_rules().rules if r.id.startswith("pps.")]
    assert {r.id for r in rules} == {"pps.tortured-long", "pps.tortured-short"}
    entries = [tuple(e) for r in rules for e in r.data["entries"]]
    assert len(entries) > 7000 and len({t for t, _ in entries}) == len(entries)
    for t, c in entries:
        assert vet_entry(t, c) == ((t, c), []), (t, c)  # every shipped entry is already clean
    assert all(r.get("confidence") < 0.8 for r in rules)
    assert ("counterfeit consciousness", "artificial intelligence") in entries
