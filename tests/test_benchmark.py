"""The benchmark's metrics on small pairs whose figures are worked out by hand."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.authoring.benchmark import (
    Pair,
    benchmark,
    read_pairs,
    score_clean_text,
    score_texts,
    summarise,
    token_distance,
)
from repair.cli import app
from repair.errors import InputError
from repair.pipeline import Config
from repair.words import tokens

# original: the former minister did not say .          (7 tokens)
# spun:     the feeble minister did now not say .      (8 tokens)
# dist(spun, original) = 2: feeble->former, delete "now"; spun tokens matching the original: 6
ORIG = "The former minister did not say."
SPUN = "The feeble minister did now not say."


def pair(repaired: str, spin: float = 0.9, family: str = "thesaurus", id: str = "p"):
    return score_texts(id, family, spun=SPUN, original=ORIG, repaired=repaired, spin_score=spin)


def test_tokens_lower_case_unify_quotes_and_dashes():
    assert tokens("It\u2019s \u201cOK\u201d \u2014 A-B don't") == ["it's", '"', "ok", '"', "-", "a", "-", "b", "don't"]
    assert tokens("") == []
    assert token_distance(tokens("a b c"), tokens("a x c d")) == 2


@pytest.mark.parametrize("repaired,dist_rep,restoration,damaged", [
    (ORIG, 0, 1.0, 0),                                  # perfect repair
    (SPUN, 2, 0.0, 0),                                  # left alone
    ("The former minister did now not say.", 1, 0.5, 0),  # half repaired
    ("The feeble minister did now not state.", 3, -0.5, 1),  # harm: a matching token changed
    ("The former minister did not say it.", 1, 0.5, 0),  # an insertion is not damage
    ("The former minister did not.", 1, 0.5, 1),         # deleting a matching token is damage
], ids=["perfect", "untouched", "half", "harm", "insertion", "deletion"])
def test_pair_scores_by_hand(repaired, dist_rep, restoration, damaged):
    s = pair(repaired)
    assert (s.spun_tokens, s.dist_spun, s.matched) == (8, 2, 6)
    assert s.dist_repaired == dist_rep
    assert s.restoration == pytest.approx(restoration)
    assert s.damaged == damaged
    assert s.damage == pytest.approx(damaged / 6)


def test_restoration_sums_distances_over_pairs_rather_than_averaging():
    good = pair(ORIG, id="a")  # 2 -> 0
    # 8 spun edits, none repaired
    bad = score_texts("b", "okay", spun="one two three four five six seven eight",
                      original="uno dos tres cuatro cinco seis siete ocho", repaired="one two three four five six seven eight",
                      spin_score=0.2)
    rep = summarise([good, bad], [])
    assert (rep.overall.dist_spun, rep.overall.dist_repaired) == (10, 8)
    assert rep.overall.restoration == pytest.approx(0.2)  # not the mean of 1.0 and 0.0
    assert rep.overall.doc_recall == pytest.approx(0.5)
    assert rep.word_for_word.restoration == pytest.approx(0.2)
    assert rep.families["thesaurus"].restoration == 1.0
    assert rep.families["okay"].restoration == 0.0


def test_word_for_word_is_thesaurus_and_okay_only():
    rep = summarise([pair(ORIG, family="thesaurus"), pair(SPUN, family="okay"), pair(ORIG, family="mt-roundtrip"),
                     pair(SPUN, family="other")], [])
    assert rep.word_for_word.pairs == 2
    assert rep.word_for_word.restoration == pytest.approx(0.5)
    assert rep.overall.pairs == 4
    assert [g.name for g in rep.groups()] == ["overall", "word-for-word", "mt-roundtrip", "okay", "other", "thesaurus"]


def test_doc_recall_threshold_is_inclusive():
    rep = summarise([pair(ORIG, spin=0.5, id="a"), pair(ORIG, spin=0.4999, id="b")], [])
    assert rep.overall.detected == 1


def test_clean_changes_per_10k_counts_word_tokens_only():
    # 6 words plus a full stop; one substitution
    c = score_clean_text("c", "The team said it would go.", "The team stated it would go.", spin_score=0.6)
    assert (c.words, c.edits, c.detected) == (6, 1, True)
    rep = summarise([], [c, score_clean_text("d", "All fine here, really.", "All fine here, really.", 0.1)])
    assert rep.clean.words == 10
    assert rep.clean.changes_per_10k == pytest.approx(1000.0)
    assert rep.clean.doc_fpr == pytest.approx(0.5)
    assert rep.clean.changed_docs == 1


def test_empty_input_gives_undefined_ratios_not_errors():
    rep = summarise([], [])
    for g in rep.groups():
        assert (g.restoration, g.damage, g.doc_recall) == (None, None, None)
    assert (rep.clean.changes_per_10k, rep.clean.doc_fpr) == (None, None)
    same = score_texts("e", "other", spun="", original="", repaired="", spin_score=0.0)
    assert (same.restoration, same.damage) == (None, None)
    assert json.loads(json.dumps(rep.as_dict()))["overall"]["restoration"] is None


# --- end to end through the pipeline, with a rule pack written here ------------------------------

PACK = '''
[pack]
stage = "detect"
kind = "phrase"
family = "thesaurus"

[[rule]]
id = "t.modified-into-once"
phrase = "modified into once"
replace = "was"
confidence = 0.95
weight = 3.0
examples = [ { in = "He modified into once there.", out = "He was there." } ]
'''

PAIRS = [
    {"id": "t1", "family": "thesaurus", "spun": "He modified into once a minister and he modified into once proud.",
     "original": "He was a minister and he was proud."},
    {"id": "m1", "family": "mt-roundtrip", "spun": "The shoes on the ground stay.",
     "original": "The boots on the ground stay."},
]
CLEAN = [{"id": "c1", "text": "The mayor was pleased and said so on Monday."},
         {"id": "c2", "text": "Nothing here was modified into once more than a joke."}]


@pytest.fixture()
def files(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "t.toml").write_text(PACK, encoding="utf-8")
    p = tmp_path / "pairs.jsonl"
    p.write_text("".join(json.dumps(x) + "\n" for x in PAIRS), encoding="utf-8")
    c = tmp_path / "clean.jsonl"
    c.write_text("".join(json.dumps(x) + "\n" for x in CLEAN), encoding="utf-8")
    return rules, p, c


def test_benchmark_runs_the_pipeline(files):
    rules, p, c = files
    cfg = Config.load([rules])
    rep = benchmark([x for x in read_pairs(p)], [(d["id"], d["text"]) for d in CLEAN], cfg)
    t = rep.families["thesaurus"]
    # "modified into once" -> "was" twice: 3 tokens for 1, twice = 2 substitutions + 4 deletions
    assert (t.dist_spun, t.dist_repaired, t.restoration, t.damaged) == (6, 0, 1.0, 0)
    assert t.doc_recall == 1.0
    m = rep.families["mt-roundtrip"]
    assert (m.dist_spun, m.dist_repaired, m.restoration, m.doc_recall) == (1, 1, 0.0, 0.0)
    # the clean document that contains the phrase is (wrongly, by this pack) changed: 3 tokens -> 1
    assert rep.clean.edits == 3
    assert rep.clean.words == 9 + 10
    assert rep.clean.changes_per_10k == pytest.approx(3 / 19 * 10_000)


def test_bench_cli_json(files):
    rules, p, c = files
    r = CliRunner().invoke(app, ["bench", str(p), str(c), "--rules", str(rules), "--json", "--per-doc"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["overall"]["dist_spun"] == 7 and d["overall"]["dist_repaired"] == 1
    assert d["overall"]["restoration"] == pytest.approx(1 - 1 / 7)
    assert d["word-for-word"]["pairs"] == 1
    assert d["clean"]["docs"] == 2 and d["clean"]["edits"] == 3
    assert [x["id"] for x in d["pairs"]] == ["t1", "m1"]
    assert [x["id"] for x in d["clean_docs"]] == ["c1", "c2"]
    assert d["config"] == {"threshold": 0.8, "rules": [str(rules)], "only": [], "skip": [], "model": "off",
                           "tables": "built-in"}


def test_bench_cli_threshold_above_confidence_applies_nothing(files):
    rules, p, c = files
    r = CliRunner().invoke(app, ["bench", str(p), str(c), "--rules", str(rules), "--threshold", "0.99", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["overall"]["restoration"] == 0.0 and d["clean"]["edits"] == 0


def test_bench_cli_table(files):
    rules, p, c = files
    r = CliRunner().invoke(app, ["bench", str(p), str(c), "--rules", str(rules)])
    assert r.exit_code == 0, r.output
    assert "word-for-word" in r.stdout and "thesaurus" in r.stdout and "Clean news" in r.stdout


def test_bench_cli_bad_lines_are_reported_with_file_and_line(files, tmp_path: Path):
    rules, p, c = files
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(PAIRS[0]) + "\n{not json\n" + json.dumps({"id": "x", "spun": "a"}) + "\n",
                   encoding="utf-8")
    r = CliRunner().invoke(app, ["bench", str(bad), str(c), "--rules", str(rules), "--json"])
    assert r.exit_code == 1, r.output
    assert f"{bad}:2: malformed JSON" in r.stderr
    assert f"{bad}:3: a pair needs" in r.stderr
    assert json.loads(r.stdout)["overall"]["pairs"] == 1  # the good line is still measured


def test_bench_cli_empty_files(tmp_path: Path, files):
    rules, _, _ = files
    p, c = tmp_path / "p.jsonl", tmp_path / "c.jsonl"
    p.write_text("", encoding="utf-8")
    c.write_text("", encoding="utf-8")
    r = CliRunner().invoke(app, ["bench", str(p), str(c), "--rules", str(rules), "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["overall"]["pairs"] == 0 and d["overall"]["restoration"] is None
    assert d["clean"]["clean_changes_per_10k"] is None


def test_bench_cli_missing_file_is_an_error(tmp_path: Path, files):
    rules, p, _ = files
    r = CliRunner().invoke(app, ["bench", str(p), str(tmp_path / "nope.jsonl"), "--rules", str(rules)])
    assert r.exit_code == 2  # a path that names nothing: a usage error, as on every command
    assert "nope.jsonl" in r.stderr and "no such file" in r.stderr


def test_read_pairs_defaults(tmp_path: Path):
    f = tmp_path / "x.jsonl"
    f.write_text('{"spun": "a", "original": "b"}\n\n[1]\n', encoding="utf-8")
    items = list(read_pairs(f))
    assert items[0] == Pair("x.jsonl:1", "unknown", "a", "b")
    assert isinstance(items[1], InputError) and items[1].line == 3
