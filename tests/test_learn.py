"""`repair learn`: alignment, counting, clean-text evidence, and a pack that loads and whose examples pass."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from repair.authoring.benchmark import Pair
from repair.authoring.candidates import extract
from repair.authoring.learn import FLAG_ONLY, confidence, learn
from repair.cli import app
from repair.errors import RepairError
from repair.pipeline import Config, run_text
from repair.rules import builtin_rules_dir, load_rules

PAIRS = [
    Pair("a", "thesaurus", "The former mayor modified into once a teacher and did now not retire.",
         "The former mayor was a teacher and did not retire."),
    Pair("b", "thesaurus", "Her brother modified into once ill, but she did now not go home.",
         "Her brother was ill, but she did not go home."),
    Pair("c", "thesaurus", "The council stated that it would possibly maybe maybe vote.",
         "The council said that it might vote."),
    Pair("d", "thesaurus", "Police stated that the road would possibly maybe maybe reopen.",
         "Police said that the road might reopen."),
    Pair("e", "okay", "Fighters of ISIS-Okay attacked in the Nineteen Nineties.",
         "Fighters of ISIS-K attacked in the 1990s."),
    Pair("f", "okay", "ISIS-Okay grew after the Nineteen Nineties ended.", "ISIS-K grew after the 1990s ended."),
]
CLEAN = ["The minister stated her case clearly. She said nothing else."]


def by_phrase(res):
    return {r.phrase: r for r in res.rules}


@pytest.fixture(scope="module")
def learned():
    # examples checked with the learned rules alone, so the figures do not depend on the built-in packs
    return learn(PAIRS, CLEAN)


def test_extract_finds_substitutions_and_context_variants():
    cands, n = extract(PAIRS)
    assert n == 6
    got = {k: (c.count, len(c.pair_ids)) for k, c in cands.items() if c.bare is None}
    assert got == {
        ("modified into once", "was"): (2, 2),
        ("now not", "not"): (2, 2),  # a deleted token is taken with its neighbour
        ("stated", "said"): (2, 2),
        ("would possibly maybe maybe", "might"): (2, 2),
        ("Okay", "K"): (2, 2),  # surface text is kept, alignment is case-insensitive
        ("Nineteen Nineties", "1990s"): (2, 2),
    }
    assert cands[("stated that", "said that")].bare == ("stated", "said")
    assert cands[("stated that", "said that")].count == 2
    assert cands[("Police stated", "Police said")].count == 1


def test_proposed_rules_and_confidences(learned):
    r = by_phrase(learned)
    assert set(r) == {"modified into once", "now not", "stated", "stated that", "would possibly maybe maybe", "Okay",
                      "Nineteen Nineties"}
    assert r["modified into once"].replace == "was"
    assert r["modified into once"].confidence == 0.88  # 2 distinct pairs: 1 - 0.5**3
    assert r["modified into once"].gate == "family"  # below 0.95: applies only in spun documents
    # 'stated' occurs in clean text: flag-only, low weight, and a negative example from the clean text
    assert r["stated"].clean == 1 and r["stated"].confidence == FLAG_ONLY and r["stated"].weight < 0.5
    assert {"in": "The minister stated her case clearly. She said nothing else",
            "out": "The minister stated her case clearly. She said nothing else"} in [
        {"in": e["in"], "out": e["out"]} for e in r["stated"].examples]
    # ... so its context variant is proposed instead, and applies
    assert r["stated that"].replace == "said that" and r["stated that"].confidence == 0.88
    assert "context variant" in r["stated that"].note
    # a single word is not trusted on a small clean corpus
    assert r["Okay"].confidence == 0.6


def test_sorted_by_evidence(learned):
    keys = [(-r.pairs, -r.count, r.clean) for r in learned.rules]
    assert keys == sorted(keys)


def test_min_count_and_family():
    assert learn(PAIRS, min_count=3).rules == []
    res = learn(PAIRS, min_count=2, family="okay")
    assert {r.phrase for r in res.rules} == {"Okay", "Nineteen Nineties"}
    assert all(r.family == "okay" and r.id.startswith("learned.okay.") for r in res.rules)
    with pytest.raises(RepairError, match="min-count"):
        learn(PAIRS, min_count=0)


def test_ambiguous_spun_side_lowers_confidence():
    pairs = [Pair(str(i), "t", f"Mayor {i} stated it.", f"Mayor {i} said it.") for i in range(3)]
    pairs.append(Pair("x", "t", "Mayor x stated it.", "Mayor x announced it."))
    res = learn(pairs, min_count=1, clean_checked=True)
    stated = {r.replace: r for r in res.rules if r.phrase == "stated"}
    assert set(stated) == {"said", "announced"}
    assert stated["said"].ambiguity == pytest.approx(0.75)
    assert stated["said"].confidence == round(0.9375 * 0.75, 2) == confidence(3, 0.75, 0, 1, True)
    assert stated["announced"].confidence == round(0.75 * 0.25, 2)


def test_confidence_rules():
    assert confidence(1, 1.0, 0, 2, False) == 0.75
    assert confidence(3, 1.0, 0, 2, False) == 0.94
    assert confidence(9, 1.0, 4, 3, True) == FLAG_ONLY
    assert confidence(9, 1.0, 0, 1, False) == 0.6
    assert confidence(9, 1.0, 0, 1, True) == 1.0


def test_empty_input():
    res = learn([])
    assert res.rules == [] and res.pairs == 0
    assert tomllib.loads(res.to_toml())["pack"]["stage"] == "detect"


def test_learned_pack_loads_and_its_examples_pass(tmp_path: Path, learned):
    out = tmp_path / "learned.toml"
    out.write_text(learned.to_toml(), encoding="utf-8")
    rules = load_rules([out])
    assert len(rules.rules) == len(learned.rules) == 7
    alone = Config.load([out])
    for r in rules.rules:
        assert len(r.examples) >= 2
        for ex in r.examples:
            assert run_text(ex.input, alone).text == ex.output, r.id
    # and the rules repair new text where detection finds it spun by the thesaurus spinner ...
    doc = run_text("The mayor modified into once ill and did now not go. Police stated that it would possibly maybe "
                   "maybe rain.", alone)
    assert doc.family == "thesaurus" and doc.spin_score >= 0.5
    assert doc.text == "The mayor was ill and did not go. Police said that it might rain."
    # ... and only flag a lone tell
    doc = run_text("The old bridge modified into once closed.", alone)
    assert doc.text == "The old bridge modified into once closed."
    assert [(c.rule, c.applied) for c in doc.changes] == [("learned.thesaurus.modified-into-once--was", False)]


def test_examples_hold_together_with_the_builtin_rules(tmp_path: Path):
    res = learn(PAIRS, CLEAN, base=load_rules())
    out = tmp_path / "learned.toml"
    out.write_text(res.to_toml(), encoding="utf-8")
    together = Config.load([builtin_rules_dir(), out])
    assert res.rules
    for r in load_rules([out]).rules:
        for ex in r.examples:
            assert run_text(ex.input, together).text == ex.output, r.id


def _write(tmp_path: Path):
    p = tmp_path / "pairs.jsonl"
    p.write_text("".join(json.dumps({"id": x.id, "family": x.family, "spun": x.spun, "original": x.original}) + "\n"
                         for x in PAIRS), encoding="utf-8")
    c = tmp_path / "clean.jsonl"
    c.write_text("".join(json.dumps({"id": f"c{i}", "text": t}) + "\n" for i, t in enumerate(CLEAN)), encoding="utf-8")
    return p, c


def test_cli_learn_end_to_end(tmp_path: Path):
    p, c = _write(tmp_path)
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    out = rules_dir / "learned.toml"
    # --rules names the rules the examples must hold with: here none but the learned ones
    r = CliRunner().invoke(app, ["learn", str(p), "--clean", str(c), "-o", str(out), "--rules", str(rules_dir)])
    assert r.exit_code == 0, r.output
    assert "7 rules (0 apply on their own, 5 only in spun documents, 2 flag-only)" in r.stderr
    first = out.read_text(encoding="utf-8")
    assert ("# modified into once -> was: seen 2x in 2 pairs, 0x in clean text; applies in spun thesaurus documents"
            in first)
    # re-running over the pack it wrote gives the same pack (no clash with its own ids)
    r = CliRunner().invoke(app, ["learn", str(p), "--clean", str(c), "-o", str(out), "--rules", str(rules_dir)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == first
    cfg = Config.load([rules_dir])
    assert run_text("It modified into once late and did now not stop; they stated that it would possibly maybe maybe "
                    "end.", cfg).text == "It was late and did not stop; they said that it might end."


def test_cli_learn_reports_bad_lines_and_goes_on(tmp_path: Path):
    p, c = _write(tmp_path)
    p.write_text(p.read_text(encoding="utf-8") + "{oops\n", encoding="utf-8")
    out = tmp_path / "l.toml"
    (tmp_path / "none").mkdir()
    r = CliRunner().invoke(app, ["learn", str(p), "-o", str(out), "--rules", str(tmp_path / "none")])
    assert r.exit_code == 1
    assert f"{p}:7: malformed JSON" in r.stderr
    assert len(load_rules([out]).rules) == 6  # no clean corpus: 'stated' is flag-only, no variant needed


def test_a_repair_the_base_rules_already_propose_is_left_out(tmp_path: Path):
    (tmp_path / "base.toml").write_text(
        '[[rule]]\nid = "b.modified"\nstage = "detect"\nkind = "phrase"\nphrase = "modified into once"\n'
        'replace = "was"\nconfidence = 0.6\nfamily = "thesaurus"\n'
        'examples = [ { in = "x modified into once y", out = "x modified into once y" } ]\n', encoding="utf-8")
    res = learn(PAIRS, CLEAN, base=load_rules([tmp_path]))
    assert "modified into once" not in by_phrase(res)
    assert res.dropped["already-covered"] == 1
    assert "now not" in by_phrase(res)
