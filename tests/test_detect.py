"""detect: candidates, evidence gates, the spin score, rule kinds and their errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from repair.errors import RuleError
from repair.pipeline import Config, run_text
from repair.rules import load_rules
from repair.stages.detect import Assume, detect, match_case, score
from repair.tells.spelling import decades, letter_k

ROOT = Path(__file__).resolve().parent.parent
RULES = load_rules()


def seed(prefix: str) -> str:
    return next((ROOT / "seeds").glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix,family", [("001", "thesaurus"), ("004", "okay")])
def test_seeds_of_word_for_word_spinners_are_spun_and_attributed(prefix, family):
    d = detect(seed(prefix), RULES)
    assert d.info["spin_score"] >= 0.9
    assert d.info["family"] == family
    assert d.info["evidence"]["tells"][family] > 10


def test_empty_and_plain_text():
    assert detect("", RULES).changes == ()
    d = detect("The council met on Tuesday and approved the budget.", RULES)
    assert (d.changes, d.info["spin_score"], d.info["family"]) == ((), 0.0, None)


def test_family_words_are_flagged_without_evidence_and_applied_with_it():
    alone = run_text("The minister stated that the officers had lengthy waited.", Config.load())
    assert alone.text == "The minister stated that the officers had lengthy waited."
    flagged = [c for c in alone.changes if c.stage == "detect"]
    assert flagged and not any(c.applied for c in flagged)
    spun = run_text("ISIS-Okay grew to become stronger. The minister stated that the officers had lengthy waited.",
                    Config.load())
    assert spun.text == "ISIS-K became stronger. The minister said that the officials had long waited."


def test_unsure_words_are_never_applied_even_in_spun_documents():
    text = "ISIS-Okay grew to become stronger nonetheless, officers stated."
    cfg = Config.load()
    # the rules alone: the unsure word is proposed below the threshold, even though the document is spun
    det = detect(text, cfg.rules)
    assert det.info["spin_score"] >= 0.5
    (rule,) = [c for c in det.changes if c.before == "nonetheless"]
    assert (rule.rule, rule.after) == ("okay.words-unsure", "however") and rule.confidence < cfg.threshold
    # the pipeline: whichever proposal takes the span (the rule's, or the learned model's "still", the
    # okay spinner's original, when it is the surer), it stays below the threshold: flagged
    doc = run_text(text, cfg)
    assert doc.spin_score >= 0.5 and "nonetheless" in doc.text
    (c,) = [c for c in doc.changes if c.before == "nonetheless"]
    assert not c.applied and c.confidence < cfg.threshold
    assert (c.rule, c.after) in (("okay.words-unsure", "however"), ("learned.okay", "still"))


def test_thesaurus_tells_and_case():
    doc = run_text("Whereas there has easy been no allege contact, they would possibly maybe maybe strive.", Config.load())
    assert doc.text.startswith("While there has still been no direct contact, they might try")
    assert match_case("Whereas", "while") == "While"


def test_overlapping_repairs_are_merged_so_a_second_run_changes_nothing():
    cfg = Config.load()
    once = run_text("The Taliban won in decrease than per week, which modified into once fast.", cfg)
    assert "in less than a week" in once.text
    assert run_text(once.text, cfg).text == once.text


@pytest.mark.parametrize("text,before,after", [
    # a repair that re-creates its own phrase
    ("They shared tips on tips on how to cope.", "tips on tips on how to", "how to"),
    # a repair whose output holds another rule's tell ("lengthy" -> "long"), which lost the overlap to it
    ("Nato became weak after a lengthy course of, officials said.", "lengthy course of", "long process"),
])
def test_what_a_second_run_would_repair_is_folded_into_one_change(text, before, after):
    # detect looks at its sure repairs' output as a second run would (issue 11)
    got = [(c.before, c.after, c.confidence >= 0.8) for c in detect(text, RULES, assume=Assume(True, "okay")).changes]
    assert got == [(before, after, True)]


def test_a_context_word_spun_too_counts_in_the_first_look():
    # "form an inclusive government" spun as "type an inclusive authorities": okay.form's context accepts the
    # spun noun, so the first look finds both tells (not only a second look at the repaired text)
    from repair.stages.detect import evidence

    text = "They pushed the Taliban to type an inclusive authorities in Kabul."
    assert evidence(text, RULES).per_rule.get("okay.form") == 1
    got = [(c.before, c.after) for c in detect(text, RULES, assume=Assume(True, "okay")).changes]
    assert got == [("to type ", "to form "), ("authorities", "government")]


def test_a_gate_that_opens_once_another_familys_tells_are_repaired_opens_at_once():
    # the "okay" tell makes the document spun and "okay" its family; once it is repaired, the thesaurus
    # tells alone still make it spun (0.5) and point to their family: the thesaurus gate opened on a
    # second run only
    text = "Protection Secretary the the would dangle mentioned dangle"
    got = {c.before: c.confidence >= 0.8 for c in detect(text, RULES).changes}
    assert got["would dangle"] and got["dangle"] and not got["mentioned"]


def test_protecting_entries_keep_set_phrases():
    doc = run_text("ISIS-Okay grew to become stronger; many of us aid and abet them.", Config.load())
    assert doc.text == "ISIS-K became stronger; many of us aid and abet them."


def test_score_is_calibrated_and_monotone():
    assert score({}, 100) == 0.0
    assert abs(score({"okay": 4.0}, 200) - 0.5) < 1e-9
    values = [score({"okay": w}, 400) for w in (1, 4, 8, 16, 32)]
    assert values == sorted(values) and all(0 <= v < 1 for v in values)
    assert score({"okay": 4.0}, 800) < score({"okay": 4.0}, 200)  # the same tells weigh less in a longer text


@pytest.mark.parametrize("text,expected", [
    ("the Nineteen Nineties", [(4, 21, "1990s")]),
    ("mid-Nineteen Seventies", [(4, 22, "1970s")]),
    ("nineteen ninety", []),
])
def test_decades(text, expected):
    assert list(decades(text)) == expected


@pytest.mark.parametrize("text,ks", [
    ("ISIS-Okay", 1), ("Okay-pop", 1), ("U.Okay.", 1), ("a 5Okay race", 1), ("Vitamin Okay", 1),
    ("Okay, he said.", 0), ("That is okay.", 0), ("It was Okay.", 0), ("Okay-ish", 1),
])
def test_letter_k_only_where_okay_is_a_letter(text, ks):
    assert len(list(letter_k(text))) == ks


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "r.toml").write_text(body, encoding="utf-8")
    return tmp_path


def test_lexicon_rules_use_one_automaton_and_their_own_id(tmp_path):
    rules = load_rules([write(tmp_path, """
[[rule]]
id = "pps.tortured"
stage = "detect"
kind = "lexicon"
family = "pps"
gate = "none"
confidence = 0.9
weight = 2.0
entries = [["counterfeit consciousness", "artificial intelligence"], ["profound learning", "deep learning"]]
""")])
    d = detect("Counterfeit consciousness and profound learning.", rules)
    assert [(c.rule, c.after) for c in d.changes] == [
        ("pps.tortured", "Artificial intelligence"), ("pps.tortured", "deep learning")]
    assert d.info["family"] == "pps" and d.info["spin_score"] >= 0.5


def test_learned_phrase_rules_keep_working(tmp_path):
    rules = load_rules([write(tmp_path, """
[[rule]]
id = "learned.stated"
stage = "detect"
kind = "phrase"
phrase = "stated"
replace = "said"
family = "okay"
confidence = 0.8
weight = 1.0
why = "learned"
""")])
    d = detect("He stated it. She stated it. They stated it. We stated it.", rules)
    assert [c.after for c in d.changes] == ["said"] * 4
    assert d.info["family"] == "okay"


def test_context_conditions(tmp_path):
    rules = load_rules([write(tmp_path, """
[[rule]]
id = "x.ago"
stage = "detect"
phrase = "in the past"
replace = "ago"
gate = "none"
confidence = 0.9
before = '(?:days|weeks) '
not_after = ' (?:decade|century)'
""")])
    got = [c.start for c in detect("two days in the past; weeks in the past decade; in the past", rules).changes]
    assert got == [9]


@pytest.mark.parametrize("body,needle", [
    ('[[rule]]\nid = "x.g"\nstage = "detect"\nphrase = "a"\nreplace = "b"\ngate = "maybe"\n', "gate 'maybe'"),
    ('[[rule]]\nid = "x.l"\nstage = "detect"\nkind = "lexicon"\nentries = [["a"]]\n', "entry 1"),
    ('[[rule]]\nid = "x.b"\nstage = "detect"\nkind = "builtin"\nfunction = "nope"\n', "builtin function 'nope'"),
    ('[[rule]]\nid = "x.c"\nstage = "detect"\nphrase = "a"\nreplace = "b"\nbefore = "("\n', "'before' does not compile"),
    ('[[rule]]\nid = "x.k"\nstage = "detect"\nkind = "zap"\n', "kind 'zap'"),
    ('[[rule]]\nid = "x.p"\nstage = "detect"\nkind = "pattern"\npattern = "a"\n', "needs a string 'replace'"),
])
def test_bad_detect_rules_name_file_and_rule(tmp_path, body, needle):
    with pytest.raises(RuleError) as e:
        Config.load([write(tmp_path, body)])
    assert needle in str(e.value) and "r.toml" in str(e.value)


def test_pattern_needs_a_literal_and_finds_the_same(tmp_path):
    body = """
[[rule]]
id = "x.pc"
stage = "detect"
kind = "pattern"
pattern = '(\\d) p\\.c\\b'
replace = '\\1 percent'
gate = "none"
confidence = 0.9
"""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = load_rules([write(tmp_path / "a", body)])
    needy = load_rules([write(tmp_path / "b", body.replace('kind = "pattern"', 'kind = "pattern"\nneeds = ["p.c"]'))])
    text = "Up 5 p.c today; 7 P.C. later."
    assert [c.after for c in detect(text, plain).changes] == [c.after for c in detect(text, needy).changes] == ["5 percent"]
    with pytest.raises(RuleError, match="'needs' must be a list"):
        (tmp_path / "c").mkdir()
        Config.load([write(tmp_path / "c", body.replace('kind = "pattern"', 'kind = "pattern"\nneeds = "p.c"'))])


def test_machine_translation_is_detected_by_its_traces_without_repairs():
    d = detect(seed("003"), RULES)
    assert d.info["family"] == "mt-roundtrip" and d.info["spin_score"] >= 0.5
    doc = run_text(seed("003"), Config.load())
    assert not [c for c in doc.changes if c.applied and c.stage in ("detect", "match")]


def test_no_break_spaces_between_words_do_not_hide_a_phrase():
    d = detect("It fell,\u00a0correctly\u00a0earlier than the crumple.", RULES)
    got = {(c.before, c.after) for c in d.changes}
    assert ("correctly\u00a0earlier than", "well before") in got
